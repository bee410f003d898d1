"""Notebook 08's "What we found", computed from the tables it wrote."""

from __future__ import annotations

from ser_utils import columns as col
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    Finding,
    interval,
    num,
    signed,
    test_phrase,
)
from ser_utils.training.metrics import VERDICT, wilson_interval


def shift_findings(out_dir) -> list[Finding]:
    """Notebook 08's shift inside the corpus (``tables/shift_within_corpus``), one finding
    per shift: each direction's UAR in the shifted and in the training condition, the
    speakers' paired test, and whether both directions lose."""
    table = read_table(out_dir, "shift_within_corpus")
    if table is None:
        return []
    out = []
    words = {2: "both directions lose: each model does best on the kind of take it was trained on",
             1: "one direction loses and the other gains: one condition is easier to test on, whichever was "
                "trained on",
             0: "both directions gain: each model does at least as well on the takes it was not trained on"}
    for name, rows in table.groupby("shift", sort=False):
        first = rows.iloc[0]
        runs = int(first[col.RUNS])
        parts = []
        for _, r in rows.iterrows():
            worse, better = r[col.SPEAKERS_WORSE_BETTER].split(" / ")
            parts.append(f"trained on {r[col.TRAINED_ON]}, {num(r[col.UAR_SHIFTED])} on {r[col.TESTED_ON_SHIFTED]} "
                         f"against {num(r[col.UAR_SAME])} on {r[col.TRAINED_ON]} ({signed(r[col.UAR_CHANGE])}; "
                         f"{worse} speakers worse, {better} better, {test_phrase(r)})")
        shown = int((rows[VERDICT] == "shown").sum()) if VERDICT in rows else 0
        verdict = (f" By the means, {words[int((rows[col.UAR_CHANGE] < 0).sum())]}"
                   + (" (both changes shown)" if shown == 2 else
                      " — but only one of the two changes is shown; the other is within noise" if shown == 1 else
                      " — but neither change is shown: a reading of the means only") + "."
                   if len(rows) == 2 else "")
        out.append(Finding(
            f"The {name} shift, new speakers' [[UAR]] over {first[col.CLASSES_SCORED]} classes (mean of {runs} "
            f"run{'s' if runs != 1 else ''} over the study's speaker folds): " + "; ".join(parts) + "." + verdict,
            "tables/shift_within_corpus"))
    return out


def findings_08(out_dir) -> list[Finding]:
    out = shift_findings(out_dir)
    table = read_table(out_dir, "cross_corpus")
    recalls = read_table(out_dir, "cross_corpus_recall")
    if table is None:
        return out
    for _, r in table.iterrows():
        n = int(r[col.FILES_SCORED])
        low, high = wilson_interval(float(r[col.WA]), n)
        notes = r[col.LEFT_OUT_MERGED]
        notes = f" Classes: {notes}." if isinstance(notes, str) and notes else ""
        out.append(Finding(
            f"Trained on {r[col.TRAINED_ON]}, tested on {r[col.TESTED_ON]} (one trained model, one seed): [[UAR]] "
            f"{num(r[col.UAR])} against a chance UAR of {num(r[col.CHANCE_UAR])} "
            f"({signed(r[col.UAR] - r[col.CHANCE_UAR])}) "
            f"over {r[col.SHARED_CLASSES]} shared classes; [[WA]] {num(r[col.WA])}, {interval(low, high, sign=False)} "
            f"(Wilson, {n} of {int(r[col.FILES_IN_CORPUS])} files scored).{notes}", "tables/cross_corpus"))
    if recalls is not None:
        for (train, test), rows in recalls.groupby([col.TRAINED_ON, col.TESTED_ON], sort=False):
            rows = rows[rows[col.FILES] > 0]
            if len(rows) < 2:
                continue
            best, worst = rows.loc[rows[col.RECALL].idxmax()], rows.loc[rows[col.RECALL].idxmin()]
            out.append(Finding(
                f"Per class, {train} → {test}: best recalled {best[col.CLASS]} {num(best[col.RECALL])} "
                f"({int(best[col.FILES])} files), worst {worst[col.CLASS]} {num(worst[col.RECALL])} "
                f"({int(worst[col.FILES])} files).", "tables/cross_corpus_recall"))
    return out
