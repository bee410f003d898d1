"""Training notebook 09's rungs: each rung one spec per test fold, finished records reused,
the specs that share a dataset in one pool (``training.cv.cross_validate_many``);
``lever_rungs`` also costs each rung and skips ``capacity`` where it has too many parameters."""

from __future__ import annotations

import os
from pathlib import Path

from joblib import delayed

from ser_utils import columns as col
from ser_utils.data.dataset import variant_names, with_variants
from ser_utils.experiments.what_helps.levers import Rung, is_nested, lever_spec
from ser_utils.experiments.what_helps.timing import feature_ms, feature_repeats, model_ms
from ser_utils.models import parameters_of
from ser_utils.training.cv import _write_spec, cross_validate_many
from ser_utils.training.loop import Spec, experiment_key, run_job
from ser_utils.training.records import read_record, record_path
from ser_utils.workers import in_worker, pool, useful


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


def lever_rungs(family: str, starts, levers, settings: dict, load, folds, runs, runs_dir, ref: int, samples, sr,
                n_jobs=None, timing_repeats: int = 30, report=print) -> tuple[list, dict, dict]:
    """The start (``starts``: one spec per test fold) and each trainable lever of ``levers``
    on it, one at a time, trained on ``runs`` (records reused); ``capacity`` is skipped,
    with a line to ``report``, where its parameters exceed ``max_parameters``: a count, the
    same on every machine, never a timing (which depends on how busy the machine is); the
    model's ms is reported, and the goal checked on it. Cost: the model on utterance ``ref``
    of the lever's dataset, one thread; the features of ``samples`` at rate ``sr``. Returns
    ``(rungs, costs, specs)``: ``Rung`` per lever, ``{(family, lever): {"parameters", "model
    ms", "feature ms"}}`` and ``{(family, lever): per-fold specs}``."""
    s = settings
    plan = [("start", list(starts))] + [(lv, [lever_spec(x, lv, s) for x in starts]) for lv in levers
                                        if lv not in ("ensemble", "distilled")]
    keep, costs = [], {}
    for lever, per_fold in plan:
        spec = per_fold[0]   # the architecture (hence the cost) is the same on every fold
        if lever == "capacity" and (params := parameters_of(spec.model)) > s["max_parameters"]:
            report(f"{family}: capacity h{spec.model.hidden} skipped: {params:,} parameters "
                   f"(limit {s['max_parameters']:,})")
            continue
        params, ms = model_ms(spec, load(spec.feature_set).features[ref], timing_repeats)
        costs[(family, lever)] = {col.PARAMETERS: params, "model ms": ms,
                                  "feature ms": feature_ms(samples, sr, spec.feature_set,
                                                           repeats=feature_repeats(timing_repeats))}
        keep.append((lever, per_fold))
    records = train_rungs([per_fold for _, per_fold in keep], load, folds, runs, runs_dir, n_jobs,
                          desc=f"{family} levers")
    rungs = [Rung(family, lever, recs, per_fold[0], levers="nested: per test fold" if is_nested(per_fold) else "")
             for (lever, per_fold), recs in zip(keep, records)]
    return rungs, costs, {(family, lever): per_fold for lever, per_fold in keep}
