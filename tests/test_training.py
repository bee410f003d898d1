import json

import numpy as np
import pytest

from ser_utils import training
from ser_utils.bench import bench_train
from ser_utils.folds import make_fold
from ser_utils.models import ModelConfig
from ser_utils.training import Spec, TrainConfig, cross_validate, pooled_uar, record_path, run_seed

ACTORS = range(1, 13)
FOLDS = [make_fold((9, 10, 11, 12), (7, 8), ACTORS), make_fold((1, 2, 3, 4), (5, 6), ACTORS)]
TINY = Spec(ModelConfig("lstm_sa", hidden=8), TrainConfig(epochs=2, batch_size=64))


def test_seeding():
    assert [run_seed(Spec(seeding="reference"), r, f) for r in (0, 3) for f in range(5)] == [42, 142, 242, 342, 442] * 2
    distinct = {run_seed(Spec(), r, f) for r in range(10) for f in range(5)}
    assert len(distinct) == 50


def test_cpu_determinism(learn_data, tmp_path):
    a = cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path / "a", n_jobs=1, progress=False)
    b = cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path / "b", n_jobs=2, progress=False)
    for x, y in zip(a, b):
        assert x["history"] == y["history"] and x["test"] == y["test"] and x["best_epoch"] == y["best_epoch"]


def test_resume_skips_finished_records(learn_data, tmp_path, monkeypatch):
    calls = []
    real = training.train_fold

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train_fold", counting)
    first = cross_validate(TINY, learn_data, FOLDS, runs=(0, 1), runs_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls) == 4 and len(first) == 4
    again = cross_validate(TINY, learn_data, FOLDS, runs=(0, 1, 2), runs_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls) == 6  # only run 2's two folds were trained
    assert again[:4] == first


def test_killed_run_leaves_no_finished_looking_record(learn_data, tmp_path, monkeypatch):
    real = training.train_fold
    calls = []

    def dies_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train_fold", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path, n_jobs=1, progress=False)
    key = training.experiment_key(TINY, learn_data, FOLDS)
    files = sorted(p.name for p in (tmp_path / key).iterdir())
    assert files == ["run00-fold0.json", "spec.json"]
    assert json.loads(record_path(tmp_path, key, 0, 0).read_text())["complete"] is True
    monkeypatch.setattr(training, "train_fold", real)
    records = cross_validate(TINY, learn_data, FOLDS, runs_dir=tmp_path, n_jobs=1, progress=False)
    assert [r["fold"] for r in records] == [0, 1]


def test_record_contents(learn_data, tmp_path):
    (rec,) = cross_validate(TINY, learn_data, FOLDS[:1], runs_dir=tmp_path, n_jobs=1, progress=False)
    assert rec["seed"] == run_seed(TINY, 0, 0) and rec["parameters"] > 0
    assert set(rec["versions"]) >= {"torch", "numpy", "librosa"} and rec["device"] == "cpu"
    assert len(rec["history"]["val_uar"]) == 2 and 0 <= rec["best_epoch"] < 2
    assert rec["best_val_uar"] == max(rec["history"]["val_uar"])
    assert rec["best_epoch"] == int(np.argmax(rec["history"]["val_uar"]))  # earliest on ties
    assert len(rec["test"]["ids"]) == 4 * 60 and np.array(rec["confusion"]).sum() == 240
    assert set(rec["fold_actors"]["test"]) == {9, 10, 11, 12}


def test_reslstm_sa_learns_the_synthetic_emotions(learn_data, tmp_path):
    """Held-out synthetic speakers, smoke budget (30 epochs): UAR >= 0.5 (chance 0.125)."""
    spec = Spec(ModelConfig("reslstm_sa", hidden=64), TrainConfig(epochs=30, lr=1e-2, batch_size=32))
    records = cross_validate(spec, learn_data, FOLDS, runs_dir=tmp_path, progress=False)
    assert pooled_uar(records)[0] >= 0.5


def test_packed_reference_loop_agrees(learn_data):
    rows = bench_train(learn_data, FOLDS[0], hidden=16, epochs=1)
    for row in rows:
        assert row["same_predictions"] and row["max_prob_diff"] < 1e-4
