"""Emotion of audio files with a saved checkpoint (by default notebook 09's recipe where
09 showed it better than notebook 03's clean ResLSTM-SA-h64, else that one):
``python -m ser_utils predict FILE... [--model PATH] [--json]``.

Any sample rate and channel count: channels are averaged and the audio resampled to
the rate the model's features were computed at, exactly as in training. Silent or
very quiet input is still classified, with a ``warning``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ser_utils.data.audio import AudioError, level_warning, read_audio, scale_warning
from ser_utils.data.dataset import EGEMAPS, beside_egemaps, feature_dim
from ser_utils.data.features import extract, file_values, frame_features, mel_db, pitched, spectrum, tuning_of
from ser_utils.inference import checkpoint
from ser_utils.inference.stream import stream_file
from ser_utils.models.cost import one_thread, timings
from ser_utils.paths import results_dir

# the feature sets predict computes from audio (a checkpoint of another set is refused)
FEATURE_SETS = ("mfcc+chroma", "mfcc", "mfcc+chroma+egemaps")


def default_model(profile: str = "quick", stream: bool = False) -> Path:
    """Notebook 09's recipe checkpoint where 09 wrote one (only when its recipe was shown
    better than 03's model, a verdict taken before switching), else notebook 03's. For
    streaming (``stream``), always 03's: streaming computes MFCC + chroma frames only."""
    recipe = checkpoint.recipe_path(results_dir() / profile)
    if recipe.is_file() and not stream:
        return recipe
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
        self.feature_set = ckpt["feature_set"]
        if self.feature_set not in FEATURE_SETS:
            raise checkpoint.CheckpointError(f"{self.path}: predict computes the feature sets "
                                             f"{', '.join(FEATURE_SETS)}, not {self.feature_set!r}")
        self.dim = feature_dim(self.config, self.feature_set)

    def features(self, path: str | Path) -> np.ndarray:
        """Normalised ``(frames, dim)`` features of a file; errors name the file."""
        return self._analyse(path)[0]

    def _analyse(self, path) -> tuple[np.ndarray, float]:
        """Normalised features and the peak mel dB (the input's level); ``self.peak``: the
        largest absolute sample (float audio far beyond [-1, 1] gets a warning)."""
        samples, sr = read_audio(path)
        self.check_length(path, len(samples), sr)
        self.peak = float(np.abs(samples).max())
        with one_thread():
            power, sr = spectrum(samples, sr, self.config)
            db = mel_db(power, sr, self.config)
            tuning, db_max = file_values(power, sr, self.config, db)
            feats = frame_features(power, sr, self.config, tuning, db_max, db)
            if self.feature_set == "mfcc+chroma+egemaps":  # as ``data.dataset`` builds it for training
                ege = extract(samples, sr, replace(EGEMAPS, sample_rate=self.config.sample_rate))
                feats = beside_egemaps(feats, ege)
            feats = feats[:, : self.dim]
        return (feats - self.mean) / self.std, db_max

    def check_length(self, path, n_samples: int, sr: int) -> None:
        """Refuse audio shorter than one analysis frame, naming the file."""
        rate = self.config.sample_rate or sr
        if n_samples * rate / sr < self.config.n_fft:
            raise AudioError(f"{path}: {n_samples / sr * 1000:.0f} ms of audio is shorter than one analysis "
                             f"frame ({self.config.n_fft} samples at {rate} Hz = "
                             f"{self.config.n_fft / rate * 1000:.0f} ms)")

    def stream(self, path: str | Path, chunk_seconds: float = 0.5) -> list[dict]:
        """Running predictions over ``chunk_seconds`` chunks (``ser_utils.inference.stream``)."""
        with one_thread():
            return stream_file(self, path, chunk_seconds)

    @torch.no_grad()
    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(feats, dtype=np.float32))[None]
        logits = self.model(x, torch.tensor([len(feats)]))
        return torch.softmax(logits, dim=1)[0].numpy()

    def result(self, path, probs: np.ndarray, db_max: float) -> dict:
        """The answer for one file: top emotion, probabilities, a level warning if any."""
        out = {"file": str(path), "emotion": self.labels[int(probs.argmax())],
               "probabilities": {k: round(float(v), 6) for k, v in zip(self.labels, probs)}}
        warnings = [w for w in (scale_warning(getattr(self, "peak", 0.0)), level_warning(db_max)) if w]
        return {**out, "warning": "; ".join(warnings)} if warnings else out

    def predict(self, path: str | Path) -> dict:
        start = time.perf_counter()
        with one_thread():
            feats, db_max = self._analyse(path)
            p = self.probabilities(feats)
        return {**self.result(path, p, db_max), "frames": int(len(feats)),
                "milliseconds": round((time.perf_counter() - start) * 1000, 2)}


def bench(predictor: Predictor, path: str | Path, repeats: int = 30) -> dict:
    """Median milliseconds per file on one thread, features included, loading excluded,
    and the median of each stage (decoding, STFT, pitch/tuning, mel + MFCC + chroma, model)."""
    times = timings(lambda: predictor.predict(path), repeats, warmup=1)  # warm-up: numba, allocations
    samples, sr = read_audio(path)
    return {"file": str(path), "seconds_of_audio": round(len(samples) / sr, 3), "repeats": repeats,
            "median_ms": round(float(np.median(times)), 2), "min_ms": round(float(np.min(times)), 2),
            "stages_ms": stages(predictor, path, repeats), "model": str(predictor.path)}


def stages(predictor: Predictor, path, repeats: int = 30) -> dict:
    """Median milliseconds of each stage of ``predict`` on one thread."""
    cfg = predictor.config
    samples, sr = read_audio(path)
    power, rate = spectrum(samples, sr, cfg)
    db = mel_db(power, rate, cfg)
    tuning, db_max = file_values(power, rate, cfg, db)
    feats = frame_features(power, rate, cfg, tuning, db_max, db)
    parts = {"decode": lambda: read_audio(path),
             "stft": lambda: spectrum(samples, sr, cfg),
             "pitch_tuning": lambda: tuning_of(*pitched(power, rate), cfg.n_chroma),
             "mel_mfcc_chroma": lambda: frame_features(power, rate, cfg, tuning, db_max, mel_db(power, rate, cfg))}
    if predictor.feature_set == "mfcc+chroma+egemaps":  # openSMILE's eGeMAPS frames beside them (09's recipe)
        ege_config = replace(EGEMAPS, sample_rate=cfg.sample_rate)
        feats = beside_egemaps(feats, extract(samples, sr, ege_config))
        parts["egemaps_frames"] = lambda: extract(samples, sr, ege_config)
    feats = feats[:, : predictor.dim]
    parts["model"] = lambda: predictor.probabilities(feats)
    return {k: round(float(np.median(timings(f, repeats, warmup=1))), 2) for k, f in parts.items()}
