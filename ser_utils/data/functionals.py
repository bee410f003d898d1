"""Per-utterance openSMILE functionals (``opensmile_features``: eGeMAPS, ComParE 2016) of
a corpus' files, cached like the frame features: one ``.npy`` per (feature set, openSMILE
version) and file content, written atomically, computed in worker processes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from joblib import delayed

from ser_utils.data.audio import read_audio
from ser_utils.data.features import file_digest
from ser_utils.data.opensmile_features import FUNCTIONAL_SETS, functionals_of
from ser_utils.paths import atomic_path, interim_dir, require_writable
from ser_utils.progress import tqdm  # drawn on the terminal, never in a notebook
from ser_utils.workers import in_worker, pool


def _folder(which: str, cache_root=None) -> Path:
    import opensmile  # noqa: PLC0415 - heavy: opensmile, pandas, one use

    return Path(cache_root or interim_dir() / "features") / f"opensmile-{which}-{opensmile.__version__}"


def _chunk(jobs, which, folder):
    out = []
    for path, digest in jobs:
        samples, sr = read_audio(path)
        values = functionals_of(samples, sr, which)
        with atomic_path(folder / f"{digest}.npy", suffix=".npy") as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, values)
        out.append((digest, values))
    return out


def load_functionals(paths, which: str = "egemaps", cache_root=None, n_jobs: int | None = None,
                     progress: bool = True) -> np.ndarray:
    """``(files, dim)`` functionals of each file, read from the cache (keyed by feature set,
    openSMILE version and file content) or computed in worker processes and cached."""

    if which not in FUNCTIONAL_SETS:
        raise ValueError(f"functionals must be one of {sorted(FUNCTIONAL_SETS)}, not {which!r}")
    folder = _folder(which, cache_root)
    paths = [str(p) for p in paths]
    digests = [file_digest(p) for p in paths]
    dim = FUNCTIONAL_SETS[which][1]
    found, todo = {}, {}
    for path, digest in zip(paths, digests):
        entry = folder / f"{digest}.npy"
        if digest in found or digest in todo:
            continue
        try:
            values = np.load(entry, allow_pickle=False) if entry.exists() else None
        except (ValueError, EOFError, OSError):
            values = None
        if values is not None and values.shape == (dim,):
            found[digest] = values
        else:
            todo[digest] = path
    if todo:
        require_writable(folder)
        jobs = [(p, d) for d, p in todo.items()]
        n_jobs = n_jobs or min(os.cpu_count() or 1, 8, len(jobs))
        size = max(1, min(16, len(jobs) // (4 * n_jobs)))
        chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        bar = tqdm(total=len(jobs), desc=f"openSMILE {which}", unit="file", disable=not progress)
        results = ((_chunk(c, which, folder) for c in chunks) if n_jobs == 1 else
                   pool(n_jobs, return_as="generator_unordered")(
                       delayed(in_worker)(os.getpid(), _chunk, c, which, folder) for c in chunks))
        for chunk in results:
            found.update(chunk)
            bar.update(len(chunk))
        bar.close()
    return np.stack([found[d] for d in digests])
