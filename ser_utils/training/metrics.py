"""Metrics of the study: UAR (unweighted average recall, the mean of per-class
recalls — scikit-learn's balanced accuracy), weighted accuracy (overall accuracy),
confusion matrices, summaries over runs and paired comparisons of two specs. The unit of a
paired comparison is the speaker (``unit_scores``, ``speaker_paired_comparison``): runs on the
same test speakers are not independent samples of speakers; within a family of claims the
p-values are Holm-adjusted (``holm``)."""

from __future__ import annotations

import re

import numpy as np

from ser_utils.columns import MIN_P as MIN_P
from ser_utils.columns import P_HOLM as P_HOLM
from ser_utils.columns import VERDICT as VERDICT
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
    """Unweighted average recall over the classes present in ``y_true`` (paper 000, eq. 4)."""
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
    from scipy.stats import t  # noqa: PLC0415 - heavy: scipy.stats, not loaded with the CLI

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
    from scipy.stats import norm  # noqa: PLC0415 - heavy: scipy.stats, not loaded with the CLI

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


# Exact sign-flip tests enumerate all 2**n sign patterns (meet in the middle: two halves of
# at most 2**16 sums each); above this many pairs the Wilcoxon signed-rank test (scipy) is
# used instead.
EXACT_MAX_PAIRS = 32


def min_attainable_p(n_nonzero: int) -> float:
    """Smallest two-sided p-value a paired sign-flip or Wilcoxon signed-rank test can
    give on ``n_nonzero`` non-zero differences: 2 / 2**n (all signs alike). With 5
    pairs it is 0.0625, so "p < 0.05" is impossible whatever the data."""
    return 1.0 if n_nonzero < 1 else min(1.0, 2.0 / 2 ** n_nonzero)


def _pattern_sums(values) -> np.ndarray:
    """The 2**n sums ±v1 ± ... ± vn, one per sign pattern."""
    values = np.asarray(values, float)
    signs = 1 - 2 * ((np.arange(2 ** len(values))[:, None] >> np.arange(len(values))) & 1)
    return signs @ values if len(values) else np.zeros(1)


def sign_flip_p(diff) -> float:
    """Exact two-sided sign-flip (paired permutation) test of mean ``diff`` = 0: the
    share of the 2**n sign patterns whose |sum| is at least the observed one (Fisher
    1935; Good, *Permutation Tests*, 2005). Every pattern is counted, by meeting in the
    middle: the 2**k sums of the first half and the 2**(n-k) sums of the second, sorted,
    and for each sum x of the first half the second-half sums y with |x + y| >= |observed|
    counted by binary search. Exact for n <= ``EXACT_MAX_PAIRS``."""
    diff = np.asarray(diff, float)
    if len(diff) > EXACT_MAX_PAIRS:
        raise ValueError(f"sign_flip_p: {len(diff)} pairs, at most {EXACT_MAX_PAIRS} enumerated exactly")
    if len(diff) == 0:
        return float("nan")
    observed = abs(diff.sum())
    # sums differ from the observed one by rounding only: a tie counts as reaching it
    threshold = observed - 1e-9 * max(1.0, float(np.abs(diff).sum()))
    if threshold <= 0:
        return 1.0
    half = len(diff) // 2
    left, right = _pattern_sums(diff[:half]), np.sort(_pattern_sums(diff[half:]))
    at_least = len(right) - np.searchsorted(right, threshold - left, side="left")   # x + y >= threshold
    at_most = np.searchsorted(right, -threshold - left, side="right")               # x + y <= -threshold
    return float((at_least.sum() + at_most.sum()) / 2 ** len(diff))


