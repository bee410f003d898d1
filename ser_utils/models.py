"""Recurrent SER models, one readable file.

- ``LSTMBaseline``: 1-3 unidirectional LSTM layers on MFCC-34; the utterance vector
  is the last layer's state at the last real frame (``last``) or those states of
  all layers concatenated (``concat``). Seed 001 (multi-layer LSTM baseline, Table 1).
- ``LSTMSA``: LSTM + soft attention (Mirsamadi et al. 2017, ICASSP), as in seed 000
  (Krasnoproshin & Vashkevich, DSPA 2026) and its authors' code (Mak-Sim/ResLSTM-SER):
  context = sum_t alpha_t h_t, alpha = softmax(u^T h_t); BatchNorm1d(H), dropout,
  Linear(H, 8).
- ``ResLSTMSA``: seed 000's proposal: X' = BatchNorm1d(d)(X + LSTM_1(X)), with
  LSTM_1 of width d = 46, then LSTM-SA on X'.

Every model takes a zero-padded batch ``(B, T, F)`` and the true ``lengths``; padded
frames are masked in the attention softmax and in BatchNorm statistics, so an
utterance's output does not depend on how far its batch is padded. The ``reference``
computation (``ModelConfig.computation``) instead computes what the seed-000 authors'
code computes: packed LSTMs whose padded outputs are zero, attention softmax and
BatchNorm statistics over those zero frames, and their output-layer init. Init (both seeds):
Xavier-normal input weights, orthogonal recurrent weights, biases 0 with the
forget-gate slice 1 in both bias vectors; attention vectors Xavier-normal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

N_CLASSES = 8


@dataclass(frozen=True)
class ModelConfig:
    """What ``build_model`` needs. ``name``: lstm_baseline | lstm_sa | reslstm_sa, or one
    of the seeds' other architectures (``ser_utils.seed_models``): dense_lstm |
    cnn_bilstm_stl | multitask_cnn."""

    name: str = "reslstm_sa"
    input_dim: int = 46
    hidden: int = 64
    layers: int = 1          # lstm_baseline: LSTM layers; cnn_bilstm_stl: transformer layers
    pooling: str = "last"    # lstm_baseline only: last | concat
    heads: int = 1           # lstm_sa / reslstm_sa: attention vectors; cnn_bilstm_stl: attention heads
    dropout: float = 0.3
    n_classes: int = N_CLASSES
    # The fields below serve the seed models (and the fidelity study); at their defaults they are left out
    # of ``to_dict`` so that older run records keep their keys.
    variant: str = ""        # dense_lstm: general | time | feature; multitask_cnn: loss weighting
    widths: tuple = ()       # dense_lstm: LSTM widths; CNNs: conv channels (0 = 2x2 pooling, multitask_cnn)
    dense: int = 0           # width of the dense / shared fully connected layer
    crop: int = 0            # multitask_cnn: frames per crop
    image: int = 0           # multitask_cnn: resize the crop to image x image (seed size: 224)
    n_speakers: int = 0      # multitask_cnn: speaker-head classes (set per fold by the trainer)
    computation: str = "masked"  # masked | reference | parts joined by "+" (see COMPUTATION_PARTS)

    def __post_init__(self):
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "computation", canonical_computation(self.computation))

    @property
    def parts(self) -> frozenset:
        """The parts of the authors' computation this configuration uses."""
        return computation_parts(self.computation)

    def label(self) -> str:
        if self.name == "lstm_baseline":
            return f"RNN-l{self.layers}-h{self.hidden}-{self.pooling}"
        if self.name in ("lstm_sa", "reslstm_sa"):
            base = {"lstm_sa": "LSTM-SA", "reslstm_sa": "ResLSTM-SA"}[self.name]
            return f"{base}-h{self.hidden}" + (f"-k{self.heads}" if self.heads != 1 else "")
        from ser_utils.seed_models import label

        return label(self)

    def to_dict(self) -> dict:
        d = asdict(self)
        defaults = {f.name: f.default for f in fields(self)}
        for name in OPTIONAL_FIELDS:
            if d[name] == defaults[name]:
                del d[name]
        if "widths" in d:
            d["widths"] = list(d["widths"])
        return d


OPTIONAL_FIELDS = ("variant", "widths", "dense", "crop", "image", "n_speakers", "computation")

# The ways the seed-000 authors' code (Mak-Sim/ResLSTM-SER) computes differently from the
# masked default, one switch each so the fidelity ladder can take them one at a time:
COMPUTATION_PARTS = {
    "unmasked": "attention softmax and BatchNorm statistics include the zero-padded frames",
    "authors_init": "output layer Xavier-uniform with zero bias (PyTorch's default init otherwise)",
    "random_order": "training batches drawn in random order (no length pooling)",
    "eval_batches": "evaluation in batches of the training batch size, in file order",
}


