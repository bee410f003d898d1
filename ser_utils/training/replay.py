"""Replay: retrain the first epochs of a stored (run, fold) from its spec and seed and
compare the history with the record's, to the record's rounding (6 decimals).

What must agree is in ``numerics.guaranteed``: a record made under the pinned numerics
replays bit for bit on any x86-64 CPU with AVX2 (same library versions); a record made
under native numerics only on the CPU model that made it. Anything else is a draw of
the same experiment, and ``replay`` says which difference (CPU, numerics, library)
may explain a mismatch.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import torch

from ser_utils import numerics
from ser_utils.data.dataset import Dataset
from ser_utils.training.loop import Spec, prepare_job, train_fold
from ser_utils.training.records import RunRecord

COLUMNS = ("train_loss", "val_loss", "val_uar", "test_uar")


def setting_of(record: RunRecord) -> str:
    """The numerics a record was trained under (version-1 records: native)."""
    name = (record.machine or {}).get("numerics") or numerics.NATIVE
    return name if name in (numerics.NAME, numerics.NATIVE) else numerics.NATIVE


def records_in(path: str | Path) -> list[Path]:
    """The records a path names: a record file itself; an experiment folder: its first
    (run, fold); a runs folder: the first (run, fold) of each experiment, in key order."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such record or folder")
    own = sorted(path.glob("run*-fold*.json"))
    if own:
        return own[:1]
    found = [sorted(d.glob("run*-fold*.json"))[:1] for d in sorted(path.iterdir()) if d.is_dir()]
    out = [p for group in found for p in group]
    if not out:
        raise FileNotFoundError(f"{path}: no run records (runNN-foldF.json) in it or in its experiment folders")
    return out


class Unreplayable(ValueError):
    """A record that cannot be replayed here, and why (other data, other folds, a teacher
    whose checkpoints are not here)."""


def replay(record: RunRecord, data: Dataset, folds, epochs: int = 2) -> dict:
    """Retrain ``record``'s (run, fold) for its first ``epochs`` epochs (one thread) on
    ``data`` and ``folds`` — what it trained on (``experiments.record_data.data_for``
    rebuilds them) — and compare with its history. Returns the rows (stored, replayed), the
    first epoch that differs (None: none), whether it had to agree here, and why."""
    if data.fingerprint != record.data:
        raise Unreplayable(f"the record was trained on data {record.data}, not {data.fingerprint}")
    fold = folds[record.fold]
    mine = {k: sorted(v) for k, v in asdict(fold).items()}
    if mine != {k: sorted(v) for k, v in record.fold_speakers.items()}:
        raise Unreplayable(f"fold {record.fold} here is {mine}, the record's is {record.fold_speakers}")
    spec = Spec.from_dict(record.spec)
    stored = len(record.history["train_loss"])
    epochs = min(epochs, stored)
    spec = replace(spec, train=replace(spec.train, epochs=epochs))
    threads = torch.get_num_threads()
    torch.set_num_threads(record.threads or 1)
    try:
        splits, _, soft = prepare_job(spec, data, fold, record.fold)
        result = train_fold(spec, splits, record.seed, soft_targets=soft)
    finally:
        torch.set_num_threads(threads)
    rows, first = [], None
    for e in range(epochs):
        row = {"epoch": e + 1}
        for col in COLUMNS:
            a, b = record.history[col][e], result["history"][col][e]
            row[col] = (a, b)
            if a != b and first is None:
                first = (e + 1, col)
        rows.append(row)
    here = numerics.state()
    must, why = numerics.guaranteed(record.machine, here)
    return {"record": f"{record.key}/run{record.run:02d}-fold{record.fold}", "label": record.label,
            "run": record.run, "fold": record.fold, "seed": record.seed, "epochs": epochs, "rows": rows,
            "agree": first is None,
            "first_difference": None if first is None else {"epoch": first[0], "column": first[1]},
            "guaranteed": must, "why": why, "recorded": record.machine, "here": here,
            "differences": numerics.differences(record.machine, here)}


def describe(result: dict) -> str:
    """A replay's report: stored beside replayed, per epoch, then the verdict."""
    lines = [f"{result['record']}  {result['label']}  run {result['run']} fold {result['fold']} seed {result['seed']}",
             "epoch " + "".join(f"{c + ' stored':>18s}{'replayed':>10s}" for c in COLUMNS)]
    for row in result["rows"]:
        cells = []
        for col in COLUMNS:
            a, b = row[col]
            mark = " " if a == b else "≠"
            cells.append(f"{_fmt(a):>18s}{_fmt(b):>9s}{mark}")
        lines.append(f"{row['epoch']:>5d} " + "".join(cells))
    rec = result["recorded"] or {}
    here = result["here"]
    lines.append(f"recorded under: {rec.get('numerics', 'unrecorded')} numerics, "
                 f"CPU {rec.get('cpu') or 'not recorded'}, torch {rec.get('torch_capability') or 'unrecorded'}")
    lines.append(f"replayed under: {here['numerics']} numerics, CPU {here['cpu']}, torch {here['torch_capability']}")
    if result["agree"]:
        lines.append(f"AGREES to the stored rounding over {result['epochs']} epochs")
    else:
        d = result["first_difference"]
        lines.append(f"DIFFERS from epoch {d['epoch']} on ({d['column']} first)")
    lines.append(("bit for bit guaranteed here: yes — " if result["guaranteed"] else
                  "bit for bit guaranteed here: no — ") + result["why"])
    if result["guaranteed"] and not result["agree"]:
        lines.append("a guaranteed replay differs: the numerics are not what this code promises (report it)")
    return "\n".join(lines)


def _fmt(v) -> str:
    return "—" if v is None else f"{v:.6f}"
