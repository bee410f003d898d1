"""The seeds' other architectures, on the study's inputs and protocol.

- ``DenseLSTM`` (seed 004: Xie, Liang, Liang & Zhao, "Attention-Based Dense LSTM for
  Speech Emotion Recognition", IEICE Trans. Inf. & Syst. 2019): stacked LSTMs whose
  per-layer outputs reach the dense layer through skip connections, Eq. (7):
  ``general`` the last real frame of every layer; ``time`` Eq. (5), weights over time
  softmax_t(h_N,last W_i h_i,t); ``feature`` Eq. (6), weights softmax_t(V_i tanh(W_i h_i,t))
  per feature, applied by Hadamard product and summed over time.
- ``CNNBiLSTMSTL`` (seed 002: Wang et al., "A Novel end-to-end Speech Emotion
  Recognition Network with Stacked Transformer Layers", ICASSP 2021): conv (BatchNorm,
  ELU) + 2x2 average-pooling (dropout) pairs over the (frames x features) image, a
  BiLSTM, a kernel-1 Conv1d averaged over frames into the utterance vector Z0, then L
  pre-norm transformer layers enhancing Z0 (no positional encoding). Z0 is a single
  token, so each layer's self-attention reduces to its value/output projections: the
  layers act as residual projection + feed-forward blocks, as the seed describes
  (STLs "applied to the utterance-level representation").
- ``MultitaskCNN`` (seed 003: Ryabinov, Uzdyaev & Vatamaniuk, multitask deep learning
  for speech emotion recognition): a VGG-like CNN on a log-mel crop (random crop/zero
  pad in training, centred in evaluation), one shared fully connected layer, then
  emotion, gender and speaker heads; the loss weighting is ``sum``, ``uncertainty``
  (Kendall et al. 2018 with Liebel & Koerner's regulariser ln(1 + c^2)) or
  ``weighted_average`` (alpha_i = L_i / sum L, taken as constants per batch).

Every model takes a zero-padded ``(B, T, F)`` batch and the true ``lengths``, and
masks padded frames, so an utterance's output does not depend on its batch's padding.
``QUICK`` and ``SEED`` give each architecture's CPU-sized and seed-sized configurations.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ser_utils.models import MaskedBatchNorm1d, ModelConfig, frame_mask, init_lstm

DENSE_VARIANTS = ("general", "time", "feature")
LOSS_WEIGHTINGS = ("sum", "uncertainty", "weighted_average")


def label(cfg: ModelConfig) -> str:
    widths = "x".join(str(w) for w in cfg.widths if w)
    if cfg.name == "dense_lstm":
        return f"DenseLSTM-{cfg.variant}-h{widths}"
    if cfg.name == "cnn_bilstm_stl":
        return f"CNN-BiLSTM-STL{cfg.layers}-h{cfg.hidden}"
    if cfg.name == "multitask_cnn":
        return f"MT-CNN-{cfg.variant}" + (f"-{cfg.image}px" if cfg.image else f"-c{widths}")
    raise ValueError(f"not a seed model: {cfg.name!r}")


def _details(logits, embedding, details: bool, **extra):
    return {"logits": logits, "embedding": embedding, "attention": None, **extra} if details else logits


def _masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over time (dim 1) of (B, T, ...) scores, padded frames excluded."""
    shape = mask.shape + (1,) * (scores.dim() - 2)
    return torch.softmax(scores.masked_fill(~mask.view(shape), float("-inf")), dim=1)


