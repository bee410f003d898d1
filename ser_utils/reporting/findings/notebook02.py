"""Notebook 02's "What we found", computed from the tables it wrote."""

from __future__ import annotations

import pandas as pd

from ser_utils import columns as col
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    ALPHA,
    Finding,
    convergence_finding,
    holm_phrase,
    interval,
    num,
    pvalue,
    signed,
    test_phrase,
    units,
)
from ser_utils.training.metrics import VERDICT


def findings_02(out_dir) -> list[Finding]:
    out = []
    table = read_table(out_dir, "baseline_sweep_long")
    if table is not None:
        distinct = table[~((table[col.LAYERS] == 1) & (table[col.POOLING] == "concat"))]
        lo, hi = distinct.loc[distinct[col.UAR_MEAN].idxmin()], distinct.loc[distinct[col.UAR_MEAN].idxmax()]
        rep = distinct.dropna(subset=[col.REPORTED_UAR])
        gain = rep[col.UAR_MEAN] - rep[col.REPORTED_UAR]
        runs = "one run each" if distinct[col.UAR_STD].isna().all() else "mean over runs"
        out.append(Finding(
            f"Our {len(distinct)} distinct configurations reach a [[UAR]] of {num(lo[col.UAR_MEAN])} "
            f"({lo[col.NAME]}, {lo[col.POOLING]}) to {num(hi[col.UAR_MEAN])} ({hi[col.NAME]}, {hi[col.POOLING]}), "
            f"{runs}; "
            f"seed 001 reported (quotation) {num(rep[col.REPORTED_UAR].min())}–{num(rep[col.REPORTED_UAR].max())}. "
            f"Ours are higher in {int((gain > 0).sum())} of {len(rep)} configurations (median "
            f"{signed(float(gain.median()))}).", "tables/baseline_table1 figures/baseline_uar_vs_parameters"))
        refs = read_table(out_dir, "sweep_reference_baselines")
        if refs is not None and len(refs):
            parts = [f"{r[col.MODEL]} {num(r[col.UAR_MEAN])} "
                     f"({'below' if hi[col.UAR_MEAN] > r[col.UAR_MEAN] else 'not below'} "
                     f"the best LSTM's {num(hi[col.UAR_MEAN])})" for _, r in refs.iterrows()]
            out.append(Finding("The [[baseline]]s on the same folds, UAR: " + "; ".join(parts) + ".",
                               "tables/sweep_reference_baselines"))
    claims = read_table(out_dir, "baseline_claims")
    if claims is not None:
        c = claims.set_index("key")
        if "size" in c.index:
            r = c.loc["size"]
            text = (f"Bigger is better (seed 001's second conclusion)? UAR rises with the parameter count in rank: "
                    f"Spearman ρ = {num(r[col.VALUE], 2)}, p = {pvalue(r[col.P])}{holm_phrase(r)} over "
                    f"{int(r[col.PAIRS])} "
                    "models"
                    + (f" ({runs})" if table is not None else "")
                    + f" — **{r[VERDICT]}** at α = {ALPHA}")
            if table is not None:
                text += f"; but {depth_comparison(table)}"
            out.append(Finding(text + ".", "tables/baseline_claims tables/baseline_sweep_long"))
        if "concat_pooled" in c.index:
            r = c.loc["concat_pooled"]
            out.append(Finding(
                "Concatenating the layers' states against the last state, speaker by speaker (each speaker's UAR "
                "averaged over the 2- and 3-layer configurations and the runs): "
                f"{signed(r[col.VALUE])} UAR ({interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}; "
                f"{test_phrase(r)}) — "
                f"**{r[VERDICT]}**.", "tables/baseline_claims tables/baseline_concat_vs_last"))
        if "concat_any" in c.index:
            r = c.loc["concat_any"]
            more = ("(a [[paired test]] needs more pairs here: more speakers, or folds where speakers cannot be "
                    "told apart)" if r[VERDICT] == "underpowered" else
                    f"(a [[paired test]] per configuration over {units(r)}, Holm-adjusted with the family's other "
                    "claims)")
            out.append(Finding(
                f"Per configuration, concat against last: {r[col.DETAIL]} — **{r[VERDICT]}** {more}.",
                "tables/baseline_concat_vs_last"))
        if "one_layer" in c.index:
            r = c.loc["one_layer"]
            out.append(Finding(f"Consistency check: a 1-layer `concat` model equals its `last` twin "
                               f"(same parameters, same seeds): **{r[VERDICT]}**.",
                               "tables/baseline_sweep_long"))
    out += convergence_finding(read_table(out_dir, "baseline_convergence"),
                               "tables/baseline_convergence figures/baseline_val_curves", "configurations")
    return out


def depth_comparison(table: pd.DataFrame) -> str:
    """Whether the deepest models beat the next-deepest at equal width, per pooling, and
    which configuration is best (``baseline_sweep_long``: name, layers, hidden, pooling,
    uar_mean)."""
    best = table.loc[table[col.UAR_MEAN].idxmax()]
    head = f"the best configuration is {best[col.NAME]} ({best[col.POOLING]}, {int(best[col.PARAMETERS]):,} parameters)"
    if table[col.LAYERS].nunique() < 2:
        return head
    deep, prev = int(table[col.LAYERS].max()), int(sorted(table[col.LAYERS].unique())[-2])
    parts = []
    for pooling, g in table.groupby("pooling", sort=False):
        w = g.pivot_table(index=col.HIDDEN, columns=col.LAYERS, values=col.UAR_MEAN)
        if deep in w and prev in w:
            below = int((w[deep] < w[prev]).sum())
            parts.append(f"{below} of {len(w)} widths with `{pooling}`")
    below_all = sum(int(x.split(" of ")[0]) for x in parts)
    widths_all = sum(int(x.split(" of ")[1].split()[0]) for x in parts)
    verdict = (": the extra layer did not help at any width" if widths_all and below_all == widths_all else
               ": the extra layer helped at every width" if widths_all and below_all == 0 else "")
    return f"{head}, and {deep} layers score below {prev} at equal width in {' and '.join(parts)}{verdict}"
