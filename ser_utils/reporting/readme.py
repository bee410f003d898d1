"""Refresh the README from a profile's tables:
``python -m ser_utils.reporting.readme --profile quick`` (``make readme``). Two generated
sections: the study's questions with today's answers (between ``<!-- answers:start -->``
and ``<!-- answers:end -->``, near the top) and the results tables (between
``<!-- results:start -->`` and ``<!-- results:end -->``). Every number in them is read from
the tables; the fidelity answers from ``results/full/tables`` when the ladder is there, and
"in progress" until then."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils import literature
from ser_utils.paths import atomic_path, project_dir, read_table, results_dir, table_path
from ser_utils.reporting import sa_tables
from ser_utils.reporting.findings import (
    FALLBACK_RUNG,
    GOAL_MODEL_MS,
    GOAL_PARAMETERS,
    GOAL_UAR,
    HEADLINE_RUNG,
    SINGLE_EXPLORATORY,
    ZERO_SPREAD,
    best_single_levers,
    combines_nothing,
    family_settings,
    goal_status,
    num,
    pm,
    pvalue,
    residual_verdict,
    signed,
    single_lever_words,
    span,
    units,
    within_noise,
)
from ser_utils.training.metrics import VERDICT

START, END = "<!-- results:start -->", "<!-- results:end -->"
ANSWERS_START, ANSWERS_END = "<!-- answers:start -->", "<!-- answers:end -->"

SECTIONS = [
    ("sa_models_table", "LSTM-SA vs ResLSTM-SA (notebook 03)"),
    ("sa_paired_tests", "Paired tests, ResLSTM-SA against LSTM-SA (notebook 03)"),
    ("sa_per_class_recall", "Per-class recall, clean protocol, with the baselines (notebook 03)"),
    ("sa_convergence", "Did notebook 03's models converge? (validation UAR in the last fifth of training)"),
    ("tuning_seed000_table", "Tuned LSTM-SA / ResLSTM-SA: clean vs paper-style selection (notebook 04)"),
    ("tuning_vs_defaults", "What the search bought: the clean winner against the study's defaults (notebook 04)"),
    ("tuning_pruning", "What pruning saves (notebook 04)"),
    ("sota_our_models", "Every architecture on one protocol: accuracy and cost (notebook 06)"),
    ("sota_per_class_recall", "Per-class recall of every architecture (notebook 06)"),
    ("sota_wav2vec2_cost", "wav2vec 2.0 compute, random weights (notebook 06)"),
    ("sota_literature_and_ours", "Seed 000's literature table (reported) next to our rows (notebook 06)"),
    ("baseline_table1", "Multi-layer LSTM baselines, seed 001 Table 1 re-run (notebook 02)"),
    ("embedding_separability", "Raw features vs learned embeddings, held-out speakers (notebook 05)"),
    ("speaker_leakage_logreg", "Why speaker-independent folds (notebook 01)"),
    ("what_helps", "What helps a small model, one lever at a time, and the recipe (notebook 09)"),
    ("standard_baselines", "The field's standard baselines: openSMILE functionals + linear SVM (notebook 09)"),
]
# wide tables: the columns the README shows (the CSV keeps them all)
SHOWN = {"what_helps": [col.FAMILY, col.LEVER, col.TRANSDUCTIVE, col.RUNS, col.UAR_MEAN, col.UAR_CI95_LOW,
                        col.UAR_CI95_HIGH, col.WA_MEAN, col.PARAMETERS, col.MODEL_CPU_MS, col.CPU_MS,
                        col.TRAIN_MINUTES, col.DELTA_VS_START, col.P_HOLM, VERDICT]}


# numeric columns that tables keep beside their formatted "mean ± std" twins (for the
# findings); the README shows the formatted ones only
NUMERIC_TWINS = list(sa_tables.NUMERIC_TWINS)
TWINNED = {"sa_models_table", "sota_our_models"}

LADDER_COLUMNS = ["model", "rung", "description", "n_runs", "runs_planned", "uar_mean", "ci95", "wa_mean",
                  "delta_vs_previous", "unit", "pairs", "p_value", "p_holm", "slides_uar_literature",
                  "authors_code_uar_measured"]


def fidelity_section() -> list[str]:
    """The ladder of ``results/full`` (notebook 07), first: the study's central result."""
    ladder = read_table(results_dir() / "full", "fidelity_ladder")
    if ladder is None:
        return []
    ladder = ladder[[c for c in LADDER_COLUMNS if c in ladder]]
    done = int((ladder[col.N_RUNS] == ladder[col.RUNS_PLANNED]).sum())
    status = (f"All {len(ladder)} rungs have all their runs (100 epochs each)." if done == len(ladder) else
              f"{done} of {len(ladder)} rungs have all their runs (100 epochs each); the "
              f"{'other is' if len(ladder) - done == 1 else f'other {len(ladder) - done} are'} partial or pending "
              "and fill in as `make fidelity PROFILE=full` resumes.")
    return ["### Fidelity ladder: from the clean protocol to the slides (notebook 07, `results/full/`)", "",
            f"{status} `slides_uar_literature` is the "
            "published value; `authors_code_uar_measured` is the authors' own code run on this CPU. Figure: "
            "`results/full/figures/fidelity_waterfall.png`.", "",
            ladder.to_markdown(index=False, floatfmt=".4g"), ""]


