"""Notebook 05's tables: how well emotions separate in a trained model's embedding of
held-out speakers, against raw features and the baselines, and the confusion claims of
paper 000 (the slides: seeds/000). Columns are ``columns``' constants."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import literature
from ser_utils.columns import (
    EMOTION,
    FOLD,
    KNN_GENDER_UAR,
    KNN_UAR,
    KNN_WA,
    OURS,
    PAPER000_REPORTED,
    QUANTITY,
    RECALL,
    REFERENCE_UAR,
    REPRESENTATION,
    RUN,
    RUNS,
    SILHOUETTE,
    UTTERANCES,
    WILSON_HIGH,
    WILSON_LOW,
)
from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.reporting import summaries
from ser_utils.training import metrics


def separability_row(run, fold: int, representation: str, knn_pred, labels, gender_uar: float,
                     silhouette: float) -> dict:
    """One (run, fold, representation) row of ``embedding_separability_by_fold``: the kNN's
    emotion UAR and WA on the fold's test speakers (``knn_pred`` against ``labels``), its
    gender UAR and the silhouette of the test points by emotion."""
    return {RUN: run, FOLD: fold, REPRESENTATION: representation, KNN_UAR: metrics.uar(labels, knn_pred),
            KNN_WA: metrics.weighted_accuracy(labels, knn_pred), KNN_GENDER_UAR: gender_uar,
            SILHOUETTE: silhouette}


RAW, EMB = "raw features (mean over frames)", "ResLSTM-SA-h64 embedding"


def fold_separability(data, folds, weights: dict, embedded_runs, knn_k: int, draw_run: int, emb: str = EMB):
    """For each run of ``embedded_runs`` and each fold: the fold's model (``weights[run][fold]``,
    a ``run_job`` checkpoint) embeds every utterance; a kNN (``knn_k``) fitted on the
    training speakers predicts the test speakers' emotion and gender; the silhouette of the
    test points by emotion. The raw feature means (``RAW``) need no model: once per fold.
    Returns ``(per_fold, fold_views, knn_records)``: the rows of
    ``embedding_separability_by_fold``, ``{fold: ({representation: X}, embed output)}`` of
    ``draw_run`` (what the projections draw), and each representation's kNN predictions as
    run-record-like objects (``run``, ``fold``, ``test_uar``, ``test.ids/labels/preds``)."""
    from types import SimpleNamespace  # noqa: PLC0415

    from ser_utils.data.corpus import gender_labels  # noqa: PLC0415
    from ser_utils.inference.checkpoint import load_run  # noqa: PLC0415 - models and weights, only here
    from ser_utils.reporting import embeddings as E  # noqa: PLC0415

    per_fold, fold_views, knn_records = [], {}, {RAW: [], emb: []}
    gender = gender_labels(data.speakers)  # the package's coding: male 0, female 1
    ids = np.asarray(data.ids)
    for r in embedded_runs:
        for k, fold in enumerate(folds):
            model, mean, std = load_run(weights[r][k])
            seqs = [(f - mean) / std for f in data.features]
            out = E.embed(model, seqs)
            views = {emb: out["embedding"]} if r != embedded_runs[0] else \
                {RAW: E.mean_pooled(seqs), emb: out["embedding"]}   # raw: no model, once per fold
            tr, te = np.isin(data.speakers, fold.train), np.isin(data.speakers, fold.test)
            for name, X in views.items():
                pred = E.knn_predict(X[tr], data.labels[tr], X[te], knn_k)
                knn_records[name].append(SimpleNamespace(
                    run=r, fold=k, test_uar=metrics.uar(data.labels[te], pred),
                    test=SimpleNamespace(ids=list(ids[te]), labels=data.labels[te], preds=pred)))
                per_fold.append(separability_row(
                    r if name == emb else np.nan, k, name, pred, data.labels[te],
                    gender_uar=E.knn_uar(X[tr], gender[tr], X[te], gender[te], knn_k),
                    silhouette=E.silhouette(X[te], data.labels[te])))
            if r == draw_run:
                fold_views[k] = ({RAW: E.mean_pooled(seqs), emb: out["embedding"]}, out)
    return pd.DataFrame(per_fold), fold_views, knn_records


NO_MODEL = "— (no model)"


def separability(per_fold: pd.DataFrame, runs_of: dict) -> pd.DataFrame:
    """Per representation, the mean over folds (the unit: a fold's test speakers) of each
    fold's mean over its runs, never a mean over (run, fold) rows as if they were units;
    and how many model runs each averages (``runs_of``: {representation: runs}); a
    representation no model made (the raw features) has none to average: ``NO_MODEL``."""
    by_fold = per_fold.groupby([REPRESENTATION, FOLD], sort=False).mean(numeric_only=True).reset_index()
    out = by_fold.groupby(REPRESENTATION).mean(numeric_only=True).drop(columns=[RUN, FOLD]).reset_index()
    out[RUNS] = [str(runs_of[name]) if name in runs_of else NO_MODEL for name in out[REPRESENTATION]]
    return out


def knn_paired_tests(embedding: str, embedded, references: dict, runs: int) -> pd.DataFrame:
    """The embedding's kNN (``embedded``: one record per (run, fold) with the fold's
    test predictions) against each of ``references`` ({label: records}), speaker by
    speaker (each speaker's UAR averaged over its own side's runs), Holm-adjusted
    together; with each reference's pooled UAR."""
    frame = summaries.with_holm(pd.DataFrame([
        summaries.paired_row(f"{embedding} kNN vs {label}", summaries.paired(embedded, recs, same_runs=False))
        for label, recs in references.items()]))
    frame.insert(1, RUNS, runs)
    frame.insert(2, REFERENCE_UAR, [metrics.uar(np.concatenate([x.test.labels for x in recs]),
                                                np.concatenate([x.test.preds for x in recs]))
                                    for recs in references.values()])
    return frame


