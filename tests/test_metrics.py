import itertools
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, confusion_matrix

from ser_utils.training import metrics


@pytest.mark.parametrize("seed", range(5))
def test_uar_equals_balanced_accuracy(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 7, 200)   # class 7 never true...
    p = rng.integers(0, 8, 200)   # ...but sometimes predicted
    p[:60] = y[:60]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert metrics.uar(y, p) == pytest.approx(balanced_accuracy_score(y, p), abs=1e-12)
    assert metrics.weighted_accuracy(y, p) == pytest.approx(np.mean(y == p))
    assert np.array_equal(metrics.confusion(y, p), confusion_matrix(y, p, labels=range(8)))


def test_per_class_recall_marks_absent_classes():
    r = metrics.per_class_recall([0, 0, 1], [0, 1, 1], n_classes=3)
    assert r[0] == 0.5 and r[1] == 1.0 and np.isnan(r[2])


def test_summary_and_bootstrap():
    s = metrics.summarize([0.5, 0.6, 0.7])
    assert s["mean"] == pytest.approx(0.6) and s["std"] == pytest.approx(0.1) and s["max"] == 0.7
    # t(0.975, 2) = 4.302653; std 0.1, n 3: half-width 4.302653 * 0.1 / sqrt(3) = 0.248414
    assert s["ci95_low"] == pytest.approx(0.6 - 0.248414, abs=1e-6)
    assert s["ci95_high"] == pytest.approx(0.6 + 0.248414, abs=1e-6)
    assert all(np.isnan(metrics.t_interval([0.5])))


def test_speaker_paired_comparison_detects_a_consistent_gain():
    rng = np.random.default_rng(0)
    b = {f"{s:02d}": rng.uniform(0.4, 0.6) for s in range(1, 25)}
    a = {k: v + 0.03 + rng.normal(0, 0.005) for k, v in b.items()}
    out = metrics.speaker_paired_comparison(a, b)
    assert out["pairs"] == 24 and out["a_better"] == 24 and out["unit"] == "speaker"
    # every difference positive: only the all-plus and all-minus patterns reach the mean -> 2 / 2**24
    assert out["p"] == pytest.approx(2 / 2**24) and out["ci95_low"] > 0.02
    same = metrics.speaker_paired_comparison(b, {k: v + rng.normal(0, 0.01) for k, v in b.items()})
    assert same["p"] > 0.01 and same["ci95_low"] < 0 < same["ci95_high"]
    with pytest.raises(ValueError, match="share no speakers"):
        metrics.speaker_paired_comparison(a, {"99": 0.5})


# ---------------------------------------------------------------- the speaker as the unit

def test_sign_flip_p_four_speakers_by_hand():
    # d = [0.1, 0.2, -0.05, 0.15], observed sum 0.4. The 16 sign patterns (+ keeps, - flips), sums:
    # ++++ 0.40  +++- 0.10  ++-+ 0.50  ++-- 0.20  +-++ 0.00  +-+- -0.30  +--+ 0.10  +--- -0.20
    # -+++ 0.20  -++- -0.10  -+-+ 0.30  -+-- 0.00  --++ -0.20  --+- -0.50  ---+ -0.10  ---- -0.40
    # |sum| >= 0.4: ++++, ++-+, --+-, ---- -> 4 of 16
    assert metrics.sign_flip_p([0.1, 0.2, -0.05, 0.15]) == pytest.approx(4 / 16)
    # all alike: only ++++ and ---- -> 2/16, the smallest attainable p with 4 speakers
    assert metrics.sign_flip_p([0.1, 0.2, 0.05, 0.15]) == pytest.approx(2 / 16) == metrics.min_attainable_p(4)
    assert metrics.sign_flip_p([0.1, -0.1]) == 1.0   # observed sum 0: every pattern reaches it


def test_meet_in_the_middle_equals_brute_force():
    rng = np.random.default_rng(7)
    for diff in (rng.normal(0.01, 0.03, 14), np.round(rng.normal(0.0, 0.05, 14), 2)):   # the second has ties
        sums = np.array([np.dot(s, diff) for s in itertools.product((1, -1), repeat=14)])
        brute = np.mean(np.abs(sums) >= abs(diff.sum()) - 1e-12)
        assert metrics.sign_flip_p(diff) == pytest.approx(brute, abs=1e-15)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04: x3 = 0.03, x2 = 0.06, x1 = 0.04 -> monotone 0.06; back in order
    assert metrics.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    out = metrics.holm([0.5, np.nan, 0.01])   # NaN is not in the family: m = 2
    assert out[0] == pytest.approx(0.5) and np.isnan(out[1]) and out[2] == pytest.approx(0.02)
    assert metrics.holm([0.4, 0.6]) == pytest.approx([0.8, 0.8]) and metrics.holm([0.7, 0.9]).max() == 1.0


def test_holm_floor_by_hand():
    """The smallest adjusted p a test could reach in its family, the others' p as they are:
    8 speakers (smallest p 2/2^8 = 0.0078) in a family of 8 large p's: 8 x 0.0078 = 0.0625 > 0.05,
    underpowered whatever its data; with 3 tests 3 x 0.0078 = 0.0234; where the 3 others are
    tiny, it would be ranked last, x1: 0.0078 (the family's other tests decide)."""
    low = 2 / 2**8
    assert metrics.holm_floor([0.5] * 8, [low] * 8) == pytest.approx([8 * low] * 8)
    assert metrics.holm_floor([0.01, 0.2, 0.5], [low] * 3) == pytest.approx([3 * low] * 3)
    floor = metrics.holm_floor([1e-6, 1e-6, 1e-6, 0.5, np.nan], [1e-7] * 3 + [low, low])
    assert floor[3] == pytest.approx(low) and floor[0] == pytest.approx(4e-7) and np.isnan(floor[4])
    assert np.isnan(metrics.holm_floor([0.3], [np.nan])[0])


