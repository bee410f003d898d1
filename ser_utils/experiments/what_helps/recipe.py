"""The recipe, chosen per outer test fold on validation speakers outside it (nested, issue
26): the levers of validation gain combined, and the recipe against its best single lever."""

from __future__ import annotations

import numpy as np

from ser_utils import columns as col
from ser_utils.experiments.what_helps.levers import (
    COMBINABLE,
    FEATURE_LEVERS,
    LEVERS,
    Rung,
    combined_spec,
    recipe_words,
)
from ser_utils.experiments.what_helps.paired import speaker_paired
from ser_utils.experiments.what_helps.timing import feature_ms, feature_repeats, model_ms
from ser_utils.experiments.what_helps.training import train_folds
from ser_utils.models import parameters_of
from ser_utils.training.cv import pooled_uar
from ser_utils.training.nested import voters


def allowed_validation_folds(folds, outer: int) -> list[int]:
    """The folds whose validation speakers are all outside test fold ``outer``: only they
    may steer a choice made for it (``training.nested.voters``; with the reference folds a
    fold's validation speakers are another fold's test speakers)."""
    return [g for g in voters(folds)[outer] if len(folds[g].validation)]


def fold_means(records, runs=None) -> dict:
    """``{fold: best validation UAR averaged over its runs}`` (only ``runs`` when given;
    records without a validation UAR left out): the fold, never a (run, fold) record, is
    the unit every choice of this notebook averages over."""
    per_fold: dict = {}
    for r in records:
        if r.best_val_uar is not None and (runs is None or r.run in runs):
            per_fold.setdefault(r.fold, []).append(r.best_val_uar)
    return {fold: float(np.mean(v)) for fold, v in per_fold.items()}


def validation_gain(lever_records, start_records, folds, outer: int) -> float:
    """The lever's best validation UAR minus the start's, with the fold as the unit: in each
    of ``allowed_validation_folds``, each side's mean over the runs both have (``fold_means``;
    run r of the lever and of the start share their seeds) gives the fold's gain; then the
    mean of the folds' gains (NaN when they share none). The runs only average within a fold."""
    gains = []
    for g in allowed_validation_folds(folds, outer):
        lever = [r for r in lever_records if r.fold == g and r.best_val_uar is not None]
        start = [r for r in start_records if r.fold == g and r.best_val_uar is not None]
        shared = {r.run for r in lever} & {r.run for r in start}
        if shared:
            gains.append(fold_means(lever, shared)[g] - fold_means(start, shared)[g])
    return float(np.mean(gains)) if gains else float("nan")


TIE = 1e-9


def largest_gain(levers, gain_of) -> str:
    """The lever of ``levers`` with the largest ``gain_of(lever)``; gains within ``TIE`` of it
    are a tie, broken by the order of ``LEVERS`` (so the last bits of a float sum never decide)."""
    top = max(gain_of(lv) for lv in levers)
    return next(lv for lv in LEVERS if lv in levers and gain_of(lv) >= top - TIE)


def recipe_per_fold(gains: dict, n_folds: int, candidates=COMBINABLE, min_gain: float = 0.0) -> dict:
    """``{outer fold: levers}``: every candidate lever whose validation gain for that fold
    (``gains[lever][fold]``, ``validation_gain``) is above ``min_gain`` by more than
    ``TIE`` (a tie is no gain), with at most one feature set (``largest_gain``). No test
    speaker's score enters."""
    out = {}
    for f in range(n_folds):
        chosen = [lv for lv in candidates if lv in gains and gains[lv][f] > min_gain + TIE]
        features = [lv for lv in chosen if lv in FEATURE_LEVERS]
        if len(features) > 1:
            best = largest_gain(features, lambda lv: gains[lv][f])
            chosen = [lv for lv in chosen if lv not in FEATURE_LEVERS or lv == best]
        out[f] = tuple(lv for lv in LEVERS if lv in chosen)
    return out


