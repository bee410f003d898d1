"""The seed ensemble (the mean of k models' probabilities) and its distillation into one
model of the start's size (Hinton et al. 2015: soft targets at temperature T)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import numpy as np
import torch

from ser_utils import columns as col
from ser_utils.data.features import pad
from ser_utils.experiments.what_helps.levers import Rung
from ser_utils.experiments.what_helps.training import train_rungs
from ser_utils.inference.checkpoint import load_run
from ser_utils.training import metrics
from ser_utils.training.augment import ensemble
from ser_utils.training.baselines import BaselineRecord
from ser_utils.training.loop import Spec, experiment_key
from ser_utils.training.records import Predictions, record_path

ENSEMBLE_RUN_BASE = 100   # the ensemble's members are runs 100 + k * run + j: never a run of 03's


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