def class_recall(records) -> pd.DataFrame:
    """Per emotion, the recall in the pooled out-of-fold predictions of all runs, the
    utterances per class (pooled counts / runs: each run predicts every utterance once)
    and the Wilson interval, which treats a class's utterances as binomial trials and
    leaves out run-to-run variation."""
    cm = summaries.pooled_confusion(records)
    n_runs = len({r.run for r in records})
    per_class = summaries.pooled_confusion(records, normalize=False).sum(axis=1) / n_runs
    wilson = [metrics.wilson_interval(r, n) for r, n in zip(np.diag(cm), per_class)]
    return pd.DataFrame({EMOTION: EMOTION_NAMES, RECALL: np.diag(cm), RUNS: n_runs, UTTERANCES: per_class,
                         WILSON_LOW: [w[0] for w in wilson], WILSON_HIGH: [w[1] for w in wilson]})


def most_frequent_wrong(cm: np.ndarray, true: int) -> int:
    """The class that row ``true`` of a confusion matrix is most often mistaken for (its
    largest off-diagonal entry; the first of a tie)."""
    row = np.array(cm[true], dtype=float)
    row[true] = -np.inf
    return int(np.argmax(row))


def confusion_claims(records) -> pd.DataFrame:
    """The slides' confusion claims (paper 000: happy has the lowest recall, 44.8 %, and is
    "often confused with neutral", no number given; 18.8 % of neutral is predicted happy;
    reported values, quoted) beside ours, with the Wilson interval over the class's
    utterances. "Often confused" is checked both ways: the share of happy predicted
    neutral, and whether neutral is happy's most frequent wrong answer."""
    cm = summaries.pooled_confusion(records)
    recall = class_recall(records).set_index(EMOTION)
    happy, neutral = EMOTION_NAMES.index("happy"), EMOTION_NAMES.index("neutral")
    n_runs = int(recall[RUNS].iloc[0])
    n_as_h, neutral_n = cm[neutral, happy], recall.loc["neutral", UTTERANCES]
    low, high = metrics.wilson_interval(n_as_h, neutral_n)
    h_as_n, happy_n = cm[happy, neutral], recall.loc["happy", UTTERANCES]
    h_low, h_high = metrics.wilson_interval(h_as_n, happy_n)
    wrong = most_frequent_wrong(cm, happy)
    return pd.DataFrame([
        {QUANTITY: "recall of happy", OURS: recall.loc["happy", RECALL], RUNS: n_runs,
         UTTERANCES: recall.loc["happy", UTTERANCES], WILSON_LOW: recall.loc["happy", WILSON_LOW],
         WILSON_HIGH: recall.loc["happy", WILSON_HIGH],
         PAPER000_REPORTED: literature.PAPER000_CONFUSION_CLAIMS["happy_recall"]},
        {QUANTITY: "neutral predicted as happy", OURS: n_as_h, RUNS: n_runs, UTTERANCES: neutral_n,
         WILSON_LOW: low, WILSON_HIGH: high,
         PAPER000_REPORTED: literature.PAPER000_CONFUSION_CLAIMS["neutral_as_happy"]},
        {QUANTITY: "happy predicted as neutral", OURS: h_as_n, RUNS: n_runs, UTTERANCES: happy_n,
         WILSON_LOW: h_low, WILSON_HIGH: h_high, PAPER000_REPORTED: np.nan},
        {QUANTITY: f"neutral is happy's most frequent wrong answer (1 yes, 0 no; ours: {EMOTION_NAMES[wrong]})",
         OURS: float(wrong == neutral), RUNS: n_runs, UTTERANCES: np.nan, WILSON_LOW: np.nan, WILSON_HIGH: np.nan,
         PAPER000_REPORTED: np.nan},   # the slides say "often confused with neutral", no number: nothing quoted
        {QUANTITY: "happy is the class of lowest recall (1 yes, 0 no)", OURS: float(recall[RECALL].idxmin() == "happy"),
         RUNS: n_runs,
         UTTERANCES: np.nan, WILSON_LOW: np.nan, WILSON_HIGH: np.nan, PAPER000_REPORTED: 1.0},
    ])