def test_speaker_of_and_unit_scores():
    assert metrics.speaker_of("03-01-05-02-01-02-17") == "17"
    assert metrics.speaker_of("data/Actor_17/03-01-05-02-01-02-17.wav") == "17"
    assert metrics.speaker_of("03a01Fa") is None

    def rec(run, fold, ids, labels, preds):
        return SimpleNamespace(run=run, fold=fold, test=SimpleNamespace(ids=ids, labels=labels, preds=preds),
                               test_uar=metrics.uar(labels, preds))

    ids = ["03-01-01-01-01-01-01", "03-01-02-01-01-01-01", "03-01-01-01-01-01-02", "03-01-02-01-01-01-02"]
    labels = [0, 1, 0, 1]
    # run 1: speaker 01 both right (UAR 1), speaker 02 one wrong (UAR 0.5); run 2: both speakers all right
    recs = [rec(1, 0, ids, labels, [0, 1, 0, 0]), rec(2, 0, ids, labels, [0, 1, 0, 1])]
    assert metrics.unit_scores(recs) == ("speaker", {"01": 1.0, "02": 0.75})
    assert metrics.unit_scores(recs, runs=[1]) == ("speaker", {"01": 1.0, "02": 0.5})
    odd = [rec(1, 0, ["a", "b", "c", "d"], labels, [0, 1, 0, 0]), rec(2, 0, ["a", "b", "c", "d"], labels, labels)]
    assert metrics.unit_scores(odd) == ("fold", {0: pytest.approx((0.75 + 1.0) / 2)})


def test_speaker_paired_comparison_by_hand():
    a = {"01": 0.6, "02": 0.7, "03": 0.45, "04": 0.65}
    b = {"01": 0.5, "02": 0.5, "03": 0.5, "04": 0.5, "05": 0.9}   # speaker 05 has no pair
    out = metrics.speaker_paired_comparison(a, b)
    # differences 0.1, 0.2, -0.05, 0.15: the hand-worked example above, p = 4/16
    assert out["unit"] == "speaker" and out["pairs"] == 4 and out["mean_diff"] == pytest.approx(0.1)
    assert out["p"] == pytest.approx(0.25) and out["min_p"] == pytest.approx(0.125)
    assert out["verdict"] == "underpowered" and (out["a_better"], out["b_better"]) == (3, 1)
    with pytest.raises(ValueError, match="share no speakers"):
        metrics.speaker_paired_comparison(a, {"99": 0.5})


def test_paired_records_averages_runs_per_speaker():
    def rec(run, fold, ids, preds, labels=(0, 1, 0, 1)):
        return SimpleNamespace(run=run, fold=fold, test=SimpleNamespace(ids=ids, labels=list(labels), preds=preds),
                               test_uar=metrics.uar(labels, preds))

    ids = ["03-01-01-01-01-01-01", "03-01-02-01-01-01-01", "03-01-01-01-01-01-02", "03-01-02-01-01-01-02"]
    a = [rec(1, 0, ids, [0, 1, 0, 1]), rec(2, 0, ids, [0, 1, 0, 0]), rec(3, 0, ids, [1, 1, 1, 1])]
    b = [rec(1, 0, ids, [0, 0, 0, 0]), rec(2, 0, ids, [0, 0, 0, 0])]
    out = metrics.paired_records([(a, b)])
    # shared runs 1 and 2 only (run 3 of a has no partner). a: speaker 01 (1 + 1) / 2 = 1, speaker 02 (1 + 0.5) / 2
    # = 0.75; b: 0.5 for both -> differences 0.5 and 0.25 over 2 speakers, not 4 (run, fold) pairs
    assert out["unit"] == "speaker" and out["pairs"] == 2 and out["mean_diff"] == pytest.approx(0.375)
    assert out["p"] == pytest.approx(0.5) and out["verdict"] == "underpowered"


def test_with_holm_adjusts_one_family_and_retakes_the_verdicts():
    # four tests (the NaN row is not one): sorted 0.01, 0.03, 0.04, 0.0625 -> x4 = 0.04, x3 = 0.09, x2 = 0.08,
    # x1 = 0.0625 -> monotone 0.04, 0.09, 0.09, 0.09; a row without a p keeps its verdict; a row whose smallest
    # attainable p is above alpha is underpowered whatever its p
    frame = pd.DataFrame({"p": [0.01, 0.04, 0.03, np.nan, 0.0625], metrics.MIN_P: [1e-6, 1e-6, 1e-6, np.nan, 0.0625],
                          metrics.VERDICT: ["shown", "shown", "shown", "start", "not shown"]})
    out = metrics.with_holm(frame)
    assert out[metrics.P_HOLM].tolist() == pytest.approx([0.04, 0.09, 0.09, np.nan, 0.09], nan_ok=True)
    assert out[metrics.VERDICT].tolist() == ["shown", "not shown", "not shown", "start", "underpowered"]
    assert frame[metrics.VERDICT].iloc[1] == "shown"   # a copy: the input is untouched