def lever_gains(rungs: list, family: str, folds, candidates=COMBINABLE) -> dict:
    """``{lever: {test fold: validation_gain}}`` of ``family``'s candidate rungs against its start."""
    start = next(r.records for r in rungs if r.family == family and r.lever == "start")
    return {r.lever: {f: validation_gain(r.records, start, folds, f) for f in range(len(folds))}
            for r in rungs if r.family == family and r.lever in candidates}


def within_parameters(recipe: dict, starts, settings: dict) -> tuple[dict, dict]:
    """``recipe`` (``{test fold: levers}``) with ``capacity`` left out of each fold where,
    combined with that fold's other levers on its start (``starts``), the model would have
    more than ``settings["max_parameters"]``: a feature set widens the input, and
    ResLSTM-SA-h128 has 145,366 on MFCC + chroma + eGeMAPS and 160,936 on log-mel + deltas,
    over the goal's 110 k (issue 27: the recipe is a *lightweight* model). A count, the same
    on every machine. Returns the recipe and ``{fold: parameters of the model left out}``."""
    kept, left_out = {}, {}
    for f, levers in recipe.items():
        if "capacity" in levers:
            n = parameters_of(combined_spec(starts[f], levers, settings).model)
            if n > settings["max_parameters"]:
                levers, left_out[f] = tuple(lv for lv in levers if lv != "capacity"), n
        kept[f] = levers
    return kept, left_out


def recipe_choices(rungs: list, family: str, folds, candidates=COMBINABLE, min_gain: float = 0.0, *, starts,
                   settings: dict) -> tuple[dict, list]:
    """``family``'s recipe per test fold (``recipe_per_fold`` on each candidate rung's
    ``validation_gain`` against the start, then ``within_parameters`` on ``starts``) and one
    row per fold for the notebook's ``tables/what_helps_recipe``: the fold, its recipe, the
    lever left out for size, every candidate's gain."""
    gains = lever_gains(rungs, family, folds, candidates)
    recipe, left_out = within_parameters(recipe_per_fold(gains, len(folds), candidates, min_gain), starts, settings)
    rows = [{col.FAMILY: family, "test fold": f, "recipe": recipe_words(chosen),
             col.LEFT_OUT: (f"capacity ({left_out[f]:,} parameters > {settings['max_parameters']:,})"
                                   if f in left_out else ""),
             **{f"gain {lv}": round(g[f], 6) for lv, g in gains.items()}} for f, chosen in recipe.items()]
    return recipe, rows


def recipe_rung(family: str, recipe: dict, starts, settings: dict, load, folds, runs, runs_dir, ref: int, samples,
                sr, n_jobs=None, timing_repeats: int = 30) -> tuple["Rung", dict]:
    """Train ``recipe`` (``{test fold: levers}``) on each fold's start (``starts``) for
    ``runs`` (records reused) and cost it: the rung and its cost, the dearest fold's column by
    column (``{"parameters", "model ms", "feature ms", "end ms"}``: the most parameters, the
    slowest model, the slowest features and the slowest end to end of its folds, which may be
    different folds; the model on utterance ``ref``), so no fold's model exceeds it."""
    jobs = [(combined_spec(starts[f], recipe[f], settings), r, f) for f in range(len(folds)) for r in runs]
    done = train_folds(jobs, load, folds, runs_dir, n_jobs)
    words = "; ".join(f"fold {f}: {recipe_words(c)}" for f, c in recipe.items())
    per_fold = []
    for f, c in recipe.items():
        spec = combined_spec(starts[f], c, settings)
        params, ms = model_ms(spec, load(spec.feature_set).features[ref], timing_repeats)
        features = feature_ms(samples, sr, spec.feature_set, repeats=feature_repeats(timing_repeats))
        per_fold.append((params, ms, features))
    cost_ = {"parameters": max(p for p, _, _ in per_fold), "model ms": max(m for _, m, _ in per_fold),
             "feature ms": max(x for _, _, x in per_fold), "end ms": max(m + x for _, m, x in per_fold)}
    return Rung(family, "recipe", [done[j] for j in jobs], None, levers=words), cost_


# When the recipe-against-its-best-single-lever comparison was fixed (2026-12-04), LSTM-SA-h64's
# results (quick's and full's) had been seen, ResLSTM-SA-h64's full table did not exist yet.
SINGLE_EXPLORATORY = ("lstm_sa",)


