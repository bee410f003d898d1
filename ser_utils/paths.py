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
def atomic_path(target: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    Nothing half-written is ever left under the final name: on an exception the
    temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
