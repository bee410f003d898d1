"""The notebooks' tables, built by the package from hand-made records and frames: each
value checked against a hand computation, each table's columns against its declared
constants (the names ``findings`` and ``readme`` read)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ser_utils import columns as col
from ser_utils.reporting import comparison, embedding_tables, sa_tables, sweep_tables
from ser_utils.training.baselines import COMPARE_SVM, EGEMAPS_SVM, LOGREG, MAJORITY, BaselineRecord
from ser_utils.training.records import Predictions


def _record(run, fold, labels, preds, name="lstm_sa", parameters=100, seconds=60.0):
    return SimpleNamespace(run=run, fold=fold, parameters=parameters, wall_seconds=seconds,
                           spec={"model": {"name": name}},
                           test=SimpleNamespace(labels=np.asarray(labels), preds=np.asarray(preds)))


# two folds of 4 utterances of classes 0 and 1; run 1 is right on 6 of 8, run 2 on 8 of 8
LABELS = [[0, 0, 1, 1], [0, 1, 0, 1]]
RUN_PREDS = {1: [[0, 1, 1, 1], [0, 1, 1, 1]], 2: [[0, 0, 1, 1], [0, 1, 0, 1]]}


def _runs(name="lstm_sa", parameters=100):
    return [_record(r, k, LABELS[k], RUN_PREDS[r][k], name, parameters) for r in (1, 2) for k in (0, 1)]


def test_models_table_by_hand():
    # pooled per run: run 1 recalls class 0 2 of 4 and class 1 4 of 4 -> UAR 0.75, WA 0.75; run 2: 1.0
    results = {("LSTM-SA-h32", "clean"): _runs(), ("LSTM-SA-h32", "paper"): _runs()[:2]}
    table = sa_tables.models_table(results, {"majority": _runs("none", 0)}, tuned={}, epochs=7)
    assert tuple(table.columns) == sa_tables.MODELS_TABLE
    clean = table.iloc[0]
    assert (clean[col.UAR_MEAN] == pytest.approx(0.875)
            and clean[col.UAR_STD] == pytest.approx(np.std([0.75, 1], ddof=1)))
    assert clean[col.UAR_TEXT] == "0.8750 ± 0.1768" and clean[col.RUNS] == 2 and clean[col.EPOCHS] == 7
    assert clean[col.TRAIN_MINUTES] == 4.0   # 4 records of 60 s
    assert clean[col.SLIDES_UAR_TEXT] == "0.5352 ± 0.0123"   # the slides' LSTM-SA-h32 (a quotation)
    paper = table.iloc[1]
    assert paper[col.RUNS] == 1 and paper[col.UAR_MEAN] == pytest.approx(0.75) and np.isnan(paper[col.UAR_STD])
    base = table.iloc[2]
    assert base[col.KIND] == "baseline" and base[col.SETTING] == "nothing trained" and np.isnan(base[col.EPOCHS])
    assert base[col.SLIDES_UAR_TEXT] == "" and np.isnan(base[col.SLIDES_UAR_MAX])
    gap = sa_tables.protocol_gap(table).set_index(col.MODEL)
    assert gap.loc["LSTM-SA-h32", col.PAPER_MINUS_CLEAN] == pytest.approx(0.75 - 0.875)


def test_sweep_tables_by_hand():
    specs = [SimpleNamespace(model=SimpleNamespace(lstm_layers=layers, hidden=32, pooling=pooling))
             for layers in (1, 2) for pooling in ("last", "concat")]
    records = [_runs(parameters=p) for p in (10, 10, 20, 30)]
    sweep = sweep_tables.sweep_long(specs, records)
    assert tuple(sweep.columns) == sweep_tables.SWEEP_LONG
    assert list(sweep[col.NAME]) == ["RNN-l1-h32"] * 2 + ["RNN-l2-h32"] * 2
    assert sweep[col.UAR_MEAN].tolist() == pytest.approx([0.875] * 4)
    assert sweep[col.SWEEP_TRAIN_MINUTES].tolist() == pytest.approx([4.0] * 4)
    t1 = sweep_tables.table1(sweep).set_index(col.NAME)
    # a 1-layer model has no concatenation: its concat cells stay empty; the 2-layer's hold its concat twin
    assert pd.isna(t1.loc["RNN-l1-h32", "params (concat)"]) and pd.isna(t1.loc["RNN-l1-h32", "UAR concat (ours)"])
    assert t1.loc["RNN-l2-h32", "params (concat)"] == 30 and t1.loc["RNN-l2-h32", "params (last)"] == 20
    refs = sweep_tables.reference_baselines({"low": [_record(1, 0, [0, 1], [0, 0])],
                                             "high": [_record(1, 0, [0, 1], [0, 1])]}, sweep)
    assert refs[col.UAR_MEAN].tolist() == [0.5, 1.0] and refs[col.BEST_LSTM_ABOVE].tolist() == [True, False]


def test_confusion_claims_by_hand():
    emotions = list(range(8))   # neutral 0, calm 1, happy 2, ...
    # one run, one fold: each class twice; happy (2) right once, neutral (0) once taken for happy
    labels = [c for c in emotions for _ in range(2)]
    preds = list(labels)
    preds[4] = 3        # one happy -> sad: happy recall 1/2, the lowest
    preds[0] = 2        # one neutral -> happy: neutral recall 1/2 too, neutral-as-happy 1/2
    recs = [_record(1, 0, labels, preds)]
    recall = embedding_tables.class_recall(recs).set_index(col.EMOTION)
    assert recall.loc["happy", col.RECALL] == 0.5 and recall.loc["calm", col.RECALL] == 1.0
    assert recall.loc["happy", col.UTTERANCES] == 2
    claims = embedding_tables.confusion_claims(recs).set_index(col.QUANTITY)
    assert claims.loc["recall of happy", col.OURS] == 0.5
    assert claims.loc["neutral predicted as happy", col.OURS] == 0.5
    # happy ties neutral at 0.5: idxmin takes the first (neutral), so "happy is the lowest" is 0
    assert claims.loc["happy is the class of lowest recall (1 yes, 0 no)", col.OURS] == 0.0
    assert claims.loc["recall of happy", col.PAPER000_REPORTED] == 0.448   # the slides' value, quoted
    # happy's one miss went to sad: none predicted neutral, and sad (not neutral) is its most frequent wrong answer
    assert claims.loc["happy predicted as neutral", col.OURS] == 0.0
    assert claims.loc["neutral is happy's most frequent wrong answer (1 yes, 0 no; ours: sad)", col.OURS] == 0.0
    # Wilson 95 % for 1 of 2: centre (0.5 + 1.92/2)/(1 + 1.92) ... symmetric around 0.5
    low, high = claims.loc["recall of happy", [col.WILSON_LOW, col.WILSON_HIGH]]
    assert low == pytest.approx(1 - high) and low == pytest.approx(0.0945, abs=1e-4)


def test_most_frequent_wrong_answer_by_hand():
    cm = np.array([[5, 1, 3], [0, 9, 0], [2, 2, 1]])
    assert embedding_tables.most_frequent_wrong(cm, 0) == 2      # 3 beats 1; the diagonal 5 is not an answer
    assert embedding_tables.most_frequent_wrong(cm, 2) == 0      # a 2-2 tie: the first
    assert embedding_tables.most_frequent_wrong(cm, 1) == 0      # all wrong answers 0: the first


def test_separability_means_over_runs_and_folds():
    rows = [embedding_tables.separability_row(r, k, "emb", np.array(p), np.array([0, 1]), 0.5, 0.1 * (r + k))
            for r, k, p in ((1, 0, [0, 1]), (1, 1, [0, 0]), (2, 0, [0, 1]), (2, 1, [0, 1]))]
    rows += [embedding_tables.separability_row(np.nan, k, "raw", np.array([1, 1]), np.array([0, 1]), 0.6, 0.0)
             for k in (0, 1)]
    frame = embedding_tables.separability(pd.DataFrame(rows), {"emb": 2}).set_index(col.REPRESENTATION)
    assert frame.loc["emb", col.KNN_UAR] == pytest.approx((1 + 0.5 + 1 + 1) / 4)
    assert frame.loc["emb", col.SILHOUETTE] == pytest.approx((0.1 + 0.2 + 0.2 + 0.3) / 4)
    assert frame.loc["raw", col.KNN_UAR] == 0.5
    assert frame.loc["raw", col.RUNS] == embedding_tables.NO_MODEL and frame.loc["emb", col.RUNS] == "2"
    # a fold with more runs does not weigh more: fold means first (0.5 and 1.0), then their mean
    rows = [embedding_tables.separability_row(r, 0, "emb", np.array([0, 0]), np.array([0, 1]), 0.5, 0.0)
            for r in (1, 2, 3)]
    rows.append(embedding_tables.separability_row(1, 1, "emb", np.array([0, 1]), np.array([0, 1]), 0.5, 0.0))
    frame = embedding_tables.separability(pd.DataFrame(rows), {"emb": 3}).set_index(col.REPRESENTATION)
    assert frame.loc["emb", col.KNN_UAR] == pytest.approx(0.75)   # not (0.5 * 3 + 1) / 4 = 0.625


def test_comparison_baselines_name_their_own_input():
    """06's baseline rows: the openSMILE SVMs read their functionals, the logistic regression the utterance
    statistics of the study's features, the majority class the labels only."""
    def recs(label, parameters):
        return [BaselineRecord(label, 0, 0, parameters, 0.1, Predictions(["a", "b"], [0, 1], [0, 0]), 0.5, 0.5)]

    frame = comparison.baseline_table({MAJORITY: recs(MAJORITY, 0), LOGREG: recs(LOGREG, 744),
                                       EGEMAPS_SVM: recs(EGEMAPS_SVM, 712), COMPARE_SVM: recs(COMPARE_SVM, 50992)})
    assert frame["input"].tolist() == ["labels only", "mfcc+chroma (utterance mean+std)",
                                       "openSMILE egemaps functionals (one vector per utterance)",
                                       "openSMILE compare functionals (one vector per utterance)"]
    assert frame["uar_mean"].tolist() == [0.5] * 4
