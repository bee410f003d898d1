"""Per-frame MFCC-34 + chroma-12 features, cached on disk, and normalisation.

The defaults are those of the paper-000 authors' public code (Mak-Sim/ResLSTM-SER):
audio at its native rate (48 kHz for RAVDESS), ``librosa.feature.mfcc(n_mfcc=34)``
and ``chroma_stft(n_chroma=12)`` with ``n_fft=4096, hop_length=2048`` — about
69-124 frames per RAVDESS utterance, 46 features. The power spectrogram is
computed once and shared by both features; the result equals the two librosa
calls made separately (a test checks it).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import librosa
import numpy as np
from threadpoolctl import threadpool_limits

from ser_utils import numerics
from ser_utils.data import perturb
from ser_utils.data.audio import AudioError, read_audio
from ser_utils.data.opensmile_features import EGEMAPS_LLD_DIM, egemaps_frames, egemaps_lld_names
from ser_utils.paths import atomic_path, interim_dir, require_writable
from ser_utils.progress import tqdm  # drawn on the terminal, never in a notebook
from ser_utils.workers import in_worker, pool, useful


class DamagedCacheWarning(UserWarning):
    """A feature-cache entry could not be read; it was moved aside and is computed again."""


@dataclass(frozen=True)
class FeatureConfig:
    """Feature parameters; the defaults are the reference protocol's."""

    sample_rate: int | None = None   # None: the file's native rate
    n_mfcc: int = 34
    n_chroma: int = 12
    n_fft: int = 4096
    hop_length: int = 2048
    n_mels: int = 128
    trim_db: float | None = None     # silence trimming (librosa.effects.trim top_db); off by default
    kind: str = "mfcc+chroma"        # or "logmel": log-mel spectrogram frames (paper 003's input);
    #                                  "egemaps": openSMILE's 25 eGeMAPS descriptors on this frame grid
    # Notebook 09's audio-level copies (``data.perturb``); left out of ``key`` at their defaults.
    speed: float = 1.0               # speed perturbation factor
    noise_snr: tuple = ()            # (low, high) dB: additive noise at an SNR drawn per file and copy
    noise_copy: int = 0              # which noisy copy

    def __post_init__(self):
        object.__setattr__(self, "noise_snr", tuple(self.noise_snr))

    @property
    def dim(self) -> int:
        if self.kind == "egemaps":
            return EGEMAPS_LLD_DIM
        return self.n_mels if self.kind == "logmel" else self.n_mfcc + self.n_chroma

    def names(self) -> list[str]:
        if self.kind == "egemaps":
            return egemaps_lld_names()
        if self.kind == "logmel":
            return [f"logmel_{i}" for i in range(self.n_mels)]
        return [f"mfcc_{i}" for i in range(self.n_mfcc)] + [f"chroma_{i}" for i in range(self.n_chroma)]

    def key(self) -> str:
        """Cache key: the config and the librosa version that computes it (``kind``
        left out at its default, so the MFCC+chroma caches keep their keys)."""
        fields = asdict(self)
        if self.kind == "mfcc+chroma":
            del fields["kind"]
        for name, default in (("speed", 1.0), ("noise_snr", ()), ("noise_copy", 0)):
            if fields[name] == default:
                del fields[name]
            elif name == "noise_snr":
                fields[name] = list(fields[name])
        if self.kind == "egemaps":
            import opensmile  # noqa: PLC0415 - heavy: opensmile, one use

            fields["opensmile"] = opensmile.__version__
        payload = json.dumps({**fields, "librosa": librosa.__version__}, sort_keys=True)
        return hashlib.sha1(payload.encode()).hexdigest()[:12]


# Paper 003's input (Ryabinov, Uzdyaev & Vatamaniuk): log-mel spectrogram frames. The paper
# used n_fft = win = 2048, hop 512, 512 mel bands on 16 kHz IEMOCAP; at RAVDESS's 48 kHz
# we keep n_fft 2048 / hop 512 (10.7 ms) and use 64 bands for the CPU-sized model.
LOGMEL = FeatureConfig(kind="logmel", n_fft=2048, hop_length=512, n_mels=64)


