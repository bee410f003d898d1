"""Notebook 06's tables: the accuracy-and-cost table (UAR, parameters, MFLOPs per second
of audio, CPU ms per utterance) of the rows and costs ``experiments.comparison`` makes,
the baselines beside them, paper 003's loss weightings and the literature's values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils import literature
from ser_utils.reporting import summaries
from ser_utils.training.baselines import STANDARD
from ser_utils.training.records import RunRecord


def schedule(train) -> str:
    """A training budget's learning-rate schedule in words (``training.loop``: Adam,
    cosine annealing to lr/100, restarted every ``T_0`` epochs)."""
    if train.T_0 >= train.epochs:
        return (f"lr {train.lr:.2g}, one cosine cycle over the {train.epochs} epochs (T_0 = {train.T_0}): "
                "down to lr/100 as the budget ends")
    cycles = train.epochs // train.T_0
    return (f"lr {train.lr:.2g}, cosine restarted every {train.T_0} epoch{'s' if train.T_0 > 1 else ''} "
            f"({cycles} cycles)")


def table(rows: list, records: list[list[RunRecord]], costs: list[dict]) -> pd.DataFrame:
    """One line per row (``experiments.comparison.Row``): how it was trained (setting,
    epochs, schedule: what differs between rows), UAR (pooled out-of-fold per run, mean ±
    std over runs), the paper-003 gender accuracy where there is one, parameters (this size
    and the paper's) and the cost figures (``experiments.comparison.model_cost``)."""
    out = []
    for row, recs, c in zip(rows, records, costs):
        s = summaries.summary_row(recs)
        gender = [r.test_gender_accuracy for r in recs if r.test_gender_accuracy is not None]
        out.append({col.MODEL: row.spec.model.label(), col.SOURCE_PAPER: row.paper, "input": row.spec.feature_set,
                    col.SETTING: row.setting, col.EPOCHS: row.spec.train.epochs, col.SCHEDULE: schedule(row.spec.train),
                    col.RUNS: s["runs"],
                    col.UAR: summaries.fmt_mean_std(s["uar_mean"], s["uar_std"]), col.UAR_MEAN: s["uar_mean"],
                    col.UAR_STD: s["uar_std"], col.WA: summaries.fmt_mean_std(s["wa_mean"], s["wa_std"]),
                    col.WA_MEAN: s["wa_mean"],
                    "gender accuracy": float(np.mean(gender)) if gender else np.nan,
                    col.PARAMETERS: c["parameters"],
                    "seed-size parameters": c["seed-size parameters"],
                    "MFLOPs/s audio": round(c["MFLOPs/s audio"], 2), col.CPU_MS: round(c["CPU ms/utt"], 3)})
    return pd.DataFrame(out)


def baseline_table(baselines: dict, feature_set: str = "mfcc+chroma") -> pd.DataFrame:
    """``training.baselines.baseline_records``' baselines as lines of ``table``: UAR and WA
    on the same folds; nothing to time (cost columns empty)."""
    out = []
    for label, recs in baselines.items():
        s = summaries.summary_row(recs)
        functionals = STANDARD.get(label)
        what = (f"openSMILE {functionals} functionals (one vector per utterance)" if functionals else
                f"{feature_set} (utterance mean+std)" if recs[0].parameters else "labels only")
        out.append({col.MODEL: label, col.SOURCE_PAPER: "baseline", "input": what,
                    col.SETTING: "no network (seconds to fit)",
                    col.RUNS: s["runs"], col.UAR: summaries.fmt_mean_std(s["uar_mean"], s["uar_std"]),
                    col.UAR_MEAN: s["uar_mean"], col.UAR_STD: s["uar_std"],
                    col.WA: summaries.fmt_mean_std(s["wa_mean"], s["wa_std"]), col.WA_MEAN: s["wa_mean"],
                    "gender accuracy": np.nan, col.PARAMETERS: s["parameters"], "seed-size parameters": np.nan,
                    "MFLOPs/s audio": np.nan, col.CPU_MS: np.nan})
    return pd.DataFrame(out)


def weighting_table(rows: list, records: list[list[RunRecord]]) -> pd.DataFrame:
    """Paper 003's loss weightings side by side: UAR over runs and gender accuracy."""
    out = []
    for row, recs in zip(rows, records):
        s = summaries.summary_row(recs)
        out.append({col.LOSS_WEIGHTING: row.spec.model.loss_weighting, col.RUNS: s["runs"], col.UAR_MEAN: s["uar_mean"],
                    col.UAR_STD: s["uar_std"], col.WA_MEAN: s["wa_mean"],
                    "gender accuracy": np.mean([r.test_gender_accuracy for r in recs])})
    return pd.DataFrame(out)


def literature_table(table: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Paper 000's reported rows (each with its source's metric) above our measured rows,
    which carry their WA too: an accuracy is compared with a WA, not with a UAR."""
    ours = table.assign(kind=f"measured here ({profile} profile)", source="this study",
                        **{"metric reported": "UAR, pooled out-of-fold, mean over runs"})
    ours = ours.rename(columns={col.UAR_MEAN: "value", col.WA_MEAN: "our WA (comparable with an accuracy)"})[
        ["model", "source", "parameters", "value", "metric reported", "kind", "our WA (comparable with an accuracy)"]]
    lit = literature.paper000_sota().rename(columns={"reported value": "value", "reported parameters": "parameters"})
    return pd.concat([lit, ours], ignore_index=True)


def wav2vec2_table(w2v: pd.DataFrame, ours: pd.Series, feature_cost: pd.DataFrame) -> pd.DataFrame:
    """The wav2vec 2.0 encoders' measured cost (``experiments.comparison.wav2vec2_cost``)
    against ResLSTM-SA's (``ours``: its row of the accuracy-and-cost table). wav2vec 2.0
    reads the waveform (its CNN front end is in its time); ResLSTM-SA's time excludes its
    MFCC+chroma extraction, so the fair ratio adds that (``feature_cost``' first row)."""
    mfcc_ms = float(feature_cost.iloc[0][col.FEATURE_CPU_MS])
    out = w2v.copy()
    out[col.OURS_END_TO_END_MS] = round(ours[col.CPU_MS] + mfcc_ms, 3)
    out[col.TIMES_END_TO_END] = (out[col.CPU_MS] / (ours[col.CPU_MS] + mfcc_ms)).round(0)
    out[col.TIMES_MODEL_ONLY] = (out[col.CPU_MS] / ours[col.CPU_MS]).round(0)
    return out
