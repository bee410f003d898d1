"""Where the project keeps its data (cookiecutter-data-science layout).

``data/raw`` holds immutable audio (or a link to a copy), ``data/interim`` caches,
``results`` what a reader needs. ``SER_PROJECT_DIR`` overrides the project root,
``SER_DATA_DIR`` the data folder (tests use a temporary one).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def project_dir() -> Path:
    """The project root: ``$SER_PROJECT_DIR``, else the folder holding ``ser_utils``."""
    env = os.environ.get("SER_PROJECT_DIR")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """``$SER_DATA_DIR``, else ``<project>/data``."""
    env = os.environ.get("SER_DATA_DIR")
    return Path(env).resolve() if env else project_dir() / "data"


def raw_dir() -> Path:
    return data_dir() / "raw"


def interim_dir() -> Path:
    return data_dir() / "interim"


def results_dir() -> Path:
    return project_dir() / "results"


@contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "", durable: bool = False, mode: int = 0o644):
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    Nothing half-written is ever left under the final name: on an exception (or a
    kill) the temporary file, a hidden ``.NAME.*.tmp``, is removed or left aside and
    ``target`` is untouched. The file gets ``mode`` (default 0644: readable by the
    group, unlike mkstemp's 0600). ``durable``: the file's data, then the rename,
    are flushed to disk (fsync) before returning, so a power cut cannot leave a
    complete-looking but empty file.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        if durable:
            fsync_path(tmp)
        os.replace(tmp, target)
        if durable:
            fsync_path(target.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