def single_claim(family: str) -> str:
    """The standing of ``family``'s recipe-against-its-best-single-lever comparison (its table's
    ``claim`` column, and its finding): fixed before the family's table existed, or exploratory
    (a p below 0.05 there is a lead to confirm, not a claim)."""
    return (f"exploratory: fixed after {family}'s results had been seen" if family in SINGLE_EXPLORATORY else
            f"fixed before {family}'s table existed")


# ``recipe_vs_single``'s verdict where the recipe is its best single lever in every fold
IDENTICAL = "identical: no test"


def best_single_per_fold(gains: dict, n_folds: int, min_gain: float = 0.0) -> dict:
    """``{test fold: lever}``: the one lever of largest validation gain (``gains``, as
    ``lever_gains``) above ``min_gain`` by more than ``TIE`` (``largest_gain``), or ``"start"``
    where none has one. The recipe's rule, one lever at a time; no test
    speaker's score enters."""
    out = {}
    for f in range(n_folds):
        above = [lv for lv in LEVERS if lv in gains and gains[lv][f] > min_gain + TIE]
        out[f] = largest_gain(above, lambda lv: gains[lv][f]) if above else "start"
    return out


def recipe_vs_single(rungs: list, family: str, folds, speaker_of: dict, candidates=COMBINABLE,
                     min_gain: float = 0.0) -> dict:
    """Does combining pay beyond one lever? ``family``'s recipe against its best single lever,
    chosen per test fold on validation speakers outside it (``best_single_per_fold``), that
    lever's records of the fold as its prediction; paired over speakers (``speaker_paired``:
    each speaker's UAR averaged over the runs both sides have on every fold, the same seeds;
    the speaker, never a (run, fold), is the unit). A secondary comparison: the
    headline is the recipe against its start. One row, unadjusted (the notebook Holm-adjusts
    the families' rows); where the recipe is that lever in every fold (the same records), no
    test: p is NaN and the verdict ``IDENTICAL``."""
    single = best_single_per_fold(lever_gains(rungs, family, folds, candidates), len(folds), min_gain)
    by = {r.lever: r.records for r in rungs if r.family == family}
    single_records = [x for f, lever in single.items() for x in by[lever] if x.fold == f]

    def complete(records) -> set:
        return {run for run in {x.run for x in records}
                if {x.fold for x in records if x.run == run} == set(range(len(folds)))}

    runs = complete(by["recipe"]) & complete(single_records)
    if not runs:
        raise ValueError(f"{family}: the recipe and its best single lever share no run with every fold")
    recipe = [x for x in by["recipe"] if x.run in runs]
    single_records = [x for x in single_records if x.run in runs]
    if {x.fold: x.key for x in recipe} == {x.fold: x.key for x in single_records}:
        # each fold's experiment is the best single lever's: the same models, nothing to test
        t = {**speaker_paired(recipe, single_records, speaker_of), "p": np.nan, "min_p": np.nan,
             "verdict": IDENTICAL, "test": "none"}
    else:
        t = speaker_paired(recipe, single_records, speaker_of)
    return {col.FAMILY: family, col.BEST_SINGLE: "; ".join(f"fold {f}: {lv}" for f, lv in single.items()),
            col.RUNS: len(runs),
            col.RECIPE_UAR: float(np.mean(list(pooled_uar(recipe).values()))),
            col.BEST_SINGLE_UAR: float(np.mean(list(pooled_uar(single_records).values()))),
            col.MEAN_DIFF: t["mean_diff"], col.DIFF_CI95_LOW: t["ci95_low"], col.DIFF_CI95_HIGH: t["ci95_high"],
            col.UNIT: t["unit"], col.PAIRS: t["pairs"], col.BETTER_WORSE: f"{t['a_better']} / {t['b_better']}",
            col.TEST: t["test"], col.P: t["p"], col.MIN_P: t["min_p"], col.VERDICT: t["verdict"],
            col.CLAIM: single_claim(family)}
