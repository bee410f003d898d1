"""Metrics of the study: UAR (unweighted average recall, the mean of per-class
recalls — scikit-learn's balanced accuracy), weighted accuracy (overall accuracy),
confusion matrices, summaries over runs and paired comparisons of two specs."""

from __future__ import annotations

import numpy as np

from ser_utils.data.corpus import N_CLASSES


def confusion(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts A[c, i] of class c predicted as i (``n_classes`` default: RAVDESS's 8, or
    more when the labels go beyond them)."""
    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    if n_classes is None:
        n_classes = max(N_CLASSES, int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1)
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(out, (y_true, y_pred), 1)
    return out


def per_class_recall(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Recall of each class; NaN for a class absent from ``y_true``."""
    cm = confusion(y_true, y_pred, n_classes)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / support, np.nan)


def uar(y_true, y_pred, n_classes: int | None = None) -> float:
    """Unweighted average recall over the classes present in ``y_true`` (seed 000, eq. 4)."""
    return float(np.nanmean(per_class_recall(y_true, y_pred, n_classes)))


def weighted_accuracy(y_true, y_pred) -> float:
    """Overall accuracy (classes weighted by their frequency)."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def bootstrap_ci(values, stat=np.mean, n_boot: int = 10000, level: float = 0.95, seed: int = 0):
    """Percentile bootstrap confidence interval of ``stat`` over ``values``."""
    values = np.asarray(values, float)
    if len(values) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    stats = stat(values[rng.integers(0, len(values), (n_boot, len(values)))], axis=1)
    lo, hi = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def summarize(values) -> dict:
    """mean ± std (ddof=1), min, max and the 95 % bootstrap CI of the mean."""
    values = np.asarray(values, float)
    lo, hi = bootstrap_ci(values)
    return {"n": int(len(values)), "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
            "min": float(values.min()), "max": float(values.max()), "ci95_low": lo, "ci95_high": hi}


def paired_comparison(a: dict, b: dict) -> dict:
    """Compare two specs on the (seed, fold) pairs both have: ``a`` and ``b`` map a
    pair to a UAR. Returns the mean difference a - b, its 95 % bootstrap CI, and the
    two-sided Wilcoxon signed-rank p-value."""
    from scipy.stats import wilcoxon

    keys = sorted(set(a) & set(b))
    if not keys:
        raise ValueError("the two specs share no (seed, fold) pairs")
    diff = np.array([a[k] - b[k] for k in keys])
    lo, hi = bootstrap_ci(diff)
    p = float(wilcoxon(diff).pvalue) if len(diff) > 1 and np.any(diff != 0) else float("nan")
    return {"pairs": len(keys), "mean_diff": float(diff.mean()), "ci95_low": lo, "ci95_high": hi,
            "wilcoxon_p": p, "a_better": int((diff > 0).sum()), "b_better": int((diff < 0).sum())}