@lru_cache(maxsize=8)
def mel_basis(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """librosa's mel filter bank, built once per (rate, n_fft, bands)."""
    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)


@lru_cache(maxsize=256)
def chroma_basis(sr: int, n_fft: int, n_chroma: int, tuning: float) -> np.ndarray:
    """librosa's chroma filter bank for a tuning estimate (steps of 0.01 bins)."""
    return librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning, n_chroma=n_chroma)


def prepare(samples: np.ndarray, sr: int, config: FeatureConfig) -> tuple[np.ndarray, int]:
    """Mono float32 samples resampled (and trimmed) as ``config`` asks; speed-perturbed and
    noisy copies (``data.perturb``) when it asks for them."""
    y = np.asarray(samples, dtype=np.float32)
    if config.sample_rate and config.sample_rate != sr:
        y = librosa.resample(y, orig_sr=sr, target_sr=config.sample_rate)
        sr = config.sample_rate
    if config.speed != 1.0 or config.noise_snr:
        y = perturb.speed_perturb(y, config.speed, sr)
        if config.noise_snr:
            y, _ = perturb.noisy_copy(y, config.noise_snr, config.noise_copy)
    if config.trim_db is not None:
        y, _ = librosa.effects.trim(y, top_db=config.trim_db)
    return y, sr


TOP_DB = 80.0  # librosa.power_to_db's floor below the peak


def mel_db(power: np.ndarray, sr: int, config: FeatureConfig) -> np.ndarray:
    """Mel power in dB, without librosa's top_db floor (``np.maximum(db, peak - TOP_DB)``
    applies it, as power_to_db does)."""
    mel = np.einsum("...ft,mf->...mt", power, mel_basis(sr, config.n_fft, config.n_mels), optimize=True)
    return librosa.power_to_db(mel, top_db=None)


def file_values(power: np.ndarray, sr: int, config: FeatureConfig, db: np.ndarray | None = None) -> tuple:
    """The two values MFCC + chroma frames take from the whole file: the chroma tuning
    estimate (librosa.estimate_tuning, computed by ``pitched`` + ``tuning_of``: the
    same number) and the peak mel dB (power_to_db's 80 dB floor)."""
    db = mel_db(power, sr, config) if db is None else db
    return tuning_of(*pitched(power, sr), config.n_chroma), float(db.max())


PIPTRACK = {"fmin": 150.0, "fmax": 4000.0, "threshold": 0.1}  # librosa.piptrack's defaults


@lru_cache(maxsize=8)
def _pitch_band(sr: int, n_fft: int) -> tuple[int, int]:
    """The FFT bins ``[lo, hi)`` piptrack searches (``fmin <= f < fmax``)."""
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    inside = np.flatnonzero((PIPTRACK["fmin"] <= freqs) & (freqs < min(PIPTRACK["fmax"], sr / 2)))
    return int(inside[0]), int(inside[-1]) + 1


def _parabolic_shift(band: np.ndarray) -> np.ndarray:
    """Where the parabola through each bin of ``band`` (axis 0) and its two neighbours
    peaks, as an offset from the bin (0 at the edges and where it would move more than a
    bin): librosa's ``piptrack`` interpolation, which librosa keeps private
    (``librosa.core.pitch._parabolic_interpolation``). Calling it keeps ``pitched`` equal
    to ``piptrack`` to the bit; tests/test_features.py fails if librosa moves or changes it."""
    from librosa.core.pitch import _parabolic_interpolation  # noqa: PLC0415 - heavy: librosa.core (numba, scipy), one use

    return _parabolic_interpolation(band, axis=0)


