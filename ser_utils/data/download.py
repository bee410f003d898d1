"""Locating RAVDESS, or downloading it from Zenodo (record 1188976).

Resolution order: an explicit folder, ``$RAVDESS_DIR``, then ``data/raw/ravdess``
(a folder, or a link that ``make data RAVDESS_DIR=...`` leaves there). With none of
them, ``get_corpus`` downloads the official ``Audio_Speech_Actors_01-24.zip`` with
pooch (MD5-checked, progress bar) and extracts it into ``data/raw/ravdess``.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from ser_utils.data.corpus import CorpusError
from ser_utils.paths import raw_dir

RAVDESS_URL = "https://zenodo.org/records/1188976/files/Audio_Speech_Actors_01-24.zip?download=1"
RAVDESS_MD5 = "md5:bc696df654c87fed845eb13823edef8a"
ARCHIVE_NAME = "Audio_Speech_Actors_01-24.zip"


class DownloadError(RuntimeError):
    """RAVDESS could not be fetched or unpacked."""


def default_location() -> Path:
    return raw_dir() / "ravdess"


def find_corpus(root: str | os.PathLike | None = None) -> Path | None:
    """The corpus folder to use, or None when there is none yet."""
    if root:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise CorpusError(f"{path}: corpus folder not found")
        return path
    env = os.environ.get("RAVDESS_DIR")
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise CorpusError(f"RAVDESS_DIR={env}: corpus folder not found")
        return path
    local = default_location()
    return local if local.is_dir() else None


def link_corpus(source: str | os.PathLike) -> Path:
    """Make ``data/raw/ravdess`` a link to an existing copy (never a copy of it),
    so later steps find the corpus without ``RAVDESS_DIR``."""
    source = Path(source).expanduser().resolve()
    target = default_location()
    if target.resolve() == source:
        return target
    if target.exists() and not target.is_symlink():
        raise CorpusError(f"{target} already holds a corpus; remove it to point at {source} instead")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(".ravdess.link.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(source, target_is_directory=True)
    os.replace(tmp, target)
    return target


def fetch_archive(url: str = RAVDESS_URL, known_hash: str | None = RAVDESS_MD5, folder: Path | None = None) -> Path:
    """Download the archive with pooch: checksum-checked, resumable by re-running,
    never left under its final name half-written (pooch writes to a temporary file)."""
    import pooch  # noqa: PLC0415 - heavy: pooch, only when downloading

    folder = Path(folder or raw_dir() / "downloads")
    try:
        path = pooch.retrieve(url, known_hash=known_hash, fname=ARCHIVE_NAME, path=folder, progressbar=True)
    except ValueError as exc:  # checksum mismatch
        raise DownloadError(f"{folder / ARCHIVE_NAME}: {exc}") from exc
    except Exception as exc:  # network errors of requests / urllib3
        raise DownloadError(
            f"could not download RAVDESS from {url} ({type(exc).__name__}: {exc}).\n"
            "Offline? Point the project at a copy of the corpus instead:\n"
            "    make data RAVDESS_DIR=/path/to/ravdess     (or export RAVDESS_DIR=/path/to/ravdess)\n"
            "where the folder holds Actor_01 ... Actor_24 (WAV or FLAC)."
        ) from exc
    return Path(path)


def extract_archive(archive: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Unzip into ``target`` through a temporary sibling folder renamed at the end,
    so an interrupted or broken extraction never looks like a corpus."""
    archive, target = Path(archive), Path(target)
    if target.exists():
        raise DownloadError(f"{target} already exists; remove it to extract {archive} again")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise DownloadError(f"{archive}: corrupt member {bad}; delete the archive and download again")
            zf.extractall(partial)
    except zipfile.BadZipFile as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise DownloadError(f"{archive}: not a complete zip archive ({exc}); delete it and download again") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    os.replace(partial, target)
    return target


def get_corpus(root: str | os.PathLike | None = None, download: bool = True) -> Path:
    """The corpus folder: an existing copy, else a fresh download (see module doc)."""
    found = find_corpus(root)
    if found is not None:
        return found
    if not download:
        raise CorpusError(
            "no RAVDESS copy found: set RAVDESS_DIR=/path/to/ravdess, run `make data RAVDESS_DIR=...`, "
            "or `make data` to download it"
        )
    archive = fetch_archive()
    return extract_archive(archive, default_location())
