"""Paper 001's multi-layer LSTM baseline (Table 1): 1-3 unidirectional LSTM layers on
MFCC-34; the utterance vector is the last layer's state at the last real frame
(``last``) or those states of all layers concatenated (``concat``)."""

from __future__ import annotations

import torch
from torch import nn

from ser_utils.models.config import ModelConfig
from ser_utils.models.layers import Head, init_lstm, outputs, run_lstm


class LSTMBaseline(nn.Module):
    """Paper 001's multi-layer unidirectional LSTM on MFCC-34. ``last``: the last
    layer's state at the last real frame; ``concat``: those of every layer.
    Parameters equal paper 001 Table 1 (8,968 ... 351,240)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        if cfg.pooling not in ("last", "concat"):
            raise ValueError(f"pooling must be 'last' or 'concat', not {cfg.pooling!r}")
        dims = [cfg.input_dim] + [cfg.hidden] * cfg.lstm_layers
        self.lstms = nn.ModuleList(nn.LSTM(a, cfg.hidden, batch_first=True) for a in dims[:-1])
        for lstm in self.lstms:
            init_lstm(lstm)
        width = cfg.hidden * (cfg.lstm_layers if cfg.pooling == "concat" else 1)
        self.head = Head(width, cfg.dropout, cfg.n_classes, batchnorm=False)

    def forward(self, x, lengths, details: bool = False, packed: bool = False):
        last = (lengths - 1).clamp(min=0)
        states, h = [], x
        for lstm in self.lstms:
            h = run_lstm(lstm, h, lengths, packed)
            states.append(h[torch.arange(h.shape[0]), last])
        z = torch.cat(states, dim=1) if self.cfg.pooling == "concat" else states[-1]
        logits, z = self.head(z)
        return outputs(logits, z, details)


def paper001_configs() -> list[ModelConfig]:
    """The 18 configurations of paper 001: 1-3 layers x h32/64/128 x last/concat."""
    return [ModelConfig("lstm_baseline", input_dim=34, hidden=h, layers=n, pooling=p, dropout=0.3)
            for n in (1, 2, 3) for h in (32, 64, 128) for p in ("last", "concat")]
