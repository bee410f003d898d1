"""Issue 27 (notebook 09, what helps): the levers' code, checked against hand-computed or
independent values, and the guarantee that no older experiment changes its key."""

import hashlib
import json
import subprocess
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from conftest import REPO
from ser_utils import columns as col
from ser_utils.data.dataset import Split
from ser_utils.data.folds import REFERENCE_FOLDS, Fold, make_fold
from ser_utils.data.opensmile_features import egemaps_frames, functionals_of, pool_onto_grid
from ser_utils.data.perturb import add_noise, noisy_copy, speed_perturb
from ser_utils.experiments import tuned_setting
from ser_utils.experiments import what_helps as W
from ser_utils.experiments.what_helps import (
    allowed_validation_folds,
    ensemble_records,
    member_runs,
    recipe_per_fold,
    speaker_paired,
    speaker_uars,
)
from ser_utils.experiments.what_helps import recipe as what_recipe
from ser_utils.experiments.what_helps import tables as what_tables
from ser_utils.experiments.what_helps import timing as what_timing
from ser_utils.experiments.what_helps import training as what_training
from ser_utils.models import ModelConfig, parameters_of
from ser_utils.reporting.plots import pareto_front
from ser_utils.training import baselines as B
from ser_utils.training import (
    cross_validate,
    cross_validate_per_fold,  # the same records, through training's own entry
    metrics,
)
from ser_utils.training.augment import (
    apply_masks,
    choose_versions,
    distillation_loss,
    ensemble,
    mixup,
    smoothed,
    soft_cross_entropy,
    spec_masks,
)
from ser_utils.training.baselines import nested_svm
from ser_utils.training.loop import Spec, TrainConfig, experiment_key, train_fold, train_job
from ser_utils.training.metrics import uar
from ser_utils.training.records import Predictions


