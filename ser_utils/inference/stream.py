"""Streaming prediction: audio in chunks, LSTM states carried, a running answer
after each chunk, and a final answer equal to the whole-file pass.

Framing is causal: STFT frame t (centred, zero-padded as librosa does) is computed
once its last sample has arrived. Two file-level values are not causal: the chroma
tuning estimate and the peak mel level behind power_to_db's 80 dB floor. While
streaming they are estimated from the audio so far; at the end they are recomputed on
the whole file and, if any frame's features change, the model replays the (cached)
spectrogram from the start — a model pass of about a millisecond — so the final
probabilities are the whole-file pass's. Attention (seed 000's soft attention) is
kept as an online softmax, so the running context equals attention over the frames
so far. Works with LSTM-SA and ResLSTM-SA checkpoints.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ser_utils.data.features import file_values, frame_features, mel_db
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


class Stream:
    """Chunks of mono samples at the model's rate in, running predictions out."""

    def __init__(self, predictor, sr: int):
        self.p, self.sr, self.config = predictor, sr, predictor.config
        self.net = StreamingModel(predictor.model)
        self.samples = np.zeros(0, dtype=np.float32)
        self.power = []            # power-spectrogram columns computed so far
        self.used = None           # normalised features fed to the model so far
        self.values = None         # (tuning, peak dB) the fed features used

    def _frames(self, y_padded: np.ndarray, first: int, last: int) -> None:
        import librosa

        n_fft, hop = self.config.n_fft, self.config.hop_length
        if last <= first:
            return
        seg = y_padded[first * hop:(last - 1) * hop + n_fft]
        spec = np.abs(librosa.stft(seg, n_fft=n_fft, hop_length=hop, center=False)) ** 2
        self.power += list(spec.T)

    def _features(self, power: np.ndarray, values) -> np.ndarray:
        feats = frame_features(power, self.sr, self.config, *values)[:, : self.p.dim]
        return (feats - self.p.mean) / self.p.std

    def _update(self, final: bool) -> dict:
        power = np.stack(self.power, axis=1)
        with warnings.catch_warnings():  # the first chunks may hold no pitched frame: tuning 0, as librosa
            warnings.filterwarnings("ignore", message="Trying to estimate tuning from empty frequency set")
            values = file_values(power, self.sr, self.config, mel_db(power, self.sr, self.config))
        done = 0 if self.used is None else len(self.used)
        replay = False
        if done and values != self.values:
            again = self._features(power[:, :done], values)
            replay = not np.allclose(again, self.used, atol=1e-5)
            if replay:  # the file-level values moved: start the model again on corrected features
                self.net.reset()
                self.net.push(again)
                self.used = again
        new = self._features(power[:, done:], values)
        self.net.push(new)
        self.used = new if self.used is None else np.concatenate([self.used, new])
        self.values = values
        probs = self.net.probabilities()
        return {"seconds": round(len(self.samples) / self.sr, 3), "frames": len(self.used), "final": final,
                "replayed": replay, "emotion": self.p.labels[int(probs.argmax())],
                "probabilities": {k: round(float(v), 6) for k, v in zip(self.p.labels, probs)}}

    def push(self, chunk: np.ndarray) -> dict | None:
        """Add samples; the running prediction, or None before the first complete frame."""
        half = self.config.n_fft // 2
        self.samples = np.concatenate([self.samples, np.asarray(chunk, dtype=np.float32)])
        ready = (len(self.samples) - half) // self.config.hop_length + 1 if len(self.samples) >= half else 0
        self._frames(np.concatenate([np.zeros(half, np.float32), self.samples]), len(self.power), ready)
        return self._update(final=False) if self.power else None

    def finish(self) -> dict:
        """The remaining frames (zero-padded end, as librosa centres them), file-level
        values from the whole file: the whole-file pass's answer."""
        half = self.config.n_fft // 2
        total = 1 + len(self.samples) // self.config.hop_length
        padded = np.concatenate([np.zeros(half, np.float32), self.samples, np.zeros(half, np.float32)])
        self._frames(padded, len(self.power), total)
        return self._update(final=True)


def stream_file(predictor, path, chunk_seconds: float = 0.5) -> list[dict]:
    """Feed a file in ``chunk_seconds`` chunks; the running predictions, the last final.
    Resampling, when the file's rate differs from the model's, is done before chunking."""
    from ser_utils.data.audio import read_audio
    from ser_utils.data.features import prepare

    samples, sr = read_audio(path)
    predictor.check_length(path, samples, sr)
    y, sr = prepare(samples, sr, predictor.config)
    stream = Stream(predictor, sr)
    step = max(1, int(round(chunk_seconds * sr)))
    out = [r for s in range(0, len(y), step) if (r := stream.push(y[s:s + step])) is not None]
    return [{"file": str(path), **r} for r in out + [stream.finish()]]
