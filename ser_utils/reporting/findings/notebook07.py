"""Notebook 07's "What we found", computed from the tables it wrote."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    FALLBACK_RUNG,
    HEADLINE_RUNG,
    Finding,
    num,
    pvalue,
    signed,
)

# rung -> the rung whose configuration and seeds it repeats (``training.fidelity.ladder``:
# rung 6b is ``authors_spec`` with distinct seeds, rung 4's spec; its first runs are rung 4's records)
SAME_RECORDS = {"6b": "4"}


def _runs(row) -> str:
    planned = int(row[col.RUNS_PLANNED]) if "runs_planned" in row and not pd.isna(row[col.RUNS_PLANNED]) else None
    n = int(row[col.N_RUNS])
    return f"{n} of {planned} runs" if planned is not None and planned != n else f"{n} run{'s' if n != 1 else ''}"


def _complete(row) -> bool:
    return bool(row[col.COMPLETE]) if "complete" in row and not pd.isna(row[col.COMPLETE]) else True


def ladder_summary(model: str, rows: pd.DataFrame) -> str:
    """One model's ladder in a few sentences: the headline rung, fixed before its numbers
    were seen (``HEADLINE_RUNG``, the nested choice; while it is incomplete, rung 1 stands
    in, labelled not nested), with its interval and paired test; which rungs are
    incomplete or pending; selection on test; and which rungs share records."""
    slides = rows[col.SLIDES_UAR_LITERATURE].iloc[0]
    done = rows.dropna(subset=[col.UAR_MEAN])
    text = f"**{model}** (slides, reported: {num(slides, 4)}; ours: mean UAR ± the 95 % t-interval over runs)."
    headline = done[(done[col.RUNG] == HEADLINE_RUNG) & done.apply(_complete, axis=1)]
    fallback = done[(done[col.RUNG] == FALLBACK_RUNG) & done.apply(_complete, axis=1)]
    if len(headline) or len(fallback):
        h = (headline if len(headline) else fallback).iloc[0]
        ci = "" if pd.isna(h[col.CI95]) else f" ± {num(h[col.CI95])}"
        what = (f"the headline rung {HEADLINE_RUNG} (fixed before its numbers were seen: hyperparameters chosen per "
                "test fold by validation speakers outside it, so no test speaker's score steers its own setting)"
                if len(headline)
                else f"rung {FALLBACK_RUNG} in place of the headline rung {HEADLINE_RUNG}, which is not complete yet "
                "(rung 1's setting is not nested: each fold's validation speakers are another fold's test speakers)")
        text += (f" {what[:1].upper() + what[1:]}: UAR {num(h[col.UAR_MEAN])}{ci} over {_runs(h)}, "
                 f"{num(slides - h[col.UAR_MEAN])} below the slides")
        if "delta_vs_previous" in h and not pd.isna(h[col.DELTA_VS_PREVIOUS]):
            test = "" if pd.isna(h[col.P_VALUE]) else \
                (f", exact sign-flip p = {pvalue(h[col.P_VALUE])}"
                 + (f" (Holm-adjusted over the ladder's comparisons {pvalue(h[col.P_HOLM_LADDER])})"
                    if col.P_HOLM_LADDER in h else "")
                 + f" over {int(h[col.PAIRS])} {h[col.UNIT]}s" if "pairs" in h else
                 f", Wilcoxon p = {pvalue(h[col.P_VALUE])} over {int(h[col.PAIRED_FOLDS])} paired folds")
            counts = str(h.get("better / worse / tied", "") or "")
            if counts.count("/") == 2 and not pd.isna(h[col.P_VALUE]):
                better, worse, tied = (int(x) for x in counts.split("/"))
                test += (f", {tied} of them tied (the folds where both rungs share records), {better} better, "
                         f"{worse} worse; smallest attainable p {pvalue(h[col.MIN_P])}") if tied else ""
            text += f"; {signed(h[col.DELTA_VS_PREVIOUS])} against rung {h[col.PREVIOUS]}{test}"
        text += "."
    else:
        text += f" Neither rung {HEADLINE_RUNG} nor rung {FALLBACK_RUNG} is complete yet."
    unfinished = [f"{r[col.RUNG]} ({_runs(r)})" for _, r in done.iterrows() if not _complete(r)]
    pending = list(rows[rows[col.UAR_MEAN].isna()][col.RUNG])
    if unfinished:
        text += f" Incomplete, so not ranked: rung {', '.join(unfinished)}."
    if pending:
        text += f" Pending: rung {', '.join(pending)}."
    sel = done[(done[col.RUNG] == "5a")]
    if len(sel):
        text += (f" Selecting the trial on the test speakers (rung 5a, its own test UAR) gives "
                 f"{num(sel[col.UAR_MEAN].iloc[0])}: not an honest number.")
    for rung, same in SAME_RECORDS.items():
        a, b = rows[rows[col.RUNG] == rung], rows[rows[col.RUNG] == same]
        if len(a) and len(b) and not pd.isna(a[col.UAR_MEAN].iloc[0]):
            n_a, n_b = int(a[col.N_RUNS].iloc[0]), int(b[col.N_RUNS].iloc[0])
            which = "its runs so far are" if n_a <= n_b else f"its first {n_b} runs are"
            text += (f" Rung {rung} is rung {same}'s configuration with the same seeds: {which} rung {same}'s "
                     "records, not an independent confirmation.")
    return text


def trials_of(row) -> str:
    """``60 trials of two search spaces (seed000 30, reference 30)`` from an oracle row;
    ``30 trials`` for one space (or a table without ``trials_by_space``)."""
    n = f"{int(row[col.COMPLETE_TRIALS])} trials"
    by = str(row.get("trials_by_space", "") or "")
    if " + " not in by:
        return n
    parts = by.split(" + ")
    return f"{n} of {len(parts)} search spaces pooled ({', '.join(parts)})"


def findings_07(out_dir) -> list[Finding]:
    out = []
    ladder = read_table(out_dir, "fidelity_ladder")
    if ladder is not None:
        for model, rows in ladder.groupby("model", sort=False):
            text = ladder_summary(model, rows)
            anchor = rows[rows[col.RUNG] == "6a"]
            if len(anchor) and not np.isnan(anchor[col.UAR_MEAN].iloc[0]):
                a = anchor.iloc[0]
                text += (f" The authors' setting with their reseeding (rung 6a) gives {num(a[col.UAR_MEAN])}; their "
                         "own "
                         f"code gave {num(a[col.AUTHORS_CODE_UAR])} on this CPU (difference "
                         f"{signed(a[col.UAR_MEAN] - a[col.AUTHORS_CODE_UAR])}).")
            text += " Every rung, with its interval and paired test, is in the table."
            out.append(Finding(text, "tables/fidelity_ladder figures/fidelity_waterfall"))
    oracle = read_table(out_dir, "fidelity_oracle")
    if oracle is not None and len(oracle):
        parts = [f"{r[col.MODEL]}: the best-by-test trial {num(r[col.PAPER_STYLE_POOLED_UAR])} pooled "
                 f"({num(r[col.PAPER_STYLE_FOLD_MEAN_UAR])} as a mean over folds), and with each fold's epoch also "
                 "picked "
                 f"on its test speakers {num(r[col.ORACLE_FOLD_MEAN_UAR])} (mean over folds, {trials_of(r)}), "
                 f"against the slides' {num(r[col.SLIDES_UAR_LITERATURE], 4)} (reported) and the authors' own "
                 f"code's {num(r[col.AUTHORS_CODE_UAR])} (measured on a CPU)"
                 for _, r in oracle.iterrows()]
        short = [r[col.MODEL] for _, r in oracle.iterrows()
                 if r[col.ORACLE_FOLD_MEAN_UAR] < r[col.SLIDES_UAR_LITERATURE]]
        out.insert(0, Finding(
            "How far even selection on the test set gets: " + "; ".join(parts) + ". "
            + (f"For {' and '.join(short)} not even the oracle — trial and epoch both chosen on the test speakers — "
               "reaches the slides' number: test-set selection alone does not explain it."
               if short else "The oracle reaches the slides' number: test-set selection could explain it."),
            "tables/fidelity_oracle"))
    optimism = read_table(out_dir, "fidelity_optimism")
    if optimism is not None and len(optimism):
        parts = [f"{r[col.MODEL]} {r[col.SPACE]}: {signed(r[col.OPTIMISM])} (trial #{int(r[col.TRIAL])}: "
                 f"{num(r[col.TRIAL_TEST_UAR])} in the search, {num(r[col.FRESH_UAR_MEAN])} over "
                 f"{int(r[col.FRESH_RUNS])} "
                 "fresh seeds)" for _, r in optimism.iterrows() if not np.isnan(r[col.OPTIMISM])]
        if parts:
            out.append(Finding("[[optimism]] of selecting on test — each study's best-by-test trial's own UAR minus "
                               f"the same configuration's fresh-seed mean: {'; '.join(parts)}.",
                               "tables/fidelity_optimism tables/fidelity_winners_fresh"))
    gap = read_table(out_dir, "fidelity_selection_gap")
    if gap is not None and len(gap):
        parts = [f"{r[col.MODEL]} {r[col.SPACE]}: {signed(r[col.SELECTION_GAP])} over {int(r[col.COMPLETE_TRIALS])} "
                 "trials"
                 for _, r in gap.iterrows()]
        out.append(Finding("The selection gap — expected test UAR of the best-by-test trial minus that of the "
                           f"best-by-validation one, all trials searched (the end of each curve): {'; '.join(parts)}. "
                           "It is not the optimism: both terms are trials' own numbers, no fresh seeds.",
                           "tables/fidelity_selection_gap figures/fidelity_best_of_n"))
    spent = read_table(out_dir, "fidelity_compute")
    if spent is not None and len(spent):
        total = spent[spent["records"] == "all"].iloc[0]
        out.append(Finding(f"Behind these numbers: {num(total[col.CORE_HOURS], 1)} core-hours in "
                           f"{int(total['folds'])} trained folds.", "tables/fidelity_compute"))
    return out
