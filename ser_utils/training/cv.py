"""Cross-validation: every (spec, run, fold) job of a study, finished run records
reused, the missing ones trained in parallel worker processes; UARs of the pooled
out-of-fold predictions."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ser_utils.data.dataset import Dataset
from ser_utils.models import parameters_of
from ser_utils.paths import atomic_path, require_writable, results_dir
from ser_utils.progress import tqdm  # drawn on the terminal, never in a notebook
from ser_utils.training import farm, metrics
from ser_utils.training.loop import Spec, experiment_key, for_data, pick_device, run_job
from ser_utils.training.records import RunRecord, read_record, record_path
from ser_utils.workers import in_worker, pool, useful


def _write_spec(folder: Path, spec: Spec, data: Dataset, folds) -> None:
    spec = for_data(spec, data)
    spec_file = folder / "spec.json"
    if not spec_file.exists():
        with atomic_path(spec_file, durable=True) as tmp:
            tmp.write_text(json.dumps({"spec": spec.to_dict(), "label": spec.label(), "data": data.fingerprint,
                                       "folds": [asdict(f) for f in folds]}, indent=2))
    folds_file = folder / "folds.json"
    if data.corpus != "ravdess" and not folds_file.exists():  # RAVDESS: the reference folds, in spec.json
        with atomic_path(folds_file, durable=True) as tmp:
            tmp.write_text(json.dumps(describe_folds(data, folds), indent=2))


def describe_folds(data: Dataset, folds) -> dict:
    """The folds by the corpus' speaker names, with each role's utterances per label."""
    names = dict(zip(data.speakers.tolist(), data.index["speaker"].astype(str))) if "speaker" in data.index else {}
    out = []
    for f in folds:
        row = {}
        for role in ("test", "validation", "train"):
            speakers = list(getattr(f, role))
            pick = np.isin(data.speakers, speakers)
            row[role] = [names.get(a, str(a)) for a in speakers]
            row[f"{role}_labels"] = {c: int(np.sum(data.labels[pick] == i)) for i, c in enumerate(data.classes)}
        out.append(row)
    return {"corpus": data.corpus, "data": data.fingerprint, "classes": list(data.classes), "folds": out}


def cross_validate_many(specs, data: Dataset, folds, runs=(0,), runs_dir=None, n_jobs: int | None = None,
                        save_weights: bool = False, progress: bool = True, desc: str = "training",
                        scheduler: str | None = None, fold_sets=None) -> list[list[RunRecord]]:
    """Every (spec, run, fold) job, finished records reused, all missing jobs in one
    pool (largest models first, so the cores stay busy to the end). On CPU the jobs
    go to ``n_jobs`` worker processes (default: one per core), one thread each; on
    CUDA they run in this process. With a Dask scheduler (``scheduler`` or
    ``$DASK_SCHEDULER``) they run on its cluster's workers, the records written here
    (``training.farm``). ``fold_sets``: per spec, the folds to train (default every
    fold; a nested choice trains each fold's own spec on that fold only). Returns each
    spec's records, ordered (run, fold)."""
    from joblib import delayed  # noqa: PLC0415 - heavy: joblib, only with workers


    runs_dir = Path(runs_dir or results_dir() / "runs")
    keys = [experiment_key(spec, data, folds) for spec in specs]
    for spec, key in zip(specs, keys):
        (runs_dir / key).mkdir(parents=True, exist_ok=True)
        _write_spec(runs_dir / key, spec, data, folds)
    fold_sets = [sorted(f) for f in fold_sets] if fold_sets is not None else [range(len(folds))] * len(specs)
    todo = [(spec, key, r, f) for spec, key, mine in zip(specs, keys, fold_sets) for r in runs for f in mine
            if read_record(record_path(runs_dir, key, r, f)) is None]
    todo.sort(key=lambda job: -parameters_of(job[0].model) * job[0].train.epochs)
    for key in {job[1] for job in todo}:  # a read-only folder: refused before training, not after
        require_writable(runs_dir / key)
    address = farm.scheduler_address(scheduler)
    if todo and address:  # a Dask cluster's workers train, this process writes the records
        bar = tqdm(total=len(todo), desc=desc, unit="fold", disable=not progress)
        farm.train(address, todo, data, folds, runs_dir, save_weights, on_done=bar.update)
        bar.close()
    elif todo:
        cuda = pick_device().type == "cuda"
        n_jobs = 1 if cuda else useful(n_jobs, len(todo), "training processes")
        bar = tqdm(total=len(todo), desc=desc, unit="fold", disable=not progress)
        if n_jobs == 1:
            results = (run_job(spec, data, folds, key, r, f, runs_dir, save_weights) for spec, key, r, f in todo)
        else:  # workers tied to this process: killing it stops the training
            results = pool(n_jobs, return_as="generator_unordered")(
                delayed(in_worker)(os.getpid(), run_job, spec, data, folds, key, r, f, runs_dir, save_weights)
                for spec, key, r, f in todo)
        for _ in results:
            bar.update()
        bar.close()
    return [[_finished(record_path(runs_dir, key, r, f)) for r in runs for f in mine]
            for key, mine in zip(keys, fold_sets)]


def _finished(path: Path) -> RunRecord:
    record = read_record(path)
    if record is None:
        raise RuntimeError(f"{path}: run record missing after training")
    return record


def cross_validate(spec: Spec, data: Dataset, folds, runs=(0,), runs_dir=None, n_jobs: int | None = None,
                   save_weights: bool = False, progress: bool = True, scheduler: str | None = None) -> list[RunRecord]:
    """Every (run, fold) of one spec; see ``cross_validate_many``."""
    return cross_validate_many([spec], data, folds, runs, runs_dir, n_jobs, save_weights, progress,
                               desc=spec.label(), scheduler=scheduler)[0]


def cross_validate_per_fold(specs, data: Dataset, folds, runs=(0,), runs_dir=None, n_jobs: int | None = None,
                            save_weights: bool = False, progress: bool = True, desc: str = "training",
                            scheduler: str | None = None) -> list[RunRecord]:
    """A choice made per test fold (a nested one): ``specs[f]`` trained on fold ``f`` only,
    the distinct specs in one pool (``cross_validate_many`` with ``fold_sets``); a spec
    chosen for several folds is one experiment. Returns the records ordered (run, fold)."""
    if len(specs) != len(folds):
        raise ValueError(f"one spec per fold ({len(folds)}), not {len(specs)}")
    serves: dict = {}
    for fold, spec in enumerate(specs):
        serves.setdefault(spec, set()).add(fold)
    distinct = list(serves)
    recs = cross_validate_many(distinct, data, folds, runs, runs_dir, n_jobs, save_weights, progress, desc,
                               scheduler, fold_sets=[serves[s] for s in distinct])
    found = {(spec, r.run, r.fold): r for spec, records in zip(distinct, recs) for r in records}
    return [found[(specs[f], r, f)] for r in runs for f in range(len(folds))]


def pooled_predictions(records) -> dict:
    """The pooled out-of-fold test labels and predictions, per run: ``{run: (labels, preds)}``."""
    by_run: dict[int, list] = {}
    for rec in records:
        by_run.setdefault(rec.run, []).append(rec)
    return {run: (np.concatenate([r.test.labels for r in recs]), np.concatenate([r.test.preds for r in recs]))
            for run, recs in sorted(by_run.items())}


def pooled_uar(records) -> dict:
    """UAR of the pooled out-of-fold test predictions, per run: ``{run: uar}``."""
    return {run: metrics.uar(y, p) for run, (y, p) in pooled_predictions(records).items()}


def pooled_wa(records) -> dict:
    """Weighted accuracy (plain accuracy) of the pooled out-of-fold test predictions,
    per run: ``{run: wa}``."""
    return {run: metrics.weighted_accuracy(y, p) for run, (y, p) in pooled_predictions(records).items()}
