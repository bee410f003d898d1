"""Streaming prediction: audio in chunks, features computed chunk by chunk, LSTM
states carried, a running answer after each chunk, and a final answer equal to the
whole-file pass — in time linear in the recording's length and memory that does
not grow with it (no samples, spectrogram or features are kept).

Framing is causal: STFT frame t (centred, zero-padded as librosa does) is computed
once its last sample has arrived, from a buffer of at most one frame plus one chunk.
Two file-level values are not causal: the chroma tuning estimate and the peak mel
level behind power_to_db's 80 dB floor. While streaming, each chunk's frames use the
values estimated from the audio so far (the peak exactly; the tuning re-estimated
whenever the frame count has doubled, so the work stays linear). At the end both are
known exactly (the pitches the tuning needs are kept: a few bytes per frame); if any
frame was fed other values, ``stream_file`` replays the file once, chunk by chunk,
with the final values, so the final probabilities are the whole-file pass's.
Attention (paper 000's soft attention) is kept as an online softmax, so the running
context equals attention over the frames so far. Works with LSTM-SA and ResLSTM-SA
checkpoints.
"""

from __future__ import annotations

import librosa
import numpy as np
import soxr
import torch

from ser_utils.data.audio import AudioError, audio_info, level_warning, read_blocks
from ser_utils.data.features import frame_features, mel_db, pitched, tuning_of
from ser_utils.models import LSTMSA, ResLSTMSA


class StreamingModel:
    """LSTM-SA / ResLSTM-SA fed frame blocks: LSTM states and attention sums carried."""

    def __init__(self, model):
        if not isinstance(model, (LSTMSA, ResLSTMSA)):
            raise ValueError(f"streaming supports LSTM-SA and ResLSTM-SA checkpoints, not {type(model).__name__}")
        self.model = model.eval()
        self.reset()

    def reset(self):
        self.res_state = self.state = None
        self.max = self.weight = self.context = None

    @torch.no_grad()
    def push(self, x: np.ndarray) -> None:
        """Feed normalised frames ``(n, dim)``."""
        if len(x) == 0:
            return
        m = self.model
        h = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]
        if isinstance(m, ResLSTMSA):
            r, self.res_state = m.res_lstm(h, self.res_state)
            h = m.res_norm(h + r)
        h, self.state = m.lstm(h, self.state)
        scores = h[0] @ m.attention.u                                   # (n, k)
        top = scores.max(dim=0).values
        new_max = top if self.max is None else torch.maximum(self.max, top)
        w = torch.exp(scores - new_max)
        ctx = w.T @ h[0]                                                # (k, H)
        if self.max is not None:
            scale = torch.exp(self.max - new_max)
            w_sum, ctx = self.weight * scale + w.sum(0), self.context * scale[:, None] + ctx
        else:
            w_sum = w.sum(0)
        self.max, self.weight, self.context = new_max, w_sum, ctx

    @torch.no_grad()
    def probabilities(self) -> np.ndarray:
        context = (self.context / self.weight[:, None]).mean(0, keepdim=True)
        logits, _ = self.model.head(context)
        return torch.softmax(logits, dim=1)[0].numpy()