def zero_spread_note(frame) -> str:
    """A footnote for the rows of a table whose runs all gave the same UAR (``runs`` > 1 and a
    ``uar_std`` of 0, or ~1e-17 from rounding): their ``± 0.0000`` and zero-width interval are a coincidence,
    not a precision. Empty when there is none."""
    if col.UAR_STD not in frame or col.RUNS not in frame:
        return ""
    rows = frame[(frame[col.RUNS] > 1) & (frame[col.UAR_STD] < 1e-12)]
    if not len(rows):
        return ""

    names = ", ".join(f"{r[col.MODEL]} ({int(r[col.RUNS])} runs)" if "model" in r else f"{int(r[col.RUNS])} runs"
                      for _, r in rows.iterrows())
    return f"Note: the `UAR mean ± std` of {names} is ± 0.0000 — {ZERO_SPREAD}."


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
        frame = read_table(out, name)
        if frame is not None:
            note = zero_spread_note(frame)
            frame = frame.drop(columns=[c for c in NUMERIC_TWINS if c in frame and name in TWINNED])
            frame = frame[[c for c in SHOWN[name] if c in frame]] if name in SHOWN else frame
            lines += [f"### {title}", "", frame.to_markdown(index=False, floatfmt=".4g"), ""]
            lines += [note, ""] if note else []
    return "\n".join(lines + [END])


def _link(folder: Path, name: str, kind: str = "tables") -> str:
    ext = "md" if kind == "tables" else "png"
    rel = Path(folder).resolve()
    try:
        rel = rel.relative_to(project_dir())
    except ValueError:
        pass
    return f"[`{name}`]({rel.as_posix()}/{kind}/{name}.{ext})"


def answer_residual(out: Path) -> str:
    """Notebook 03's paired tests, clean protocol, ResLSTM-SA against LSTM-SA per size."""
    tests = read_table(out, "sa_paired_tests")
    if tests is None:
        return "not computed yet (notebook 03)"
    clean = tests[(tests[col.PROTOCOL] == "clean") & ~tests[col.COMPARISON].str.contains("claim")]
    parts = [f"{r[col.COMPARISON].split(' vs ')[0].rsplit('-', 1)[1]} {signed(r[col.MEAN_DIFF])} "
             f"[{signed(r[col.DIFF_CI95_LOW])}, {signed(r[col.DIFF_CI95_HIGH])}]" for _, r in clean.iterrows()]
    models = read_table(out, "sa_models_table")
    epochs = ""
    if models is not None and "epochs" in models:
        nets = models[models[col.KIND] == "network"]
        epochs = f", {int(nets[col.EPOCHS].max())} epochs" if len(nets) else ""
    setting = (family_settings(models[models[col.KIND] == "network"]) if models is not None
               else "default hyperparameters")

    holm = (f", Holm-adjusted over the {len(tests)} comparisons of `sa_paired_tests`" if col.P_HOLM in tests else "")
    text = (f"{residual_verdict(clean)} ({setting}{epochs}): ResLSTM-SA − LSTM-SA UAR {', '.join(parts)} "
            f"(95 % CI over {units(clean.iloc[0])}, each one's UAR averaged over the runs; "
            f"{clean[col.TEST].iloc[0]} test{holm}).")
    claim = tests[(tests[col.PROTOCOL] == "clean") & tests[col.COMPARISON].str.contains("claim")]
    if len(claim):
        r = claim.iloc[0]
        adj = f", Holm-adjusted {pvalue(r[col.P_HOLM])}" if col.P_HOLM in r and r[col.P_HOLM] == r[col.P_HOLM] else ""
        text += (f" The slides' ResLSTM-SA-h32 > LSTM-SA-h128: {signed(r[col.MEAN_DIFF])} "
                 f"[{signed(r[col.DIFF_CI95_LOW])}, {signed(r[col.DIFF_CI95_HIGH])}], p = {pvalue(r[col.P])}{adj} "
                 f"({r[VERDICT]}).")
    return text + f" {_link(out, 'sa_paired_tests')}"