def _committed_specs() -> list:
    """The committed records' spec.json files (git's index; every one under results/ outside
    a checkout). Ignored local runs (results/smoke) are not committed experiments."""
    try:
        out = subprocess.run(["git", "ls-files", "results/*/runs/*/spec.json"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout
        return sorted(REPO / line for line in out.splitlines() if line)
    except (OSError, subprocess.CalledProcessError):
        return sorted((REPO / "results").glob("*/runs/*/spec.json"))


COMMITTED = _committed_specs()


class _Data:
    """What ``experiment_key`` reads of a dataset: its fingerprint and classes."""

    def __init__(self, fingerprint, n_classes):
        self.fingerprint, self.classes = fingerprint, tuple(range(n_classes))


@pytest.mark.skipif(not COMMITTED, reason="no committed run records")
def test_every_committed_experiment_keeps_its_key():
    """Each committed record folder's key, recomputed from its spec.json through
    Spec.from_dict / to_dict (the new optional fields at their defaults), is its folder's name
    (notebook 09's experiments, which set levers, included)."""
    for path in COMMITTED:
        saved = json.loads(path.read_text())
        spec = Spec.from_dict(saved["spec"])
        assert spec.to_dict() == saved["spec"], path
        folds = [Fold(**{k: tuple(v) for k, v in f.items()}) for f in saved["folds"]]
        key = experiment_key(spec, _Data(saved["data"], spec.model.n_classes), folds)
        assert key == path.parent.name, path


def test_levers_enter_the_key_only_when_set():
    base = Spec()
    data, folds = _Data("abc", 8), [Fold((1,), (2,), (3, 4))]
    assert "speed" not in base.to_dict()["train"] and "speaker_norm" not in base.to_dict()
    same = replace(base, train=replace(base.train, speed=(), mixup=0.0))
    assert experiment_key(same, data, folds) == experiment_key(base, data, folds)
    for changed in (replace(base, train=replace(base.train, speed=(0.9, 1.1))),
                    replace(base, train=replace(base.train, label_smoothing=0.1)),
                    replace(base, speaker_norm=True)):
        assert experiment_key(changed, data, folds) != experiment_key(base, data, folds)
        assert Spec.from_dict(json.loads(json.dumps(changed.to_dict()))) == changed
        assert changed.label() != base.label()


# ---------------------------------------------------------------- augmentations

def test_specaugment_masks_exactly_the_drawn_ranges():
    lengths = np.array([10, 6])
    masks = spec_masks(lengths, 5, (2, 3, 1, 2), np.random.default_rng(3))
    assert len(masks) == 2 * (2 + 1)
    x = torch.ones(2, 10, 5)
    out = apply_masks(x, lengths, masks).numpy()
    expected = np.ones((2, 10, 5))
    for b, axis, start, stop in masks:
        assert 0 <= start <= stop
        if axis == "time":
            assert stop - start <= 3 and stop <= lengths[b]
            expected[b, start:stop, :] = 0
        else:
            assert stop - start <= 2 and stop <= 5
            expected[b, : lengths[b], start:stop] = 0
    assert (out == expected).all()
    assert (x == 1).all()  # the batch itself is left alone
    assert out[1, 6:].min() == 1  # padding past a length is never touched by a feature mask


def test_mixup_of_two_one_hot_labels():
    x = torch.tensor([[[1.0], [1.0], [1.0]], [[3.0], [0.0], [0.0]]])
    lengths = torch.tensor([3, 1])
    y = smoothed(torch.tensor([0, 2]), 3)
    mx, ml, my = mixup(x, lengths, y, 0.25, [1, 0])
    assert my.tolist() == [[0.25, 0.0, 0.75], [0.75, 0.0, 0.25]]
    assert mx[:, :, 0].tolist() == [[2.5, 0.25, 0.25], [1.5, 0.75, 0.75]]
    assert ml.tolist() == [3, 3]


def test_label_smoothing_equals_torch():

    torch.manual_seed(0)
    logits, y = torch.randn(7, 8), torch.randint(0, 8, (7,))
    for eps in (0.0, 0.1, 0.3):
        assert soft_cross_entropy(logits, smoothed(y, 8, eps)).item() == pytest.approx(
            F.cross_entropy(logits, y, label_smoothing=eps).item(), abs=1e-6)


def test_a_teacher_name_reads_back_and_names_its_members_by_key():
    same = ["abcdef0123456789"] * 5
    assert W.teacher_name(same, [105, 106, 107], 3) == "ensemble3-abcdef01-runs105-107"
    assert W.parse_teacher("ensemble3-abcdef01-runs105-107") == (3, "abcdef01", [105, 106, 107])
    mixed = ["aaaa1111", "bbbb2222"]   # a start chosen per fold: the tag hashes every fold's key
    assert W.teacher_tag(mixed) == hashlib.sha1(b"aaaa1111 bbbb2222").hexdigest()[:8]
    assert W.parse_teacher("a teacher of another kind") is None


def test_distillation_loss_by_hand():
    logits = torch.tensor([[2.0, 0.0]])
    teacher = torch.tensor([[0.5, 0.5]])
    q = np.exp([1.0, 0.0]) / np.exp([1.0, 0.0]).sum()   # student at T = 2
    kl = sum(0.5 * np.log(0.5 / qi) for qi in q)
    assert distillation_loss(logits, teacher, 2.0).item() == pytest.approx(4 * kl, rel=1e-6)


def test_speed_perturbation_changes_length_by_the_factor():
    sr = 16000
    y = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype(np.float32)
    for factor in (0.9, 1.1):
        out = speed_perturb(y, factor, sr)
        assert abs(len(out) - sr / factor) <= 1
        # the tone plays `factor` times higher: its spectrum's peak moves from 440 Hz
        peak = np.argmax(np.abs(np.fft.rfft(out))) * sr / len(out)
        assert peak == pytest.approx(440 * factor, abs=3)
    assert np.array_equal(speed_perturb(y, 1.0, sr), y)


def test_noise_at_the_requested_snr():
    y = np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.3
    out = add_noise(y, 10.0, np.random.default_rng(1))
    noise = out.astype(np.float64) - y
    assert 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / np.mean(noise ** 2)) == pytest.approx(10.0, abs=1e-3)
    a, snr_a = noisy_copy(y, (5, 20), 0)
    b, snr_b = noisy_copy(y, (5, 20), 0)
    c, snr_c = noisy_copy(y, (5, 20), 1)
    assert np.array_equal(a, b) and snr_a == snr_b and 5 <= snr_a <= 20    # the same copy wherever computed
    assert not np.array_equal(a, c)


def test_choose_versions_draws_one_version_per_utterance():
    rows = choose_versions(4, 3, np.random.default_rng(0))
    assert sorted(rows % 4) == [0, 1, 2, 3] and rows.max() < 12


def test_ensemble_is_the_mean_of_probabilities():
    a = [[0.6, 0.4], [0.2, 0.8]]
    b = [[0.2, 0.8], [0.4, 0.6]]
    assert np.allclose(ensemble([a, b]), [[0.4, 0.6], [0.3, 0.7]], atol=1e-12)
    assert ensemble([a, b]).argmax(1).tolist() == [1, 1]   # the first model alone says 0 for the first


# ---------------------------------------------------------------- openSMILE

def test_egemaps_and_compare_functionals_shapes():
    sr = 16000
    t = np.arange(int(1.5 * sr)) / sr
    y = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    assert functionals_of(y, sr, "egemaps").shape == (88,)
    assert functionals_of(y, sr, "compare").shape == (6373,)
    frames = egemaps_frames(y, sr, 4096, 2048)
    assert frames.shape == (1 + len(y) // 2048, 25)   # librosa's frame count at hop 2048


def test_pool_onto_grid_by_hand():
    values = np.array([[1.0], [3.0], [5.0], [7.0]])
    centres = np.array([0.01, 0.04, 0.11, 0.12])   # hop 0.1 s: frames 0, 0, 1, 1
    assert pool_onto_grid(values, centres, 3, 0.1)[:, 0].tolist() == [2.0, 6.0, 6.0]   # frame 2 takes frame 1's


def test_nested_svm_never_looks_at_test_speakers():
    rng = np.random.default_rng(0)
    speakers = np.repeat(np.arange(1, 7), 20)
    y = np.tile(np.arange(4), 30)
    X = rng.standard_normal((120, 6)) + y[:, None] * 0.5
    fold = Fold(test=(1, 2), validation=(3,), train=(4, 5, 6))
    _, C, scores = nested_svm(X, y, speakers, fold)
    X2 = X.copy()
    X2[np.isin(speakers, fold.test)] = rng.standard_normal((40, 6)) * 10   # any test features
    assert nested_svm(X2, y, speakers, fold)[1:] == (C, scores)
    assert C == max(scores, key=lambda c: (scores[c], -c))


# ---------------------------------------------------------------- the experiment's pieces

def test_allowed_validation_folds_of_the_reference_folds():
    # test fold 0 = actors 2, 5, 14, 15, 16: fold 4 validates on 2, 5 and fold 3 on 1, 14
    assert allowed_validation_folds(REFERENCE_FOLDS, 0) == [0, 1, 2]
    for f in range(5):
        for g in allowed_validation_folds(REFERENCE_FOLDS, f):
            assert not set(REFERENCE_FOLDS[g].validation) & set(REFERENCE_FOLDS[f].test)


def test_recipe_keeps_helpful_levers_and_one_feature_set():
    gains = {"mixup": {0: 0.02, 1: -0.01}, "speed": {0: 0.0, 1: 0.03}, "egemaps": {0: 0.01, 1: 0.01},
             "mfcc+egemaps": {0: 0.04, 1: 0.005}, "speaker_norm": {0: 0.1, 1: 0.1}}
    recipe = recipe_per_fold(gains, 2, candidates=("mixup", "speed", "egemaps", "mfcc+egemaps"))
    assert recipe == {0: ("mfcc+egemaps", "mixup"), 1: ("speed", "egemaps")}


def test_a_gain_that_is_zero_up_to_float_rounding_is_a_tie_not_a_lever_that_helped():
    """Quick's fold 4, noise: validation UARs (stored to 6 decimals) whose differences sum to
    exactly 0 came out of the fold-as-unit mean as a gain of 6.9e-18, and noise joined the
    recipe. These 8 values do the same (the lever's are the start's, permuted)."""
    start = [0.34375, 0.367188, 0.34375, 0.40625, 0.71875, 0.625, 0.609375, 0.773438]
    lever = [0.40625, 0.71875, 0.625, 0.34375, 0.367188, 0.609375, 0.773438, 0.34375]
    allowed = allowed_validation_folds(REFERENCE_FOLDS, 4)
    assert allowed == [0, 1, 2, 4]

    def records(values):
        return [SimpleNamespace(run=run, fold=fold, best_val_uar=values[2 * i + run - 1])
                for i, fold in enumerate(allowed) for run in (1, 2)]

    gain = W.validation_gain(records(lever), records(start), REFERENCE_FOLDS, 4)
    assert abs(gain) < 1e-15   # exact arithmetic: 0; floating point: a few 1e-18 at most, of either sign
    recipe = recipe_per_fold({"noise": {0: gain}, "mixup": {0: 1 / 128}}, 1, candidates=("noise", "mixup"))
    assert recipe == {0: ("mixup",)}


def test_combined_spec_and_the_start_is_03s():
    tuned = {"reslstm_sa": {"lr": 0.003, "weight_decay": 1e-4, "dropout": 0.1, "T_0": 3, "batch_size": 8}}
    start = W.start_spec("reslstm_sa", tuned, 6)
    assert start == tuned_setting.spec("reslstm_sa", 64, tuned, None, 6)   # notebook 03's spec
    S = W.settings_with({})
    both = W.combined_spec(start, ("mfcc+egemaps", "mixup", "capacity"), S)
    assert both.model.input_dim == 71 and both.model.hidden == 128 and both.train.mixup == S["mixup"]
    assert both.train.lr == start.train.lr and both.feature_set == "mfcc+chroma+egemaps"
    with pytest.raises(ValueError):
        W.settings_with({"mixupp": 0.1})


class _Rec:
    def __init__(self, run, fold, ids, labels, preds, probs=None):
        self.run, self.fold, self.test, self.test_probs = run, fold, Predictions(ids, labels, preds), probs
        self.parameters, self.wall_seconds = 10, 1.0


def test_ensemble_records_argmax_of_the_mean():
    runs = member_runs(1, 2)
    ids, y = ["a", "b"], [0, 1]
    members = [_Rec(runs[0], 0, ids, y, [0, 0], [[0.6, 0.4], [0.55, 0.45]]),
               _Rec(runs[1], 0, ids, y, [1, 1], [[0.3, 0.7], [0.2, 0.8]])]
    (rec,) = ensemble_records(members, [1], 2, "x")
    assert rec.test.preds == [1, 1] and rec.parameters == 20 and rec.test_uar == 0.5


def test_speaker_paired_uses_speakers_as_the_unit():
    speaker_of = {"a1": 1, "a2": 1, "b1": 2, "b2": 2}
    ids, y = ["a1", "a2", "b1", "b2"], [0, 1, 0, 1]
    a = [_Rec(1, 0, ids, y, [0, 1, 0, 0]), _Rec(2, 0, ids, y, [0, 1, 1, 1])]
    b = [_Rec(1, 0, ids, y, [0, 0, 0, 0]), _Rec(2, 0, ids, y, [0, 0, 0, 0])]
    assert speaker_uars(a, speaker_of) == {1: 1.0, 2: 0.5}   # speaker 2: runs 0.5 and 0.5
    t = speaker_paired(a, b, speaker_of)
    assert t["pairs"] == 2 and t["unit"] == "speaker" and t["mean_diff"] == pytest.approx(0.25)
    assert t["test"] == "exact sign-flip" and t["verdict"] == "underpowered"


def test_train_fold_with_copies_keeps_probabilities():
    rng = np.random.default_rng(0)

    def split(n, T, rows):
        lengths = rng.integers(3, T + 1, n)
        x = rng.standard_normal((n, T, 4)).astype(np.float32)
        return Split(x, lengths, rng.integers(0, 3, n), [f"u{i}" for i in range(n)], np.zeros(n, int), rows=rows)

    train = split(12, 6, np.arange(12))
    splits = {"train": train, "validation": split(6, 6, None), "test": split(6, 6, None),
              "train~speed0.9": split(12, 8, np.arange(12))}
    spec = Spec(ModelConfig("lstm_sa", input_dim=4, hidden=8, n_classes=3),
                TrainConfig(epochs=2, batch_size=4, keep_probs=True, mixup=0.2, specaugment=(1, 2, 1, 1),
                            teacher="t"))
    out = train_fold(spec, splits, 1, torch.device("cpu"), soft_targets=np.full((12, 3), 1 / 3))
    probs = np.array(out["test_probs"])
    assert probs.shape == (6, 3) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert probs.argmax(1).tolist() == out["test"].preds


def test_a_nested_rung_trains_each_folds_own_spec(learn_data, tmp_path):
    """``train_rungs``: fold f of a nested rung is fold f's spec's record, equal to that job
    trained alone; a spec is never trained on a fold it does not serve; a rung with one spec
    on every fold is that spec's cross-validation, its shared (spec, fold) jobs trained once."""
    speakers = range(1, 13)
    folds = [make_fold((9, 10, 11, 12), (7, 8), speakers), make_fold((1, 2, 3, 4), (5, 6), speakers)]
    a = Spec(ModelConfig("lstm_sa", hidden=8),
             TrainConfig(epochs=2, batch_size=64))
    b = replace(a, train=replace(a.train, lr=0.003))
    nested, flat = W.train_rungs([[a, b], [a, a]], lambda fs: learn_data, folds, (0, 1), tmp_path, n_jobs=1)
    assert [(r.run, r.fold) for r in nested] == [(r.run, r.fold) for r in flat] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    kb = experiment_key(b, learn_data, folds)
    assert sorted(p.name for p in (tmp_path / kb).glob("run*.json")) == ["run00-fold1.json", "run01-fold1.json"]
    assert [r.test_uar for r in nested if r.fold == 0] == [r.test_uar for r in flat if r.fold == 0]
    alone, _ = train_job(b, learn_data, folds, kb, 1, 1)
    assert nested[3].history == json.loads(json.dumps(alone.to_dict()))["history"]
    assert nested[3].test.preds == alone.test.preds
    assert [r.test_uar for r in flat] == [r.test_uar for r in cross_validate(a, learn_data, folds, runs=(0, 1),
                                                                             runs_dir=tmp_path, progress=False)]
    assert W.is_nested([a, b]) and not W.is_nested([a, a])

    assert cross_validate_per_fold([a, b], learn_data, folds, runs=(0, 1), runs_dir=tmp_path, progress=False) == nested
    with pytest.raises(ValueError, match="one spec per fold"):
        W.train_rungs([[a]], lambda fs: learn_data, folds, (0,), tmp_path)


def test_the_start_is_nested_where_the_profile_has_a_nested_block():
    tuned = {"reslstm_sa": {"lr": 0.003, "weight_decay": 1e-4, "dropout": 0.1, "T_0": 3, "batch_size": 8}}
    nested = {"reslstm_sa": [dict(tuned["reslstm_sa"], lr=lr) for lr in (0.001, 0.002, 0.003)]}
    starts = W.start_specs("reslstm_sa", tuned, nested, 6, 3)
    assert [s.train.lr for s in starts] == [0.001, 0.002, 0.003]
    assert starts == tuned_setting.nested_specs(nested, "reslstm_sa", 64, None, 6)   # 03's nested rows' specs
    assert starts[2] == W.start_spec("reslstm_sa", tuned, 6)   # fold 2's choice is the global one: 03's records
    assert W.start_specs("lstm_sa", tuned, nested, 6, 3) == [W.start_spec("lstm_sa", tuned, 6)] * 3  # not nested
    with pytest.raises(ValueError, match="3 settings for reslstm_sa, the corpus 5 folds"):
        W.start_specs("reslstm_sa", tuned, nested, 6, 5)


def test_a_c_at_an_end_of_its_grid_is_marked():
    """RAVDESS fold 2 chose C = 10 when eGeMAPS' grid ended there: a reader must see that the best C may lie
    beyond the grid."""
    grid = B.SVM_GRIDS["egemaps"]
    assert (grid[0], grid[-1]) == (1e-4, 100.0)
    assert W.c_words([1.0, 0.1, 100.0, 0.001, 1e-4], grid) == (
        "1, 0.1, 100 (grid's highest), 0.001, 0.0001 (grid's lowest)")
    assert W.c_words([10.0], (0.1, 1.0, 10.0)) == "10 (grid's highest)"


def test_standard_baselines_are_computed_once_and_read_back(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    actors = np.repeat(np.arange(1, 7), 20)
    y = np.tile(np.arange(4), 30)
    X = rng.standard_normal((120, 6)) + y[:, None] * 0.5
    folds = [Fold(test=(1, 2), validation=(3,), train=(4, 5, 6)), Fold(test=(5, 6), validation=(4,), train=(1, 2, 3))]
    data = SimpleNamespace(labels=y, speakers=actors, ids=[f"u{i}" for i in range(120)],
                           index=pd.DataFrame({"path": [f"u{i}.wav" for i in range(120)]}))
    monkeypatch.setattr(B, "load_functionals", lambda *a, **k: X)
    calls = []
    real = B.nested_svm
    monkeypatch.setattr(B, "nested_svm", lambda *a, **k: calls.append(1) or real(*a, **k))
    first, chosen = B.standard_baseline_records(data, folds, cache_root=tmp_path, which=[B.EGEMAPS_SVM], n_jobs=1)
    assert len(calls) == 2 and len(list((tmp_path / "svm-baselines").glob("egemaps-*.json"))) == 1
    for k, fold in enumerate(folds):   # each fold as nested_svm alone makes it
        model, C, scores = real(X, y, actors, fold, B.SVM_GRIDS["egemaps"])
        test = np.isin(actors, fold.test)
        assert first[B.EGEMAPS_SVM][k].test_uar == uar(y[test], model.predict(X[test]))
        assert chosen.iloc[k]["C"] == C and chosen.iloc[k]["validation UAR"] == scores[C]
    # read back: nothing fitted, the same records
    monkeypatch.setattr(B, "nested_svm", lambda *a, **k: pytest.fail("fitted again"))
    again, chosen_again = B.standard_baseline_records(data, folds, cache_root=tmp_path, which=[B.EGEMAPS_SVM])
    assert again == first and chosen_again.equals(chosen)
    # a damaged entry is computed again; other folds (another key) are another entry
    entry = next((tmp_path / "svm-baselines").glob("egemaps-*.json"))
    entry.write_text(entry.read_text()[:50])
    monkeypatch.setattr(B, "nested_svm", real)
    repaired, _ = B.standard_baseline_records(data, folds, cache_root=tmp_path, which=[B.EGEMAPS_SVM], n_jobs=2)
    assert [r.test for r in repaired[B.EGEMAPS_SVM]] == [r.test for r in first[B.EGEMAPS_SVM]]   # workers: same fits
    B.standard_baseline_records(data, folds[:1], cache_root=tmp_path, which=[B.EGEMAPS_SVM], n_jobs=1)
    assert len(list((tmp_path / "svm-baselines").glob("egemaps-*.json"))) == 2


def test_recipe_against_the_checkpoint_pairs_speakers_and_holds_the_switch():
    # two RAVDESS speakers (01, 02), two classes each; the recipe (1 run) is right everywhere, the checkpoint's
    # two runs miss one utterance of speaker 02 each: its speakers score 1.0 and 0.5 -> difference +0.25 mean
    ids = ["03-01-01-01-01-01-01", "03-01-02-01-01-01-01", "03-01-01-01-01-01-02", "03-01-02-01-01-01-02"]
    y = [0, 1, 0, 1]
    recipe = W.Rung("lstm_sa", "recipe", [_Rec(1, 0, ids, y, [0, 1, 0, 1])], levers="fold 0: mixup")
    transductive = W.Rung("lstm_sa", "recipe", [_Rec(1, 0, ids, y, [0, 1, 0, 1])], levers="fold 0: speaker_norm")
    ckpt = [_Rec(1, 0, ids, y, [0, 1, 0, 0]), _Rec(2, 0, ids, y, [0, 1, 1, 1])]
    out = W.against_checkpoint([recipe, transductive, W.Rung("lstm_sa", "mixup", [])], "ResLSTM-SA-h64", ckpt)
    assert len(out) == 1   # the transductive recipe and the levers are not candidates
    row = out.iloc[0]
    assert row["unit"] == "speaker" and row["pairs"] == 2 and row["mean UAR diff"] == pytest.approx(0.25)
    assert row["recipe UAR"] == 1.0 and row["checkpoint UAR"] == pytest.approx(0.75) and row["checkpoint runs"] == 2
    # two speakers can never reach p < 0.05: underpowered, so predict keeps its checkpoint
    assert row["verdict (alpha 0.05)"] == "underpowered" and not row["beats checkpoint"]


def test_validation_gain_takes_the_fold_as_the_unit():
    # reference folds: test fold 1 may be steered by folds 1-4. Fold 1 has two shared runs (gains 0.1, 0.3 ->
    # 0.2), fold 2 one (0.5): the fold means' mean is 0.35, not the (run, fold) rows' mean 0.3; fold 0 (not
    # allowed for test fold 1) and unshared runs do not count
    def rec(run, fold, val):
        return SimpleNamespace(run=run, fold=fold, best_val_uar=val)

    lever = [rec(1, 1, 0.6), rec(2, 1, 0.8), rec(1, 2, 1.0), rec(1, 0, 0.9), rec(3, 2, 0.9)]
    start = [rec(1, 1, 0.5), rec(2, 1, 0.5), rec(1, 2, 0.5), rec(1, 0, 0.1)]
    assert W.validation_gain(lever, start, REFERENCE_FOLDS, 1) == pytest.approx(0.35)
    assert np.isnan(W.validation_gain(lever, [], REFERENCE_FOLDS, 1))


def test_the_pareto_front_keeps_measured_inductive_points_that_nothing_cheaper_beats():
    """By hand: cost 1 (0.40) starts the front; cost 2 (0.38) is beaten by a cheaper point;
    cost 3 (0.50) joins; the transductive 0.70 and the published 0.90 are never on it; a tie in
    cost keeps the more accurate point only; cost 9 (0.50) ties the cheaper 0.50 and is out."""
    points = pd.DataFrame({
        "model": ["a", "b", "c", "c2", "d", "t", "w"],
        "kind": ["measured"] * 5 + ["measured, transductive", "reported (accuracy, not UAR)"],
        "uar": [0.40, 0.38, 0.50, 0.45, 0.50, 0.70, 0.90],
        "CPU ms/utt": [1.0, 2.0, 3.0, 3.0, 9.0, 2.5, 0.5],
    })
    assert pareto_front(points)["model"].tolist() == ["a", "c"]


def test_two_shown_recipes_are_told_apart_by_validation_with_the_fold_as_unit():
    def rec(run, fold, val):
        return SimpleNamespace(run=run, fold=fold, best_val_uar=val)

    # a: fold 0 has two runs at 0.9, fold 1 one at 0.1 -> fold means 0.9, 0.1 -> 0.5 (a mean over the three
    # records would give 0.633 and pick a); b: 0.6 and 0.5 -> 0.55
    a = W.Rung("lstm_sa", "recipe", [rec(1, 0, 0.9), rec(2, 0, 0.9), rec(1, 1, 0.1)])
    b = W.Rung("reslstm_sa", "recipe", [rec(1, 0, 0.6), rec(1, 1, 0.5)])
    assert W.fold_means(a.records) == {0: 0.9, 1: 0.1} and W.fold_means(a.records, runs={2}) == {0: 0.9}
    vs = pd.DataFrame({"family": ["lstm_sa", "reslstm_sa"], "beats checkpoint": [True, True]})
    assert W.switch_family(vs, [a, b]) == "reslstm_sa"
    assert W.switch_family(vs.assign(**{"beats checkpoint": [True, False]}), [a, b]) == "lstm_sa"
    assert W.switch_family(vs.assign(**{"beats checkpoint": [False, False]}), [a, b]) is None


def test_the_best_single_lever_is_the_largest_validation_gain_per_fold():
    # by hand: fold 0, egemaps and mixup tie at 0.03 -> the first in LEVERS (egemaps); fold 1: no gain above 0
    gains = {"speed": {0: 0.02, 1: -0.01}, "mixup": {0: 0.03, 1: 0.0}, "egemaps": {0: 0.03, 1: -0.02}}
    assert W.best_single_per_fold(gains, 2) == {0: "egemaps", 1: "start"}
    assert W.best_single_per_fold(gains, 2, min_gain=0.025) == {0: "egemaps", 1: "start"}
    assert W.best_single_per_fold(gains, 2, min_gain=0.03) == {0: "start", 1: "start"}


def test_the_recipe_against_its_best_single_lever_pairs_speakers_fold_by_fold():
    """Five folds (the reference folds), one test speaker each (the fold's first actor), two
    utterances per speaker. Validation: mixup is 0.15 above the start in every fold, speed 0.5 in
    fold 0 only, so speed's gain is 0.5 / 3 = 0.167 for test fold 0 (voting folds 0, 1, 2) and at
    most 0.5 / 4 = 0.125 elsewhere: the best single lever is speed in fold 0, mixup in folds 1-4.
    Test: the recipe and mixup are right everywhere, speed misses fold 0's second utterance, and
    mixup is wrong nowhere -> the recipe's lead is +0.5 on fold 0's speaker, 0 on the others:
    mean +0.1; the best single's pooled UAR is (1 + 4/5) / 2 = 0.9."""
    speakers = [REFERENCE_FOLDS[f].test[0] for f in range(5)]
    ids = {f: [f"03-01-01-01-01-01-{s:02d}", f"03-01-05-01-01-01-{s:02d}"] for f, s in enumerate(speakers)}
    speaker_of = {i: s for f, s in enumerate(speakers) for i in ids[f]}

    def recs(key, val, wrong_in=(), run=1):
        return [SimpleNamespace(key=f"{key}{f}", run=run, fold=f, best_val_uar=val(f), test_uar=None,
                                test=Predictions(ids[f], [0, 1], [0, 0] if f in wrong_in else [0, 1]))
                for f in range(5)]

    rungs = [W.Rung("lstm_sa", "start", recs("start", lambda f: 0.5, wrong_in=range(5))),
             W.Rung("lstm_sa", "mixup", recs("mixup", lambda f: 0.65)),
             W.Rung("lstm_sa", "speed", recs("speed", lambda f: 1.0 if f == 0 else 0.5, wrong_in=(0,))),
             # the recipe's run 2 (all wrong) has no single-lever twin: left out, or the recipe would read 0.75
             W.Rung("lstm_sa", "recipe", recs("recipe", lambda f: 0.7)
                    + recs("recipe", lambda f: 0.7, wrong_in=range(5), run=2), levers="fold 0: speed + mixup")]
    row = W.recipe_vs_single(rungs, "lstm_sa", REFERENCE_FOLDS, speaker_of, candidates=("speed", "mixup"))
    assert row["runs"] == 1
    assert row["best single lever per fold"] == ("fold 0: speed; fold 1: mixup; fold 2: mixup; fold 3: mixup; "
                                                 "fold 4: mixup")
    assert row["recipe UAR"] == 1.0 and row["best single UAR"] == pytest.approx(0.9)
    assert row["mean UAR diff"] == pytest.approx(0.1) and row["pairs"] == 5 and row["better / worse"] == "1 / 0"
    assert row["verdict (alpha 0.05)"] != W.IDENTICAL and row["p"] > 0
    # a recipe that is mixup alone in every fold (mixup's own records, the same experiment keys): nothing to test
    rungs[-1] = W.Rung("lstm_sa", "recipe", rungs[1].records, levers="; ".join(f"fold {f}: mixup" for f in range(5)))
    rungs[2] = W.Rung("lstm_sa", "speed", recs("speed", lambda f: 0.5))   # speed now gains nothing on validation
    same = W.recipe_vs_single(rungs, "lstm_sa", REFERENCE_FOLDS, speaker_of, candidates=("speed", "mixup"))
    assert same["best single lever per fold"] == "; ".join(f"fold {f}: mixup" for f in range(5))
    assert same["verdict (alpha 0.05)"] == W.IDENTICAL and np.isnan(same["p"]) and same["mean UAR diff"] == 0
    # Holm over the rows with a test: the identical row keeps its verdict and no p; the other row's p is its own
    both = metrics.with_holm(pd.DataFrame([row, same]))
    assert both["p (Holm)"].iloc[0] == pytest.approx(row["p"]) and np.isnan(both["p (Holm)"].iloc[1])
    assert both["verdict (alpha 0.05)"].iloc[1] == W.IDENTICAL


def test_the_recipe_costs_its_dearest_fold_column_by_column(monkeypatch):
    """Three folds: capacity (h128 on MFCC + chroma), eGeMAPS frames (h64) and the start. By hand
    (fake timings): the most parameters are the h128 fold's (128,000), the slowest model too
    (0.9 ms), the slowest features the eGeMAPS fold's (80 ms); end to end the dearest fold is the
    eGeMAPS one, 0.5 + 80 = 80.5 ms, not 0.9 + 80 (no fold costs that). It once costed one fold
    only, the one whose model timed slowest: 3.9 ms end to end, with openSMILE left out."""
    monkeypatch.setattr(what_recipe, "train_folds", lambda jobs, *a, **k: {j: j for j in jobs})
    monkeypatch.setattr(what_recipe, "model_ms", lambda spec, feats, repeats: (
        1000 * spec.model.hidden, {"egemaps": 0.5}.get(spec.feature_set, 0.9 if spec.model.hidden == 128 else 0.1)))
    monkeypatch.setattr(what_recipe, "feature_ms", lambda samples, sr, fs, repeats: {"egemaps": 80.0}.get(fs, 3.0))
    start = W.start_spec("lstm_sa", {}, 3)
    settings = W.settings_with({})
    load = lambda fs: SimpleNamespace(features=[np.zeros((4, 2))])  # noqa: E731 - a stand-in dataset
    recipe = {0: ["capacity"], 1: ["egemaps"], 2: []}
    rung, cost = what_recipe.recipe_rung("lstm_sa", recipe, [start] * 3, settings, load, [None] * 3, [1], "runs", 0,
                                         np.zeros(10), 16000)
    assert cost == {"parameters": 128_000, "model ms": 0.9, "feature ms": 80.0, "end ms": 80.5}
    assert rung.levers == "fold 0: capacity; fold 1: egemaps; fold 2: start" and len(rung.records) == 3


def test_a_model_and_a_feature_set_are_timed_once_and_read_the_same_in_every_row(monkeypatch):
    """Two folds' starts that differ in dropout and training only (the same model at inference) are
    timed once; a wider model is timed on its own; features once per set and utterance."""
    calls = []
    monkeypatch.setattr(what_timing, "_MODEL_MS", {})
    monkeypatch.setattr(what_timing, "_FEATURE_MS", {})
    monkeypatch.setattr(what_timing.cost, "cpu_ms", lambda model, x, lengths, repeats: calls.append("m") or len(calls))
    monkeypatch.setattr(what_timing, "_time_features", lambda samples, sr, fs, repeats: calls.append(fs) or len(calls))
    a = W.start_spec("lstm_sa", {}, 3)
    b = replace(a, model=replace(a.model, dropout=0.4), train=replace(a.train, lr=0.5))
    wide = replace(a, model=replace(a.model, hidden=128))
    feats = np.zeros((7, a.model.input_dim), np.float32)
    assert W.model_ms(a, feats, 3) == W.model_ms(b, feats, 3) == (W.model_ms(a, feats, 3)[0], 1)
    assert W.model_ms(wide, feats, 3)[1] == 2 and calls == ["m", "m"]
    samples, other = np.zeros(100, np.float32), np.ones(100, np.float32)
    assert W.feature_ms(samples, 16000, "egemaps", 3) == W.feature_ms(samples.copy(), 16000, "egemaps", 3) == 3
    assert W.feature_ms(other, 16000, "egemaps", 3) == 4 and calls[2:] == ["egemaps", "egemaps"]
    assert W.feature_repeats(30) == 15 and W.feature_repeats(4) == 3


def test_the_pareto_points_borrow_03_and_06_from_another_profile_and_say_so(tmp_path, monkeypatch):
    """results/full has no 03 or 06 tables: their rows come from `borrowed` (quick's results), the
    source marked "(quick)"; this profile's own tables win where they exist."""
    monkeypatch.setattr(what_tables, "model_ms", lambda spec, x, repeats: (0, 1.0))
    monkeypatch.setattr(what_tables, "feature_ms", lambda samples, sr, fs, repeats: 2.0)
    quick, full = tmp_path / "quick", tmp_path / "full"
    sa = [{"model": "LSTM-SA-h64", "protocol": "clean", "kind": "network", "uar_mean": 0.5, "parameters": 29_384}]
    pd.DataFrame(sa).to_csv((quick / "tables").mkdir(parents=True) or quick / "tables" / "sa_models_table.csv")
    what = pd.DataFrame([{"family": "lstm_sa", "lever": "start", "transductive": False, "uar_mean": 0.48,
                          "CPU ms/utt": 3.0, "parameters": 29_384}])
    base = pd.DataFrame(columns=["model", "uar_mean", "CPU ms/utt", "parameters"])
    points = what_tables.pareto_points(what, base, full, np.zeros(4096), 16000, 3, borrowed=quick)
    assert points[points["source"] == "03 (quick)"][["model", "uar", "CPU ms/utt"]].values.tolist() == [
        ["LSTM-SA-h64", 0.5, 3.0]]   # model 1.0 + MFCC + chroma 2.0, timed here
    assert points["source"].iloc[0] == "09 lstm_sa" and "03" not in set(points["source"])
    pd.DataFrame([dict(sa[0], uar_mean=0.52)]).to_csv((full / "tables").mkdir(parents=True) or
                                                      full / "tables" / "sa_models_table.csv")
    own = what_tables.pareto_points(what, base, full, np.zeros(4096), 16000, 3, borrowed=quick)
    assert own[own["source"] == "03"]["uar"].tolist() == [0.52] and "03 (quick)" not in set(own["source"])


def test_capacity_is_left_out_by_its_parameter_count_never_by_a_timing(monkeypatch):
    """What is trained must not depend on how busy the machine was: a busy machine once timed
    ResLSTM-SA-h128 above the goal's 2 ms (idle: 1.3 ms) and the capacity rung was dropped.
    Here every model times 99 ms and capacity (LSTM-SA-h128, 91,528 parameters) is still
    trained; with a limit of 90,000 parameters it is skipped, and the line says why."""
    monkeypatch.setattr(what_training, "model_ms", lambda spec, feats, repeats: (0, 99.0))
    monkeypatch.setattr(what_training, "feature_ms", lambda samples, sr, fs, repeats: 1.0)
    monkeypatch.setattr(what_training, "train_rungs", lambda per_fold, *a, **k: [[] for _ in per_fold])
    starts = [W.start_spec("lstm_sa", {}, 3)] * 2
    load = lambda fs: SimpleNamespace(features=[np.zeros((4, 46))])  # noqa: E731 - a stand-in dataset
    said = []
    args = ("lstm_sa", starts, ["mixup", "capacity"])
    rest = (load, [None] * 2, [1], "runs", 0, np.zeros(10), 16000)
    rungs, costs, _ = what_training.lever_rungs(*args, W.settings_with({}), *rest, report=said.append)
    assert [r.lever for r in rungs] == ["start", "mixup", "capacity"] and said == []
    rungs, costs, _ = what_training.lever_rungs(*args, W.settings_with({"max_parameters": 90_000}), *rest,
                                                report=said.append)
    assert [r.lever for r in rungs] == ["start", "mixup"] and ("lstm_sa", "capacity") not in costs
    assert said == ["lstm_sa: capacity h128 skipped: 91,528 parameters (limit 90,000)"]


def test_the_recipe_leaves_capacity_out_where_its_feature_set_makes_the_model_too_large(monkeypatch):
    """ResLSTM-SA-h128 has 108,916 parameters on MFCC + chroma (46 inputs), 86,026 on eGeMAPS
    frames (25), 145,366 on MFCC + chroma + eGeMAPS (71) and 160,936 on log-mel + deltas (80):
    with the goal's 110 k only the last fold loses capacity, and the choice table says so.
    Checked on the start's features alone, as the single lever is, it would have kept it."""
    tuned = {"reslstm_sa": {"lr": 0.003, "weight_decay": 1e-4, "dropout": 0.1, "T_0": 3, "batch_size": 8}}
    starts = [W.start_spec("reslstm_sa", tuned, 6)] * 3
    S = W.settings_with({})
    sizes = [parameters_of(W.combined_spec(starts[0], c, S).model) for c in
             (("capacity",), ("egemaps", "capacity"), ("mfcc+egemaps", "capacity"), ("logmel+deltas", "capacity"))]
    assert sizes == [108_916, 86_026, 145_366, 160_936]   # the counts notebook 09's text quotes
    chosen = {0: ("capacity", "mixup"), 1: ("egemaps", "capacity"), 2: ("speed", "logmel+deltas", "capacity")}
    assert W.within_parameters(chosen, starts, S) == ({0: ("capacity", "mixup"), 1: ("egemaps", "capacity"),
                                                       2: ("speed", "logmel+deltas")}, {2: 160_936})
    gains = {2: 0.05, 1: 0.0, 0: 0.0}   # by fold: capacity helps fold 2 only, logmel+deltas and speed every fold
    rungs = [W.Rung("reslstm_sa", lv, []) for lv in ("start", "speed", "logmel+deltas", "capacity")]
    fake = {"speed": {f: 0.03 for f in range(3)}, "logmel+deltas": {f: 0.04 for f in range(3)}, "capacity": gains}
    monkeypatch.setattr(what_recipe, "lever_gains", lambda *a, **k: fake)
    recipe, rows = W.recipe_choices(rungs, "reslstm_sa", [None] * 3, starts=starts, settings=S)
    assert recipe == {f: ("speed", "logmel+deltas") for f in range(3)}
    assert [r[col.LEFT_OUT] for r in rows] == ["", "", "capacity (160,936 parameters > 110,000)"]


def test_largest_gain_breaks_a_tie_in_the_order_of_levers_whatever_the_last_bits():
    """Full's LSTM-SA fold 2: mfcc+egemaps and logmel+deltas both gain 0.045703. Which one a
    float sum makes larger in its last bits must not decide: within TIE, the first in LEVERS."""
    g = 0.0457031
    assert W.largest_gain(["logmel+deltas", "mfcc+egemaps"], {"mfcc+egemaps": g, "logmel+deltas": g + 1e-17}.get) \
        == "mfcc+egemaps"
    assert W.largest_gain(["logmel+deltas", "mfcc+egemaps"], {"mfcc+egemaps": g, "logmel+deltas": g + 1e-6}.get) \
        == "logmel+deltas"
    assert W.best_single_per_fold({"mixup": {0: 0.02}, "speed": {0: 0.02 + 1e-12}}, 1) == {0: "speed"}
    assert W.best_single_per_fold({"mixup": {0: 0.03}, "speed": {0: 0.02}}, 1) == {0: "mixup"}