def computation_parts(computation: str) -> frozenset:
    """``masked`` -> no part; ``reference`` -> every part; else parts joined by ``+``."""
    if computation == "masked":
        return frozenset()
    if computation == "reference":
        return frozenset(COMPUTATION_PARTS)
    parts = frozenset(computation.split("+"))
    unknown = sorted(parts - set(COMPUTATION_PARTS))
    if unknown:
        raise ValueError(f"computation must be 'masked', 'reference' or parts of {sorted(COMPUTATION_PARTS)} "
                         f"joined by '+', not {computation!r} (unknown: {unknown})")
    return parts


def canonical_computation(computation: str) -> str:
    """One spelling per set of parts (so equal computations share run records)."""
    parts = computation_parts(computation)
    if not parts:
        return "masked"
    if parts == set(COMPUTATION_PARTS):
        return "reference"
    return "+".join(p for p in COMPUTATION_PARTS if p in parts)


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


class _Head(nn.Module):
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


def _result(logits, embedding, attention, details: bool):
    if not details:
        return logits
    return {"logits": logits, "embedding": embedding, "attention": attention}


class LSTMSA(nn.Module):
    """LSTM-SA-hY of seed 000 (LSTM + soft attention, Mirsamadi et al. 2017).
    Parameters: h32/h64/h128 = 10,600 / 29,384 / 91,528 (h128 with 2 vectors: 91,656).
    ``unmasked`` (the authors' computation): LSTM outputs on padded frames are zero, as
    from a packed sequence, and the softmax runs over them too."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.unmasked = "unmasked" in cfg.parts
        self.lstm = nn.LSTM(cfg.input_dim, cfg.hidden, batch_first=True)
        init_lstm(self.lstm)
        self.attention = SoftAttention(cfg.hidden, cfg.heads)
        self.head = _Head(cfg.hidden, cfg.dropout, cfg.n_classes, authors_init="authors_init" in cfg.parts)

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
        return _result(logits, z, alpha, details)


class ResLSTMSA(LSTMSA):
    """ResLSTM-SA-hY of seed 000: X' = BatchNorm1d(d)(X + LSTM_1(X)), then LSTM-SA.
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


class LSTMBaseline(nn.Module):
    """Seed 001's multi-layer unidirectional LSTM on MFCC-34. ``last``: the last
    layer's state at the last real frame; ``concat``: those of every layer.
    Parameters equal seed 001 Table 1 (8,968 ... 351,240)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        if cfg.pooling not in ("last", "concat"):
            raise ValueError(f"pooling must be 'last' or 'concat', not {cfg.pooling!r}")
        dims = [cfg.input_dim] + [cfg.hidden] * cfg.layers
        self.lstms = nn.ModuleList(nn.LSTM(a, cfg.hidden, batch_first=True) for a in dims[:-1])
        for lstm in self.lstms:
            init_lstm(lstm)
        width = cfg.hidden * (cfg.layers if cfg.pooling == "concat" else 1)
        self.head = _Head(width, cfg.dropout, cfg.n_classes, batchnorm=False)

    def forward(self, x, lengths, details: bool = False, packed: bool = False):
        last = (lengths - 1).clamp(min=0)
        states, h = [], x
        for lstm in self.lstms:
            h = run_lstm(lstm, h, lengths, packed)
            states.append(h[torch.arange(h.shape[0]), last])
        z = torch.cat(states, dim=1) if self.cfg.pooling == "concat" else states[-1]
        logits, z = self.head(z)
        return _result(logits, z, None, details)


MODELS = {"lstm_baseline": LSTMBaseline, "lstm_sa": LSTMSA, "reslstm_sa": ResLSTMSA}


def build_model(cfg: ModelConfig) -> nn.Module:
    from ser_utils.seed_models import SEED_MODELS

    models = {**MODELS, **SEED_MODELS}
    if cfg.name not in models:
        raise ValueError(f"unknown model {cfg.name!r}; expected one of {sorted(models)}")
    return models[cfg.name](cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def seed001_configs() -> list[ModelConfig]:
    """The 18 configurations of seed 001: 1-3 layers x h32/64/128 x last/concat."""
    return [ModelConfig("lstm_baseline", input_dim=34, hidden=h, layers=n, pooling=p, dropout=0.3)
            for n in (1, 2, 3) for h in (32, 64, 128) for p in ("last", "concat")]


def seed000_configs(heads_variant: bool = True) -> list[ModelConfig]:
    """LSTM-SA and ResLSTM-SA at h32/64/128 (plus LSTM-SA-h128 with 2 vectors)."""
    out = [ModelConfig(name, hidden=h) for name in ("lstm_sa", "reslstm_sa") for h in (32, 64, 128)]
    return out + ([ModelConfig("lstm_sa", hidden=128, heads=2)] if heads_variant else [])
