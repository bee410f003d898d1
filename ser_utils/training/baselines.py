"""Two reference points every results table carries, on the same speaker-independent
folds as the networks: the **majority class** of the training speakers (UAR = 1/classes
by construction) and a **logistic regression** on each utterance's mean and standard
deviation of every feature (a linear model on utterance statistics, as in the classic
SER baselines of Schuller et al. 2009). Both are deterministic and take seconds, so they
are recomputed, never recorded; their folds come back shaped like run records
(``BaselineRecord``) so the reporting functions treat them like any model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ser_utils.training import metrics
from ser_utils.training.records import Predictions

MAJORITY = "majority class"
LOGREG = "logistic regression (feature mean+std)"


@dataclass(frozen=True)
class BaselineRecord:
    """One test fold of a baseline, with the fields of ``RunRecord`` that the reporting
    functions read (never saved: a baseline is recomputed)."""

    label: str
    run: int
    fold: int
    parameters: int
    wall_seconds: float
    test: Predictions
    test_uar: float
    test_wa: float
    test_gender_accuracy: float | None = None


def utterance_stats(features) -> np.ndarray:
    """Per utterance: the mean and the standard deviation over frames of each feature."""
    return np.stack([np.concatenate([f.mean(axis=0), f.std(axis=0)]) for f in features])


def logistic_regression():
    """Standardised inputs, multinomial logistic regression (L2, C = 0.5)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.5))


def speaker_splits(actors, folds) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) indices per fold: test = the fold's test actors, train = every other
    actor (a baseline has no epoch to choose, so the validation speakers train too)."""
    actors = np.asarray(actors)
    return [(np.flatnonzero(~np.isin(actors, f.test)), np.flatnonzero(np.isin(actors, f.test))) for f in folds]


def out_of_fold(X, y, splits, make_classifier=logistic_regression) -> np.ndarray:
    """Each utterance predicted by the classifier fitted on its split's training part."""
    pred = np.empty_like(y)
    for train, test in splits:
        pred[test] = make_classifier().fit(X[train], y[train]).predict(X[test])
    return pred


def majority_out_of_fold(y, splits) -> np.ndarray:
    """Each test utterance predicted as its split's most frequent training class (the
    lowest class index among ties)."""
    pred = np.empty_like(y)
    for train, test in splits:
        pred[test] = np.bincount(y[train]).argmax()
    return pred


def baseline_records(data, folds) -> dict[str, list[BaselineRecord]]:
    """``{MAJORITY: [...], LOGREG: [...]}``: one ``BaselineRecord`` per fold (run 0)."""
    import time

    y = np.asarray(data.labels)
    splits = speaker_splits(data.actors, folds)
    X = utterance_stats(data.features)
    n_classes = int(y.max()) + 1
    out = {}
    for label, predict, parameters in (
            (MAJORITY, lambda: majority_out_of_fold(y, splits), 0),
            (LOGREG, lambda: out_of_fold(X, y, splits), (X.shape[1] + 1) * n_classes)):
        start = time.perf_counter()
        pred = predict()
        seconds = (time.perf_counter() - start) / len(splits)
        ids = np.asarray(data.ids)
        out[label] = [BaselineRecord(label, 0, k, parameters, seconds,
                                     Predictions(list(ids[test]), y[test].tolist(), pred[test].tolist()),
                                     metrics.uar(y[test], pred[test]), metrics.weighted_accuracy(y[test], pred[test]))
                      for k, (_, test) in enumerate(splits)]
    return out
