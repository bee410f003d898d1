"""Notebook 02's tables: paper 001's multi-layer LSTM sweep re-run (Table 1 of paper 001,
seeds/001), and the baselines the LSTMs must beat. Built from run records; columns are
``columns``' constants."""

from __future__ import annotations

import pandas as pd

from ser_utils import literature
from ser_utils.columns import (
    BEST_LSTM_ABOVE,
    HIDDEN,
    LAYERS,
    MODEL,
    NAME,
    PARAMETERS,
    POOLING,
    REPORTED_UAR,
    SWEEP_TRAIN_MINUTES,
    UAR_MAX,
    UAR_MEAN,
    UAR_STD,
    WA_MEAN,
)
from ser_utils.reporting import summaries

SWEEP_LONG = (NAME, LAYERS, HIDDEN, POOLING, PARAMETERS, UAR_MEAN, UAR_STD, UAR_MAX, WA_MEAN, REPORTED_UAR,
              SWEEP_TRAIN_MINUTES)


def sweep_long(specs, records) -> pd.DataFrame:
    """One row per configuration (``specs[i]`` with its run records ``records[i]``): its
    summary over runs (``summaries.summary_row``) beside the UAR paper 001 reported for it."""
    rows = []
    for spec, recs in zip(specs, records):
        m = spec.model
        s = summaries.summary_row(recs)
        rows.append({NAME: f"RNN-l{m.lstm_layers}-h{m.hidden}",
                     LAYERS: m.lstm_layers, HIDDEN: m.hidden, POOLING: m.pooling,
                     PARAMETERS: s["parameters"], UAR_MEAN: s["uar_mean"], UAR_STD: s["uar_std"],
                     UAR_MAX: s["uar_max"], WA_MEAN: s["wa_mean"],
                     REPORTED_UAR: literature.paper001_reported(m.lstm_layers, m.hidden, m.pooling),
                     SWEEP_TRAIN_MINUTES: s["train_minutes"]})
    return pd.DataFrame(rows, columns=list(SWEEP_LONG))


def table1(sweep: pd.DataFrame) -> pd.DataFrame:
    """Paper 001's Table 1 layout: per configuration, the last-state and concatenated
    pooling side by side, ours beside the reported values. A 1-layer model has no
    concatenation (its concat twin equals its last), so those cells are empty."""
    last = sweep[sweep[POOLING] == "last"].set_index(NAME)
    concat = sweep[sweep[POOLING] == "concat"].set_index(NAME)
    deep = concat[LAYERS] > 1
    return pd.DataFrame({
        LAYERS: last[LAYERS], HIDDEN: last[HIDDEN],
        "params (last)": last[PARAMETERS], "UAR last (ours)": last[UAR_MEAN], "WA last (ours)": last[WA_MEAN],
        "UAR last (seed 001, reported)": last[REPORTED_UAR],
        "params (concat)": concat[PARAMETERS].where(deep).astype("Int64"),
        "UAR concat (ours)": concat[UAR_MEAN].where(deep),
        "WA concat (ours)": concat[WA_MEAN].where(deep),
        "UAR concat (seed 001, reported)": concat[REPORTED_UAR],
    }).reset_index()


def reference_baselines(references: dict, sweep: pd.DataFrame) -> pd.DataFrame:
    """The baselines' UAR and WA on the same folds (``references``: {label: records}),
    and whether the sweep's best LSTM clears each."""
    rows = []
    for label, recs in references.items():
        s = summaries.summary_row(recs)
        rows.append({MODEL: label, UAR_MEAN: s["uar_mean"], WA_MEAN: s["wa_mean"],
                     BEST_LSTM_ABOVE: bool(sweep[UAR_MEAN].max() > s["uar_mean"])})
    return pd.DataFrame(rows, columns=[MODEL, UAR_MEAN, WA_MEAN, BEST_LSTM_ABOVE])
