"""Notebook 09 (issue 27): what a small model can honestly reach, and at what cost.

Each h64 family starts from its nested tuned setting under the clean protocol (the spec
notebook 03 trains, so its records are reused) and takes **one lever at a time**, each a
rung compared with the start on the same runs, speakers as the unit (``speaker_paired``):

======================  ==================================================================
lever                   what changes (``LEVERS``; settings in ``DEFAULT_SETTINGS``)
======================  ==================================================================
speed                   speed-perturbed copies (0.9 / 1.1) of the training utterances
specaugment             time and feature masks on the training batches
noise                   noisy copies of the training utterances, SNR drawn in a range
egemaps                 openSMILE's 25 eGeMAPS descriptors *instead of* MFCC-34 + chroma-12
mfcc+egemaps            the eGeMAPS descriptors *beside* MFCC-34 + chroma-12 (71 features)
logmel+deltas           40 log-mel bands and their deltas (80 features)
speaker_norm            per-speaker normalisation — **transductive**: it uses each test
                        speaker's unlabelled audio; deployed, it needs enrolment audio
label_smoothing         targets smoothed by e
mixup                   two training utterances mixed, Beta(a, a)
ensemble                the mean of k models' probabilities (k seeds of the start)
distilled               the ensemble distilled into one model of the start's size
capacity                the family at a larger hidden size, where the cost limits allow
======================  ==================================================================

Then every lever with a validation gain above ``min_gain`` joins one **recipe**, chosen for each outer test
fold on validation speakers outside it (``recipe_per_fold``), never on test speakers.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import torch
from joblib import delayed

from ser_utils import columns as col
from ser_utils import literature
from ser_utils.data.dataset import EGEMAPS, LOGMEL40, feature_dim, variant_names, with_variants
from ser_utils.data.features import LOGMEL, FeatureConfig, extract, pad
from ser_utils.data.functionals import load_functionals
from ser_utils.data.opensmile_features import functionals_of
from ser_utils.experiments import shift, tuned_setting
from ser_utils.inference.checkpoint import load_run
from ser_utils.models import ModelConfig, build_model, cost, count_parameters
from ser_utils.paths import save_torch
from ser_utils.training import metrics
from ser_utils.training.augment import ensemble
from ser_utils.training.baselines import STANDARD, SVM_GRIDS, BaselineRecord, nested_svm
from ser_utils.training.cv import _write_spec, cross_validate_many, pooled_uar, pooled_wa
from ser_utils.training.loop import Spec, experiment_key, run_job, train_job
from ser_utils.training.nested import voters
from ser_utils.training.records import Predictions, read_record, record_path
from ser_utils.workers import in_worker, pool, useful

LEVERS = ("speed", "specaugment", "noise", "egemaps", "mfcc+egemaps", "logmel+deltas", "speaker_norm",
          "label_smoothing", "mixup", "ensemble", "distilled", "capacity")
DESCRIPTION = {
    "start": "start: tuned setting, clean protocol (nested: chosen per test fold, when the profile has one)",
    "speed": "speed perturbation", "specaugment": "SpecAugment time + feature masks",
    "noise": "additive noise, random SNR", "egemaps": "eGeMAPS descriptors instead of MFCC + chroma",
    "mfcc+egemaps": "eGeMAPS descriptors beside MFCC + chroma", "logmel+deltas": "log-mel 40 + deltas",
    "speaker_norm": "per-speaker normalisation (transductive: needs enrolment audio)",
    "label_smoothing": "label smoothing", "mixup": "mixup", "ensemble": "seed ensemble (mean of probabilities)",
    "distilled": "ensemble distilled into one model", "capacity": "more capacity",
    "recipe": "recipe: the levers with a validation gain, chosen per test fold on validation speakers",
}
FEATURE_LEVERS = {"egemaps": "egemaps", "mfcc+egemaps": "mfcc+chroma+egemaps", "logmel+deltas": "logmel+deltas"}
TRANSDUCTIVE = ("speaker_norm",)
# levers a recipe can combine (one feature set at most); the ensemble multiplies the cost
COMBINABLE = ("speed", "specaugment", "noise", "label_smoothing", "mixup", "capacity", "speaker_norm",
              *FEATURE_LEVERS)
DEFAULT_SETTINGS = {"speed": [0.9, 1.1], "specaugment": [2, 10, 2, 6], "noise": [5.0, 20.0],
                    "label_smoothing": 0.1, "mixup": 0.2, "ensemble_k": 5, "distill_alpha": 0.5,
                    "distill_T": 2.0, "capacity_hidden": 128, "max_parameters": 110_000, "max_model_ms": 2.0}
_BASE_CONFIG = FeatureConfig()   # MFCC-34 + chroma-12, the study's frames
ENSEMBLE_RUN_BASE = 100   # the ensemble's members are runs 100 + k * run + j: never a run of 03's


def settings_with(given: dict | None) -> dict:
    """``DEFAULT_SETTINGS`` overridden by ``given``; an unknown key is an error naming it."""
    unknown = sorted(set(given or {}) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ValueError(f"unknown lever settings {unknown} (known: {sorted(DEFAULT_SETTINGS)})")
    return {**DEFAULT_SETTINGS, **(given or {})}


def start_spec(family: str, tuned: dict, epochs: int, hidden: int = 64) -> Spec:
    """The family's global start: its tuned setting (the profile's ``tuned`` block; the
    study's defaults without one), clean protocol, distinct seeds — 03's spec, so 03's records."""
    return tuned_setting.spec(family, hidden, tuned, None, epochs)


