"""The run record: what one trained (run, fold) leaves in
``results/<profile>/runs/<experiment key>/runNN-foldF.json``, typed and versioned.

Every reader goes through ``RunRecord.load`` (or ``read_record``, which tolerates a missing or
damaged file); ``run_job`` writes with ``save``, atomically and durably (fsync before
and after the rename, mode 0644), so a kill or a power cut never leaves a
complete-looking but damaged record. A record damaged all the same (disk trouble, an
edit by hand) is named in a ``DamagedRecordWarning``, moved aside as
``NAME.json.corrupt`` and treated as missing, so the fold is trained again instead of
stopping the study. ``RECORD_VERSION`` counts changes of the file's layout (records written
before it existed carry no ``record_version`` and are version 1; version 2 added
``machine``: the CPU, the numerics setting in force, torch's instruction set and the
numeric libraries, ``ser_utils.numerics.state()``); a change of what training computes
bumps ``TRAINER_VERSION`` in ``loop.py`` instead, which changes the experiment key.
``upgrade`` brings an older record's file to the current layout, its numbers untouched.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ser_utils.paths import atomic_path

RECORD_VERSION = 2

# Attributes stored under another name in the record's file (the file's names never change):
STORED_AS = {"fold_speakers": "fold_actors"}
ATTRIBUTE_OF = {stored: attribute for attribute, stored in STORED_AS.items()}


class DamagedRecordWarning(UserWarning):
    """A run record could not be read; it was moved aside and will be retrained."""


@dataclass(frozen=True)
class Predictions:
    """The test fold's files, true labels and predicted labels, in file order."""

    ids: list
    labels: list
    preds: list


@dataclass(frozen=True)
class RunRecord:
    key: str                 # experiment key (the folder)
    spec: dict               # ``Spec.to_dict()``
    label: str
    run: int
    fold: int
    seed: int
    seeding: str
    data: str                # the dataset's fingerprint
    synthetic: bool
    fold_speakers: dict      # the fold's train / validation / test speakers (stored as ``fold_actors``)
    parameters: int
    device: str
    threads: int
    versions: dict           # python, torch, numpy, librosa, ser_utils
    wall_seconds: float
    best_epoch: int
    best_val_uar: float | None  # None: a fold without validation speakers (last epoch kept)
    history: dict            # per epoch: lr, train_loss, val_loss, val_uar, test_uar
    test_uar: float
    test_wa: float
    confusion: list
    test: Predictions
    test_gender_accuracy: float | None = None   # multitask models only
    machine: dict | None = None  # numerics.state() where it was trained (None: not recorded)
    test_probs: list | None = None  # the test fold's class probabilities, file order (when the spec keeps them)
    complete: bool = True
    record_version: int = RECORD_VERSION

    def to_dict(self) -> dict:
        """The record as its file stores it (``STORED_AS`` names, in field order)."""
        d = {STORED_AS.get(k, k): v for k, v in asdict(self).items()}
        if d["test_gender_accuracy"] is None:
            del d["test_gender_accuracy"]
        if d["test_probs"] is None:  # kept only when asked (``TrainConfig.keep_probs``)
            del d["test_probs"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunRecord":
        """A record from its file's dict (stored names; an older layout is upgraded)."""
        d = upgraded(d)
        d = {ATTRIBUTE_OF.get(k, k): v for k, v in d.items()}
        version = d["record_version"]
        if version > RECORD_VERSION:
            raise ValueError(f"run record version {version} is newer than this code's ({RECORD_VERSION})")
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"run record has unknown fields {unknown}")
        d["test"] = Predictions(**d["test"])
        return cls(**d)

    @classmethod
    def load(cls, path: str | Path) -> "RunRecord":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(f"{path}: {e}") from e

    def save(self, path: str | Path) -> None:
        write_record(path, self.to_dict())


def write_record(path: str | Path, record: dict) -> None:
    """Write a record's dict atomically and durably (mode 0644)."""
    with atomic_path(Path(path), suffix=".json", durable=True) as tmp:
        tmp.write_text(json.dumps(record))


def read_record(path: str | Path) -> RunRecord | None:
    """The record at ``path``; None when there is none or it is damaged (then it is
    moved to ``path + '.corrupt'``, replacing an older one, with a warning). A record
    written by a newer version of this code is an error, not damage."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        raw = json.loads(text)
        why = None if isinstance(raw, dict) and raw.get("complete") is True else "not a complete run record"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raw, why = None, f"not valid JSON: {exc}"
    if why is None:
        if raw.get("record_version", 1) > RECORD_VERSION:
            raise ValueError(f"{path}: run record version {raw['record_version']} is newer than this "
                             f"code's ({RECORD_VERSION}); update the project")
        try:
            return RunRecord.from_dict(raw)
        except (ValueError, TypeError, KeyError) as exc:
            why = f"not a run record: {exc}"
    aside = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, aside)
    except FileNotFoundError:  # another worker moved it first
        pass
    warnings.warn(f"{path}: damaged run record ({why}); moved to {aside.name}, the fold will be trained again",
                  DamagedRecordWarning, stacklevel=2)
    return None


def upgraded(raw: dict) -> dict:
    """A record's dict in the current layout, every stored number untouched. Version 1
    records (before 2026-12-03) were all trained under native numerics (nothing was pinned
    then) on a CPU nobody wrote down: ``machine`` says exactly that."""
    d = dict(raw)
    version = d.get("record_version", 1)
    if version == 1:
        versions = d.get("versions", {})
        d["machine"] = {"numerics": "native", "cpu": None, "torch_capability": None, "numpy_avx512_loops": None,
                        "openblas_core": None, "env": None,
                        "libraries": {k: versions[k] for k in ("torch", "numpy") if k in versions},
                        "note": "record version 1: numerics were not pinned then; the CPU was not recorded"}
        d["record_version"] = 2
    return d


def upgrade(path: str | Path) -> bool:
    """Rewrite the record at ``path`` in the current layout (atomically); False when it already is."""
    raw = json.loads(Path(path).read_text())
    new = upgraded(raw)
    if new == raw:
        return False
    RunRecord.from_dict(new)  # refuse to write something unreadable
    write_record(path, new)
    return True


def record_path(runs_dir: Path, key: str, run: int, fold: int) -> Path:
    return Path(runs_dir) / key / f"run{run:02d}-fold{fold}.json"