def answer_honest(out: Path, full: Path) -> str:
    """The profile's clean-protocol ResLSTM-SA-h64 (03: the global tuned setting, not nested,
    and the nested choice) against the slides' ResLSTM-SA-h64, and the ladder's headline
    rung, fixed in advance (``findings.HEADLINE_RUNG``; rung 1 stands in, labelled, until
    it is complete), with the oracle bound of selection on test."""

    model = "ResLSTM-SA-h64"
    slides = literature.PAPER000_TABLE[model][1]
    parts = []
    models = read_table(out, "sa_models_table")
    if models is not None and "kind" in models:
        row = models[(models[col.PROTOCOL] == "clean") & (models[col.MODEL] == model)]
        if len(row):
            r = row.iloc[0]
            how = str(r.get("setting", "study defaults")).split(" (")[0]
            epochs = f", {int(r[col.EPOCHS])} epochs" if "epochs" in r else ""
            parts.append(f"{how}{epochs}: {pm(r[col.UAR_MEAN], r[col.UAR_STD])} (mean ± std over {int(r[col.RUNS])} "
                         "runs) "
                         f"{_link(out, 'sa_models_table')}")
    nested = read_table(out, "sa_nested")
    if nested is not None and (nested[col.MODEL] == model).any():
        r = nested[nested[col.MODEL] == model].iloc[0]
        nested_uar = (pm(r[col.NESTED_UAR_MEAN], r[col.NESTED_UAR_STD]) if "nested_uar_std" in r
                      else r[col.NESTED_UAR])  # tables written before the numeric std column: its formatted text
        parts.append(f"nested choice (per test fold), same runs: {nested_uar} (mean ± std) {_link(out, 'sa_nested')}")
    text = ""
    if parts:
        text = (f"Not so far: in the `{out.name}` profile {model} under the clean protocol scores "
                f"{'; '.join(parts)}, against the slides' {num(slides, 4)} (reported).")
    ladder, where, prefix = read_table(full, "fidelity_ladder"), full, " At 100 epochs"
    if ladder is None:
        ladder, where = read_table(out, "fidelity_ladder"), out
        text += " The 100-epoch fidelity ladder (notebook 07, `results/full`) is in progress"
        if ladder is None:
            return text + "."
        text += f"; the records so far, as the `{out.name}` profile's notebook 07 reads them:"
        prefix = ""
    ladder = ladder.dropna(subset=[col.UAR_MEAN])
    done = ladder[ladder[col.COMPLETE].astype(bool)] if "complete" in ladder else ladder
    model_rows = done[done[col.MODEL] == model]
    head = model_rows[model_rows[col.RUNG].astype(str) == HEADLINE_RUNG]
    fallback = model_rows[model_rows[col.RUNG].astype(str) == FALLBACK_RUNG]
    if head.empty and fallback.empty:
        return text + f" rung {HEADLINE_RUNG} (the headline, fixed in advance) is not complete yet."
    top = (head if len(head) else fallback).iloc[0]
    runs = f", {int(top[col.N_RUNS])} runs" if "n_runs" in top else ""
    which = (f"the headline rung {HEADLINE_RUNG}, fixed in advance (hyperparameters chosen per test fold by validation "
             "speakers outside it: no test speaker's score steers its own setting)" if len(head) else
             f"rung {FALLBACK_RUNG} (the global validation choice, not nested) until the headline rung {HEADLINE_RUNG} "
             "is complete")
    text += (f"{prefix} {model} at {which}: UAR {num(top[col.UAR_MEAN])} ± {num(top[col.CI95])} (95 % "
             f"t-interval{runs}), "
             f"{num(top.get('slides_uar_literature', slides) - top[col.UAR_MEAN])} below the slides'")
    p = top.get("p_value", np.nan)
    if not pd.isna(p):
        q = top.get("p_holm", p)
        verdict = "a difference shown" if q < 0.05 else "no difference shown"
        test = (f"exact sign-flip p = {pvalue(p)}, Holm-adjusted {pvalue(q)}, over {int(top[col.PAIRS])} "
                f"{top[col.UNIT]}s" if "p_holm" in top else f"Wilcoxon p = {pvalue(p)}")
        text += f" ({signed(top[col.DELTA_VS_PREVIOUS])} against rung {top[col.PREVIOUS]}, {test}: {verdict})"
    oracle = read_table(where, "fidelity_oracle")
    if oracle is not None and (oracle[col.MODEL] == model).any():
        o = oracle[oracle[col.MODEL] == model].iloc[0]
        text += (f". Even choosing the trial and each fold's epoch on the test speakers reaches only "
                 f"{num(o[col.ORACLE_FOLD_MEAN_UAR])} (mean over folds) {_link(where, 'fidelity_oracle')}")
    return text + f" {_link(where, 'fidelity_ladder')}."


