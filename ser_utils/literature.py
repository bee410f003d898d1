"""Published numbers, labelled by source. They are literature values to compare
with, never this study's output.

- Paper 001: multi-layer LSTM baseline (Russian-language paper), Table 1: UAR % of
  RNN-I{layers}-h{hidden} with the last layer's state or the concatenated states.
- Paper 000: Krasnoproshin & Vashkevich, "Speech Emotion Recognition using
  Attention-based LSTM-Network with Residual Connection", DSPA 2026 slides: UAR
  mean ± std and max over 10 runs after Optuna tuning.
"""

from __future__ import annotations

import pandas as pd

PAPER001_SOURCE = "seed 001, Table 1 (reported)"
PAPER000_SOURCE = "seed 000 (Krasnoproshin & Vashkevich, DSPA 2026), results table (reported)"

# (layers, hidden) -> (UAR % last state, UAR % concatenated states); 1-layer models have no concat variant.
PAPER001_TABLE1 = {
    (1, 32): (22.40, None), (1, 64): (26.04, None), (1, 128): (31.38, None),
    (2, 32): (23.11, 25.20), (2, 64): (27.08, 28.84), (2, 128): (31.58, 31.71),
    (3, 32): (23.96, 23.96), (3, 64): (29.30, 26.24), (3, 128): (32.10, 32.03),
}

# label -> (reported parameters, UAR mean, UAR std, UAR max)
PAPER000_TABLE = {
    "LSTM-SA-h32": ("10.6 k", 0.5352, 0.0123, 0.5547),
    "LSTM-SA-h64": ("28.3 k", 0.5751, 0.0108, 0.5996),
    "LSTM-SA-h128": ("91.6 k", 0.5895, 0.0076, 0.6022),
    "ResLSTM-SA-h32": ("28.0 k", 0.6130, 0.0111, 0.6315),
    "ResLSTM-SA-h64": ("46.8 k", 0.6232, 0.0119, 0.6517),
    "ResLSTM-SA-h128": ("108.9 k", 0.6107, 0.0134, 0.6348),
}

# Paper 000's confusion-matrix remarks for ResLSTM-SA-h64.
PAPER000_CONFUSION_CLAIMS = {"happy_recall": 0.448, "neutral_as_happy": 0.188}


def paper001_reported(lstm_layers: int, hidden: int, pooling: str) -> float | None:
    """Reported UAR (0-1) of a paper-001 configuration, or None where it has none."""
    last, concat = PAPER001_TABLE1[(lstm_layers, hidden)]
    value = last if pooling == "last" else concat
    return None if value is None else value / 100


def paper000_reported() -> pd.DataFrame:
    rows = [{"model": k, "reported_params": p, "reported_uar_mean": m, "reported_uar_std": s,
             "reported_uar_max": x, "source": PAPER000_SOURCE} for k, (p, m, s, x) in PAPER000_TABLE.items()]
    return pd.DataFrame(rows)


# Paper 000's state-of-the-art table (RAVDESS speech, 8 emotions): label -> (source,
# parameters as the slides give them, value, the metric the source itself reports).
# The slides list every value under "UAR"; Luna-Jimenez et al. report accuracy on the
# same subject-wise 5 folds as the reference protocol. The other sources were not
# re-read here, so their metric is stated as the slides give it.
PAPER000_SOTA = {
    "AlexNet embeddings + SVM": ("Luna-Jiménez et al. 2021", "61.0 M", 0.4580, "accuracy"),
    "CNN+LSTM": ("Dissanayake et al. 2020", "-", 0.5671, "as listed by seed 000 (UAR), not checked"),
    "GResNet+S": ("Zeng et al. 2019", "-", 0.5970, "as listed by seed 000 (UAR), not checked"),
    "Fine-tuned AlexNet": ("Luna-Jiménez et al. 2021", "61.0 M", 0.6167, "accuracy"),
    "ResLSTM-SA-h64 (seed 000)": ("Krasnoproshin & Vashkevich 2026", "0.05 M", 0.6517,
                                  "UAR, max over 10 runs (mean 0.6232)"),
    "Fine-tuned CNN14 (PANNs)": ("Luna-Jiménez et al. 2021", "81.0 M", 0.7658, "accuracy"),
    "Fine-tuned xlsr-wav2vec 2.0": ("Luna-Jiménez et al. 2022", "317.0 M", 0.8182, "accuracy"),
    "wav2vec 2.0 + augmentation": ("Ibrahim et al. 2024", "317.0 M", 0.8229,
                                   "as listed by seed 000 (UAR), not checked"),
}


def paper000_sota() -> pd.DataFrame:
    """Paper 000's comparison rows, labelled *reported*, with each source's metric."""
    return pd.DataFrame([{"model": k, "source": src, "reported parameters": p, "reported value": v,
                          "metric reported": metric, "kind": "reported (literature)"}
                         for k, (src, p, v, metric) in PAPER000_SOTA.items()])