class Framer:
    """Power-spectrogram frames of a sample stream, as ``librosa.stft`` (centred,
    zero-padded) frames the whole signal, keeping only the samples the next frame needs."""

    def __init__(self, n_fft: int, hop: int):
        self.n_fft, self.hop = n_fft, hop
        self.buffer = np.zeros(n_fft // 2, np.float32)   # the centring pad
        self.received = self.frames = 0

    def _take(self, n: int) -> np.ndarray:
        if n <= 0:
            return np.zeros((self.n_fft // 2 + 1, 0), np.float32)
        seg = self.buffer[:(n - 1) * self.hop + self.n_fft]
        power = np.abs(librosa.stft(seg, n_fft=self.n_fft, hop_length=self.hop, center=False)) ** 2
        self.buffer = self.buffer[n * self.hop:]
        self.frames += n
        return power

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Add samples; the frames now complete, ``(1 + n_fft/2, n)``."""
        self.received += len(chunk)
        self.buffer = np.concatenate([self.buffer, np.asarray(chunk, dtype=np.float32)])
        ready = (len(self.buffer) - self.n_fft) // self.hop + 1 if len(self.buffer) >= self.n_fft else 0
        return self._take(ready)

    def finish(self) -> np.ndarray:
        """The last frames, over the zero-padded end: librosa's 1 + n // hop in all."""
        self.buffer = np.concatenate([self.buffer, np.zeros(self.n_fft // 2, np.float32)])
        return self._take(1 + self.received // self.hop - self.frames)


class Stream:
    """Chunks of mono samples at the model's rate in, running predictions out.
    ``values``: fixed file values (tuning, peak dB) for a replay; None to estimate
    them from the audio so far."""

    def __init__(self, predictor, sr: int, values: tuple | None = None):
        self.p, self.sr, self.config = predictor, sr, predictor.config
        self.net = StreamingModel(predictor.model)
        self.framer = Framer(self.config.n_fft, self.config.hop_length)
        self.fixed = values
        self.db_max = -np.inf if values is None else values[1]
        self.tuning = 0.0 if values is None else values[0]
        self.pitches, self.mags = [], []   # piptrack's pitched bins so far (for the exact tuning)
        self.estimated_at = 0              # frames when the tuning was last estimated
        self.fed_values = set()            # the (tuning, peak dB) pairs frames were computed with

    def _tuning(self) -> float:
        pitch, mag = np.concatenate(self.pitches), np.concatenate(self.mags)
        self.pitches, self.mags = [pitch], [mag]
        return tuning_of(pitch, mag, self.config.n_chroma)

    def _feed(self, power: np.ndarray) -> None:
        if power.shape[1] == 0:
            return
        db = mel_db(power, self.sr, self.config)
        if self.fixed is None:
            self.db_max = max(self.db_max, float(db.max()))
            pitch, mag = pitched(power, self.sr)
            self.pitches.append(pitch)
            self.mags.append(mag)
            if self.framer.frames >= 2 * self.estimated_at:   # doubling: linear work in all
                self.tuning, self.estimated_at = self._tuning(), self.framer.frames
        values = (self.tuning, self.db_max)
        self.fed_values.add(values)
        feats = frame_features(power, self.sr, self.config, *values, db)[:, : self.p.dim]
        self.net.push((feats - self.p.mean) / self.p.std)

    def _answer(self, final: bool) -> dict:
        probs = self.net.probabilities()
        return {"seconds": round(self.framer.received / self.sr, 3), "frames": self.framer.frames, "final": final,
                "emotion": self.p.labels[int(probs.argmax())],
                "probabilities": {k: round(float(v), 6) for k, v in zip(self.p.labels, probs)}}

    def feed(self, chunk: np.ndarray) -> None:
        """Add samples (their complete frames go through the model)."""
        self._feed(self.framer.push(chunk))

    def push(self, chunk: np.ndarray) -> dict | None:
        """Add samples; the running prediction, or None before the first complete frame."""
        self.feed(chunk)
        return self._answer(final=False) if self.framer.frames else None

    def finish(self) -> dict:
        """The remaining frames (zero-padded end, as librosa centres them); the answer
        over every frame. ``values`` are then the whole file's, and ``exact`` says
        whether every frame was computed with them (else replay with ``values``)."""
        self._feed(self.framer.finish())
        if self.fixed is None:
            self.tuning = self._tuning()
        self.values = (self.tuning, self.db_max)
        self.exact = self.fed_values <= {self.values}
        return self._answer(final=True)


class Resampler:
    """Chunk-by-chunk resampling equal to ``librosa.resample`` (soxr_hq) of the whole
    signal, length fixed the same way at the end."""

    def __init__(self, orig_sr: int, target_sr: int, total: int):
        self.rs = soxr.ResampleStream(orig_sr, target_sr, 1, dtype="float32", quality="soxr_hq")
        self.expected = int(np.ceil(total * target_sr / orig_sr))
        self.given = 0

    def __call__(self, chunk: np.ndarray, last: bool) -> np.ndarray:
        out = self.rs.resample_chunk(chunk, last=last)
        if last:
            out = np.concatenate([out, np.zeros(max(0, self.expected - self.given - len(out)), np.float32)])
            out = out[:self.expected - self.given]
        self.given += len(out)
        return out


def model_rate_chunks(path, chunk_seconds: float, config):
    """Yield (mono float32 chunk at the model's rate, is_last) of a file, decoding and
    resampling block by block."""
    sr, total = audio_info(path)
    target = config.sample_rate or sr
    step = max(1, int(round(chunk_seconds * sr)))
    resample = Resampler(sr, target, total) if target != sr else None
    seen = 0
    for block in read_blocks(path, step):
        seen += len(block)
        last = seen >= total
        yield (resample(block, last) if resample else block), last
    if seen < total:
        raise AudioError(f"{path}: truncated: {seen} of the {total} samples its header announces")


def streamable(predictor) -> None:
    """``ValueError`` saying why a checkpoint cannot stream: silence trimming, features
    other than MFCC (+ chroma), a model other than LSTM-SA / ResLSTM-SA."""
    if predictor.config.trim_db is not None:
        raise ValueError("streaming cannot trim silence (the checkpoint's features use trim_db)")
    if getattr(predictor, "feature_set", "mfcc+chroma") not in ("mfcc+chroma", "mfcc"):
        raise ValueError(f"streaming computes MFCC + chroma frames only, and this checkpoint takes "
                         f"{predictor.feature_set} (notebook 03's checkpoint streams: predict --stream uses it "
                         "when no --model is given)")
    StreamingModel(predictor.model)


def stream_file(predictor, path, chunk_seconds: float = 0.5) -> list[dict]:
    """Feed a file in ``chunk_seconds`` chunks (of the file's audio); the running
    predictions, the last one final (the whole-file answer, with a level warning
    when the input is silent or very quiet)."""
    if chunk_seconds <= 0:
        raise ValueError(f"chunk length must be > 0 seconds, not {chunk_seconds}")
    streamable(predictor)  # refuse what cannot stream before reading anything
    sr, total = audio_info(path)
    predictor.check_length(path, total, sr)
    rate = predictor.config.sample_rate or sr
    stream = Stream(predictor, rate)
    steps = [r for chunk, _ in model_rate_chunks(path, chunk_seconds, predictor.config)
             if (r := stream.push(chunk)) is not None]
    final = {**stream.finish(), "replayed": False}
    if not stream.exact:  # some frames used running estimates: once more with the file's values
        again = Stream(predictor, rate, values=stream.values)
        for chunk, _ in model_rate_chunks(path, chunk_seconds, predictor.config):
            again.feed(chunk)
        final = {**again.finish(), "replayed": True}
    warning = level_warning(stream.values[1])
    if warning:
        final["warning"] = warning
    return [{"file": str(path), **r, "replayed": False} for r in steps] + [{"file": str(path), **final}]
