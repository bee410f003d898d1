"""Notebook 03's "What we found", computed from the tables it wrote."""

from __future__ import annotations

import pandas as pd

from ser_utils import columns as col
from ser_utils.paths import read_table
from ser_utils.reporting import summaries
from ser_utils.reporting.findings.common import (
    ALPHA,
    Finding,
    below_baseline,
    convergence_finding,
    family_settings,
    interval,
    num,
    pm,
    pvalue,
    signed,
    span,
    t_half,
    test_phrase,
    units,
)
from ser_utils.training.baselines import LOGREG, MAJORITY, STANDARD
from ser_utils.training.metrics import VERDICT, min_attainable_p


def residual_verdict(rows) -> str:
    """Which sizes show ResLSTM-SA better, which LSTM-SA, which neither, from paired-test
    rows (``comparison`` "ResLSTM-SA-hH vs LSTM-SA-hH")."""
    def size(r):
        return r[col.COMPARISON].split(" vs ")[0].rsplit("-", 1)[1]

    shown = rows[VERDICT] == "shown"
    better = [size(r) for _, r in rows[shown & (rows[col.MEAN_DIFF] > 0)].iterrows()]
    worse = [size(r) for _, r in rows[shown & (rows[col.MEAN_DIFF] < 0)].iterrows()]
    neither = [size(r) for _, r in rows[~shown].iterrows()]
    parts = ([f"ResLSTM-SA shown better at {', '.join(better)}"] if better else []) + \
            ([f"LSTM-SA shown better at {', '.join(worse)}"] if worse else []) + \
            ([f"no difference shown at {', '.join(neither)}"] if neither else [])
    return "; ".join(parts)[:1].upper() + "; ".join(parts)[1:]


def nested_findings(out_dir) -> list[Finding]:
    """03's nested choice against the global (not nested) tuned setting (``tables/sa_nested``)."""
    table = read_table(out_dir, "sa_nested")
    if table is None or not len(table):
        return []
    parts = []
    for _, r in table.iterrows():
        runs = int(r[col.RUNS])
        parts.append(f"{r[col.MODEL]} {r[col.NESTED_UAR]} nested against {r[col.GLOBAL_UAR]} not nested "
                     f"({signed(r[col.MEAN_DIFF])} per speaker, "
                     f"{interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}, "
                     f"{int(r[col.PAIRS])} {r[col.UNIT]}s, {r[col.TEST]} p = {pvalue(r[col.P])}, Holm "
                     f"{pvalue(r[col.P_HOLM])}: {r[VERDICT]}; {int(r[col.DISTINCT_SETTINGS])} distinct "
                     f"setting{'s' if int(r[col.DISTINCT_SETTINGS]) != 1 else ''} over the folds)")
    runs = int(table[col.RUNS].iloc[0])
    edge = table[((table[col.DIFF_CI95_LOW] > 0) | (table[col.DIFF_CI95_HIGH] < 0)) & (table[VERDICT] != "shown")]
    note = (f" For {', '.join(edge[col.MODEL])} the bootstrap interval leaves out 0 while the test does not show a "
            "difference: the two disagree at the edge (the percentile bootstrap over few speakers is narrower than "
            "the exact test allows, and a speaker who ties carries no sign in it); the verdict rests on the test."
            if len(edge) else "")
    return [Finding(
        "The tuned setting is not nested (each fold's validation speakers are another fold's test speakers: "
        "[[nested selection]]). Choosing it per test fold from the validation folds outside it, pooled UAR "
        f"(mean ± std over {runs} run{'s' if runs != 1 else ''}): " + "; ".join(parts) + "." + note,
        "tables/sa_nested")]


