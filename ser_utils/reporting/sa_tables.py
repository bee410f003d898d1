"""Notebook 03's tables: LSTM-SA against ResLSTM-SA (paper 000, the slides: seeds/000),
under the clean and the paper protocol, with the baselines on the same folds. Built from
run records; columns are ``columns``' constants."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import literature
from ser_utils.columns import (
    CI95,
    CI95_HIGH,
    CI95_LOW,
    DISTINCT_SETTINGS,
    EPOCHS,
    GLOBAL_UAR,
    GLOBAL_UAR_MEAN,
    KIND,
    MODEL,
    NESTED_UAR,
    NESTED_UAR_MEAN,
    NESTED_UAR_STD,
    PAPER_MINUS_CLEAN,
    PARAMETERS,
    PROTOCOL,
    RUNS,
    SETTING,
    SLIDES_UAR_MAX,
    SLIDES_UAR_TEXT,
    TRAIN_MINUTES,
    UAR_MAX_TEXT,
    UAR_MEAN,
    UAR_STD,
    UAR_TEXT,
    WA_MEAN,
    WA_STD,
    WA_TEXT,
)
from ser_utils.experiments import tuned_setting
from ser_utils.reporting import summaries

MODELS_TABLE = (MODEL, PROTOCOL, KIND, SETTING, PARAMETERS, RUNS, EPOCHS, UAR_TEXT, UAR_MAX_TEXT, CI95, WA_TEXT,
                SLIDES_UAR_TEXT, SLIDES_UAR_MAX, TRAIN_MINUTES, UAR_MEAN, UAR_STD, CI95_LOW, CI95_HIGH, WA_MEAN,
                WA_STD)
NUMERIC_TWINS = (UAR_MEAN, UAR_STD, CI95_LOW, CI95_HIGH, WA_MEAN, WA_STD)   # the text columns' numbers


def models_table(results: dict, baselines: dict, tuned: dict, epochs: int) -> pd.DataFrame:
    """One row per (model, protocol) of ``results`` ({(label, protocol): records}) and per
    baseline (``baselines``: {label: records}, clean protocol): the summary over runs
    (``summaries.summary_row``) as text and as numbers, the setting it was trained with, and
    the slides' reported values for the networks (a quotation, tuned on the test folds)."""
    reported = literature.paper000_reported().set_index("model")
    rows = []
    for (label, protocol), recs in list(results.items()) + [((k, "clean"), v) for k, v in baselines.items()]:
        s = summaries.summary_row(recs)
        network = label in reported.index
        family = recs[0].spec["model"]["name"] if network else None
        rows.append({MODEL: label, PROTOCOL: protocol, KIND: "network" if network else "baseline",
                     SETTING: tuned_setting.describe(tuned, family) if network else "nothing trained",
                     PARAMETERS: s["parameters"], RUNS: s["runs"], EPOCHS: epochs if network else np.nan,
                     UAR_TEXT: summaries.fmt_mean_std(s["uar_mean"], s["uar_std"]), UAR_MAX_TEXT: s["uar_max"],
                     CI95: f"[{s['uar_ci95_low']:.4f}, {s['uar_ci95_high']:.4f}]",
                     WA_TEXT: summaries.fmt_mean_std(s["wa_mean"], s["wa_std"]),
                     SLIDES_UAR_TEXT: summaries.fmt_mean_std(reported.loc[label, "reported_uar_mean"],
                                                         reported.loc[label, "reported_uar_std"]) if network else "",
                     SLIDES_UAR_MAX: reported.loc[label, "reported_uar_max"] if network else np.nan,
                     TRAIN_MINUTES: round(s["train_minutes"], 1),
                     UAR_MEAN: s["uar_mean"], UAR_STD: s["uar_std"], CI95_LOW: s["uar_ci95_low"],
                     CI95_HIGH: s["uar_ci95_high"], WA_MEAN: s["wa_mean"], WA_STD: s["wa_std"]})
    return pd.DataFrame(rows, columns=list(MODELS_TABLE))


def nested_row(label: str, nested_records, global_records, settings: list[dict]) -> dict:
    """The nested choice of one model against its global (not nested) setting, paired
    over speakers (``summaries.paired``); ``settings``: the nested setting of each test fold."""
    s_n, s_g = summaries.summary_row(nested_records), summaries.summary_row(global_records)
    distinct = len({tuple(x[k] for k in tuned_setting.HYPERPARAMETERS) for x in settings})
    return summaries.paired_row(f"{label}: nested vs global (not nested)",
                            summaries.paired(nested_records, global_records),
                            **{MODEL: label, RUNS: s_n["runs"], DISTINCT_SETTINGS: distinct,
                               NESTED_UAR: summaries.fmt_mean_std(s_n["uar_mean"], s_n["uar_std"]),
                               GLOBAL_UAR: summaries.fmt_mean_std(s_g["uar_mean"], s_g["uar_std"]),
                               NESTED_UAR_MEAN: s_n["uar_mean"], NESTED_UAR_STD: s_n["uar_std"],
                               GLOBAL_UAR_MEAN: s_g["uar_mean"]})


def first_runs(results: dict, label: str, protocol: str) -> list:
    """A model's records as the paired tests count them: every clean run, but only the
    paper protocol's first run (its reseeding repeats the same seeds: copies would fake
    significance)."""
    recs = results[(label, protocol)]
    return [r for r in recs if r.run == 0] if protocol == "paper" else recs


def paired_tests(results: dict, sizes, paper_sizes) -> pd.DataFrame:
    """ResLSTM-SA against LSTM-SA at each hidden size, and the slides' claim ResLSTM-SA-h32
    > LSTM-SA-h128, per protocol, speaker by speaker; one family of claims, Holm-adjusted
    together (``summaries.with_holm``)."""
    rows = []
    for protocol in ("clean", "paper"):
        trained = sizes if protocol == "clean" else [h for h in sizes if h in paper_sizes]
        for h in trained:
            c = summaries.paired(first_runs(results, f"ResLSTM-SA-h{h}", protocol),
                             first_runs(results, f"LSTM-SA-h{h}", protocol))
            rows.append(summaries.paired_row(f"ResLSTM-SA-h{h} vs LSTM-SA-h{h}", c, **{PROTOCOL: protocol}))
        if 32 in trained and 128 in trained:
            c = summaries.paired(first_runs(results, "ResLSTM-SA-h32", protocol),
                             first_runs(results, "LSTM-SA-h128", protocol))
            rows.append(summaries.paired_row("ResLSTM-SA-h32 vs LSTM-SA-h128 (the slides' claim)", c,
                                         **{PROTOCOL: protocol}))
    return summaries.with_holm(pd.DataFrame(rows))


def protocol_gap(table: pd.DataFrame) -> pd.DataFrame:
    """Per network of ``models_table``, the mean pooled UAR under each protocol and
    paper − clean (empty where a model trained under one protocol only)."""
    wide = table[table[KIND] == "network"].pivot(index=MODEL, columns=PROTOCOL, values=UAR_MEAN)
    return wide.assign(**{PAPER_MINUS_CLEAN: wide["paper"] - wide["clean"]}).reset_index()