class DenseLSTM(nn.Module):
    """Seed 004's attention-based dense LSTM. Seed size (IEMOCAP): LSTMs [256, 256],
    dense [256 x 2 -> 128], softmax [128 -> classes]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.variant not in DENSE_VARIANTS:
            raise ValueError(f"dense_lstm variant must be one of {DENSE_VARIANTS}, not {cfg.variant!r}")
        self.cfg = cfg
        dims = (cfg.input_dim,) + cfg.widths
        self.lstms = nn.ModuleList(nn.LSTM(a, b, batch_first=True) for a, b in zip(dims[:-1], dims[1:]))
        for lstm in self.lstms:
            init_lstm(lstm)
        last = cfg.widths[-1]
        if cfg.variant == "time":   # W_i of Eq. (5): h_N,last W_i h_i^T
            self.att = nn.ModuleList(nn.Linear(w, last, bias=False) for w in cfg.widths)
        elif cfg.variant == "feature":  # V_i tanh(W_i h_i) of Eq. (6)
            self.att = nn.ModuleList(nn.Sequential(nn.Linear(w, w, bias=False), nn.Tanh(),
                                                   nn.Linear(w, w, bias=False)) for w in cfg.widths)
        self.dense = nn.Sequential(nn.Linear(sum(cfg.widths), cfg.dense), nn.ReLU(), nn.Dropout(cfg.dropout))
        self.out = nn.Linear(cfg.dense, cfg.n_classes)

    def forward(self, x, lengths, details: bool = False, packed: bool = False):
        mask = frame_mask(lengths, x.shape[1])
        rows, last = torch.arange(x.shape[0], device=x.device), (lengths - 1).clamp(min=0)
        outputs, h = [], x
        for lstm in self.lstms:
            h = lstm(h)[0]
            outputs.append(h)
        h_last = outputs[-1][rows, last]                                   # (B, H_N)
        parts = []
        for i, h in enumerate(outputs):
            if self.cfg.variant == "general":
                parts.append(h[rows, last])
            elif self.cfg.variant == "time":
                scores = torch.einsum("btn,bn->bt", self.att[i](h), h_last)
                parts.append(torch.einsum("bt,bth->bh", _masked_softmax(scores, mask), h))
            else:
                parts.append((_masked_softmax(self.att[i](h), mask) * h).sum(dim=1))
        z = self.dense(torch.cat(parts, dim=1))
        return _details(self.out(z), z, details)


class MaskedBatchNorm2d(MaskedBatchNorm1d):
    """BatchNorm2d over the real frames of a (B, C, T, F) batch; padded frames stay zero."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        B, C, T, Fq = x.shape
        flat = x.permute(0, 2, 3, 1).reshape(B, T * Fq, C)
        m = None if mask is None else mask[:, :, None].expand(B, T, Fq).reshape(B, T * Fq)
        return super().forward(flat, m).reshape(B, T, Fq, C).permute(0, 3, 1, 2)