def spread_findings(out_dir) -> list[Finding]:
    """03's one (run, fold) under several numerics, machines and seeds (``tables/sa_numerics_spread``)."""
    table = read_table(out_dir, "sa_numerics_spread")
    if table is None or not len(table):
        return []
    parts = []
    groups = ((summaries.SPREAD_NUMERICS, "the same seed and data under {n} numerics setting{s}"),
              (summaries.SPREAD_MIXED, "{n} mixed run{s} (pinned training on native features)"),
              (summaries.SPREAD_MACHINE, "as committed from {n} machine{s} nobody recorded"),
              (summaries.SPREAD_SEED, "the fold's {n} committed run{s} (each its own seed)"))
    for varies, what in groups:
        rows = table[table[col.VARIES] == varies][col.TEST_UAR]
        if len(rows):
            parts.append(what.format(n=len(rows), s="s" if len(rows) != 1 else "")
                         + f": {num(rows.min()) if len(rows) == 1 else span(rows.min(), rows.max())}")
    machine = table[table[col.VARIES].isin([summaries.SPREAD_NUMERICS, summaries.SPREAD_MIXED,
                                             summaries.SPREAD_MACHINE])][col.TEST_UAR]
    seeds = table[table[col.VARIES] == summaries.SPREAD_SEED][col.TEST_UAR]
    compare = ""
    if len(machine) > 1 and len(seeds) > 1:
        ratio = (machine.max() - machine.min()) / max(seeds.max() - seeds.min(), 1e-12)
        compare = (" The rounding of one machine against another moves it "
                   + ("about as much as" if 0.5 <= ratio <= 2 else "more than" if ratio > 2 else "less than")
                   + f" a new seed does (range {num(machine.max() - machine.min())} against "
                   f"{num(seeds.max() - seeds.min())}).")
    fold = int(table[col.FOLD].iloc[0])
    return [Finding(f"One fold's test [[UAR]] is a draw (ResLSTM-SA-h64 at batch 4, fold {fold}): "
                    + "; ".join(parts) + "." + compare + " Only pinned numerics make a record replay elsewhere.",
                    "tables/sa_numerics_spread")]


