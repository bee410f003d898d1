"""Layers the model families share: the authors' LSTM initialisation, frame masks,
BatchNorm over real frames only, soft attention and the classification head."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def init_lstm(lstm: nn.LSTM) -> None:
    """Xavier-normal input weights, orthogonal recurrent weights, zero biases with
    the forget gate's slice (PyTorch gate order i, f, g, o) set to 1."""
    for name, param in lstm.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_normal_(param)
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(param)
        elif name.startswith("bias"):
            nn.init.zeros_(param)
            h = param.shape[0] // 4
            with torch.no_grad():
                param[h:2 * h] = 1.0


def frame_mask(lengths: torch.Tensor, T: int) -> torch.Tensor:
    """(B, T) bool, True on real frames."""
    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]


class MaskedBatchNorm1d(nn.BatchNorm1d):
    """BatchNorm1d over the real frames of a (B, T, C) batch only (statistics and
    output); padded frames stay zero. A (B, C) input is ordinary BatchNorm1d."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if x.dim() == 2:
            return super().forward(x)
        if mask is None:
            return super().forward(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        out = torch.zeros_like(x)
        out[mask] = super().forward(x[mask])
        return out


class MaskedBatchNorm2d(MaskedBatchNorm1d):
    """BatchNorm2d over the real frames of a (B, C, T, F) batch; padded frames stay zero."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        B, C, T, Fq = x.shape
        flat = x.permute(0, 2, 3, 1).reshape(B, T * Fq, C)
        m = None if mask is None else mask[:, :, None].expand(B, T, Fq).reshape(B, T * Fq)
        return super().forward(flat, m).reshape(B, T, Fq, C).permute(0, 3, 1, 2)


def run_lstm(lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor, packed: bool = False) -> torch.Tensor:
    """LSTM outputs (B, T, H). Unidirectional, so real frames never see padding;
    ``packed=True`` is the reference code's packed-sequence path (same numbers, slower on CPU)."""
    if not packed:
        return lstm(x)[0]
    seq = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    return pad_packed_sequence(lstm(seq)[0], batch_first=True, total_length=x.shape[1])[0]


class SoftAttention(nn.Module):
    """alpha_t = softmax_t(u^T h_t) over real frames; context = sum_t alpha_t h_t
    (Mirsamadi et al. 2017). With k vectors u the k contexts are averaged."""

    def __init__(self, hidden: int, heads: int = 1):
        super().__init__()
        self.u = nn.Parameter(torch.empty(hidden, heads))
        nn.init.xavier_normal_(self.u)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores = (h @ self.u).masked_fill(~mask[..., None], float("-inf"))  # (B, T, k)
        alpha = torch.softmax(scores, dim=1)
        context = torch.einsum("btk,bth->bh", alpha, h) / alpha.shape[-1]
        return context, alpha.transpose(1, 2)  # (B, H), (B, k, T)


class Head(nn.Module):
    """BatchNorm1d(H) on the utterance vector, dropout, Linear(H, n_classes)."""

    def __init__(self, dim: int, dropout: float, n_classes: int, batchnorm: bool = True,
                 authors_init: bool = False):
        super().__init__()
        self.norm = nn.BatchNorm1d(dim) if batchnorm else nn.Identity()
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(dim, n_classes)
        if authors_init:
            nn.init.xavier_uniform_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.norm(z)
        return self.out(self.dropout(z)), z


def outputs(logits, embedding, details: bool, attention=None, **extra):
    """The logits, or (``details=True``) a dict: logits, the utterance embedding, the
    attention weights (None where a model has none) and any further heads' logits."""
    if not details:
        return logits
    return {"logits": logits, "embedding": embedding, "attention": attention, **extra}