def answer_optimism(out: Path, full: Path) -> str:
    """The [[optimism]] (one meaning: the best-by-test trial's own UAR minus the same
    configuration's fresh-seed mean) of notebook 04's live studies and, when ``full`` has
    it, of notebook 07's 100-epoch studies; beside it, under its own name, the fresh-seed
    gap between the paper-style and the clean winner."""
    table = read_table(out, "tuning_seed000_table")
    text = "not computed yet (notebook 04)."
    if table is not None:
        opt, gap = table[col.OPTIMISM], table[col.FRESH_SEED_GAP]
        if len(opt) == 1:
            text = (f"The optimism — the best-by-test trial's own test UAR minus the same configuration re-run with "
                    f"fresh seeds — is {signed(float(opt.iloc[0]))} UAR in the `{out.name}` profile's one live study "
                    f"(the paper-style winner's fresh-seed mean minus the clean winner's: "
                    f"{signed(float(gap.iloc[0]))}) {_link(out, 'tuning_seed000_table')}.")
        else:
            text = (f"The optimism — the best-by-test trial's own test UAR minus the same configuration re-run with "
                    f"fresh seeds — is {signed(float(opt.mean()))} UAR on average "
                    f"({span(float(opt.min()), float(opt.max()), signed)}, {len(opt)} studies of the `{out.name}` "
                    "profile; the paper-style "
                    f"winner's fresh-seed mean minus the clean winner's: {signed(float(gap.mean()))}) "
                    f"{_link(out, 'tuning_seed000_table')}.")
    optimism, where, prefix = read_table(full, "fidelity_optimism"), full, " At 100 epochs:"
    if optimism is None or "optimism" not in optimism:
        return text + " The 100-epoch estimate (notebook 07, `results/full`) is not there yet."
    rows = optimism.dropna(subset=[col.OPTIMISM])
    parts = [f"{r[col.MODEL]} {r[col.SPACE]} {signed(r[col.OPTIMISM])} ({int(r[col.FRESH_RUNS])} fresh seeds)"
             for _, r in rows.iterrows()]
    return text + f"{prefix} {'; '.join(parts)} {_link(where, 'fidelity_optimism')}."


def answer_architectures(out: Path) -> str:
    """Notebook 06: the papers' other architectures against the tuned paper-000 rows, with cost."""
    table = read_table(out, "sota_our_models")
    if table is None:
        return "not computed yet (notebook 06)."
    nets = table[table[col.SOURCE_PAPER] != "baseline"]
    others, ours = nets[nets[col.SOURCE_PAPER] != "seed 000"], nets[nets[col.SOURCE_PAPER] == "seed 000"]
    if others.empty or ours.empty:
        return "not computed yet (notebook 06)."
    o, t = others.loc[others[col.UAR_MEAN].idxmax()], ours.loc[ours[col.UAR_MEAN].idxmax()]
    ties = [r[col.MODEL] for _, r in others.iterrows()
            if r[col.MODEL] != o[col.MODEL]
            and within_noise(o[col.UAR_MEAN], o[col.UAR_STD], r[col.UAR_MEAN], r[col.UAR_STD])]
    tie = f", within noise of {', '.join(ties)}" if ties else ""
    budget = "the seed models are untuned"
    if "epochs" in o and o[col.EPOCHS] != t[col.EPOCHS]:
        budget += f" and trained {int(o[col.EPOCHS])} epochs against {int(t[col.EPOCHS])}"
    if "schedule" in o and o[col.SCHEDULE] != t[col.SCHEDULE]:
        theirs = "; ".join(f"{r[col.MODEL]}: {r[col.SCHEDULE]}" for _, r in ours.iterrows())
        budget += f" ({o[col.SCHEDULE]}; the seed-000 rows, each its own: {theirs})"
    text = (f"{'Below' if o[col.UAR_MEAN] < t[col.UAR_MEAN] else 'Level with or above'} the tuned LSTM-SA/ResLSTM-SA "
            f"so far, on unequal budgets ({budget}): the highest mean, {o[col.MODEL]} "
            f"({o[col.SOURCE_PAPER]}{tie}), UAR {pm(o[col.UAR_MEAN], o[col.UAR_STD])} (mean ± std) at "
            f"{int(o[col.PARAMETERS]):,} parameters and "
            f"{num(o[col.CPU_MS], 2)} CPU ms per utterance ({int(o[col.RUNS])} runs), against {t[col.MODEL]} "
            f"{pm(t[col.UAR_MEAN], t[col.UAR_STD])} ({int(t[col.RUNS])} runs) at {int(t[col.PARAMETERS]):,} "
            "parameters and "
            f"{num(t[col.CPU_MS], 2)} ms")
    base = table[table[col.SOURCE_PAPER] == "baseline"]
    if len(base):
        b = base.loc[base[col.UAR_MEAN].idxmax()]
        n = int((nets[col.UAR_MEAN] <= b[col.UAR_MEAN]).sum())
        text += f"; the {b[col.MODEL]} baseline: {num(b[col.UAR_MEAN])}, not cleared by {n} of the {len(nets)} networks"
    return text + f" {_link(out, 'sota_our_models')}."


