"""Paper 000's models (Krasnoproshin & Vashkevich, DSPA 2026; the authors' code
Mak-Sim/ResLSTM-SER):

- ``LSTMSA``: LSTM + soft attention (Mirsamadi et al. 2017, ICASSP):
  context = sum_t alpha_t h_t, alpha = softmax(u^T h_t); BatchNorm1d(H), dropout,
  Linear(H, 8).
- ``ResLSTMSA``: paper 000's proposal: X' = BatchNorm1d(d)(X + LSTM_1(X)), with
  LSTM_1 of width d = 46, then LSTM-SA on X'.

Both take a zero-padded batch ``(B, T, F)`` and the true ``lengths``; padded frames are
masked in the attention softmax and in BatchNorm statistics, so an utterance's output
does not depend on how far its batch is padded. The ``reference`` computation
(``ModelConfig.computation``) instead computes what the authors' code computes: packed
LSTMs whose padded outputs are zero, attention softmax and BatchNorm statistics over
those zero frames, and their output-layer init. Init: Xavier-normal input weights,
orthogonal recurrent weights, biases 0 with the forget-gate slice 1 in both bias
vectors; attention vectors Xavier-normal (``layers.init_lstm``, ``layers.SoftAttention``).
"""

from __future__ import annotations

import torch
from torch import nn

from ser_utils.models.config import ModelConfig
from ser_utils.models.layers import Head, MaskedBatchNorm1d, SoftAttention, frame_mask, init_lstm, outputs, run_lstm


class LSTMSA(nn.Module):
    """LSTM-SA-hY of paper 000 (LSTM + soft attention, Mirsamadi et al. 2017).
    Parameters: h32/h64/h128 = 10,600 / 29,384 / 91,528 (h128 with 2 vectors: 91,656).
    ``unmasked`` (the authors' computation): LSTM outputs on padded frames are zero, as
    from a packed sequence, and the softmax runs over them too."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.unmasked = "unmasked" in cfg.parts
        self.lstm = nn.LSTM(cfg.input_dim, cfg.hidden, batch_first=True)
        init_lstm(self.lstm)
        self.attention = SoftAttention(cfg.hidden, cfg.attention_vectors)
        self.head = Head(cfg.hidden, cfg.dropout, cfg.n_classes, authors_init="authors_init" in cfg.parts)

    def encode(self, x, lengths, mask, packed):
        return x

    def forward(self, x, lengths, details: bool = False, packed: bool = False):
        mask = frame_mask(lengths, x.shape[1])
        h = run_lstm(self.lstm, self.encode(x, lengths, mask, packed), lengths, packed)
        if self.unmasked:  # zero outputs on padding (a packed LSTM's), softmax over every frame
            h = h * mask[..., None]
            mask = torch.ones_like(mask)
        context, alpha = self.attention(h, mask)
        logits, z = self.head(context)
        return outputs(logits, z, details, attention=alpha)


class ResLSTMSA(LSTMSA):
    """ResLSTM-SA-hY of paper 000: X' = BatchNorm1d(d)(X + LSTM_1(X)), then LSTM-SA.
    Parameters: h32/h64/h128 = 27,988 / 46,772 / 108,916. ``unmasked``: the residual sum
    is zero on padded frames and BatchNorm's statistics include them."""

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.res_lstm = nn.LSTM(cfg.input_dim, cfg.input_dim, batch_first=True)
        init_lstm(self.res_lstm)
        self.res_norm = MaskedBatchNorm1d(cfg.input_dim)

    def encode(self, x, lengths, mask, packed):
        if self.unmasked:
            return self.res_norm(x + run_lstm(self.res_lstm, x, lengths, packed) * mask[..., None])
        return self.res_norm(x + run_lstm(self.res_lstm, x, lengths, packed), mask)


def paper000_configs(heads_variant: bool = True) -> list[ModelConfig]:
    """LSTM-SA and ResLSTM-SA at h32/64/128 (plus LSTM-SA-h128 with 2 vectors)."""
    out = [ModelConfig(name, hidden=h) for name in ("lstm_sa", "reslstm_sa") for h in (32, 64, 128)]
    return out + ([ModelConfig("lstm_sa", hidden=128, heads=2)] if heads_variant else [])
