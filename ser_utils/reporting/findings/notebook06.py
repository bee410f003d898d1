"""Notebook 06's "What we found", computed from the tables it wrote."""

from __future__ import annotations

from ser_utils import columns as col
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    Finding,
    below_baseline,
    convergence_finding,
    num,
    pm,
    signed,
    within_noise,
)
from ser_utils.training.baselines import LOGREG


def findings_06(out_dir) -> list[Finding]:
    out = []
    table = read_table(out_dir, "sota_our_models")
    if table is not None:
        nets = table[table[col.SOURCE_PAPER] != "baseline"]
        seeds = nets[~nets[col.SOURCE_PAPER].eq("seed 000")]
        ours = nets[nets[col.SOURCE_PAPER].eq("seed 000")]
        if len(seeds) and len(ours):
            bs, bo = seeds.loc[seeds[col.UAR_MEAN].idxmax()], ours.loc[ours[col.UAR_MEAN].idxmax()]
            ties = [r for _, r in seeds.iterrows() if r[col.MODEL] != bs[col.MODEL]
                    and within_noise(bs[col.UAR_MEAN], bs[col.UAR_STD], r[col.UAR_MEAN], r[col.UAR_STD])]
            tie = (" — within noise of " + ", ".join(f"{r[col.MODEL]} ({pm(r[col.UAR_MEAN], r[col.UAR_STD])})"
                                                     for r in ties)
                   + " (difference below the larger std): no single best") if ties else ""
            out.append(Finding(
                f"Highest mean of the seeds' other architectures: {bs[col.MODEL]} ({bs[col.SOURCE_PAPER]}, untuned) "
                "at a [[UAR]] "
                f"of {pm(bs[col.UAR_MEAN], bs[col.UAR_STD])} with {int(bs[col.PARAMETERS]):,} parameters and "
                f"{num(bs[col.CPU_MS], 2)} CPU ms per utterance{tie}; the tuned {bo[col.MODEL]}: "
                f"{pm(bo[col.UAR_MEAN], bo[col.UAR_STD])} with {int(bo[col.PARAMETERS]):,} parameters and "
                f"{num(bo[col.CPU_MS], 2)} ms (mean ± std over {int(bo[col.RUNS])} runs against {int(bs[col.RUNS])}). "
                "Not an equal budget: the seed-000 rows were tuned, the others were not"
                + (f"; they trained {int(bo[col.EPOCHS])} epochs, the others {int(bs[col.EPOCHS])}"
                   if "epochs" in bo and bo[col.EPOCHS] != bs[col.EPOCHS] else "")
                + (f"; schedules: {bs[col.SCHEDULE]} against {bo[col.SCHEDULE]}"
                   if "schedule" in bo and bo[col.SCHEDULE] != bs[col.SCHEDULE] else "")
                + ".", "tables/sota_our_models figures/sota_uar_vs_cost"))
            cheap = nets.loc[nets[col.CPU_MS].idxmin()]
            dear = nets.loc[nets[col.CPU_MS].idxmax()]
            out.append(Finding(
                f"Cost spans {num(dear[col.CPU_MS] / cheap[col.CPU_MS], 1)}× in CPU time: {cheap[col.MODEL]} is the "
                f"cheapest ({num(cheap[col.CPU_MS], 2)} ms, UAR {num(cheap[col.UAR_MEAN])}), {dear[col.MODEL]} the "
                f"dearest ({num(dear[col.CPU_MS], 2)} ms, UAR {num(dear[col.UAR_MEAN])}; "
                f"{signed(dear[col.UAR_MEAN] - cheap[col.UAR_MEAN])}). They differ in architecture, input and tuning "
                f"({str(cheap[col.SETTING]).split(' (')[0]} against {str(dear[col.SETTING]).split(' (')[0]}), so the "
                "difference is not an effect of compute.",
                "tables/sota_our_models figures/sota_uar_vs_cost"))
        base = table[table[col.SOURCE_PAPER] == "baseline"]
        if len(base):
            lr = base.loc[base[col.UAR_MEAN].idxmax()]
            text = (f"The [[baseline]]s: the best of them, {lr[col.MODEL]}, reaches UAR {num(lr[col.UAR_MEAN])} "
                    f"(WA {num(lr[col.WA_MEAN])}). {below_baseline(nets, lr[col.UAR_MEAN], baseline='it')}")
            logreg = base[base[col.MODEL] == LOGREG]
            if len(logreg) and logreg.iloc[0][col.MODEL] != lr[col.MODEL]:
                text += (f" Against the logistic regression on the study's own features "
                         f"({num(logreg.iloc[0][col.UAR_MEAN])}): "
                         + below_baseline(nets, logreg.iloc[0][col.UAR_MEAN]))
            out.append(Finding(text, "tables/sota_our_models"))
    w2v = read_table(out_dir, "sota_wav2vec2_cost")
    if w2v is not None and col.TIMES_END_TO_END in w2v:
        big = w2v.iloc[-1]
        out.append(Finding(
            f"{big[col.MODEL]} with random weights needs {num(big[col.CPU_MS], 0)} CPU ms per utterance from the "
            f"waveform, {num(big[col.TIMES_END_TO_END], 0)}× ResLSTM-SA end to end (its feature extraction "
            f"plus the model, {num(big[col.OURS_END_TO_END_MS], 2)} ms; "
            f"{num(big[col.TIMES_MODEL_ONLY], 0)}× the model alone), for the literature's best accuracies "
            "(reported, not measured here).", "tables/sota_wav2vec2_cost tables/sota_feature_cost"))
    out += convergence_finding(read_table(out_dir, "sota_convergence"),
                               "tables/sota_convergence figures/sota_val_curves", "rows")
    weight = read_table(out_dir, "sota_loss_weightings")
    if weight is not None and len(weight) > 1:
        best = weight.loc[weight[col.UAR_MEAN].idxmax()]
        runs = int(weight[col.RUNS].min())
        out.append(Finding(
            f"Seed 003's loss weightings: UAR from {num(weight[col.UAR_MEAN].min())} to "
            f"{num(weight[col.UAR_MEAN].max())} "
            f"(best {best[col.LOSS_WEIGHTING]}), on {runs} run{'s' if runs > 1 else ''} each"
            + (": too few to rank them." if runs < 3 else "."), "tables/sota_loss_weightings"))
    return out
