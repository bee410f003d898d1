"""``DenseLSTM`` (paper 004: Xie, Liang, Liang & Zhao, "Attention-Based Dense LSTM for
Speech Emotion Recognition", IEICE Trans. Inf. & Syst. 2019): stacked LSTMs whose
per-layer outputs reach the dense layer through skip connections, Eq. (7):
``general`` the last real frame of every layer; ``time`` Eq. (5), weights over time
softmax_t(h_N,last W_i h_i,t); ``feature`` Eq. (6), weights softmax_t(V_i tanh(W_i h_i,t))
per feature, applied by Hadamard product and summed over time.

It takes a zero-padded ``(B, T, F)`` batch and the true ``lengths``; its CPU-sized and
paper-sized configurations are ``registry.QUICK`` and ``registry.PAPER_SIZES``.
"""

from __future__ import annotations

import torch
from torch import nn

from ser_utils.models.config import ModelConfig
from ser_utils.models.layers import frame_mask, init_lstm, outputs

DENSE_VARIANTS = ("general", "time", "feature")


def _masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over time (dim 1) of (B, T, ...) scores, padded frames excluded."""
    shape = mask.shape + (1,) * (scores.dim() - 2)
    return torch.softmax(scores.masked_fill(~mask.view(shape), float("-inf")), dim=1)


class DenseLSTM(nn.Module):
    """Paper 004's attention-based dense LSTM. Paper size (IEMOCAP): LSTMs [256, 256],
    dense [256 x 2 -> 128], softmax [128 -> classes]."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.dense_attention not in DENSE_VARIANTS:
            raise ValueError(f"dense_lstm variant must be one of {DENSE_VARIANTS}, not {cfg.dense_attention!r}")
        self.cfg = cfg
        dims = (cfg.input_dim,) + cfg.widths
        self.lstms = nn.ModuleList(nn.LSTM(a, b, batch_first=True) for a, b in zip(dims[:-1], dims[1:]))
        for lstm in self.lstms:
            init_lstm(lstm)
        last = cfg.widths[-1]
        if cfg.dense_attention == "time":   # W_i of Eq. (5): h_N,last W_i h_i^T
            self.att = nn.ModuleList(nn.Linear(w, last, bias=False) for w in cfg.widths)
        elif cfg.dense_attention == "feature":  # V_i tanh(W_i h_i) of Eq. (6)
            self.att = nn.ModuleList(nn.Sequential(nn.Linear(w, w, bias=False), nn.Tanh(),
                                                   nn.Linear(w, w, bias=False)) for w in cfg.widths)
        self.dense = nn.Sequential(nn.Linear(sum(cfg.widths), cfg.dense), nn.ReLU(), nn.Dropout(cfg.dropout))
        self.out = nn.Linear(cfg.dense, cfg.n_classes)

    def forward(self, x, lengths, details: bool = False, packed: bool = False):
        mask = frame_mask(lengths, x.shape[1])
        rows, last = torch.arange(x.shape[0], device=x.device), (lengths - 1).clamp(min=0)
        per_layer, h = [], x
        for lstm in self.lstms:
            h = lstm(h)[0]
            per_layer.append(h)
        h_last = per_layer[-1][rows, last]                                   # (B, H_N)
        parts = []
        for i, h in enumerate(per_layer):
            if self.cfg.dense_attention == "general":
                parts.append(h[rows, last])
            elif self.cfg.dense_attention == "time":
                scores = torch.einsum("btn,bn->bt", self.att[i](h), h_last)
                parts.append(torch.einsum("bt,bth->bh", _masked_softmax(scores, mask), h))
            else:
                parts.append((_masked_softmax(self.att[i](h), mask) * h).sum(dim=1))
        z = self.dense(torch.cat(parts, dim=1))
        return outputs(self.out(z), z, details)