def answer_what_helps(out: Path, full: Path) -> str:
    """Notebook 09: each family's recipe (the headline fixed in advance), the goal, and the
    switch of ``predict``; from ``results/full`` where its notebook 09 has run, else from
    ``out`` saying so."""
    source = full if table_path(full, "what_helps").exists() else out
    what = read_table(source, "what_helps")
    if what is None:
        return "not computed yet (notebook 09)."
    recipe = what[(what[col.LEVER] == "recipe") & ~what[col.TRANSDUCTIVE].astype(bool)]
    if recipe.empty:
        return f"no recipe yet (notebook 09) {_link(source, 'what_helps')}."
    single = read_table(source, "what_helps_recipe_vs_single")
    parts = []
    for _, r in recipe.iterrows():
        ci = (f" [{num(r[col.UAR_CI95_LOW])}, {num(r[col.UAR_CI95_HIGH])}] (95 % t-interval over "
              f"{int(r[col.RUNS])} runs: seed spread only)"
              if not pd.isna(r[col.UAR_CI95_LOW]) else f" ({int(r[col.RUNS])} run)")
        goal = {"meets": "meets the goal",
                "one run": "reaches the goal's UAR on its one run (no interval: that it holds over seeds is not shown)",
                "mean only": f"meets the goal on its mean only (its interval reaches below {GOAL_UAR:.2f})",
                "short": f"stops short of the goal's {GOAL_UAR:.2f}",
                "outside": "is outside the goal's size"}[goal_status(r)]
        goal += (f" (UAR ≥ {GOAL_UAR:.2f} with ≤ {GOAL_PARAMETERS // 1000} k parameters and ≤ {GOAL_MODEL_MS:g} CPU "
                 "ms for the model alone, features aside)")
        start = what[(what[col.FAMILY] == r[col.FAMILY]) & (what[col.LEVER] == "start")]
        gain = (f", {signed(r[col.DELTA_VS_START])} over its start ({num(start[col.UAR_MEAN].iloc[0])}; "
                f"{r[VERDICT]})" if len(start) and not pd.isna(r[col.DELTA_VS_START]) else "")
        parts.append(f"{r[col.FAMILY]}'s recipe (levers chosen per test fold on validation speakers): UAR "
                     f"{num(r[col.UAR_MEAN])}{ci}{gain}, {int(r[col.PARAMETERS]):,} parameters, "
                     f"{num(r[col.MODEL_CPU_MS], 2)} CPU ms for the model and {num(r[col.CPU_MS], 1)} ms end to end; "
                     f"it {goal}" + _single_lever(single, r))
    text = (f"In `{source.name}`" + ("" if source == full else
                                     " (the `full` profile's 5-run answer is still being computed)")
            + ": " + "; ".join(parts))
    vs = read_table(source, "what_helps_vs_checkpoint")
    if vs is not None and len(vs):
        text += (f". Against 03's {vs['checkpoint model'].iloc[0]} ({num(vs['checkpoint UAR'].iloc[0])}): "
                 + "; ".join(f"{v[col.FAMILY]}'s recipe {signed(v[col.MEAN_DIFF])} [{num(v[col.DIFF_CI95_LOW])}, "
                             f"{num(v[col.DIFF_CI95_HIGH])}] over {int(v[col.PAIRS])} speakers, p = {pvalue(v[col.P])} "
                             f"({v[VERDICT]})" for _, v in vs.iterrows())
                 + (f"; `predict` now uses {vs[vs['beats checkpoint'].astype(bool)][col.FAMILY].iloc[0]}'s recipe"
                    if vs["beats checkpoint"].astype(bool).sum() == 1 else
                    "; `predict` now uses the shown recipe of higher validation UAR"
                    if vs["beats checkpoint"].astype(bool).any() else ""))
    links = " ".join(_link(source, t) for t in ("what_helps", "what_helps_recipe_vs_single", "what_helps_vs_checkpoint")
                     if table_path(source, t).exists())
    return text + f" {links}."


