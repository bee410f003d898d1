"""Notebook 01's experiment: how much of an emotion score is the speaker's? Logistic
regression on utterance statistics (``training.baselines``), scored on random utterance
splits and on speaker-independent folds, and asked to name the actor."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.data.dataset import Dataset
from ser_utils.training import baselines, metrics


def speaker_leakage(data: Dataset, folds, seed: int = 0) -> pd.DataFrame:
    """Logistic regression on per-utterance mean and std of each feature
    (``training.baselines``), scored with random utterance splits (speakers shared) and
    with speaker-independent folds; plus how well the same features identify the actor.
    UAR and WA of the out-of-fold predictions, and the std of the UAR over the splits."""
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415 - heavy: sklearn, one use


    X = baselines.utterance_stats(data.features)
    y, speakers = data.labels, data.speakers
    random_splits = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y))
    speaker_splits = baselines.speaker_splits(speakers, folds)
    rows = []
    for split, splits in (("random utterances (speakers shared)", random_splits),
                          ("speaker-independent folds", speaker_splits)):
        pred = baselines.out_of_fold(X, y, splits)
        rows.append({col.TASK: "emotion", col.SPLIT: split, col.UAR_VALUE: metrics.uar(y, pred),
                     "wa": metrics.weighted_accuracy(y, pred),
                     col.FOLD_UAR_STD: float(np.std([metrics.uar(y[t], pred[t]) for _, t in splits], ddof=1))})
    speaker_ids = np.searchsorted(np.unique(speakers), speakers)
    identity_splits = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, speaker_ids))
    pred = baselines.out_of_fold(X, speaker_ids, identity_splits)
    rows.append({col.TASK: "actor identity", col.SPLIT: "random utterances",
                 col.UAR_VALUE: metrics.uar(speaker_ids, pred, n_classes=len(np.unique(speakers))),
                 "wa": metrics.weighted_accuracy(speaker_ids, pred),
                 col.FOLD_UAR_STD: float(np.std([metrics.uar(speaker_ids[t], pred[t],
                                                             n_classes=len(np.unique(speakers)))
                                               for _, t in identity_splits], ddof=1))})
    out = pd.DataFrame(rows)
    # chance UAR: one over the classes UAR averages over (those the labels hold), not a fixed 8
    out["chance"] = [1 / len(np.unique(y)), 1 / len(np.unique(y)), 1 / len(np.unique(speakers))]
    return out
