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


def t_half_width(values, level: float = 0.95) -> float:
    """Half-width of the Student-t confidence interval of the mean over ``values``:
    t(n-1) · std / sqrt(n) (NaN below 2 values)."""
    from scipy.stats import t

    values = np.asarray(values, float)
    if len(values) < 2:
        return float("nan")
    return float(t.ppf((1 + level) / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))


def t_interval(values, level: float = 0.95) -> tuple[float, float]:
    """Student-t confidence interval of the mean over ``values`` (runs): mean ±
    ``t_half_width`` (NaN below 2 values). Over 3 runs a percentile bootstrap can only give
    [min, max]; the t-interval accounts for how few runs there are (multiplier 4.30)."""
    half = t_half_width(values, level)
    if np.isnan(half):
        return float("nan"), float("nan")
    mean = float(np.mean(np.asarray(values, float)))
    return mean - half, mean + half


def wilson_interval(share: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``share`` observed over ``n`` trials
    (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over the normal interval)."""
    from scipy.stats import norm

    if n <= 0:
        return float("nan"), float("nan")
    z = norm.ppf((1 + level) / 2)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return float(centre - half), float(centre + half)


def summarize(values) -> dict:
    """mean ± std (ddof=1), min, max and the 95 % t-interval of the mean (``t_interval``)."""
    values = np.asarray(values, float)
    lo, hi = t_interval(values)
    return {"n": int(len(values)), "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
            "min": float(values.min()), "max": float(values.max()), "ci95_low": lo, "ci95_high": hi}


# Exact sign-flip tests enumerate 2**n sign patterns; above this many pairs the
# Wilcoxon signed-rank test (scipy) is used instead.
EXACT_MAX_PAIRS = 16


def min_attainable_p(n_nonzero: int) -> float:
    """Smallest two-sided p-value a paired sign-flip or Wilcoxon signed-rank test can
    give on ``n_nonzero`` non-zero differences: 2 / 2**n (all signs alike). With 5
    pairs it is 0.0625, so "p < 0.05" is impossible whatever the data."""
    return 1.0 if n_nonzero < 1 else min(1.0, 2.0 / 2 ** n_nonzero)


def sign_flip_p(diff) -> float:
    """Exact two-sided sign-flip (paired permutation) test of mean ``diff`` = 0: the
    share of the 2**n sign patterns whose |mean| is at least the observed one (Fisher
    1935; Good, *Permutation Tests*, 2005). Exact for n <= ``EXACT_MAX_PAIRS``."""
    diff = np.asarray(diff, float)
    if len(diff) > EXACT_MAX_PAIRS:
        raise ValueError(f"sign_flip_p: {len(diff)} pairs, at most {EXACT_MAX_PAIRS} enumerated exactly")
    if len(diff) == 0:
        return float("nan")
    signs = 1 - 2 * ((np.arange(2 ** len(diff))[:, None] >> np.arange(len(diff))) & 1)
    stats = np.abs(signs @ diff)
    observed = abs(diff.sum())
    return float(np.mean(stats >= observed - 1e-12 * max(1.0, observed)))


def paired_test(diff, alpha: float = 0.05) -> dict:
    """The paired test chosen by the number of pairs: the exact sign-flip test up to
    ``EXACT_MAX_PAIRS`` pairs, the Wilcoxon signed-rank test above. Returns the test's
    name, its p-value, the smallest p it could give here and whether that is above
    ``alpha`` (``underpowered``: no data could make the comparison significant)."""
    from scipy.stats import wilcoxon

    diff = np.asarray(diff, float)
    nonzero = int(np.count_nonzero(diff))
    min_p = min_attainable_p(nonzero)
    if len(diff) <= EXACT_MAX_PAIRS:
        test, p = "exact sign-flip", sign_flip_p(diff) if nonzero else float("nan")
    else:
        test, p = "Wilcoxon signed-rank", float(wilcoxon(diff).pvalue) if nonzero else float("nan")
    return {"test": test, "p": p, "min_p": min_p, "underpowered": bool(min_p > alpha)}


def verdict(p: float, underpowered: bool, alpha: float = 0.05) -> str:
    """``shown`` (p < alpha), ``not shown`` or ``underpowered`` (p < alpha unreachable)."""
    if underpowered:
        return "underpowered"
    return "shown" if p < alpha else "not shown"


def paired_comparison(a: dict, b: dict, alpha: float = 0.05) -> dict:
    """Compare two specs on the (seed, fold) pairs both have: ``a`` and ``b`` map a
    pair to a UAR. Returns the mean difference a - b, its 95 % bootstrap CI, the
    paired test chosen by the number of pairs (``paired_test``: test, p, min_p,
    underpowered, verdict) and, for reference, the two-sided Wilcoxon signed-rank p."""
    from scipy.stats import wilcoxon

    keys = sorted(set(a) & set(b))
    if not keys:
        raise ValueError("the two specs share no (seed, fold) pairs")
    diff = np.array([a[k] - b[k] for k in keys])
    lo, hi = bootstrap_ci(diff)
    p = float(wilcoxon(diff).pvalue) if len(diff) > 1 and np.any(diff != 0) else float("nan")
    test = paired_test(diff, alpha)
    return {"pairs": len(keys), "mean_diff": float(diff.mean()), "ci95_low": lo, "ci95_high": hi,
            "wilcoxon_p": p, **test, "verdict": verdict(test["p"], test["underpowered"], alpha),
            "a_better": int((diff > 0).sum()), "b_better": int((diff < 0).sum())}