def findings_03(out_dir) -> list[Finding]:
    out = []
    table = read_table(out_dir, "sa_models_table")
    tests = read_table(out_dir, "sa_paired_tests")
    if table is not None:
        nets = table[(table[col.PROTOCOL] == "clean") & (table[col.KIND] == "network")]
        best = nets.loc[nets[col.UAR_MEAN].idxmax()]
        out.append(Finding(
            f"Best model under the clean protocol: {best[col.MODEL]} at a [[UAR]] of "
            f"{pm(best[col.UAR_MEAN], best[col.UAR_STD])} "
            f"(mean ± std) over {int(best[col.RUNS])} runs, {t_half(best)} [[WA]] "
            f"{pm(best[col.WA_MEAN], best[col.WA_STD])}, {int(best[col.EPOCHS])} epochs {family_settings(nets)}; the "
            "slides "
            f"report (quotation) {best[col.SLIDES_UAR_TEXT]} for the model tuned on the test folds.",
            "tables/sa_models_table"))
        base = table[table[col.KIND] == "baseline"].set_index("model")
        if len(base):
            lr = base.loc[LOGREG]
            text = (f"The [[baseline]]s on the same folds: majority class UAR {num(base.loc[MAJORITY, 'uar_mean'])} "
                    f"(WA {num(base.loc[MAJORITY, 'wa_mean'])}); logistic regression on utterance statistics UAR "
                    f"{num(lr[col.UAR_MEAN])} (WA {num(lr[col.WA_MEAN])}). "
                    f"{below_baseline(nets, lr[col.UAR_MEAN], 'clean networks')}")
            for label in [x for x in STANDARD if x in base.index]:
                text += (f" The field's standard reference {label}: UAR {num(base.loc[label, 'uar_mean'])} "
                         f"(WA {num(base.loc[label, 'wa_mean'])}). "
                         + below_baseline(nets, base.loc[label, col.UAR_MEAN], "clean networks", "it")[:-1] + ".")
            out.append(Finding(text, "tables/sa_models_table"))
    if tests is not None:
        clean = tests[tests[col.PROTOCOL] == "clean"]
        same = clean[~clean[col.COMPARISON].str.contains("claim")]
        def part(r) -> str:
            adj = f"; Holm {pvalue(r[col.P_HOLM])}" if col.P_HOLM in r and not pd.isna(r[col.P_HOLM]) else ""
            return (f"{r[col.COMPARISON].split(' vs ')[0].rsplit('-', 1)[1]}: {signed(r[col.MEAN_DIFF])} "
                    f"[{signed(r[col.DIFF_CI95_LOW])}, {signed(r[col.DIFF_CI95_HIGH])}], p = {pvalue(r[col.P])}{adj} "
                    f"({r[VERDICT]})")

        parts = [part(r) for _, r in same.iterrows()]
        paper_rows = tests[tests[col.PROTOCOL] == "paper"]
        paper = paper_rows[paper_rows[VERDICT] == "underpowered"]
        tail = ""
        if len(paper):
            r = paper.iloc[0]
            tail = (f" The paper protocol's {len(paper)} comparisons rest on {units(r)} each (only its "
                    f"first run counts: its reseeding repeats the same seeds): smallest attainable p "
                    f"{pvalue(r[col.MIN_P])} > {ALPHA}, so they are [[underpowered]] — no evidence "
                    "either way.")
        elif len(paper_rows):
            tail = (" Paper protocol (its first run only: its reseeding repeats the same seeds): "
                    + "; ".join(part(r) for _, r in paper_rows.iterrows()) + ".")
        holm = (f", Holm-adjusted over the table's {len(tests)} comparisons (one family)" if col.P_HOLM in tests
                else "")
        out.append(Finding(
            "Does the [[residual connection]] help? ResLSTM-SA minus LSTM-SA, clean protocol, speaker by speaker "
            f"(each of the {units(same.iloc[0])}' UAR averaged over the runs): {'; '.join(parts)} "
            f"({same[col.TEST].iloc[0]} test over the speakers{holm}; 95 % bootstrap CI over the speakers). "
            f"{residual_verdict(same)}.{tail}", "tables/sa_paired_tests"))
        claim = clean[clean[col.COMPARISON].str.contains("claim")]
        if len(claim):
            r = claim.iloc[0]
            direction = ("the opposite of the slides' claim is shown" if r[VERDICT] == "shown"
                         and r[col.MEAN_DIFF] < 0 else "the slides' claim is shown"
                         if r[VERDICT] == "shown" else f"the claim is {r[VERDICT]}")
            setting = ""
            if table is not None:
                row = table[(table[col.PROTOCOL] == "clean") & (table[col.MODEL] == "LSTM-SA-h128")]
                if len(row):
                    n_runs = int(row[col.RUNS].iloc[0])
                    setting = (f" {family_settings(table[table[col.KIND] == 'network'])}"
                               + (f", {int(row[col.EPOCHS].iloc[0])} epochs" if "epochs" in row else "")
                               + f"; the {units(r)} are the pairs, each one's UAR averaged over {n_runs} runs "
                               "(runs on the same speakers are not independent samples of speakers)")
            out.append(Finding(
                f"The slides' claim ResLSTM-SA-h32 > LSTM-SA-h128: {signed(r[col.MEAN_DIFF])} UAR "
                f"({interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}; {test_phrase(r)}): {direction}{setting}.",
                "tables/sa_paired_tests"))
    gap = read_table(out_dir, "sa_protocol_gap")
    if gap is not None and gap[col.PAPER_MINUS_CLEAN].notna().sum() > 1:
        d = gap[col.PAPER_MINUS_CLEAN].dropna().to_numpy()  # models trained under both protocols
        out.append(Finding(
            f"Paper minus clean protocol (leaky normalisation, shared reseeding), mean pooled UAR per model: "
            f"{signed(float(d.mean()))} on average over {len(d)} models ("
            + (f"from {signed(float(d.min()))} to {signed(float(d.max()))}"
               if signed(float(d.min())) != signed(float(d.max()))
               else "the same for each")
            + "), untested: the models are not a sample of anything, and a test over "
            f"{len(d)} models could not give p < 0.05 anyway (the smallest attainable p is "
            f"{pvalue(min_attainable_p(len(d)))}); no paired test compares the protocols speaker by speaker "
            "(the paper row of the paired tests compares the two families within the paper protocol) "
            f"{family_settings(table[table[col.KIND] == 'network']) if table is not None else ''}.",
            "tables/sa_protocol_gap"))
    recall = read_table(out_dir, "sa_per_class_recall")
    if recall is not None and table is not None and out:
        r = recall.set_index("model").loc[best[col.MODEL]]
        emotions = [c for c in recall.columns if c not in ("model", "runs", "UAR", "WA")]
        values = r[emotions].astype(float)
        out[0] = Finding(f"{out[0].text} Its recall per emotion (mean over runs) runs from {num(values.min())} "
                         f"({values.idxmin()}) to {num(values.max())} ({values.idxmax()}).",
                         f"{out[0].source} tables/sa_per_class_recall figures/sa_confusions")
    out += nested_findings(out_dir)
    out += spread_findings(out_dir)
    out += convergence_finding(read_table(out_dir, "sa_convergence"),
                               "tables/sa_convergence figures/sa_learning_curves")
    return out