def pitched(power: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """The pitches and magnitudes ``librosa.piptrack(S=power)`` finds (its nonzero
    entries, in any order), computed on its frequency band only instead of every
    bin: the same numbers, about 4x faster. Frame-local, so it can be computed
    chunk by chunk."""
    from librosa.util import localmax  # noqa: PLC0415 - heavy: librosa.util loads librosa.core (numba, scipy)

    n_fft = 2 * (power.shape[0] - 1)
    lo, hi = _pitch_band(sr, n_fft)
    if power.shape[1] == 0 or lo < 1 or hi >= power.shape[0]:
        return np.zeros(0, np.float32), np.zeros(0, power.dtype)
    band = power[lo - 1:hi + 1]   # one bin either side: the stencils' neighbours
    ref = PIPTRACK["threshold"] * power.max(axis=0)
    peaks = localmax(band * (band > ref), axis=0)[1:-1]
    shift = _parabolic_shift(band)[1:-1]
    dskew = 0.5 * np.gradient(band, axis=0)[1:-1] * shift
    rows, cols = np.nonzero(peaks)
    pitch = ((rows + lo + shift[rows, cols]) * float(sr) / n_fft).astype(power.dtype)
    return pitch, band[1:-1][rows, cols] + dskew[rows, cols]


def tuning_of(pitch: np.ndarray, mag: np.ndarray, bins_per_octave: int = 12) -> float:
    """``librosa.estimate_tuning``'s last step: the pitches whose magnitude is at least
    the median's, folded into one bin, their histogram's peak (resolution 0.01)."""
    mask = pitch > 0
    if not mask.any():  # nothing pitched (silence): librosa warns and answers 0
        return 0.0
    return float(librosa.pitch_tuning(pitch[(mag >= np.median(mag[mask])) & mask], resolution=0.01,
                                      bins_per_octave=bins_per_octave))


def frame_features(power: np.ndarray, sr: int, config: FeatureConfig, tuning: float, db_max: float,
                   db: np.ndarray | None = None) -> np.ndarray:
    """MFCC + chroma of power-spectrogram frames ``(1 + n_fft/2, frames)``, given the file
    values; the same arithmetic as ``librosa.feature.mfcc`` / ``chroma_stft``."""
    import scipy.fft  # noqa: PLC0415 - heavy: scipy.fft, one use

    db = mel_db(power, sr, config) if db is None else db
    mfcc = scipy.fft.dct(np.maximum(db, db_max - TOP_DB), axis=-2, type=2, norm="ortho")[: config.n_mfcc]
    raw = np.einsum("cf,...ft->...ct", chroma_basis(sr, config.n_fft, config.n_chroma, tuning), power, optimize=True)
    chroma = librosa.util.normalize(raw, norm=np.inf, axis=-2)
    return np.concatenate([mfcc, chroma], axis=0).T.astype(np.float32)


def spectrum(samples: np.ndarray, sr: int, config: FeatureConfig) -> tuple[np.ndarray, int]:
    """Power spectrogram ``(1 + n_fft/2, frames)`` of prepared samples, and their rate."""
    y, sr = prepare(samples, sr, config)
    return np.abs(librosa.stft(y, n_fft=config.n_fft, hop_length=config.hop_length)) ** 2, sr


def extract(samples: np.ndarray, sr: int, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """Features of mono float samples, float32 ``(frames, dim)``: MFCC + chroma, or
    log-mel (dB) frames when ``config.kind == "logmel"``. Filter banks are cached;
    the numbers equal ``librosa.feature.mfcc`` and ``chroma_stft`` (a test checks it)."""
    if config.kind not in ("mfcc+chroma", "logmel", "egemaps"):
        raise ValueError(f"feature kind must be 'mfcc+chroma', 'logmel' or 'egemaps', not {config.kind!r}")
    if config.kind == "egemaps":
        y, sr = prepare(samples, sr, config)
        return egemaps_frames(y, sr, config.n_fft, config.hop_length)
    power, sr = spectrum(samples, sr, config)
    db = mel_db(power, sr, config)
    if config.kind == "logmel":
        return np.maximum(db, db.max() - TOP_DB).T.astype(np.float32)
    tuning, db_max = file_values(power, sr, config, db)
    return frame_features(power, sr, config, tuning, db_max, db)


def extract_file(path: str | Path, config: FeatureConfig = FeatureConfig()) -> np.ndarray:
    """Features of one file; stereo is averaged to mono."""
    samples, sr = read_audio(path)
    return extract(samples, sr, config)


def file_digest(path: str | Path) -> str:
    """Content hash of a file (the cache key's per-file part)."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class FeatureCache:
    """``<root>/<config key>/<content hash>.npy``: one entry per distinct file content,
    written atomically, so renamed or moved files hit and edited files miss."""

    def __init__(self, config: FeatureConfig = FeatureConfig(), root: str | Path | None = None):
        self.config = config
        self.root = Path(root) if root else interim_dir() / "features"
        # features computed under pinned numerics (ser_utils.numerics) differ in the last
        # bits from native ones: each setting keeps its own folder (native: the plain key)
        setting = numerics.requested()
        self.folder = self.root / (config.key() if setting == numerics.NATIVE else f"{config.key()}-{setting}")

    def entry(self, digest: str) -> Path:
        return self.folder / f"{digest}.npy"

    def load(self, digest: str) -> np.ndarray | None:
        """The cached features, or None: none cached, or a damaged entry (truncated, empty,
        not ``(frames, dim)`` float32), which is named in a ``DamagedCacheWarning``, moved
        aside as ``NAME.npy.corrupt`` and so computed again."""
        path = self.entry(digest)
        if not path.exists():
            return None
        try:
            feats = np.load(path, allow_pickle=False)
            why = None if (feats.ndim == 2 and feats.shape[1] == self.config.dim and feats.dtype == np.float32
                           and len(feats) > 0) else f"an array of shape {feats.shape} and type {feats.dtype}"
        except (ValueError, EOFError, OSError) as exc:  # truncated, 0 bytes, not .npy
            feats, why = None, f"{type(exc).__name__}: {exc}"
        if why is None:
            return feats
        aside = path.with_name(path.name + ".corrupt")
        try:
            os.replace(path, aside)
        except FileNotFoundError:  # another worker moved it first
            pass
        warnings.warn(f"{path}: damaged feature-cache entry ({why}); moved to {aside.name}, computed again",
                      DamagedCacheWarning, stacklevel=2)
        return None

    def store(self, digest: str, features: np.ndarray) -> None:
        if not (self.folder / "config.json").exists():
            with atomic_path(self.folder / "config.json") as tmp:
                tmp.write_text(json.dumps(asdict(self.config), indent=2))
        with atomic_path(self.entry(digest), suffix=".npy") as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, features)


def _compute_chunk(jobs, config, cache_root):
    """Extract and cache a few files. One BLAS thread: results are then bit-identical
    whether computed here, in a worker process, or with any number of workers."""
    cache = FeatureCache(config, cache_root)
    out = []
    with threadpool_limits(1):
        for path, digest in jobs:
            try:
                feats = extract_file(path, config)
            except AudioError:
                raise
            except Exception as exc:  # anything else about this file: name it
                raise AudioError(f"{path}: feature extraction failed ({type(exc).__name__}: {exc})") from exc
            cache.store(digest, feats)
            out.append((digest, feats))
    return out


def warm_up(config: FeatureConfig = FeatureConfig()) -> None:
    """Run the extraction once on a short noise signal in this process. librosa's
    numba functions are compiled and cached on first use; worker processes that
    compile the same function at once can corrupt that cache and crash (seen as a
    segfault in ``piptrack`` on a fresh environment), so the parent compiles first."""
    sr = config.sample_rate or 16000
    extract(np.random.default_rng(0).standard_normal(sr).astype(np.float32), sr, config)


def load_features(paths, config: FeatureConfig = FeatureConfig(), cache_root: str | Path | None = None,
                  n_jobs: int | None = None, progress: bool = True, return_digests: bool = False):
    """Features of each file (``(frames, dim)`` float32 arrays, in order), read from
    the cache or computed in parallel worker processes (joblib) and cached.
    With ``return_digests`` also the files' content hashes."""
    from joblib import delayed  # noqa: PLC0415 - heavy: joblib, only when extracting


    paths = [str(p) for p in paths]
    cache = FeatureCache(config, cache_root)
    digests = [file_digest(p) for p in paths]
    found: dict[str, np.ndarray] = {}
    todo: dict[str, str] = {}
    for path, digest in zip(paths, digests):
        if digest in found or digest in todo:
            continue
        cached = cache.load(digest)
        if cached is None:
            todo[digest] = path
        else:
            found[digest] = cached
    if todo:
        require_writable(cache.folder)
        jobs = [(p, d) for d, p in todo.items()]
        n_jobs = useful(n_jobs, len(jobs), "feature processes") if n_jobs else min(os.cpu_count() or 1, 8, len(jobs))
        size = max(1, min(16, len(jobs) // (4 * n_jobs)))
        chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        # one job per distinct content: RAVDESS's byte-identical pair is extracted once (1439 of 1440)
        bar = tqdm(total=len(jobs), desc="features (distinct audio)", unit="file", disable=not progress)
        if n_jobs == 1:
            results = (_compute_chunk(c, config, cache.root) for c in chunks)
        else:
            warm_up(config)
            results = pool(n_jobs, return_as="generator_unordered")(
                delayed(in_worker)(os.getpid(), _compute_chunk, c, config, cache.root) for c in chunks)
        for chunk in results:
            for digest, feats in chunk:
                found[digest] = feats
            bar.update(len(chunk))
        bar.close()
    feats = [found[d] for d in digests]
    return (feats, digests) if return_digests else feats


@dataclass
class Normaliser:
    """Per-feature mean and standard deviation over all frames of the fitting set."""

    mean: np.ndarray
    std: np.ndarray

    def __call__(self, seqs):
        return [((s - self.mean) / self.std).astype(np.float32) for s in seqs]


def fit_normaliser(seqs, eps: float = 1e-8) -> Normaliser:
    """Fit on the given sequences: all files (``paper``) or the fold's training
    speakers only (``clean``) — choose which by what you pass."""
    frames = np.concatenate(list(seqs), axis=0).astype(np.float64)
    return Normaliser(frames.mean(axis=0).astype(np.float32), (frames.std(axis=0) + eps).astype(np.float32))


def normaliser_for(seqs, speakers, protocol: str, train_speakers=None) -> Normaliser:
    """``paper``: one mean/std over every utterance, test speakers included (the
    reference code's leak); ``clean``: over ``train_speakers`` only."""
    if protocol == "paper":
        return fit_normaliser(seqs)
    if protocol == "clean":
        if train_speakers is None:
            raise ValueError("the clean protocol needs train_speakers")
        keep = set(int(a) for a in train_speakers)
        chosen = [s for s, a in zip(seqs, speakers) if int(a) in keep]
        if not chosen:
            raise ValueError(f"no utterances of training speakers {sorted(keep)}")
        return fit_normaliser(chosen)
    raise ValueError(f"protocol must be 'paper' or 'clean', not {protocol!r}")


def pad(seqs, max_len: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ragged ``(frames, dim)`` sequences -> zero-padded ``(B, T, dim)`` float32 and lengths."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    T = int(max_len or lengths.max())
    out = np.zeros((len(seqs), T, seqs[0].shape[1]), dtype=np.float32)
    for i, s in enumerate(seqs):
        out[i, : min(len(s), T)] = s[:T]
    return out, np.minimum(lengths, T)
