"""openSMILE features (Eyben et al. 2010; the ``opensmile`` package ships its binary and
runs offline): the field's standard SER references.

- **eGeMAPS v02 functionals** (Eyben et al., *The Geneva Minimalistic Acoustic Parameter
  Set*, IEEE TAC 2016): 88 per-utterance statistics of 25 frame-level descriptors;
- **ComParE 2016 functionals** (Schuller et al., Interspeech 2016): 6373 statistics;
- the **25 eGeMAPS frame descriptors** (loudness, F0, jitter, shimmer, formants, spectral
  slopes, ... every 10 ms), pooled onto this study's MFCC frame grid so that they can stand
  instead of or beside MFCC-34 + chroma-12 as a recurrent model's input (``features``'
  ``kind="egemaps"``).

Functionals are cached like the frame features (``data.functionals``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

EGEMAPS_LLD_DIM = 25
FUNCTIONAL_SETS = {"egemaps": ("eGeMAPSv02", 88), "compare": ("ComParE_2016", 6373)}


@lru_cache(maxsize=4)
def smile(feature_set: str, level: str):
    """An ``opensmile.Smile`` for ``feature_set`` (an ``opensmile.FeatureSet`` name) at
    ``level`` (``Functionals`` or ``LowLevelDescriptors``), built once per process."""
    import opensmile  # noqa: PLC0415 - heavy: opensmile, pandas, one use

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
