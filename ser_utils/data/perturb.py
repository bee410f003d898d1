"""Audio-level augmentations of notebook 09 (issue 27), applied before feature extraction
(``features.prepare``) to make the training utterances' extra copies:

- **speed perturbation** (Ko et al., *Audio augmentation for speech recognition*,
  Interspeech 2015): the signal resampled so that it plays ``factor`` times faster at the
  same rate — duration / factor, pitch and formants x factor (0.9 and 1.1 in Kaldi's recipe);
- **additive noise at a given SNR**: Gaussian white noise scaled so that signal power /
  noise power = 10^(SNR/10), drawn from a generator seeded by the signal's content (so a
  file's noisy copy is the same wherever and whenever it is computed, and cacheable).

Which copies a fold trains on (training speakers only) is chosen in ``training.augment``.
"""

from __future__ import annotations

import hashlib

import librosa
import numpy as np


def speed_perturb(samples: np.ndarray, factor: float, sr: int) -> np.ndarray:
    """``samples`` played ``factor`` times faster at the same rate ``sr``: resampled from
    ``sr`` to ``sr / factor`` (librosa, soxr), so the length becomes ``len / factor``."""
    if factor <= 0:
        raise ValueError(f"speed factor must be positive, not {factor}")
    if factor == 1:
        return np.asarray(samples, dtype=np.float32)
    return librosa.resample(np.asarray(samples, dtype=np.float32), orig_sr=sr, target_sr=sr / factor).astype(np.float32)


def content_seed(samples: np.ndarray, salt: str = "") -> int:
    """A 64-bit seed from the samples' bytes and ``salt``."""
    h = hashlib.blake2b(np.ascontiguousarray(samples, dtype=np.float32).tobytes(), digest_size=8)
    h.update(salt.encode())
    return int.from_bytes(h.digest(), "little")


def add_noise(samples: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """``samples`` plus white Gaussian noise at signal-to-noise ratio ``snr_db`` (dB; the
    signal's mean power over the whole utterance)."""
    y = np.asarray(samples, dtype=np.float64)
    power = float(np.mean(y ** 2))
    noise = rng.standard_normal(len(y))
    noise *= np.sqrt(power / 10 ** (snr_db / 10) / max(float(np.mean(noise ** 2)), 1e-30))
    return (y + noise).astype(np.float32)


def noisy_copy(samples: np.ndarray, snr_range: tuple, copy: int) -> tuple[np.ndarray, float]:
    """Copy number ``copy`` of ``samples`` with noise at an SNR drawn uniformly from
    ``snr_range`` (dB); the generator is seeded by the content and the copy number.
    Returns the noisy samples and the SNR drawn."""
    rng = np.random.default_rng(content_seed(samples, f"noise{copy}"))
    snr = float(rng.uniform(*snr_range))
    return add_noise(samples, snr, rng), snr
