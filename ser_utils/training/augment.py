"""Notebook 09's training-time levers (issue 27), applied inside ``loop.train_fold`` only
when the spec enables them, with the fold's own seeded generator, to the training
speakers' batches only:

- **copies** (speed-perturbed or noisy, ``data.perturb``): each epoch every training
  utterance is drawn from its original and its copies, uniformly (``choose_versions``);
- **SpecAugment**-style masking (Park et al., Interspeech 2019): ``n`` time masks of a
  width drawn from 0..W frames and ``m`` feature masks of 0..F features per utterance, set to
  0 (the training mean after normalisation), inside the utterance's real frames;
- **label smoothing** (Szegedy et al. 2016): targets (1 - e) one-hot + e / classes;
- **mixup** (Zhang et al., ICLR 2018): two utterances of a batch mixed with lambda ~
  Beta(a, a), inputs and targets alike (the longer one's length kept);
- **distillation** (Hinton et al. 2015): (1 - alpha) x the hard loss + alpha x T^2 x
  KL(teacher || student at temperature T), the teacher's probabilities given per
  training utterance (the mean of a seed ensemble's, ``experiments.what_helps``);
- the **seed ensemble**'s prediction: the mean of k models' probabilities (``ensemble``).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def choose_versions(n: int, versions: int, rng: np.random.Generator) -> np.ndarray:
    """Rows into ``versions`` stacked copies of ``n`` utterances: utterance i's version
    drawn uniformly, row = version * n + i."""
    return rng.integers(0, versions, n) * n + np.arange(n)


def spec_masks(lengths, dim: int, specaugment: tuple, rng: np.random.Generator) -> list[tuple]:
    """SpecAugment's masks for a batch: ``(utterance, "time" | "feature", start, stop)``,
    ``specaugment = (time masks, max width in frames, feature masks, max width)``; widths
    drawn uniformly from 0..max, starts uniformly where the mask fits (time masks inside
    the utterance's real frames)."""
    n_time, w_time, n_feat, w_feat = specaugment
    out = []
    for b, length in enumerate(np.asarray(lengths)):
        for _ in range(n_time):
            w = int(rng.integers(0, min(w_time, length) + 1))
            t0 = int(rng.integers(0, length - w + 1))
            out.append((b, "time", t0, t0 + w))
        for _ in range(n_feat):
            w = int(rng.integers(0, min(w_feat, dim) + 1))
            f0 = int(rng.integers(0, dim - w + 1))
            out.append((b, "feature", f0, f0 + w))
    return out


def apply_masks(x: torch.Tensor, lengths, masks) -> torch.Tensor:
    """``x`` (batch, frames, features) with the masks set to 0 (a copy); a feature mask
    covers the utterance's real frames only."""
    x = x.clone()
    lengths = np.asarray(lengths)
    for b, axis, start, stop in masks:
        if axis == "time":
            x[b, start:stop, :] = 0
        else:
            x[b, : int(lengths[b]), start:stop] = 0
    return x


def smoothed(y: torch.Tensor, n_classes: int, smoothing: float = 0.0) -> torch.Tensor:
    """Target distributions: one-hot ``y`` with label smoothing ``smoothing``."""
    onehot = F.one_hot(y, n_classes).float()
    return onehot * (1 - smoothing) + smoothing / n_classes


def mixup(x: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor, lam: float, perm) -> tuple:
    """Each utterance mixed with utterance ``perm[i]`` of the batch: ``lam * a + (1 - lam) * b``
    for inputs (zero-padded, so the shorter one contributes zeros past its end) and
    targets; the length is the longer of the two."""
    perm = torch.as_tensor(np.asarray(perm), device=x.device)
    return (lam * x + (1 - lam) * x[perm], torch.maximum(lengths, lengths[perm]),
            lam * targets + (1 - lam) * targets[perm])


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy against target distributions."""
    return -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def distillation_loss(logits: torch.Tensor, teacher: torch.Tensor, T: float) -> torch.Tensor:
    """T^2 x KL(teacher || softmax(logits / T)), batch mean (``teacher``: probabilities
    already softened at T)."""
    log_student = F.log_softmax(logits / T, dim=1)
    return T * T * F.kl_div(log_student, teacher, reduction="batchmean")


def uses_levers(train) -> bool:
    """Whether a ``TrainConfig`` needs ``train_epoch`` below (not the plain one)."""
    return bool(train.specaugment or train.label_smoothing or train.mixup or train.teacher)


def train_epoch(model, opt, data, batches, train, rng: np.random.Generator, soft: torch.Tensor | None = None,
                rows=None) -> float:
    """``loop.train_epoch`` with the levers of ``train`` (a ``TrainConfig``): batches are
    index arrays into ``data`` (``loop._Tensors``); ``soft``: teacher probabilities per
    training utterance, indexed by ``rows % len(soft)`` (copies share their original's)."""
    model.train()
    total, seen = 0.0, 0
    n_classes = model.cfg.n_classes
    for idx in batches:
        x, lengths, y = data.batch(idx)
        if train.specaugment:
            x = apply_masks(x, lengths.cpu().numpy(), spec_masks(lengths.cpu().numpy(), x.shape[2],
                                                                  train.specaugment, rng))
        targets = smoothed(y, n_classes, train.label_smoothing)
        teacher = None
        if soft is not None:
            teacher = soft[torch.from_numpy(np.asarray(idx) % len(soft)).to(soft.device)]
        if train.mixup:
            lam = float(rng.beta(train.mixup, train.mixup))
            perm = rng.permutation(len(idx))
            x, lengths, targets = mixup(x, lengths, targets, lam, perm)
            if teacher is not None:
                teacher = lam * teacher + (1 - lam) * teacher[torch.from_numpy(perm).to(teacher.device)]
        logits = model(x, lengths)
        loss = soft_cross_entropy(logits, targets)
        if teacher is not None:
            loss = (1 - train.distill_alpha) * loss + train.distill_alpha * distillation_loss(logits, teacher,
                                                                                              train.distill_T)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * len(idx)
        seen += len(idx)
    return total / seen


def ensemble(probs) -> np.ndarray:
    """The seed ensemble's probabilities: the mean over models of ``(utterances, classes)``
    probability arrays."""
    return np.mean(np.stack([np.asarray(p, float) for p in probs]), axis=0)
