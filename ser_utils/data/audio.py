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
    path = check_file(path)
    check_rate(path, _info(path).samplerate)
    try:
        data, sr = sf.read(str(path), dtype=dtype, always_2d=True)
    except Exception as exc:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        raise AudioError(f"{path}: unreadable audio ({exc})") from exc
    if data.shape[0] == 0:
        raise AudioError(f"{path}: empty audio (0 samples)")
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        bad = int(np.count_nonzero(~np.isfinite(data)))
        raise AudioError(f"{path}: {bad} sample(s) are NaN or infinite (damaged float audio)")
    return (downmix(data, dtype) if mono else data), sr


# Sample rates a real recording can have: a header outside them is lying (a WAV claiming
# 1 Hz once ran the resampler for 31 s and crashed it).
MIN_RATE, MAX_RATE = 1000, 384000


def check_rate(path, rate: int) -> None:
    """Refuse a header's implausible sample rate, naming the file."""
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(f"{path}: implausible sample rate {rate} Hz in the header (expected "
                         f"{MIN_RATE} to {MAX_RATE} Hz): a damaged or lying header")


def _info(path: Path):
    try:
        return sf.info(str(path))
    except Exception as exc:
        raise AudioError(f"{path}: unreadable audio ({exc})") from exc


def downmix(data: np.ndarray, dtype: str = "float32") -> np.ndarray:
    """``(frames, channels)`` -> 1-D: channels averaged (in float64, as librosa does)."""
    return data.mean(axis=1, dtype=np.float64).astype(dtype) if data.shape[1] > 1 else data[:, 0]


def audio_info(path: str | Path) -> tuple[int, int]:
    """``(sample_rate, frames)`` of a file, with ``check_file``'s errors."""
    path = check_file(path)
    info = _info(path)
    check_rate(path, info.samplerate)
    if info.frames == 0:
        raise AudioError(f"{path}: empty audio (0 samples)")
    return info.samplerate, info.frames


def read_blocks(path: str | Path, blocksize: int):
    """Decode a file ``blocksize`` frames at a time: mono float32 blocks (the same
    samples as ``read_audio``), holding one block in memory. Errors name the file
    and where the audio broke off."""
    path = check_file(path)
    check_rate(path, _info(path).samplerate)
    done = 0
    try:
        with sf.SoundFile(str(path)) as fh:
            while True:
                data = fh.read(blocksize, dtype="float32", always_2d=True)
                if len(data) == 0:
                    break
                done += len(data)
                yield downmix(data)
    except sf.LibsndfileError as exc:
        raise AudioError(f"{path}: unreadable audio after {done} samples ({exc})") from exc


def check_file(path: str | Path) -> Path:
    """Raise ``AudioError`` naming a file that is missing, not a file, 0 bytes long,
    or a WAV whose data chunk is cut short (libsndfile reads such a file without a
    word, as if it were shorter)."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    if not path.is_file():
        raise AudioError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file (0 bytes)")
    missing = wav_shortfall(path)
    if missing:
        raise AudioError(f"{path}: truncated: the WAV header announces {missing} more bytes of audio "
                         "than the file holds")
    return path


# The data size a streaming WAV writer (one that cannot seek back to fill it in) leaves:
# libsndfile reads such a file to its end, and so do we.
STREAMING_SIZE = 0xFFFFFFFF


def wav_shortfall(path: str | Path) -> int:
    """Bytes of audio a RIFF/WAVE file's ``data`` chunk announces beyond the end of
    the file (0 for a complete file, or any other format)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return 0
            size = fh.seek(0, 2)
            offset = 12
            while offset + 8 <= size:
                fh.seek(offset)
                chunk = fh.read(8)
                length = int.from_bytes(chunk[4:8], "little")
                if chunk[:4] == b"data":
                    if length == STREAMING_SIZE:  # a recorder that cannot seek back: "up to the end"
                        return 0
                    return max(0, length - (size - offset - 8))
                offset += 8 + length + (length & 1)
    except OSError:
        return 0  # unreadable: decoding will say so
    return 0


# The peak mel level (dB, power_to_db of the mel power; the 80 dB floor's reference)
# below which the input is called silent or too quiet. power_to_db bottoms out at
# -100 dB; RAVDESS's quietest recording peaks at -8 dB, its median file at +17 dB.
SILENT_DB = -99.0
QUIET_DB = -30.0


def level_warning(db_max: float) -> str | None:
    """A warning for silent or very low-energy input (None for ordinary speech)."""
    if db_max <= SILENT_DB:
        return "silent input (no signal at all): the prediction means nothing"
    if db_max < QUIET_DB:
        return (f"very low energy (peak mel level {db_max:.0f} dB; RAVDESS speech peaks at -8 to +40 dB): "
                "the prediction is unreliable")
    return None


# Decoded audio lies in [-1, 1]; float files may overshoot a little. Far beyond it the
# samples were scaled wrongly (x 32768, x 1e6) and the features mean nothing.
MAX_PEAK = 4.0


def scale_warning(peak: float) -> str | None:
    """A warning for samples far outside [-1, 1] (None for ordinary audio)."""
    if peak > MAX_PEAK:
        return (f"samples reach {peak:.3g}, far outside [-1, 1] (float audio scaled wrongly?): "
                "the prediction is unreliable")
    return None
