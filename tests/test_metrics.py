import warnings

import numpy as np
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


def test_paired_comparison_detects_a_consistent_gain():
    rng = np.random.default_rng(0)
    b = {(r, f): rng.uniform(0.4, 0.6) for r in range(4) for f in range(5)}
    a = {k: v + 0.03 + rng.normal(0, 0.005) for k, v in b.items()}
    out = metrics.paired_comparison(a, b)
    assert out["pairs"] == 20 and out["a_better"] == 20
    assert out["wilcoxon_p"] < 0.001 and out["ci95_low"] > 0.02
    same = metrics.paired_comparison(b, {k: v + rng.normal(0, 0.01) for k, v in b.items()})
    assert same["wilcoxon_p"] > 0.01 and same["ci95_low"] < 0 < same["ci95_high"]
    with pytest.raises(ValueError, match="share no"):
        metrics.paired_comparison(a, {(9, 9): 0.5})
