"""Two reference points every results table carries, on the same speaker-independent
folds as the networks: the **majority class** of the training speakers (UAR = 1/classes
by construction) and a **logistic regression** on each utterance's mean and standard
deviation of every feature (a linear model on utterance statistics, as in the classic
SER baselines of Schuller et al. 2009). Both are deterministic and take seconds, so they
are recomputed, never recorded; their folds come back shaped like run records
(``BaselineRecord``) so the reporting functions treat them like any model."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from ser_utils.data.functionals import load_functionals
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
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.5))


def speaker_splits(speakers, folds) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) indices per fold: test = the fold's test actors, train = every other
    actor (a baseline has no epoch to choose, so the validation speakers train too)."""
    speakers = np.asarray(speakers)
    return [(np.flatnonzero(~np.isin(speakers, f.test)), np.flatnonzero(np.isin(speakers, f.test))) for f in folds]


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
    y = np.asarray(data.labels)
    splits = speaker_splits(data.speakers, folds)
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


# ---------------------------------------------------------------- the field's standard baselines (issue 27)

EGEMAPS_SVM = "linear SVM (eGeMAPS functionals, 88)"
COMPARE_SVM = "linear SVM (ComParE 2016 functionals, 6373)"
STANDARD = {EGEMAPS_SVM: "egemaps", COMPARE_SVM: "compare"}   # label -> openSMILE functionals
SVM_C = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def linear_svm(C: float):
    """Standardised inputs (the scaler fitted on the speakers it is trained on), a linear
    SVM (one-vs-rest, squared hinge, scikit-learn's ``LinearSVC``)."""
    return make_pipeline(StandardScaler(), LinearSVC(C=C, max_iter=20000))


def nested_svm(X, y, speakers, fold, grid=SVM_C) -> tuple[object, float, dict]:
    """One fold's SVM: each C of ``grid`` fitted on the fold's training speakers and scored
    (UAR) on its validation speakers (never its test speakers); the best C (the smallest
    on ties) refitted on training + validation speakers. Returns the fitted pipeline, C
    and each C's validation UAR."""

    speakers = np.asarray(speakers)
    train, val = np.isin(speakers, fold.train), np.isin(speakers, fold.validation)
    scores = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for C in grid:
            if val.any():
                scores[C] = metrics.uar(y[val], linear_svm(C).fit(X[train], y[train]).predict(X[val]))
            else:
                scores[C] = 0.0
        best = max(grid, key=lambda c: (scores[c], -c))
        fit = train | val
        return linear_svm(best).fit(X[fit], y[fit]), best, scores


def standard_baseline_records(data, folds, cache_root=None, progress: bool = False,
                              which=tuple(STANDARD)) -> tuple[dict, pd.DataFrame]:
    """The field's standard references on the study's folds: openSMILE's eGeMAPS (88) and
    ComParE 2016 (6373) functionals of each utterance with a linear SVM, C nested on each
    fold's validation speakers (``nested_svm``). Returns ``{label: [BaselineRecord per
    fold]}`` and the C chosen per fold (with its validation UAR)."""

    y = np.asarray(data.labels)
    ids = np.asarray(data.ids)
    out, chosen = {}, []
    for label in which:
        X = load_functionals(data.index["path"], STANDARD[label], cache_root=cache_root, progress=progress)
        n_classes = int(y.max()) + 1
        recs = []
        for k, fold in enumerate(folds):
            start = time.perf_counter()
            model, C, scores = nested_svm(X, y, data.speakers, fold)
            test = np.flatnonzero(np.isin(data.speakers, fold.test))
            pred = model.predict(X[test])
            recs.append(BaselineRecord(label, 0, k, (X.shape[1] + 1) * n_classes, time.perf_counter() - start,
                                       Predictions(list(ids[test]), y[test].tolist(), pred.tolist()),
                                       metrics.uar(y[test], pred), metrics.weighted_accuracy(y[test], pred)))
            chosen.append({"baseline": label, "fold": k, "C": C, "validation UAR": scores[C]})
        out[label] = recs
    return out, pd.DataFrame(chosen)


def all_baselines(data, folds, cache_root=None, which=tuple(STANDARD)) -> dict[str, list]:
    """Every baseline a table lists, on the study's folds: the majority class and the
    logistic regression (``baseline_records``), then the field's standard references
    (``standard_baseline_records``: openSMILE functionals + linear SVM, C nested; ``which``
    of ``STANDARD``'s labels). ``{label: [record per fold]}``."""
    standard, _ = standard_baseline_records(data, folds, cache_root=cache_root, which=which)
    return {**baseline_records(data, folds), **standard}
