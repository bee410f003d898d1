"""openSMILE features (Eyben et al. 2010; the ``opensmile`` package ships its binary and
runs offline): the field's standard SER references.

- **eGeMAPS v02 functionals** (Eyben et al., *The Geneva Minimalistic Acoustic Parameter
  Set*, IEEE TAC 2016): 88 per-utterance statistics of 25 frame-level descriptors;
- **ComParE 2016 functionals** (Schuller et al., Interspeech 2016): 6373 statistics;
- the **25 eGeMAPS frame descriptors** (loudness, F0, jitter, shimmer, formants, spectral
  slopes, ... every 10 ms), pooled onto this study's MFCC frame grid so that they can stand
  instead of or beside MFCC-34 + chroma-12 as a recurrent model's input (``features``'
  ``kind="egemaps"``).

Functionals are cached like the frame features: one ``.npy`` per (feature set, openSMILE
version) and file content, written atomically.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ser_utils.paths import atomic_path, interim_dir, require_writable

EGEMAPS_LLD_DIM = 25
FUNCTIONAL_SETS = {"egemaps": ("eGeMAPSv02", 88), "compare": ("ComParE_2016", 6373)}


@lru_cache(maxsize=4)
def smile(feature_set: str, level: str):
    """An ``opensmile.Smile`` for ``feature_set`` (an ``opensmile.FeatureSet`` name) at
    ``level`` (``Functionals`` or ``LowLevelDescriptors``), built once per process."""
    import opensmile

    return opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, feature_set),
                           feature_level=getattr(opensmile.FeatureLevel, level))


def egemaps_lld_names() -> list[str]:
    return list(smile("eGeMAPSv02", "LowLevelDescriptors").feature_names)


def egemaps_lld(samples: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """The 25 eGeMAPS descriptors every 10 ms, ``(frames, 25)`` float32, and each frame's
    centre in seconds."""
    df = smile("eGeMAPSv02", "LowLevelDescriptors").process_signal(np.asarray(samples, np.float32), sr)
    starts = df.index.get_level_values("start").total_seconds().to_numpy()
    ends = df.index.get_level_values("end").total_seconds().to_numpy()
    return df.to_numpy(np.float32), (starts + ends) / 2


def pool_onto_grid(values: np.ndarray, centres: np.ndarray, n_frames: int, hop_seconds: float) -> np.ndarray:
    """Average the rows of ``values`` (frames at ``centres`` seconds) onto ``n_frames``
    frames centred at ``t * hop_seconds`` (librosa's ``center=True`` grid): each row goes
    to its nearest frame; a frame that receives none takes its nearest filled neighbour's."""
    dim = values.shape[1]
    out = np.zeros((n_frames, dim), np.float64)
    counts = np.zeros(n_frames)
    if len(values):
        bins = np.clip(np.rint(centres / hop_seconds).astype(int), 0, n_frames - 1)
        np.add.at(out, bins, values)
        np.add.at(counts, bins, 1)
    filled = np.flatnonzero(counts)
    if len(filled) == 0:
        return out.astype(np.float32)
    out[filled] /= counts[filled, None]
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        nearest = filled[np.abs(filled[None, :] - empty[:, None]).argmin(axis=1)]
        out[empty] = out[nearest]
    return out.astype(np.float32)


def egemaps_frames(samples: np.ndarray, sr: int, n_fft: int, hop_length: int) -> np.ndarray:
    """The eGeMAPS descriptors on the frame grid of an STFT with ``hop_length`` (as many
    frames as ``librosa.stft(center=True)`` gives: ``1 + len // hop``)."""
    values, centres = egemaps_lld(samples, sr)
    return pool_onto_grid(values, centres, 1 + len(samples) // hop_length, hop_length / sr)


def functionals_of(samples: np.ndarray, sr: int, which: str) -> np.ndarray:
    """One utterance's functionals (``which``: egemaps | compare), float32 ``(dim,)``."""
    name, dim = FUNCTIONAL_SETS[which]
    out = smile(name, "Functionals").process_signal(np.asarray(samples, np.float32), sr).to_numpy(np.float32)[0]
    if out.shape != (dim,):
        raise ValueError(f"openSMILE {name} gave {out.shape[0]} functionals, expected {dim}")
    return out


def _folder(which: str, cache_root=None) -> Path:
    import opensmile

    return Path(cache_root or interim_dir() / "features") / f"opensmile-{which}-{opensmile.__version__}"


def _chunk(jobs, which, folder):
    from ser_utils.data.audio import read_audio

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
    from joblib import delayed
    from tqdm import tqdm

    from ser_utils.data.features import file_digest
    from ser_utils.workers import in_worker, pool

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
