"""Emotion of audio files with a saved checkpoint (notebook 04's clean winner by
default): ``python -m ser_utils predict FILE... [--model PATH] [--json]``.

Any sample rate and channel count: channels are averaged and the audio resampled to
the rate the model's features were computed at, exactly as in training.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ser_utils.data.audio import AudioError, read_audio
from ser_utils.data.dataset import feature_dim
from ser_utils.data.features import extract
from ser_utils.inference import checkpoint
from ser_utils.models.cost import one_thread, timings
from ser_utils.paths import results_dir


def default_model(profile: str = "quick") -> Path:
    return checkpoint.model_path(results_dir() / profile)


class Predictor:
    """A loaded checkpoint that turns audio into 8 emotion probabilities."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or default_model())
        ckpt = checkpoint.load(self.path)
        self.model = ckpt["model"]
        self.config = ckpt["feature_config"]
        self.labels = list(ckpt["labels"])
        self.mean = np.asarray(ckpt["mean"], dtype=np.float32)
        self.std = np.asarray(ckpt["std"], dtype=np.float32)
        self.dim = feature_dim(self.config, ckpt["feature_set"])

    def features(self, path: str | Path) -> np.ndarray:
        """Normalised ``(frames, dim)`` features of a file; errors name the file."""
        samples, sr = read_audio(path)
        self.check_length(path, samples, sr)
        with one_thread():
            feats = extract(samples, sr, self.config)[:, : self.dim]
        return (feats - self.mean) / self.std

    def check_length(self, path, samples: np.ndarray, sr: int) -> None:
        """Refuse audio shorter than one analysis frame, naming the file."""
        rate = self.config.sample_rate or sr
        if len(samples) * rate / sr < self.config.n_fft:
            raise AudioError(f"{path}: {len(samples) / sr * 1000:.0f} ms of audio is shorter than one analysis "
                             f"frame ({self.config.n_fft} samples at {rate} Hz = {self.config.n_fft / rate * 1000:.0f} ms)")

    def stream(self, path: str | Path, chunk_seconds: float = 0.5) -> list[dict]:
        """Running predictions over ``chunk_seconds`` chunks (``ser_utils.inference.stream``)."""
        from ser_utils.inference.stream import stream_file

        with one_thread():
            return stream_file(self, path, chunk_seconds)

    @torch.no_grad()
    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(feats, dtype=np.float32))[None]
        logits = self.model(x, torch.tensor([len(feats)]))
        return torch.softmax(logits, dim=1)[0].numpy()

    def predict(self, path: str | Path) -> dict:
        start = time.perf_counter()
        with one_thread():
            feats = self.features(path)
            p = self.probabilities(feats)
        return {"file": str(path), "emotion": self.labels[int(p.argmax())],
                "probabilities": {k: round(float(v), 6) for k, v in zip(self.labels, p)},
                "frames": int(len(feats)), "milliseconds": round((time.perf_counter() - start) * 1000, 2)}


def bench(predictor: Predictor, path: str | Path, repeats: int = 30) -> dict:
    """Median milliseconds per file on one thread, features included, loading excluded."""
    times = timings(lambda: predictor.predict(path), repeats, warmup=1)  # warm-up: numba, allocations
    samples, sr = read_audio(path)
    return {"file": str(path), "seconds_of_audio": round(len(samples) / sr, 3), "repeats": repeats,
            "median_ms": round(float(np.median(times)), 2), "min_ms": round(float(np.min(times)), 2),
            "model": str(predictor.path)}
