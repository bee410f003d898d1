"""The run record: what one trained (run, fold) leaves in
``results/<profile>/runs/<experiment key>/runNN-foldF.json``, typed and versioned.

Every reader goes through ``RunRecord.load``; ``run_job`` writes with ``save``
(atomically). ``RECORD_VERSION`` counts changes of the file's layout (records written
before it existed carry no ``record_version`` and are version 1); a change of what
training computes bumps ``TRAINER_VERSION`` in ``loop.py`` instead, which changes the
experiment key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ser_utils.paths import atomic_path

RECORD_VERSION = 1


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
    fold_actors: dict        # train / validation / test actors
    parameters: int
    device: str
    threads: int
    versions: dict           # python, torch, numpy, librosa, ser_utils
    wall_seconds: float
    best_epoch: int
    best_val_uar: float
    history: dict            # per epoch: lr, train_loss, val_loss, val_uar, test_uar
    test_uar: float
    test_wa: float
    confusion: list
    test: Predictions
    test_gender_accuracy: float | None = None   # multitask models only
    complete: bool = True
    record_version: int = RECORD_VERSION

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["test_gender_accuracy"] is None:
            del d["test_gender_accuracy"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunRecord":
        d = dict(d)
        version = d.setdefault("record_version", 1)
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
        with atomic_path(Path(path), suffix=".json") as tmp:
            tmp.write_text(json.dumps(self.to_dict()))


def record_path(runs_dir: Path, key: str, run: int, fold: int) -> Path:
    return Path(runs_dir) / key / f"run{run:02d}-fold{fold}.json"