def start_specs(family: str, tuned: dict, nested: dict | None, epochs: int, n_folds: int, hidden: int = 64) -> list:
    """The family's start for each test fold: its **nested** setting (the profile's ``nested``
    block, issue 26: chosen by validation folds whose speakers are outside that test fold)
    when the block has the family, else the global ``tuned`` setting (not nested) on every
    fold. 03's specs either way, so 03's records (its ``sa_nested`` rows, its clean rows)."""
    if nested and family in nested:
        specs = tuned_setting.nested_specs(nested, family, hidden, None, epochs)
        if len(specs) != n_folds:
            raise ValueError(f"the nested block has {len(specs)} settings for {family}, the corpus {n_folds} folds")
        return specs
    return [start_spec(family, tuned, epochs, hidden)] * n_folds


def is_nested(specs) -> bool:
    """Whether a rung's per-fold specs differ between folds (a nested choice)."""
    return len(set(specs)) > 1


def lever_spec(start: Spec, lever: str, settings: dict) -> Spec:
    """``start`` with one lever (not ``ensemble`` / ``distilled``, which are built from
    records)."""
    s, t = settings, start.train
    if lever in FEATURE_LEVERS:
        fs = FEATURE_LEVERS[lever]
        return replace(start, feature_set=fs, model=replace(start.model, input_dim=feature_dim(_BASE_CONFIG, fs)))
    if lever == "speaker_norm":
        return replace(start, speaker_norm=True)
    if lever == "capacity":
        return replace(start, model=replace(start.model, hidden=int(s["capacity_hidden"])))
    changes = {"speed": {"speed": tuple(s["speed"])}, "noise": {"noise_snr": tuple(s["noise"])},
               "specaugment": {"specaugment": tuple(int(v) for v in s["specaugment"])},
               "label_smoothing": {"label_smoothing": float(s["label_smoothing"])},
               "mixup": {"mixup": float(s["mixup"])}}
    if lever not in changes:
        raise ValueError(f"lever must be one of {LEVERS}, not {lever!r}")
    return replace(start, train=replace(t, **changes[lever]))


def combined_spec(start: Spec, levers, settings: dict) -> Spec:
    """``start`` with every lever of ``levers`` (at most one feature set)."""
    features = [lv for lv in levers if lv in FEATURE_LEVERS]
    if len(features) > 1:
        raise ValueError(f"one feature set at most, not {features}")
    spec = start
    for lever in levers:
        one = lever_spec(start, lever, settings)
        if lever in FEATURE_LEVERS:
            spec = replace(spec, feature_set=one.feature_set, model=replace(spec.model, input_dim=one.model.input_dim))
        elif lever == "speaker_norm":
            spec = replace(spec, speaker_norm=True)
        elif lever == "capacity":
            spec = replace(spec, model=replace(spec.model, hidden=one.model.hidden))
        else:
            changed = {k: v for k, v in one.train.to_dict().items() if getattr(start.train, k) != getattr(one.train, k)}
            spec = replace(spec, train=replace(spec.train, **{k: getattr(one.train, k) for k in changed}))
    return spec


# ---------------------------------------------------------------- training the rungs

def data_for(spec: Spec, load) -> object:
    """The dataset ``spec`` trains on: ``load(feature_set)`` with the copies its levers need."""
    return with_variants(load(spec.feature_set), variant_names(spec.train.speed, spec.train.noise_snr))


def train_specs(specs, load, folds, runs, runs_dir, n_jobs=None, save_weights=False, desc="what helps") -> list:
    """Cross-validate ``specs`` (one spec for every fold) on ``runs``; each spec's records,
    ordered (run, fold)."""
    return train_rungs([[spec] * len(folds) for spec in specs], load, folds, runs, runs_dir, n_jobs, save_weights, desc)


def train_rungs(rungs, load, folds, runs, runs_dir, n_jobs=None, save_weights=False, desc="what helps") -> list:
    """Train each rung — one spec per test fold (``start_specs``) — on ``runs``, finished
    records reused. The distinct specs of all rungs that need one dataset go to one pool
    (``cross_validate_many``), each on the folds it serves. Each rung's records, ordered
    (run, fold)."""
    groups: dict = {}  # dataset -> {spec: [folds]}
    for specs in rungs:
        if len(specs) != len(folds):
            raise ValueError(f"a rung needs one spec per fold ({len(folds)}), not {len(specs)}")
        for fold, spec in enumerate(specs):
            serves = groups.setdefault((spec.feature_set, spec.train.speed, spec.train.noise_snr), {})
            serves.setdefault(spec, set()).add(fold)
    found = {}
    for serves in groups.values():
        distinct = list(serves)
        data = data_for(distinct[0], load)
        recs = cross_validate_many(distinct, data, folds, runs=runs, runs_dir=runs_dir, n_jobs=n_jobs,
                                   save_weights=save_weights, desc=desc, fold_sets=[serves[s] for s in distinct])
        for spec, records in zip(distinct, recs):
            found.update({(spec, r.run, r.fold): r for r in records})
    return [[found[(specs[f], r, f)] for r in runs for f in range(len(folds))] for specs in rungs]


def train_folds(jobs, load, folds, runs_dir, n_jobs=None) -> dict:
    """Train ``jobs`` — ``(spec, run, fold)`` — that are not a whole cross-validation (a
    recipe chosen per fold); finished records reused. Returns ``{(spec, run, fold): record}``."""

    todo, out = [], {}
    for spec, run, fold in jobs:
        data = data_for(spec, load)
        key = experiment_key(spec, data, folds)
        (Path(runs_dir) / key).mkdir(parents=True, exist_ok=True)
        _write_spec(Path(runs_dir) / key, spec, data, folds)
        found = read_record(record_path(runs_dir, key, run, fold))
        if found is None:
            todo.append((spec, data, key, run, fold))
        else:
            out[(spec, run, fold)] = found
    if todo:
        n = useful(n_jobs, len(todo), "training processes")
        args = [(spec, data, folds, key, r, f, runs_dir) for spec, data, key, r, f in todo]
        results = ([run_job(*a) for a in args] if n == 1 else
                   list(pool(n)(delayed(in_worker)(os.getpid(), run_job, *a) for a in args)))
        for (spec, _, _, r, f), rec in zip(todo, results):
            out[(spec, r, f)] = rec
    return out


