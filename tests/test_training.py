import dataclasses
import json

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix

from ser_utils import numerics, training
from ser_utils.data.folds import make_fold
from ser_utils.models import ModelConfig
from ser_utils.training import (
    RECORD_VERSION,
    RunRecord,
    Spec,
    TrainConfig,
    cross_validate,
    loop,
    pooled_uar,
    record_path,
    records,
    run_seed,
)
from ser_utils.training.bench import bench_train

SPEAKERS = range(1, 13)
FOLDS = [make_fold((9, 10, 11, 12), (7, 8), SPEAKERS), make_fold((1, 2, 3, 4), (5, 6), SPEAKERS)]
TINY = Spec(ModelConfig("lstm_sa", hidden=8), TrainConfig(epochs=2, batch_size=64))


def test_seeding():
    assert [run_seed(Spec(seeding="reference"), r, f) for r in (0, 3) for f in range(5)] == [42, 142, 242, 342, 442] * 2
    distinct = {run_seed(Spec(), r, f) for r in range(10) for f in range(5)}
    assert len(distinct) == 50


def test_cpu_determinism(learn_data, tmp_path):
    a = cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path / "a", n_jobs=1, progress=False)
    b = cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path / "b", n_jobs=2, progress=False)
    for x, y in zip(a, b):
        assert x.history == y.history and x.test == y.test and x.best_epoch == y.best_epoch


def test_resume_skips_finished_records(learn_data, tmp_path, monkeypatch):
    calls = []
    real = loop.train_fold

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "train_fold", counting)
    first = cross_validate(TINY, learn_data, FOLDS, runs=(0, 1), runs_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls) == 4 and len(first) == 4
    again = cross_validate(TINY, learn_data, FOLDS, runs=(0, 1, 2), runs_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls) == 6  # only run 2's two folds were trained
    assert again[:4] == first


def test_killed_run_leaves_no_finished_looking_record(learn_data, tmp_path, monkeypatch):
    real = loop.train_fold
    calls = []

    def dies_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "train_fold", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path, n_jobs=1, progress=False)
    key = training.experiment_key(TINY, learn_data, FOLDS)
    files = sorted(p.name for p in (tmp_path / key).iterdir())
    assert files == ["run00-fold0.json", "spec.json"]
    assert RunRecord.load(record_path(tmp_path, key, 0, 0)).complete is True
    monkeypatch.setattr(loop, "train_fold", real)
    records = cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path, n_jobs=1, progress=False)
    assert [r.fold for r in records] == [0, 1]


def test_record_contents(learn_data, tmp_path):
    (rec,) = cross_validate(TINY, learn_data, FOLDS[:1], runs_dir=tmp_path, n_jobs=1, progress=False)
    assert rec.seed == run_seed(TINY, 0, 0)
    h = 8  # LSTM-SA-h8 on 46 features: LSTM 4h(46 + h) + 8h, attention h, BatchNorm 2h, output 8h + 8
    assert rec.parameters == 4 * h * (46 + h) + 8 * h + h + 2 * h + 8 * h + 8
    assert set(rec.versions) >= {"torch", "numpy", "librosa"} and rec.device == "cpu"
    assert len(rec.history["val_uar"]) == 2 and 0 <= rec.best_epoch < 2
    assert rec.best_val_uar == max(rec.history["val_uar"])
    assert rec.best_epoch == int(np.argmax(rec.history["val_uar"]))  # earliest on ties
    assert len(rec.test.ids) == 4 * 60 and np.array(rec.confusion).sum() == 240
    assert set(rec.fold_speakers["test"]) == {9, 10, 11, 12}
    # the record's numbers, recomputed from its own predictions by scikit-learn
    assert rec.test_uar == pytest.approx(balanced_accuracy_score(rec.test.labels, rec.test.preds), abs=1e-12)
    assert rec.test_wa == pytest.approx(accuracy_score(rec.test.labels, rec.test.preds), abs=1e-12)
    assert np.array_equal(rec.confusion, confusion_matrix(rec.test.labels, rec.test.preds, labels=range(8)))


def test_run_record_round_trip_and_versions(learn_data, tmp_path):
    (rec,) = cross_validate(TINY, learn_data, FOLDS[:1], runs_dir=tmp_path, n_jobs=1, progress=False)
    path = record_path(tmp_path, rec.key, 0, 0)
    raw = json.loads(path.read_text())
    assert raw["record_version"] == RECORD_VERSION and "test_gender_accuracy" not in raw
    assert RunRecord.load(path) == rec and RunRecord.from_dict(rec.to_dict()) == rec
    assert raw["machine"]["numerics"] == numerics.state()["numerics"] and raw["machine"]["cpu"] == numerics.cpu_model()
    # a version-1 record (no record_version, no machine): read with its numbers untouched and
    # ``machine`` saying what is known (native numerics: nothing was pinned then; CPU unrecorded)
    old = {k: v for k, v in raw.items() if k not in ("record_version", "machine")}
    upgraded = RunRecord.from_dict(old)
    assert upgraded.machine["numerics"] == "native" and upgraded.machine["cpu"] is None
    assert dataclasses.replace(upgraded, machine=rec.machine) == rec
    old_path = tmp_path / "old.json"
    old_path.write_text(json.dumps(old))
    assert records.upgrade(old_path) and not records.upgrade(old_path)  # the second call finds nothing to do
    assert json.loads(old_path.read_text()) == {**old, "record_version": 2, "machine": upgraded.machine}
    with pytest.raises(ValueError, match="newer"):
        RunRecord.from_dict({**raw, "record_version": RECORD_VERSION + 1})
    with pytest.raises(ValueError, match="unknown fields"):
        RunRecord.from_dict({**raw, "surprise": 1})


def test_reslstm_sa_learns_the_synthetic_emotions(learn_data, tmp_path):
    """Held-out synthetic speakers, smoke budget (30 epochs): UAR >= 0.5 (chance 0.125)."""
    spec = Spec(ModelConfig("reslstm_sa", hidden=64), TrainConfig(epochs=30, lr=1e-2, batch_size=32))
    records = cross_validate(spec, learn_data, FOLDS, runs_dir=tmp_path, progress=False)
    assert pooled_uar(records)[0] >= 0.5


def test_packed_reference_loop_agrees(learn_data):
    rows = bench_train(learn_data, FOLDS[0], hidden=16, epochs=1)
    for row in rows:
        assert row["same_predictions"] and row["max_prob_diff"] < 1e-4
