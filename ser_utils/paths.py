"""Where the project keeps its data (cookiecutter-data-science layout).

``data/raw`` holds immutable audio (or a link to a copy), ``data/interim`` caches,
``results`` what a reader needs. ``SER_PROJECT_DIR`` overrides the project root,
``SER_DATA_DIR`` the data folder (tests use a temporary one).
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ser_utils import columns as col


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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + suffix, dir=target.parent)
    except OSError as exc:
        raise _storage_error(target, exc) from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        if durable:
            fsync_path(tmp)
        os.replace(tmp, target)
        if durable:
            fsync_path(target.parent)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, StorageError) and (
                exc.errno is None or exc.errno in WRITE_ERRNOS):
            raise _storage_error(target, exc) from None
        raise


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# The causes of a failed write that are the machine's, not the code's: full disk or
# quota, read-only or forbidden folder, a path through a file, an I/O error.
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EIO,
                errno.ENOTDIR, errno.EEXIST}


class StorageError(OSError):
    """A file or folder that cannot be written (full disk, read-only or forbidden folder,
    a file where a folder should be); ``str()`` is one line naming the path and the cause."""

    def __str__(self) -> str:
        return str(self.strerror)


def _storage_error(target: Path, exc: OSError) -> StorageError:
    why = exc.strerror or str(exc)
    if exc.errno is None:  # numpy's short write: "1058 requested and 992 written"
        why += " (a short write: is the disk full?)"
    return StorageError(exc.errno or errno.EIO, f"{target}: cannot write ({why})")


def require_writable(folder: str | os.PathLike, create: bool = True) -> Path:
    """``folder``, or ``StorageError`` naming it and why nothing can be written there:
    checked before work whose result would be lost (training, extraction). ``create``:
    make the folder now; else only its nearest existing ancestor is tried."""
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{existing} is a file, not a folder")
        if create:
            folder.mkdir(parents=True, exist_ok=True)
            existing = folder
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise StorageError(exc.errno or errno.EIO, f"{folder}: cannot write there ({exc.strerror or exc})") from None
    return folder


def table_path(out_dir: str | os.PathLike, name: str) -> Path:
    """``<out_dir>/tables/<name>.csv``: where a notebook saves its table ``name``."""
    return Path(out_dir) / "tables" / f"{name}.csv"


# columns of a saved table read back as text, not numbers (07's rung labels "01", "2b")
TEXT_COLUMNS = {"fidelity_ladder": (col.RUNG, col.PREVIOUS)}


def read_table(out_dir: str | os.PathLike, name: str, dtype=None):
    """Table ``name`` of a profile's results (``table_path``) as a DataFrame, or None where
    no notebook wrote it: the one reader of saved tables (reporting, findings, README, 09's
    Pareto points). Its ``TEXT_COLUMNS`` are read as text unless ``dtype`` says otherwise."""
    import pandas as pd  # noqa: PLC0415 - heavy: paths stays importable without pandas

    path = table_path(out_dir, name)
    if dtype is None and name in TEXT_COLUMNS:
        dtype = dict.fromkeys(TEXT_COLUMNS[name], str)
    return pd.read_csv(path, dtype=dtype) if path.exists() else None


def save_torch(obj, target: str | os.PathLike, durable: bool = True) -> Path:
    """``torch.save(obj)`` to ``target`` atomically (``atomic_path``), byte for byte the same
    for the same ``obj``: written through a file object, the archive's inner folder is
    ``archive``, not the temporary file's random name (which a path would give it)."""
    import torch  # noqa: PLC0415 - heavy: paths stays importable without torch

    target = Path(target)
    with atomic_path(target, suffix=target.suffix, durable=durable) as tmp, open(tmp, "wb") as f:
        torch.save(obj, f)
    return target