def member_runs(run: int, k: int) -> list[int]:
    """The runs whose k models make ensemble run ``run``."""
    return [ENSEMBLE_RUN_BASE + k * run + j for j in range(k)]


def member_spec(start: Spec) -> Spec:
    """The ensemble's members: the start, keeping their test probabilities."""
    return replace(start, train=replace(start.train, keep_probs=True))


def ensemble_records(members, runs, k: int, label: str) -> list[BaselineRecord]:
    """One record per (ensemble run, fold): the test prediction is the argmax of the mean of
    its k members' probabilities (``augment.ensemble``); parameters and train time k times."""
    by = {(r.run, r.fold): r for r in members}
    out = []
    for run in runs:
        for fold in sorted({f for (_, f) in by}):
            recs = [by[(m, fold)] for m in member_runs(run, k)]
            if any(r.test_probs is None for r in recs):
                raise ValueError(f"{label}: a member record of run {run} fold {fold} has no test probabilities")
            if any(r.test.ids != recs[0].test.ids for r in recs):
                raise ValueError(f"{label}: members of run {run} fold {fold} predict different files")
            pred = ensemble([r.test_probs for r in recs]).argmax(1)
            y = np.asarray(recs[0].test.labels)
            out.append(BaselineRecord(label, run, fold, sum(r.parameters for r in recs),
                                      sum(r.wall_seconds for r in recs),
                                      Predictions(list(recs[0].test.ids), y.tolist(), pred.tolist()),
                                      metrics.uar(y, pred), metrics.weighted_accuracy(y, pred)))
    return out


@torch.no_grad()
def teacher_targets(member_paths, data, T: float) -> np.ndarray:
    """The mean over the members' checkpoints (``run_job(save_weights=True)``) of their
    probabilities at temperature ``T`` on every utterance of ``data`` (each with its own
    normalisation): ``(utterances, classes)``."""
    total = None
    for path in member_paths:
        model, mean, std = load_run(path)
        x, lengths = pad([((f - mean) / std).astype(np.float32) for f in data.features])
        probs = torch.softmax(model(torch.from_numpy(x), torch.from_numpy(lengths)) / T, 1).double().numpy()
        total = probs if total is None else total + probs
    return total / len(member_paths)


TEACHER_NAME = re.compile(r"ensemble(\d+)-([0-9a-f]+)-runs(\d+)-(\d+)")


def teacher_tag(member_keys) -> str:
    """The tag naming a teacher by its members' experiment keys (one per fold): the key's
    first 8 characters where every fold shares it, else a hash of all of them."""
    keys = list(member_keys)
    return keys[0][:8] if len(set(keys)) == 1 else hashlib.sha1(" ".join(keys).encode()).hexdigest()[:8]


def teacher_name(member_keys, runs, k: int) -> str:
    """``ensemble{k}-{tag}-runs{first}-{last}``: the name a distilled record keeps of its
    teacher (``TrainConfig.teacher``), read back by ``parse_teacher``."""
    return f"ensemble{k}-{teacher_tag(member_keys)}-runs{runs[0]}-{runs[-1]}"


def parse_teacher(name: str) -> tuple[int, str, list[int]] | None:
    """``(k, tag, member runs)`` of a ``teacher_name``; None for a name this code does not write."""
    match = TEACHER_NAME.fullmatch(name)
    if match is None:
        return None
    k, tag, first, last = int(match.group(1)), match.group(2), int(match.group(3)), int(match.group(4))
    return k, tag, list(range(first, last + 1))


def distillation_data(starts, data, folds, runs_dir, teacher_run: int, k: int, T: float) -> tuple[str, object]:
    """The teacher's name and ``data`` carrying its soft targets for every fold: the k
    members of ensemble run ``teacher_run`` (their checkpoints), each fold's members
    trained from that fold's start (``starts``: one spec per fold, or one for all)."""
    starts = [starts] * len(folds) if isinstance(starts, Spec) else list(starts)
    keys = [experiment_key(member_spec(s), data, folds) for s in starts]
    runs = member_runs(teacher_run, k)
    name = teacher_name(keys, runs, k)
    targets = {fold: teacher_targets([record_path(runs_dir, keys[fold], r, fold).with_suffix(".pt") for r in runs],
                                     data, T)
               for fold in range(len(folds))}
    return name, replace(data, soft_targets={name: targets})


