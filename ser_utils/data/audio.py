"""Reading audio files with errors that name the file and what was wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


class AudioError(ValueError):
    """An audio file is missing, unreadable or empty."""


def read_audio(path: str | Path, dtype: str = "float32", mono: bool = True) -> tuple[np.ndarray, int]:
    """Decode a whole file. Returns ``(samples, sample_rate)``; ``samples`` is 1-D
    when ``mono`` (channels averaged, as librosa does) else ``(frames, channels)``."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    try:
        data, sr = sf.read(str(path), dtype=dtype, always_2d=True)
    except Exception as exc:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        raise AudioError(f"{path}: unreadable audio ({exc})") from exc
    if data.shape[0] == 0:
        raise AudioError(f"{path}: empty audio (0 samples)")
    if mono:
        data = data.mean(axis=1, dtype=np.float64).astype(dtype) if data.shape[1] > 1 else data[:, 0]
    return data, sr
