"""Refresh the README's results section from a profile's tables:
``python -m ser_utils.reporting.readme --profile quick`` (``make readme``). The section lies
between ``<!-- results:start -->`` and ``<!-- results:end -->``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ser_utils.paths import atomic_path, project_dir, results_dir

START, END = "<!-- results:start -->", "<!-- results:end -->"

SECTIONS = [
    ("sa_models_table", "LSTM-SA vs ResLSTM-SA (notebook 03)"),
    ("sa_paired_tests", "Paired tests, ResLSTM-SA against LSTM-SA (notebook 03)"),
    ("tuning_seed000_table", "Tuned LSTM-SA / ResLSTM-SA: clean vs paper-style selection (notebook 04)"),
    ("tuning_pruning", "What pruning saves (notebook 04)"),
    ("sota_our_models", "Every architecture on one protocol: accuracy and cost (notebook 06)"),
    ("sota_wav2vec2_cost", "wav2vec 2.0 compute, random weights (notebook 06)"),
    ("sota_literature_and_ours", "Seed 000's literature table (reported) next to our rows (notebook 06)"),
    ("baseline_table1", "Multi-layer LSTM baselines, seed 001 Table 1 re-run (notebook 02)"),
    ("embedding_separability", "Raw features vs learned embeddings, held-out speakers (notebook 05)"),
    ("speaker_leakage_logreg", "Why speaker-independent folds (notebook 01)"),
]


LADDER_COLUMNS = ["model", "rung", "description", "n_runs", "runs_planned", "uar_mean", "ci95", "wa_mean",
                  "delta_vs_previous", "p_value", "slides_uar_literature", "authors_code_uar_measured"]


def fidelity_section() -> list[str]:
    """The ladder of ``results/full`` (notebook 07), first: the study's central result."""
    import pandas as pd

    path = results_dir() / "full" / "tables" / "fidelity_ladder.csv"
    if not path.exists():
        return []
    ladder = pd.read_csv(path, dtype={"rung": str})[LADDER_COLUMNS]
    done = int((ladder["n_runs"] == ladder["runs_planned"]).sum())
    return ["### Fidelity ladder: from the clean protocol to the slides (notebook 07, `results/full/`)", "",
            f"{done} of {len(ladder)} rungs have all their runs (100 epochs each); the others are partial or "
            "pending and fill in as `make fidelity PROFILE=full` resumes. `slides_uar_literature` is the "
            "published value; `authors_code_uar_measured` is the authors' own code run on this CPU. Figure: "
            "`results/full/figures/fidelity_waterfall.png`.", "",
            ladder.to_markdown(index=False, floatfmt=".4g"), ""]


def render(profile: str) -> str:
    out = results_dir() / profile
    lines = [START, "", f"Produced by `make reproduce PROFILE={profile}`; tables under `results/{profile}/tables/`, "
             f"executed notebooks under `results/{profile}/notebooks/`. Values marked *reported* are the papers' "
             "published numbers, never this study's output.", ""]
    stamps = sorted((out / "notebooks").glob("*.stamp.json"))
    if stamps:
        lines += ["| notebook | last execution (2 CPU cores; reuses finished run records) |", "|---|---|"]
        for stamp in stamps:
            info = json.loads(stamp.read_text())
            lines.append(f"| {info['notebook']} | {info['seconds'] / 60:.1f} min |")
        lines.append("")
    lines += fidelity_section()
    for name, title in SECTIONS:
        path = out / "tables" / f"{name}.md"
        if path.exists():
            lines += [f"### {title}", "", path.read_text().strip(), ""]
    return "\n".join(lines + [END])


def refresh(profile: str, readme: Path | None = None) -> Path:
    readme = readme or project_dir() / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{readme}: markers {START} ... {END} not found")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    with atomic_path(readme, suffix=".md") as tmp:
        tmp.write_text(head + render(profile) + tail)
    return readme


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ser_utils.reporting.readme", description=__doc__)
    parser.add_argument("--profile", default="quick")
    args = parser.parse_args(argv)
    print(f"refreshed {refresh(args.profile)} from results/{args.profile}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