def lever_rungs(family: str, starts, levers, settings: dict, load, folds, runs, runs_dir, ref: int, samples, sr,
                n_jobs=None, timing_repeats: int = 30, report=print) -> tuple[list, dict, dict]:
    """The start (``starts``: one spec per test fold) and each trainable lever of ``levers``
    on it, one at a time, trained on ``runs`` (records reused); ``capacity`` is skipped,
    with a line to ``report``, where it breaks the cost limits (``max_parameters``,
    ``max_model_ms``). Cost: the model on utterance ``ref`` of the lever's dataset, one
    thread; the features of ``samples`` at rate ``sr``. Returns ``(rungs, costs,
    specs)``: ``Rung`` per lever, ``{(family, lever): {"parameters", "model ms", "feature
    ms"}}`` and ``{(family, lever): per-fold specs}``."""
    s = settings
    plan = [("start", list(starts))] + [(lv, [lever_spec(x, lv, s) for x in starts]) for lv in levers
                                        if lv not in ("ensemble", "distilled")]
    keep, costs = [], {}
    for lever, per_fold in plan:
        spec = per_fold[0]   # the architecture (hence the cost) is the same on every fold
        params, ms = model_ms(spec, load(spec.feature_set).features[ref], timing_repeats)
        if lever == "capacity" and (params > s["max_parameters"] or ms > s["max_model_ms"]):
            report(f"{family}: capacity h{spec.model.hidden} skipped: {params:,} parameters, {ms:.2f} ms "
                   f"(limits {s['max_parameters']:,}, {s['max_model_ms']} ms)")
            continue
        costs[(family, lever)] = {col.PARAMETERS: params, "model ms": ms,
                                  "feature ms": feature_ms(samples, sr, spec.feature_set,
                                                           repeats=max(3, timing_repeats // 2))}
        keep.append((lever, per_fold))
    records = train_rungs([per_fold for _, per_fold in keep], load, folds, runs, runs_dir, n_jobs,
                          desc=f"{family} levers")
    rungs = [Rung(family, lever, recs, per_fold[0], levers="nested: per test fold" if is_nested(per_fold) else "")
             for (lever, per_fold), recs in zip(keep, records)]
    return rungs, costs, {(family, lever): per_fold for lever, per_fold in keep}


def ensemble_rungs(family: str, starts, levers, settings: dict, load, data, folds, runs, runs_dir, start_cost: dict,
                   n_jobs=None) -> tuple[list, dict]:
    """The ``ensemble`` and ``distilled`` rungs where ``levers`` ask for them: k seeds of the
    start per ensemble run (``member_runs``; their probabilities kept, their weights saved),
    the mean of their probabilities, and one student of the start's size taught by the
    members of ensemble run ``runs[0]`` on every fold (``distillation_data`` on ``data``).
    Returns ``(rungs, costs)``; the ensemble costs k times the start, the student as much."""
    rungs, costs = [], {}
    if "ensemble" not in levers and "distilled" not in levers:
        return rungs, costs
    s, k = settings, int(settings["ensemble_k"])
    members = train_rungs([[member_spec(x) for x in starts]], load, folds,
                          sorted({m for r in runs for m in member_runs(r, k)}), runs_dir, n_jobs, save_weights=True,
                          desc=f"{family} ensemble members")[0]
    if "ensemble" in levers:
        rungs.append(Rung(family, "ensemble", ensemble_records(members, runs, k, f"{starts[0].model.label()} x{k}"),
                          k=k))
        costs[(family, "ensemble")] = {col.PARAMETERS: k * start_cost["parameters"],
                                       "model ms": k * start_cost["model ms"], "feature ms": start_cost["feature ms"]}
    if "distilled" in levers:
        name, taught = distillation_data(starts, data, folds, runs_dir, runs[0], k, float(s["distill_T"]))
        students = [replace(x, train=replace(x.train, teacher=name, distill_alpha=float(s["distill_alpha"]),
                                             distill_T=float(s["distill_T"]))) for x in starts]
        recs = train_rungs([students], lambda fs: taught, folds, runs, runs_dir, n_jobs, desc=f"{family} distilled")[0]
        rungs.append(Rung(family, "distilled", recs, students[0]))
        costs[(family, "distilled")] = dict(start_cost)
    return rungs, costs


# ---------------------------------------------------------------- nested choice of the recipe

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
    of ``allowed_validation_folds``, the runs both have (the same seeds: run r of the lever
    and of the start share them) give a difference each, averaged into the fold's gain;
    then the mean of the folds' gains (NaN when they share none). The runs only average
    within a fold; no (run, fold) record is ever a unit of the mean."""
    a = {(r.run, r.fold): r.best_val_uar for r in lever_records}
    b = {(r.run, r.fold): r.best_val_uar for r in start_records}
    allowed = set(allowed_validation_folds(folds, outer))
    per_fold: dict = {}
    for run, fold in set(a) & set(b):
        if fold in allowed and a[(run, fold)] is not None and b[(run, fold)] is not None:
            per_fold.setdefault(fold, []).append(a[(run, fold)] - b[(run, fold)])
    return float(np.mean([np.mean(v) for v in per_fold.values()])) if per_fold else float("nan")


TIE = 1e-9


def recipe_per_fold(gains: dict, n_folds: int, candidates=COMBINABLE, min_gain: float = 0.0) -> dict:
    """``{outer fold: levers}``: every candidate lever whose validation gain for that fold
    (``gains[lever][fold]``, ``validation_gain``) is above ``min_gain`` by more than
    ``TIE`` (a tie is no gain), with at most one feature set (the one of largest gain). No
    test speaker's score enters."""
    out = {}
    for f in range(n_folds):
        chosen = [lv for lv in candidates if lv in gains and gains[lv][f] > min_gain + TIE]
        features = [lv for lv in chosen if lv in FEATURE_LEVERS]
        if len(features) > 1:
            best = max(features, key=lambda lv: gains[lv][f])
            chosen = [lv for lv in chosen if lv not in FEATURE_LEVERS or lv == best]
        out[f] = tuple(lv for lv in LEVERS if lv in chosen)
    return out


def lever_gains(rungs: list, family: str, folds, candidates=COMBINABLE) -> dict:
    """``{lever: {test fold: validation_gain}}`` of ``family``'s candidate rungs against its start."""
    start = next(r.records for r in rungs if r.family == family and r.lever == "start")
    return {r.lever: {f: validation_gain(r.records, start, folds, f) for f in range(len(folds))}
            for r in rungs if r.family == family and r.lever in candidates}


def recipe_choices(rungs: list, family: str, folds, candidates=COMBINABLE, min_gain: float = 0.0) -> tuple[dict, list]:
    """``family``'s recipe per test fold (``recipe_per_fold`` on each candidate rung's
    ``validation_gain`` against the start) and one row per fold for the notebook's
    ``tables/what_helps_recipe``: the fold, its recipe, every candidate's gain."""
    gains = lever_gains(rungs, family, folds, candidates)
    recipe = recipe_per_fold(gains, len(folds), candidates, min_gain)
    rows = [{col.FAMILY: family, "test fold": f, "recipe": " + ".join(chosen) or "(start)",
             **{f"gain {lv}": round(g[f], 4) for lv, g in gains.items()}} for f, chosen in recipe.items()]
    return recipe, rows


def recipe_rung(family: str, recipe: dict, starts, settings: dict, load, folds, runs, runs_dir, ref: int, samples,
                sr, n_jobs=None, timing_repeats: int = 30) -> tuple["Rung", dict]:
    """Train ``recipe`` (``{test fold: levers}``) on each fold's start (``starts``) for
    ``runs`` (records reused) and cost it: the rung and its cost, that of its dearest fold
    (``{"parameters", "model ms", "feature ms"}``, the model on utterance ``ref``)."""
    jobs = [(combined_spec(starts[f], recipe[f], settings), r, f) for f in range(len(folds)) for r in runs]
    done = train_folds(jobs, load, folds, runs_dir, n_jobs)
    words = "; ".join(f"fold {f}: {' + '.join(c) or 'start'}" for f, c in recipe.items())
    specs = {combined_spec(starts[f], c, settings) for f, c in recipe.items()}
    worst = max(specs, key=lambda s: model_ms(s, load(s.feature_set).features[ref], timing_repeats)[1])
    params, ms = model_ms(worst, load(worst.feature_set).features[ref], timing_repeats)  # timed again: not the max
    cost_ = {"parameters": params, "model ms": ms, "feature ms": feature_ms(samples, sr, worst.feature_set, repeats=3)}
    return Rung(family, "recipe", [done[j] for j in jobs], None, levers=words), cost_


def best_single_per_fold(gains: dict, n_folds: int, min_gain: float = 0.0) -> dict:
    """``{test fold: lever}``: the one lever of largest validation gain (``gains``, as
    ``lever_gains``) above ``min_gain`` by more than ``TIE`` — the first in ``LEVERS`` on a
    tie — or ``"start"`` where none has one. The recipe's rule, one lever at a time; no test
    speaker's score enters."""
    out = {}
    for f in range(n_folds):
        above = [lv for lv in LEVERS if lv in gains and gains[lv][f] > min_gain + TIE]
        out[f] = max(above, key=lambda lv: gains[lv][f]) if above else "start"
    return out


def recipe_vs_single(rungs: list, family: str, folds, speaker_of: dict, candidates=COMBINABLE,
                     min_gain: float = 0.0) -> dict:
    """Does combining pay beyond one lever? ``family``'s recipe against its best single lever,
    chosen per test fold on validation speakers outside it (``best_single_per_fold``), that
    lever's records of the fold as its prediction; paired over speakers (``speaker_paired``:
    each speaker's UAR averaged over the runs both sides have on every fold, the same seeds;
    the speaker, never a (run, fold), is the unit). A secondary comparison: the
    headline is the recipe against its start. One row, unadjusted (the notebook Holm-adjusts
    the families' rows)."""
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
    t = speaker_paired(recipe, single_records, speaker_of)
    return {col.FAMILY: family, col.BEST_SINGLE: "; ".join(f"fold {f}: {lv}" for f, lv in single.items()),
            col.RUNS: len(runs),
            col.RECIPE_UAR: float(np.mean(list(pooled_uar(recipe).values()))),
            col.BEST_SINGLE_UAR: float(np.mean(list(pooled_uar(single_records).values()))),
            col.MEAN_DIFF: t["mean_diff"], col.DIFF_CI95_LOW: t["ci95_low"], col.DIFF_CI95_HIGH: t["ci95_high"],
            col.UNIT: t["unit"], col.PAIRS: t["pairs"], col.BETTER_WORSE: f"{t['a_better']} / {t['b_better']}",
            col.TEST: t["test"], col.P: t["p"], col.MIN_P: t["min_p"], col.VERDICT: t["verdict"]}


# ---------------------------------------------------------------- does the recipe travel?

def shift_check(family: str, starts, recipe: dict, settings: dict, data, load, folds, shifts, runs, runs_dir,
                n_jobs=None) -> pd.DataFrame:
    """The recipe against its start under notebook 08's shift inside RAVDESS (``experiments.
    shift``): each direction of each of ``shifts`` trains both — ``starts`` (one spec per
    test fold) and ``recipe`` (``{test fold: levers}``) on them — on one condition of the
    takes only (training and validation speakers), on ``runs``, and tests the fold's new
    speakers on both conditions; ``shift.compare`` pairs them over speakers in the shifted
    condition. One row per direction, unadjusted (the notebook Holm-adjusts every family's
    rows together). ``data``: the corpus index the conditions are read from; records reused."""
    recipe_specs = [combined_spec(starts[f], recipe[f], settings) for f in range(len(folds))]
    rows = []
    for name in shifts:
        for source in shift.SHIFTS[name][1]:
            shifted_folds = shift.shift_data(data, folds, name, source)[1]

            def shifted(feature_set, name=name, source=source):
                return shift.shift_data(load(feature_set), folds, name, source)[0]

            start_recs, recipe_recs = train_rungs([list(starts), recipe_specs], shifted, shifted_folds, runs, runs_dir,
                                                  n_jobs, desc=f"{family} shift {name}={source}")
            rows.append({col.FAMILY: family, **shift.compare(data, name, source, start_recs, recipe_recs,
                                                             "start", "recipe")})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- speakers as the unit

def speaker_lookup(data) -> dict:
    """``{file stem: speaker}`` of a dataset."""
    return dict(zip(data.ids, (int(a) for a in data.speakers)))


def speaker_uars(records, speaker_of: dict) -> dict:
    """``{speaker: UAR}``: each test speaker's UAR (their utterances pooled), averaged over runs."""
    per: dict = {}
    for r in records:
        for s, v in metrics.speaker_uars(r.test.ids, r.test.labels, r.test.preds, lookup=speaker_of).items():
            per.setdefault(int(s), {})[r.run] = v
    return {s: float(np.mean(list(v.values()))) for s, v in per.items()}


def speaker_paired(records_a, records_b, speaker_of: dict, alpha: float = 0.05) -> dict:
    """Paired comparison of a - b with the speaker as the unit: each speaker's UAR averaged
    over each side's own runs (an ensemble's one record against the start's single models),
    then ``metrics.speaker_paired_comparison`` (exact sign-flip test, bootstrap interval)."""
    return metrics.speaker_paired_comparison(speaker_uars(records_a, speaker_of),
                                             speaker_uars(records_b, speaker_of), alpha)


def checkpoint_records(checkpoint_file, runs_dir) -> tuple[str, list]:
    """The label and every run record of the model ``predict`` loads today: the checkpoint's
    cross-validation (``provenance['runs_key']``: notebook 03's records of its spec, all runs)."""
    from ser_utils.inference.checkpoint import read_data  # noqa: PLC0415 - only where a checkpoint is compared

    ckpt = read_data(checkpoint_file)
    key = ckpt["provenance"]["runs_key"]
    paths = sorted((Path(runs_dir) / key).glob("run*-fold*.json"))
    records = [r for r in (read_record(p) for p in paths) if r is not None]
    if not records:
        raise FileNotFoundError(f"{checkpoint_file}: no run records of its cross-validation under {runs_dir}/{key}")
    return ModelConfig(**ckpt["model"]).label(), records


def against_checkpoint(rungs: list, label: str, records, alpha: float = 0.05) -> pd.DataFrame:
    """Each family's recipe (not transductive) against the model ``predict`` uses today,
    speakers as the unit (each side's speakers averaged over its own runs: the seeds are
    not shared), one family of claims (Holm). ``beats checkpoint``: the recipe is shown
    better, the condition for ``predict`` to switch to it."""
    rows = []
    base = float(np.mean(list(pooled_uar(records).values())))
    for r in rungs:
        if r.lever != "recipe" or "speaker_norm" in str(r.levers):
            continue
        t = metrics.paired_records([(r.records, records)], alpha, same_runs=False)
        rows.append({col.FAMILY: r.family, col.CHECKPOINT_MODEL: label,
                     col.CHECKPOINT_RUNS: len({x.run for x in records}),
                     col.CHECKPOINT_UAR: base, col.RECIPE_UAR: float(np.mean(list(pooled_uar(r.records).values()))),
                     col.MEAN_DIFF: t["mean_diff"], col.DIFF_CI95_LOW: t["ci95_low"],
                     col.DIFF_CI95_HIGH: t["ci95_high"],
                     col.UNIT: t["unit"], col.PAIRS: t["pairs"], col.TEST: t["test"], col.P: t["p"],
                     col.MIN_P: t["min_p"], col.VERDICT: t["verdict"]})
    out = metrics.with_holm(pd.DataFrame(rows))
    if len(out):
        out[col.BEATS_CHECKPOINT] = (out[col.VERDICT] == "shown") & (out[col.MEAN_DIFF] > 0)
    return out


def switch_family(vs_checkpoint: pd.DataFrame, rungs: list) -> str | None:
    """The family whose recipe ``predict`` switches to: among those that beat the checkpoint
    (``against_checkpoint``), the one whose recipe has the higher best *validation*
    UAR, the mean over folds of each fold's runs (``fold_means``; never a test score:
    the choice between two shown recipes is made like every other choice here). None
    when no recipe beats it."""
    if not len(vs_checkpoint) or not vs_checkpoint[col.BEATS_CHECKPOINT].any():
        return None
    winners = set(vs_checkpoint.loc[vs_checkpoint[col.BEATS_CHECKPOINT], col.FAMILY])
    val = {r.family: float(np.mean(list(fold_means(r.records).values()))) for r in rungs
           if r.lever == "recipe" and r.family in winners}
    return max(sorted(val), key=lambda f: val[f])


def recipe_checkpoint(spec: Spec, load, folds, runs_dir, run: int, out: Path, sample_rate: int, **provenance) -> Path:
    """Write the recipe's model of (``run``, fold 0) as ``predict``'s checkpoint at ``out``
    (``inference.checkpoint.save``), as notebook 03 does for its model. The recipe's records
    keep no weights, so that (run, fold) is trained again, writing nothing, and must give
    its committed record's history to the last digit (pinned numerics: a replay in full);
    its weights then go beside the record (atomically)."""
    from ser_utils.inference import checkpoint  # noqa: PLC0415 - inference, only when switching

    data = data_for(spec, load)
    key = experiment_key(spec, data, folds)
    committed = record_path(runs_dir, key, run, 0)
    stored = read_record(committed)
    if stored is None:
        raise FileNotFoundError(f"{committed}: the recipe's record of run {run}, fold 0 is not there")
    weights = committed.with_suffix(".pt")
    if not weights.exists():
        again, state = train_job(spec, data, folds, key, run, 0)
        if again.history != stored.history:
            raise RuntimeError(f"{committed}: trained again for its weights, the history differs from the "
                               "committed record (other numerics or libraries?): no checkpoint written")
        save_torch(state, weights)
    return checkpoint.save(out, weights, spec, sample_rate=sample_rate, run=run, fold=0, runs_key=key,
                           fold_actors=stored.fold_speakers, fold_test_uar=stored.test_uar, **provenance)


# ---------------------------------------------------------------- cost

def model_ms(spec: Spec, feats: np.ndarray, repeats: int = 30) -> tuple[int, float]:
    """Parameters and CPU ms (one thread, batch 1, median) of ``spec``'s model on one
    utterance's features (a freshly built model: time does not depend on the weights)."""
    torch.manual_seed(0)
    model = build_model(spec.model)
    x = torch.from_numpy(np.asarray(feats, np.float32)[None])
    return count_parameters(model), cost.cpu_ms(model, x, torch.tensor([len(feats)]), repeats)


def feature_ms(samples, sr, feature_set: str, repeats: int = 5) -> float:
    """CPU ms (one thread, median) to compute ``feature_set`` from one utterance's samples."""

    def compute():
        if feature_set == "egemaps":
            return extract(samples, sr, EGEMAPS)
        if feature_set == "logmel+deltas":
            m = extract(samples, sr, LOGMEL40)
            return librosa.feature.delta(m, width=9, axis=0, mode="nearest")
        out = extract(samples, sr, _BASE_CONFIG)
        if feature_set == "mfcc+chroma+egemaps":
            extract(samples, sr, EGEMAPS)
        return out

    return cost.time_call(compute, repeats=repeats)


def baseline_ms(samples, sr, which: str, model, repeats: int = 5) -> float:
    """CPU ms of an openSMILE baseline end to end: functionals plus the SVM's prediction."""
    return cost.time_call(lambda: model.predict(functionals_of(samples, sr, which)[None]), repeats=repeats)


# ---------------------------------------------------------------- the table

@dataclass
class Rung:
    family: str
    lever: str                # "start", a lever of LEVERS, or "recipe"
    records: list
    spec: Spec | None = None  # None: built from records (ensemble), or a recipe that varies by fold
    levers: str = ""          # the recipe's levers per fold, in words
    k: int = 1                # models per prediction (the ensemble's k)


def c_words(Cs, grid) -> str:
    """The C each fold chose, in words; a C at an end of its ``grid`` is marked, since the
    best C may then lie beyond it."""
    ends = {min(grid): " (grid's lowest)", max(grid): " (grid's highest)"}
    return ", ".join(f"{c:g}{ends.get(c, '')}" for c in Cs)


def baseline_table(data, folds, records: dict, chosen_C: pd.DataFrame, samples, sr, mfcc_ms: float,
                   cache_dir=None, repeats: int = 30) -> pd.DataFrame:
    """One row per baseline (``records``: {label: [record per fold]}): pooled UAR and WA,
    its features, the C each fold's validation speakers chose (``chosen_C``; the SVMs),
    and its CPU cost for the reference utterance (``samples``) end to end, one thread:
    openSMILE's extraction and the SVM's prediction (refitted on fold 0) for the standard
    references, ``mfcc_ms`` for the logistic regression's features, nothing for the
    majority class. ``standard``: one of the field's references (``baselines.STANDARD``)."""
    rows = []
    for label, recs in records.items():
        uars, was = list(pooled_uar(recs).values()), list(pooled_wa(recs).values())
        which = STANDARD.get(label)
        if which:
            X = load_functionals(data.index.path, which, cache_root=cache_dir, progress=False)
            model, _, _ = nested_svm(X, data.labels, data.speakers, folds[0], SVM_GRIDS[which])
            ms = baseline_ms(samples, sr, which, model, repeats=max(3, repeats // 2))
        else:
            ms = mfcc_ms if recs[0].parameters else 0.0
        Cs = chosen_C[chosen_C["baseline"] == label]["C"]
        rows.append({col.MODEL: label,
                     "features": which or ("MFCC-34 + chroma-12 mean+std" if recs[0].parameters else "none"),
                     col.RUNS: len(uars), col.UAR_MEAN: float(np.mean(uars)), col.WA_MEAN: float(np.mean(was)),
                     col.PARAMETERS: recs[0].parameters,
                     col.C_PER_FOLD: c_words(Cs, SVM_GRIDS[which]) if len(Cs) else "",
                     col.CPU_MS: round(ms, 2), "standard": bool(which)})
    return pd.DataFrame(rows)


def table(rungs: list[Rung], speaker_of: dict, costs: dict) -> pd.DataFrame:
    """One row per family and rung: lever, runs, UAR (mean, 95 % t-interval over runs), WA,
    the paired test against the family's start (speakers as the unit), parameters, CPU ms
    (model; end to end with the features) and train minutes. ``costs[(family, lever)]``:
    ``{"parameters", "model ms", "feature ms"}``."""
    starts = {r.family: r for r in rungs if r.lever == "start"}
    rows = []
    for i, r in enumerate(rungs):
        uars = list(pooled_uar(r.records).values())
        s = metrics.summarize(uars)
        wa = float(np.mean(list(pooled_wa(r.records).values())))
        row = {col.FAMILY: r.family, col.RUNG: i, col.LEVER: r.lever, "what": DESCRIPTION.get(r.lever, r.lever),
               col.TRANSDUCTIVE: r.lever in TRANSDUCTIVE or "speaker_norm" in r.levers,
               col.LEVERS: r.levers, col.RUNS: s["n"], col.UAR_MEAN: s["mean"], col.UAR_STD: s["std"],
               col.UAR_CI95_LOW: s["ci95_low"], col.UAR_CI95_HIGH: s["ci95_high"], col.WA_MEAN: wa}
        start = starts.get(r.family)
        if start is not None and r is not start:
            t = speaker_paired(r.records, start.records, speaker_of)
            row.update({col.DELTA_VS_START: t["mean_diff"], col.DELTA_CI95_LOW: t["ci95_low"],
                        col.DELTA_CI95_HIGH: t["ci95_high"], col.SPEAKERS: t["pairs"], col.TEST: t["test"],
                        col.P: t["p"], col.MIN_P: t["min_p"], col.VERDICT: t["verdict"]})
        c = costs[(r.family, r.lever)]
        row.update({col.PARAMETERS: int(c["parameters"]), col.MODEL_CPU_MS: round(c["model ms"], 3),
                    col.CPU_MS: round(c["model ms"] + c["feature ms"], 3),
                    col.TRAIN_MINUTES: round(sum(x.wall_seconds for x in r.records) / 60, 2)})
        rows.append(row)
    return metrics.with_holm(pd.DataFrame(rows))


# ---------------------------------------------------------------- the Pareto figure's points

def label_config(label: str):
    """``LSTM-SA-h64`` / ``ResLSTM-SA-h128`` -> its ``ModelConfig`` (None for other labels)."""
    name, _, hidden = label.rpartition("-h")
    family = {"LSTM-SA": "lstm_sa", "ResLSTM-SA": "reslstm_sa"}.get(name)
    return ModelConfig(family, hidden=int(hidden)) if family and hidden.isdigit() else None


def pareto_points(what: pd.DataFrame, baselines: pd.DataFrame, out_dir, samples, sr, repeats: int = 10) -> pd.DataFrame:
    """UAR against CPU ms per utterance end to end for every model of this notebook
    (``what``), the baselines, notebook 03's clean rows and 06's networks (read from their
    tables in ``out_dir`` when present; 03's models timed here, 06's model time plus their
    input's extraction) and the published points, labelled *reported*: the slides' UARs at
    the cost measured for the same architecture, wav2vec 2.0's reported accuracy at 06's
    measured cost (random weights). ``kind`` says which: ``measured``, ``measured,
    transductive`` (a model that needs the test speaker's unlabelled audio), ``reported
    (UAR)`` or ``reported (accuracy, not UAR)``."""
    tables = Path(out_dir) / "tables"
    mfcc = feature_ms(samples, sr, "mfcc+chroma", repeats=3)
    rows = [{col.MODEL: f"{r['family']} {r['lever']}", "source": "09",
             col.KIND: "measured, transductive" if r["transductive"] else "measured",
             col.UAR_VALUE: r["uar_mean"],
             col.CPU_MS: r["CPU ms/utt"], col.PARAMETERS: r["parameters"]} for _, r in what.iterrows()]
    rows += [{col.MODEL: r["model"], "source": "09 baseline", col.KIND: "measured", col.UAR_VALUE: r["uar_mean"],
              col.CPU_MS: r["CPU ms/utt"], col.PARAMETERS: r["parameters"]} for _, r in baselines.iterrows()
             if r["parameters"]]
    x = np.zeros((int(round(len(samples) / 2048)) + 1, 46), np.float32)

    def arch_ms(cfg):
        return model_ms(Spec(cfg), x, repeats)[1] + mfcc

    if (tables / "sa_models_table.csv").exists():
        t = pd.read_csv(tables / "sa_models_table.csv")
        for _, r in t[(t["protocol"] == "clean") & (t["kind"] == "network")].iterrows():
            cfg = label_config(r["model"])
            if cfg is not None:
                rows.append({col.MODEL: r["model"], "source": "03", col.KIND: "measured", col.UAR_VALUE: r["uar_mean"],
                             col.CPU_MS: arch_ms(cfg), col.PARAMETERS: r["parameters"]})
    if (tables / "sota_our_models.csv").exists():
        t = pd.read_csv(tables / "sota_our_models.csv")
        logmel = cost.time_call(lambda: extract(samples, sr, LOGMEL), repeats=3)
        for _, r in t[t["CPU ms/utt"].notna()].iterrows():
            rows.append({col.MODEL: r["model"], "source": "06", col.KIND: "measured", col.UAR_VALUE: r["uar_mean"],
                         col.CPU_MS: r["CPU ms/utt"] + (logmel if r["input"] == "logmel" else mfcc),
                         col.PARAMETERS: r["parameters"]})
    for _, r in literature.paper000_reported().iterrows():
        cfg = label_config(r["model"])
        rows.append({col.MODEL: f"{r['model']} (slides)", "source": "reported", col.KIND: "reported (UAR)",
                     col.UAR_VALUE: r["reported_uar_mean"], col.CPU_MS: arch_ms(cfg), col.PARAMETERS: np.nan})
    if (tables / "sota_wav2vec2_cost.csv").exists():
        w2v = pd.read_csv(tables / "sota_wav2vec2_cost.csv")
        large = w2v[w2v["model"].str.contains("large")]
        _, _, value, metric = literature.PAPER000_SOTA["Fine-tuned xlsr-wav2vec 2.0"]
        if len(large):
            rows.append({col.MODEL: "fine-tuned XLSR wav2vec 2.0 (Luna-Jiménez et al. 2022)", "source": "reported",
                         col.KIND: f"reported ({metric}, not UAR)", col.UAR_VALUE: value,
                         col.CPU_MS: float(large["CPU ms/utt"].iloc[0]),
                         col.PARAMETERS: float(large["parameters"].iloc[0])})
    return pd.DataFrame(rows)
