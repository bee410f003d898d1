"""Run records on disk: one small JSON file per trained (run, fold).

A record is written atomically and durably (fsync before and after the rename,
mode 0644), so a kill or a power cut never leaves a complete-looking but damaged
one. A record that is damaged all the same (disk trouble, an edit by hand) is named
in a ``DamagedRecordWarning``, moved aside as ``NAME.json.corrupt`` and treated as
missing, so the fold is trained again instead of stopping the study.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from ser_utils.paths import atomic_path


class DamagedRecordWarning(UserWarning):
    """A run record could not be read; it was moved aside and will be retrained."""


def write_record(path: str | Path, record: dict) -> None:
    with atomic_path(path, suffix=".json", durable=True) as tmp:
        tmp.write_text(json.dumps(record))


def read_record(path: str | Path) -> dict | None:
    """The record at ``path``; None when there is none or it was damaged (then it is
    moved to ``path + '.corrupt'``, replacing an older one, with a warning)."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        record = json.loads(text)
        why = None if isinstance(record, dict) and record.get("complete") is True else "not a complete run record"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        record, why = None, f"not valid JSON: {exc}"
    if why is None:
        return record
    aside = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, aside)
    except FileNotFoundError:  # another worker moved it first
        pass
    warnings.warn(f"{path}: damaged run record ({why}); moved to {aside.name}, the fold will be trained again",
                  DamagedRecordWarning, stacklevel=2)
    return None
