"""``python -m ser_utils bench-stream``: time and peak memory of ``predict --stream``
on long recordings (default 10 and 60 minutes), each streamed in a fresh process.

The recording is a corpus utterance repeated to the length asked for, written as a
16-bit WAV at the utterance's rate block by block (never whole in memory). The child
process reports its wall time and peak resident memory (``ru_maxrss``), and the
resident memory after loading (imports, model) for comparison.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

from ser_utils.data.audio import read_audio


def long_recording(out: str | Path, source: str | Path, seconds: float) -> Path:
    """``source`` repeated to ``seconds`` of audio, written to ``out`` (WAV, PCM 16)."""
    y, sr = read_audio(source)
    total = int(seconds * sr)
    with sf.SoundFile(str(out), "w", samplerate=sr, channels=1, subtype="PCM_16", format="WAV") as fh:
        written = 0
        while written < total:
            part = y[: total - written]
            fh.write(part)
            written += len(part)
    return Path(out)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(path: str, model: str | None, chunk: float) -> dict:
    """Stream one file here; wall seconds and memory (run in a fresh process)."""
    from ser_utils.inference.predict import Predictor, default_model  # noqa: PLC0415 - heavy: torch, in the benchmark's child process only

    predictor = Predictor(model or default_model(stream=True))
    loaded = _rss_mb()
    start = time.perf_counter()
    steps = predictor.stream(path, chunk)
    wall = time.perf_counter() - start
    final = steps[-1]
    return {"file": path, "seconds_of_audio": final["seconds"], "frames": final["frames"], "steps": len(steps),
            "wall_seconds": round(wall, 2), "peak_rss_mb": round(_rss_mb(), 1),
            "rss_after_loading_mb": round(loaded, 1), "replayed": final["replayed"], "emotion": final["emotion"]}


def measure(path: str | Path, model: str | None, chunk: float) -> dict:
    cmd = [sys.executable, "-m", "ser_utils.inference.stream_bench", str(path), str(chunk)] + ([model] if model else [])
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"streaming {path} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def bench_stream(source: str | Path, minutes=(10, 60), model: str | None = None, chunk: float = 0.5,
                 folder: str | Path | None = None) -> list[dict]:
    """Stream ``source`` repeated to each length in ``minutes``; one row per length."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="ser-stream-", dir=folder) as tmp:
        for m in minutes:
            path = long_recording(Path(tmp) / f"long_{m}min.wav", source, m * 60)
            rows.append({"minutes": m, "chunk_seconds": chunk, **measure(path, model, chunk)})
            path.unlink()
    return rows


if __name__ == "__main__":
    path, chunk = sys.argv[1], float(sys.argv[2])
    print(json.dumps(child(path, sys.argv[3] if len(sys.argv) > 3 else None, chunk)))
