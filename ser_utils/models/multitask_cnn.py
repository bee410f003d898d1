"""``MultitaskCNN`` (paper 003: Ryabinov, Uzdyaev & Vatamaniuk, multitask deep learning
for speech emotion recognition): a VGG-like CNN on a log-mel crop (random crop/zero
pad in training, centred in evaluation), one shared fully connected layer, then
emotion, gender and speaker heads; the loss weighting is ``sum``, ``uncertainty``
(Kendall et al. 2018 with Liebel & Koerner's regulariser ln(1 + c^2)) or
``weighted_average`` (alpha_i = L_i / sum L, taken as constants per batch).

It takes a zero-padded ``(B, T, F)`` batch and the true ``lengths``; its CPU-sized and
paper-sized configurations are ``registry.QUICK`` and ``registry.PAPER_SIZES``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ser_utils.models.config import ModelConfig
from ser_utils.models.layers import outputs

LOSS_WEIGHTINGS = ("sum", "uncertainty", "weighted_average")


class MultitaskCNN(nn.Module):
    """Paper 003's multitask CNN on log-mel crops: emotion, gender and speaker heads.
    Paper size: VGG-11 features on a 224 x 224 image, a shared 25088 -> 2048 layer and
    2048 -> 512 -> classes heads (the paper reports 63,762,576 parameters for IEMOCAP)."""

    multitask = True

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.loss_weighting not in LOSS_WEIGHTINGS:
            raise ValueError(f"multitask_cnn loss weighting must be one of {LOSS_WEIGHTINGS}, "
                             f"not {cfg.loss_weighting!r}")
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
        if cfg.loss_weighting == "uncertainty":
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
        return outputs(logits["emotion"], z, True, gender=logits["gender"], speaker=logits["speaker"])

    def training_loss(self, x, lengths, targets: dict) -> torch.Tensor:
        """The weighted multitask loss; ``targets``: emotion, gender and speaker labels."""
        out = self(x, lengths, details=True)
        losses = torch.stack([F.cross_entropy(out["logits"], targets["emotion"]),
                              F.cross_entropy(out["gender"], targets["gender"]),
                              F.cross_entropy(out["speaker"], targets["speaker"])])
        if self.cfg.loss_weighting == "sum":
            return losses.sum()
        if self.cfg.loss_weighting == "uncertainty":
            c2 = self.log_c2.exp()
            return (losses / (2 * c2) + torch.log1p(c2)).sum()
        weights = losses.detach() / losses.detach().sum()
        return (weights * losses).sum()
