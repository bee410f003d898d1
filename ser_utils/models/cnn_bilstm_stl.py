"""``CNNBiLSTMSTL`` (paper 002: Wang et al., "A Novel end-to-end Speech Emotion
Recognition Network with Stacked Transformer Layers", ICASSP 2021): conv (BatchNorm,
ELU) + 2x2 average-pooling (dropout) pairs over the (frames x features) image, a
BiLSTM, a kernel-1 Conv1d averaged over frames into the utterance vector Z0, then L
pre-norm transformer layers enhancing Z0 (no positional encoding). Z0 is a single
token, so each layer's self-attention reduces to its value/output projections: the
layers act as residual projection + feed-forward blocks, as the paper describes
(STLs "applied to the utterance-level representation").

It takes a zero-padded ``(B, T, F)`` batch and the true ``lengths``; its CPU-sized and
paper-sized configurations are ``registry.QUICK`` and ``registry.PAPER_SIZES``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ser_utils.models.config import ModelConfig
from ser_utils.models.layers import MaskedBatchNorm2d, frame_mask, init_lstm, outputs


class CNNBiLSTMSTL(nn.Module):
    """Paper 002's CNN-BiLSTM with L stacked transformer layers (L = 0: the paper's
    truncated system). The paper reports 356 K parameters without the STLs and 468 K
    with 5 (IEMOCAP); its layer widths are in a figure the paper's text does not give."""

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
        layer = nn.TransformerEncoderLayer(d, cfg.attention_heads, 4 * d, cfg.dropout, batch_first=True,
                                           norm_first=True)
        n = cfg.transformer_layers
        self.stl = nn.TransformerEncoder(layer, n, enable_nested_tensor=False) if n else None
        self.norm = nn.LayerNorm(d) if n else nn.Identity()
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
        return outputs(self.out(z), z, details, z0=z0)