def holm(pvalues) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values of one family of tests: the k-th
    smallest of m p-values times (m - k + 1), made monotone (never below an adjusted
    p of a smaller raw p) and capped at 1. NaNs are not in the family and stay NaN.
    Rejecting where the adjusted p is below alpha keeps the chance of any false
    rejection in the family at most alpha."""
    p = np.asarray(pvalues, float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if not len(ok):
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out[order] = adjusted
    return out


def holm_floor(pvalues, min_pvalues) -> np.ndarray:
    """Each test's smallest attainable Holm-adjusted p in its family: its adjusted p had its
    own p been the smallest its test can give (``min_pvalues``), the others' as they are.
    Above alpha, no data with that many informative units could have shown it within this
    family (underpowered after the correction, whether or not its own test alone could reach
    alpha). NaN where a test has no p or no smallest p."""
    p, low = np.asarray(pvalues, float), np.asarray(min_pvalues, float)
    out = np.full(p.shape, np.nan)
    for i in np.flatnonzero(~np.isnan(p) & ~np.isnan(low)):
        q = p.copy()
        q[i] = low[i]
        out[i] = holm(q)[i]
    return out


_RAVDESS_STEM = re.compile(r"^\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-(\d{2})$")


def with_holm(frame, alpha: float = 0.05, p: str = "p", adjusted: str = P_HOLM, verdict_column: str = VERDICT,
              min_p: str = MIN_P):
    """One notebook's family of claims (a pandas DataFrame, one test per row): ``frame``'s
    p-values Holm-adjusted together (``holm``) into ``adjusted``, and each verdict taken on
    the adjusted p (``verdict``: underpowered where even the unadjusted test could not reach
    ``alpha``). Rows without a p keep their verdict. Returns a copy."""
    out = frame.copy()
    if p not in out:
        return out
    out[adjusted] = holm(out[p].to_numpy(float))
    if verdict_column in out:
        under = out[min_p].to_numpy(float) > alpha if min_p in out else np.zeros(len(out), bool)
        out[verdict_column] = [verdict(q, bool(u), alpha) if not np.isnan(q) else v
                               for q, u, v in zip(out[adjusted], under, out[verdict_column])]
    return out


def speaker_of(item_id) -> str | None:
    """The speaker of a RAVDESS file: the last field (actor) of its stem
    ``03-01-EE-II-SS-RR-AA`` (a path or a name with its suffix will do); None when the
    id does not have that form."""
    stem = str(item_id).replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem[:-4] if stem.lower().endswith(".wav") else stem
    m = _RAVDESS_STEM.match(stem)
    return m.group(1) if m else None


def speaker_uars(ids, labels, preds, lookup: dict | None = None) -> dict | None:
    """Each speaker's UAR over its own utterances (the classes it has): ``{speaker: uar}``
    from one run's test ids, labels and predictions; None when an id does not name its
    speaker (``speaker_of``). ``lookup``: ``{id: speaker}`` instead of reading the ids (a
    dataset's own speakers, any corpus)."""
    speakers = [lookup.get(i) if lookup is not None else speaker_of(i) for i in ids]
    if not speakers or any(s is None for s in speakers):
        return None
    speakers, labels, preds = np.asarray(speakers), np.asarray(labels, int), np.asarray(preds, int)
    return {s: uar(labels[speakers == s], preds[speakers == s]) for s in sorted(set(speakers))}


def unit_scores(records, runs=None, unit: str | None = None) -> tuple[str, dict]:
    """The unit of a paired comparison and each unit's score, averaged over runs:
    ``("speaker", {speaker: UAR})`` — each test speaker's UAR in each run (over the
    speaker's own utterances), averaged over the runs — when every record's test ids name
    their speaker (RAVDESS); otherwise, or with ``unit="fold"``, ``("fold", {fold: test
    UAR})``, each fold's UAR averaged over runs (corpora whose ids do not name the
    speaker). ``runs``: only those runs (default: every run of ``records``)."""
    records = [r for r in records if runs is None or r.run in set(runs)]
    per_speaker: dict = {}
    for r in records:
        ids = getattr(r.test, "ids", None)
        scores = speaker_uars(ids, r.test.labels, r.test.preds) if ids is not None and unit != "fold" else None
        if scores is None:
            per_fold: dict = {}
            for x in records:
                per_fold.setdefault(x.fold, []).append(x.test_uar)
            return "fold", {f: float(np.mean(v)) for f, v in sorted(per_fold.items())}
        for s, v in scores.items():
            per_speaker.setdefault(s, []).append(v)
    return "speaker", {s: float(np.mean(v)) for s, v in sorted(per_speaker.items())}


def paired_records(pairs, alpha: float = 0.05, same_runs: bool = True) -> dict:
    """``speaker_paired_comparison`` of run records: ``pairs`` is a list of
    ``(records_a, records_b)`` comparisons (usually one). In each, every unit's score
    (``unit_scores``: the speaker's UAR, or the fold's) is averaged over the runs both
    sides have — the same seeds — and then over the comparisons, on each side; one paired
    test over the units follows, so a speaker counts once however many runs and
    comparisons there are. Where one side's ids name speakers and the other's do not, the
    fold is the unit for both. ``same_runs=False``: each side averaged over all of its own
    runs (a model against a baseline fitted once, whose runs are not the model's seeds)."""
    for unit in (None, "fold"):
        sides: list[dict] = [{}, {}]
        units = set()
        for records_a, records_b in pairs:
            runs = sorted({r.run for r in records_a} & {r.run for r in records_b}) if same_runs else None
            for side, records in zip(sides, (records_a, records_b)):
                found, scores = unit_scores(records, runs, unit)
                units.add(found)
                for k, v in scores.items():
                    side.setdefault(k, []).append(v)
        if len(units) == 1:
            a, b = ({k: float(np.mean(v)) for k, v in side.items()} for side in sides)
            return speaker_paired_comparison(a, b, alpha, unit=units.pop())
    raise AssertionError("unreachable: with unit='fold' every side has folds")


def paired_test(diff, alpha: float = 0.05) -> dict:
    """The paired test chosen by the number of pairs: the exact sign-flip test up to
    ``EXACT_MAX_PAIRS`` pairs, the Wilcoxon signed-rank test above. Returns the test's
    name, its p-value, the smallest p it could give here and whether that is above
    ``alpha`` (``underpowered``: no data could make the comparison significant)."""
    from scipy.stats import wilcoxon  # noqa: PLC0415 - heavy: scipy.stats, not loaded with the CLI

    diff = np.asarray(diff, float)
    nonzero = int(np.count_nonzero(diff))
    min_p = min_attainable_p(nonzero)
    if len(diff) <= EXACT_MAX_PAIRS:
        test, p = "exact sign-flip", sign_flip_p(diff) if nonzero else float("nan")
    else:
        test, p = "Wilcoxon signed-rank", float(wilcoxon(diff).pvalue) if nonzero else float("nan")
    return {"test": test, "p": p, "min_p": min_p, "underpowered": bool(min_p > alpha)}


# The columns every table of paired tests shares (``reporting.summaries.paired_row``); findings
# and the README read them by these names.


def verdict(p: float, underpowered: bool, alpha: float = 0.05) -> str:
    """``shown`` (p < alpha), ``not shown`` or ``underpowered`` (p < alpha unreachable)."""
    if underpowered:
        return "underpowered"
    return "shown" if p < alpha else "not shown"


def speaker_paired_comparison(a: dict, b: dict, alpha: float = 0.05, unit: str = "speaker") -> dict:
    """Compare two specs unit by unit — the speaker (``unit_scores``: each speaker's UAR
    averaged over runs), or the fold where a corpus's ids do not name the speaker: ``a``
    and ``b`` map a unit to its score. Returns the unit, the number of pairs (units both
    have), the mean difference a - b with its 95 % percentile-bootstrap interval over the
    units, the exact two-sided sign-flip p over all 2**n sign patterns (``paired_test``;
    Wilcoxon beyond ``EXACT_MAX_PAIRS``), the smallest p it could give, whether that is
    above ``alpha`` (``underpowered``), the unadjusted verdict, and how many units are
    better / worse. Within a family of claims the verdict is taken on ``holm``'s adjusted
    p (``with_holm``)."""
    keys = sorted(set(a) & set(b))
    if not keys:
        raise ValueError(f"the two specs share no {unit}s")
    diff = np.array([a[k] - b[k] for k in keys])
    lo, hi = bootstrap_ci(diff)
    test = paired_test(diff, alpha)
    return {"unit": unit, "pairs": len(keys), "mean_diff": float(diff.mean()), "ci95_low": lo, "ci95_high": hi,
            **test, "verdict": verdict(test["p"], test["underpowered"], alpha),
            "a_better": int((diff > 0).sum()), "b_better": int((diff < 0).sum())}