def _single_lever(single, recipe) -> str:
    """``; against its best single lever (speed, chosen on validation): +0.035 [...] (not shown)``
    for a recipe's ``what_helps`` row."""
    if single is None or recipe[col.FAMILY] not in set(single[col.FAMILY]):
        return ""
    s = single[single[col.FAMILY] == recipe[col.FAMILY]].iloc[0]
    chosen = single_lever_words(best_single_levers(s))
    if combines_nothing(recipe, s):
        return f"; it combines nothing: in every fold it is the single lever validation picked ({chosen})"
    return (f"; against its best single lever ({chosen}, chosen per test fold on validation speakers; "
            f"UAR {num(s[col.BEST_SINGLE_UAR])}): {signed(s[col.MEAN_DIFF])} [{num(s[col.DIFF_CI95_LOW])}, "
            f"{num(s[col.DIFF_CI95_HIGH])}] over {int(s[col.PAIRS])} speakers ("
            + ("p < 0.05 in a secondary, exploratory comparison: a lead, not a claim)" if s[VERDICT] == "shown"
               and recipe[col.FAMILY] in SINGLE_EXPLORATORY else
               f"{s[VERDICT]}; secondary" + (", exploratory" if recipe[col.FAMILY] in SINGLE_EXPLORATORY else "")
               + ")"))


QUESTIONS = [
    ("Does the residual connection help (ResLSTM-SA against LSTM-SA)?", lambda out, full: answer_residual(out)),
    ("Can the slides' numbers be reached honestly (no test speaker's score steering a choice)?", answer_honest),
    ("How much does selecting on the test folds inflate a result?", answer_optimism),
    ("How do the seeds' other architectures compare, in accuracy and in cost?",
     lambda out, full: answer_architectures(out)),
    ("What is the best a lightweight model reaches honestly, and at what cost?", answer_what_helps),
]


def render_answers(profile: str, out: Path | None = None, full: Path | None = None) -> str:
    out = Path(out or results_dir() / profile)
    full = Path(full or results_dir() / "full")
    source = ("(and `results/full/tables` for the 100-epoch study)"
              if table_path(full, "fidelity_ladder").exists()
              else f"(the 100-epoch study in `results/full` has no tables yet: its records so far are read by the "
                   f"`{out.name}` profile's notebook 07, into `results/{out.name}/tables`)")
    lines = [ANSWERS_START, "", f"Today's answers, generated from the tables of `results/{out.name}` {source} by "
             "`make readme`:", "",
             "| question | today's answer |", "|---|---|"]
    lines += [f"| {q} | {answer(out, full)} |" for q, answer in QUESTIONS]
    return "\n".join(lines + ["", ANSWERS_END])


def _replace(text: str, start: str, end: str, body: str, readme: Path) -> str:
    if start not in text or end not in text:
        raise SystemExit(f"{readme}: markers {start} ... {end} not found")
    head, rest = text.split(start, 1)
    return head + body + rest.split(end, 1)[1]


def refresh(profile: str, readme: Path | None = None) -> Path:
    readme = readme or project_dir() / "README.md"
    text = readme.read_text()
    text = _replace(text, START, END, render(profile), readme)
    text = _replace(text, ANSWERS_START, ANSWERS_END, render_answers(profile), readme)
    with atomic_path(readme, suffix=".md") as tmp:
        tmp.write_text(text)
    return readme


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ser_utils.reporting.readme", description=__doc__)
    parser.add_argument("--profile", default="quick")
    args = parser.parse_args(argv)
    print(f"refreshed {refresh(args.profile)} from results/{args.profile}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
