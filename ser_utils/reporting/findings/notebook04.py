"""Notebook 04's "What we found", computed from the tables it wrote."""

from __future__ import annotations

import math

import pandas as pd

from ser_utils import columns as col
from ser_utils import literature
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    ALPHA,
    Finding,
    nested_winner_phrase,
    num,
    pm,
    pvalue,
    signed,
    span,
    test_phrase_plain,
    trial_counts,
)
from ser_utils.training.metrics import paired_test
from ser_utils.training.metrics import verdict as verdict_of


def validation_choice(evaluation: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Per model, the clean winner of the space whose clean winner has the best
    *validation* UAR: rows of ``tuning_winners_evaluation`` joined with ``tuning_studies``' ``clean_val_uar``
    (the pruned studies; the no-pruning ablation is not a space)."""
    val = studies[studies[col.PRUNER] != "none"][["model", "space", "clean_val_uar"]]
    clean = evaluation[evaluation[col.SELECTION] == "clean"].merge(val, on=["model", "space"])
    return clean.loc[clean.groupby("model", sort=False)[col.CLEAN_VAL_UAR].idxmax()]


def findings_04(out_dir) -> list[Finding]:
    out = []
    table = read_table(out_dir, "tuning_seed000_table")
    studies = read_table(out_dir, "tuning_studies")
    if table is not None:
        opt = table[col.OPTIMISM]
        gap = table[col.FRESH_SEED_GAP]
        same = int((gap == 0).sum())
        sel = table[col.SELECTED_MINUS_CLEAN]
        n = len(opt)
        what = (f"{signed(float(opt.iloc[0]))} in the one study" if n == 1 else
                f"{signed(float(opt.mean()))} on average ({span(float(opt.min()), float(opt.max()), signed)}, "
                f"{n} studies)")
        gaps = (f"{signed(float(gap.iloc[0]))}" if n == 1 else f"{signed(float(gap.mean()))} on average")
        same_text = ("both selections picked the same trial" if same == n == 1 else
                     "the two selections picked different trials" if n == 1 else
                     f"in {same} of them both selections picked the same trial")
        out.append(Finding(
            f"[[optimism]] of selecting on the test folds — the paper-style winner's own test UAR (the trial that "
            f"selected it) minus the same configuration's fresh-seed mean: {what}. For comparison, the fresh-seed gap "
            f"between the paper-style and the clean winner is {gaps} ({same_text}).",
            "tables/tuning_seed000_table"))
        head = ("What a paper-style study would report — the winner's test UAR in the very trial that selected it — "
                "minus the clean winner's fresh-seed mean: ")
        if len(sel) < 2:
            out.append(Finding(head + f"{signed(float(sel.iloc[0]))} (one study: no spread, nothing to test).",
                               "tables/tuning_seed000_table"))
        else:
            t = paired_test(sel.to_numpy())
            v = verdict_of(t[col.P], t["underpowered"], ALPHA)
            out.append(Finding(
                head + f"{signed(float(sel.mean()))} ± {num(float(sel.std(ddof=1)))} "
                f"(mean ± std over {len(sel)} studies; higher in {int((sel > 0).sum())} of them; {t[col.TEST]} p = "
                f"{pvalue(t[col.P])} over the studies): that it over-reports is **{v}** at α = {ALPHA}.",
                "tables/tuning_seed000_table"))
        ev = read_table(out_dir, "tuning_winners_evaluation")
        if ev is not None and studies is not None:
            chosen = validation_choice(ev, studies)
            spaces = ev.groupby("model")[col.SPACE].nunique()
            several = chosen[chosen[col.MODEL].map(spaces) > 1]
            shown = several if len(several) else chosen
            parts = []
            for _, b in shown.iterrows():
                slides = literature.PAPER000_TABLE.get(b[col.MODEL])
                parts.append(f"{b[col.MODEL]} ({b[col.SPACE]} space, trial {int(b[col.TRIAL])}): "
                             f"{pm(b[col.UAR_MEAN], b[col.UAR_STD])} (mean ± std over {int(b[col.RUNS])} fresh-seed "
                             "runs; [[WA]] "
                             f"{num(b[col.WA_MEAN])})" + (f", slides (reported) {num(slides[1], 4)}" if slides else ""))
            out.append(Finding(
                "Clean-tuned winners as 04 chooses them — per model, the space whose clean winner has the best "
                "validation UAR over all five folds (no test UAR, but not nested: each fold's validation speakers are "
                f"another fold's test speakers; the nested winner follows): {'; '.join(parts)}.",
                "tables/tuning_winners_evaluation tables/tuning_studies"))
    nw = read_table(out_dir, "tuning_nested_winners")
    if nw is not None and len(nw):
        out.append(Finding("The nested winner — for each test fold, the trial of best validation UAR over the folds "
                           "whose validation speakers are outside it — against the clean winner, on the same fresh "
                           "seeds: " + "; ".join(nested_winner_phrase(r) for _, r in nw.iterrows()) + ".",
                           "tables/tuning_nested_winners"))
    vs = read_table(out_dir, "tuning_vs_defaults")
    if vs is not None and len(vs):
        parts = [f"{r[col.MODEL]} trial {int(r[col.TRIAL])}: {signed(r[col.WINNER_MINUS_DEFAULTS])} UAR against the "
                 "study's "
                 f"defaults ({num(r[col.WINNER_UAR])} vs {num(r[col.DEFAULTS_UAR])}, {test_phrase_plain(r)}; "
                 f"{r[col.CONVERGENCE_VERDICT]})" for _, r in vs.iterrows()]
        out.append(Finding(
            f"What the search bought, at {int(vs[col.EPOCHS].iloc[0])} epochs on the same fresh seeds: "
            + "; ".join(parts) + ".",
            "tables/tuning_vs_defaults"))
    corr = read_table(out_dir, "tuning_val_vs_test")
    if corr is not None and len(corr):
        r = corr.iloc[0]
        within = read_table(out_dir, "tuning_val_vs_test_by_study")
        w = within.dropna(subset=[col.SPEARMAN_RHO]) if within is not None else None
        pooled = " pooled over the studies" if w is None or len(w) != 1 else " (one study)"
        text = (f"Rank correlation of validation UAR (the objective) with the recorded test UAR: Spearman ρ = "
                f"{num(r[col.SPEARMAN_RHO], 2)} over {int(r[col.COMPLETE_TRIALS])} complete trials{pooled} "
                f"(p = {pvalue(r[col.P])})")
        n = int(r[col.COMPLETE_TRIALS])
        if n <= 4:   # exact: only 2 of the n! orderings reach |rho| = 1
            text += (f"; with {n} trials no rank correlation can reach p < 0.05 (the exact smallest p is 2/{n}! = "
                     f"{pvalue(2 / math.factorial(n))}): **underpowered**")
        if w is not None:
            if len(w) > 1:
                text += ("; within each study (≥ 3 complete trials), where the studies' different levels do not "
                         "count: "
                         f"median ρ {num(float(w[col.SPEARMAN_RHO].median()), 2)}, "
                         f"{span(w[col.SPEARMAN_RHO].min(), w[col.SPEARMAN_RHO].max(), lambda x: num(float(x), 2))} "
                         f"over {len(w)} studies of {trial_counts(w[col.COMPLETE_TRIALS])}")
        out.append(Finding(text + ".", "tables/tuning_val_vs_test tables/tuning_val_vs_test_by_study "
                                       "figures/tuning_val_vs_test"))
    pruning = read_table(out_dir, "tuning_pruning")
    if pruning is not None and len(pruning) == 2 and "complete_per_core_hour" in pruning:
        p = pruning.set_index("pruner")
        with_p = p.loc[[i for i in p.index if i != "none"][0]]
        without = p.loc["none"]
        ratio = with_p[col.COMPLETE_PER_CORE_HOUR] / without[col.COMPLETE_PER_CORE_HOUR]
        out.append(Finding(
            f"[[pruning]]: {num(with_p[col.COMPLETE_PER_CORE_HOUR], 0)} complete trials per core-hour with the "
            f"pruner against {num(without[col.COMPLETE_PER_CORE_HOUR], 0)} without ({num(ratio, 2)}×; counting pruned "
            f"trials too: {num(with_p[col.TRIALS_PER_CORE_HOUR], 0)} against "
            f"{num(without[col.TRIALS_PER_CORE_HOUR], 0)}); "
            f"the winner's validation UAR {num(with_p[col.CLEAN_VAL_UAR])} against {num(without[col.CLEAN_VAL_UAR])} "
            f"(one study each: no spread to test).", "tables/tuning_pruning"))
    return out