class CNNBiLSTMSTL(nn.Module):
    """Seed 002's CNN-BiLSTM with L stacked transformer layers (L = 0: the seed's
    truncated system). The seed reports 356 K parameters without the STLs and 468 K
    with 5 (IEMOCAP); its layer widths are in a figure the seed text does not give."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.convs, self.norms = nn.ModuleList(), nn.ModuleList()
        c_in, width = 1, cfg.input_dim
        for c in cfg.widths:
            self.convs.append(nn.Conv2d(c_in, c, 3, padding=1))
            self.norms.append(MaskedBatchNorm2d(c))
            c_in, width = c, math.ceil(width / 2)
        self.pool_dropout = nn.Dropout(cfg.dropout)
        self.bilstm = nn.LSTM(c_in * width, cfg.hidden, batch_first=True, bidirectional=True)
        init_lstm(self.bilstm)
        d = 2 * cfg.hidden
        self.to_z0 = nn.Conv1d(d, d, 1)
        layer = nn.TransformerEncoderLayer(d, cfg.heads, 4 * d, cfg.dropout, batch_first=True, norm_first=True)
        self.stl = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False) if cfg.layers else None
        self.norm = nn.LayerNorm(d) if cfg.layers else nn.Identity()
        self.out = nn.Linear(d, cfg.n_classes)

    def forward(self, x, lengths, details: bool = False, packed: bool = False):
        step = 2 ** len(self.convs)  # pad time to a multiple, so pooling never sees a ragged edge
        x = F.pad(x, (0, 0, 0, (-x.shape[1]) % step))[:, None]             # (B, 1, T, F)
        for conv, norm in zip(self.convs, self.norms):
            mask = frame_mask(lengths, x.shape[2])
            x = F.elu(norm(conv(x * mask[:, None, :, None]), mask))
            x = self.pool_dropout(F.avg_pool2d(x, 2, ceil_mode=True))
            lengths = torch.div(lengths + 1, 2, rounding_mode="floor")
        B, C, T, Fq = x.shape
        h = x.permute(0, 2, 1, 3).reshape(B, T, C * Fq)
        seq = pack_padded_sequence(h, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        h = pad_packed_sequence(self.bilstm(seq)[0], batch_first=True, total_length=T)[0]
        mask = frame_mask(lengths.clamp(min=1), T)
        z0 = (self.to_z0(h.transpose(1, 2)).transpose(1, 2) * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        z = self.norm(self.stl(z0[:, None])[:, 0]) if self.stl is not None else z0
        return _details(self.out(z), z, details, z0=z0)


class MultitaskCNN(nn.Module):
    """Seed 003's multitask CNN on log-mel crops: emotion, gender and speaker heads.
    Seed size: VGG-11 features on a 224 x 224 image, a shared 25088 -> 2048 layer and
    2048 -> 512 -> classes heads (the seed reports 63,762,576 parameters for IEMOCAP)."""

    multitask = True

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.variant not in LOSS_WEIGHTINGS:
            raise ValueError(f"multitask_cnn loss weighting must be one of {LOSS_WEIGHTINGS}, not {cfg.variant!r}")
        self.cfg = cfg
        layers, c_in = [], 1
        for c in cfg.widths:  # 0 = 2x2 max-pooling, as in torchvision's VGG configurations
            if c == 0:
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU()]
                c_in = c
        self.features = nn.Sequential(*layers)
        grid = 7 if cfg.image else 4
        self.grid = nn.AdaptiveAvgPool2d(grid)
        self.shared = nn.Sequential(nn.Linear(c_in * grid * grid, cfg.dense), nn.ReLU(), nn.Dropout(cfg.dropout))
        n_speakers = cfg.n_speakers or 18
        self.heads = nn.ModuleDict({task: nn.Sequential(nn.Linear(cfg.dense, cfg.dense // 4), nn.ReLU(),
                                                        nn.Linear(cfg.dense // 4, n))
                                    for task, n in (("emotion", cfg.n_classes), ("gender", 2),
                                                    ("speaker", n_speakers))})
        if cfg.variant == "uncertainty":
            self.log_c2 = nn.Parameter(torch.zeros(3))  # ln c_i^2, c_i = 1 at the start

    def crop(self, x, lengths):
        """(B, T, M) -> (B, 1, M, crop): a random window (training) or the centred one;
        shorter utterances are zero-padded at a random (training) or centred offset."""
        size, B = self.cfg.crop, x.shape[0]
        out = x.new_zeros(B, size, x.shape[2])
        for i, n in enumerate(lengths.tolist()):
            spare = abs(n - size)
            offset = int(torch.randint(spare + 1, ())) if self.training else spare // 2
            if n >= size:
                out[i] = x[i, offset:offset + size]
            else:
                out[i, offset:offset + n] = x[i, :n]
        return out.transpose(1, 2)[:, None]

    def forward(self, x, lengths, details: bool = False, packed: bool = False):
        image = self.crop(x, lengths)
        if self.cfg.image:
            image = F.interpolate(image, size=(self.cfg.image, self.cfg.image), mode="bicubic", align_corners=False)
        z = self.shared(self.grid(self.features(image)).flatten(1))
        logits = {task: head(z) for task, head in self.heads.items()}
        if not details:
            return logits["emotion"]
        return _details(logits["emotion"], z, True, gender=logits["gender"], speaker=logits["speaker"])

    def training_loss(self, x, lengths, targets: dict) -> torch.Tensor:
        """The weighted multitask loss; ``targets``: emotion, gender and speaker labels."""
        out = self(x, lengths, details=True)
        losses = torch.stack([F.cross_entropy(out["logits"], targets["emotion"]),
                              F.cross_entropy(out["gender"], targets["gender"]),
                              F.cross_entropy(out["speaker"], targets["speaker"])])
        if self.cfg.variant == "sum":
            return losses.sum()
        if self.cfg.variant == "uncertainty":
            c2 = self.log_c2.exp()
            return (losses / (2 * c2) + torch.log1p(c2)).sum()
        weights = losses.detach() / losses.detach().sum()
        return (weights * losses).sum()


SEED_MODELS = {"dense_lstm": DenseLSTM, "cnn_bilstm_stl": CNNBiLSTMSTL, "multitask_cnn": MultitaskCNN}

VGG11 = (64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0)

# CPU-sized configurations (the quick profile) and the seeds' own sizes (for a GPU).
QUICK = {
    "dense_lstm": ModelConfig("dense_lstm", widths=(64, 64), dense=64, dropout=0.3),
    "cnn_bilstm_stl": ModelConfig("cnn_bilstm_stl", widths=(8, 16, 32), hidden=16, layers=5, heads=4, dropout=0.2),
    "multitask_cnn": ModelConfig("multitask_cnn", input_dim=64, widths=(8, 0, 16, 0, 32, 0, 64, 0), dense=128,
                                 crop=256, dropout=0.5),
}
SEED = {
    "dense_lstm": ModelConfig("dense_lstm", widths=(256, 256), dense=128, dropout=0.3),
    "cnn_bilstm_stl": ModelConfig("cnn_bilstm_stl", widths=(16, 32, 64, 64, 128, 128), hidden=24, layers=5,
                                  heads=4, dropout=0.2),
    "multitask_cnn": ModelConfig("multitask_cnn", input_dim=64, widths=VGG11, dense=2048, crop=256, image=224,
                                 dropout=0.5),
}
