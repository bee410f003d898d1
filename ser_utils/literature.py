"""Published numbers, labelled by source. They are literature values to compare
with, never this study's output.

- Seed 001: multi-layer LSTM baseline (Russian-language paper), Table 1: UAR % of
  RNN-I{layers}-h{hidden} with the last layer's state or the concatenated states.
- Seed 000: Krasnoproshin & Vashkevich, "Speech Emotion Recognition using
  Attention-based LSTM-Network with Residual Connection", DSPA 2026 slides: UAR
  mean ± std and max over 10 runs after Optuna tuning.
"""

from __future__ import annotations

import pandas as pd

SEED001_SOURCE = "seed 001, Table 1 (reported)"
SEED000_SOURCE = "seed 000 (Krasnoproshin & Vashkevich, DSPA 2026), results table (reported)"

# (layers, hidden) -> (UAR % last state, UAR % concatenated states); 1-layer models have no concat variant.
SEED001_TABLE1 = {
    (1, 32): (22.40, None), (1, 64): (26.04, None), (1, 128): (31.38, None),
    (2, 32): (23.11, 25.20), (2, 64): (27.08, 28.84), (2, 128): (31.58, 31.71),
    (3, 32): (23.96, 23.96), (3, 64): (29.30, 26.24), (3, 128): (32.10, 32.03),
}

# label -> (reported parameters, UAR mean, UAR std, UAR max)
SEED000_TABLE = {
    "LSTM-SA-h32": ("10.6 k", 0.5352, 0.0123, 0.5547),
    "LSTM-SA-h64": ("28.3 k", 0.5751, 0.0108, 0.5996),
    "LSTM-SA-h128": ("91.6 k", 0.5895, 0.0076, 0.6022),
    "ResLSTM-SA-h32": ("28.0 k", 0.6130, 0.0111, 0.6315),
    "ResLSTM-SA-h64": ("46.8 k", 0.6232, 0.0119, 0.6517),
    "ResLSTM-SA-h128": ("108.9 k", 0.6107, 0.0134, 0.6348),
}

# Seed 000's confusion-matrix remarks for ResLSTM-SA-h64.
SEED000_CONFUSION_CLAIMS = {"happy_recall": 0.448, "neutral_as_happy": 0.188}


def seed001_reported(layers: int, hidden: int, pooling: str) -> float | None:
    """Reported UAR (0-1) of a seed-001 configuration, or None where it has none."""
    last, concat = SEED001_TABLE1[(layers, hidden)]
    value = last if pooling == "last" else concat
    return None if value is None else value / 100


def seed000_reported() -> pd.DataFrame:
    rows = [{"model": k, "reported_params": p, "reported_uar_mean": m, "reported_uar_std": s,
             "reported_uar_max": x, "source": SEED000_SOURCE} for k, (p, m, s, x) in SEED000_TABLE.items()]
    return pd.DataFrame(rows)
