"""One model trained on a whole corpus and packaged as a checkpoint, to be tried on
another corpus (notebook 08). Training is the study's (``training.loop.train_fold``,
clean protocol by default): every speaker trains except the validation speakers of
the corpus' first fold, whose best epoch is kept (``holdout_fold``)."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import soundfile as sf
import torch

from ser_utils.data.dataset import Dataset, prepare_fold
from ser_utils.data.features import FeatureConfig
from ser_utils.data.folds import Fold
from ser_utils.inference import checkpoint
from ser_utils.training.loop import Spec, for_data, train_fold


def holdout_fold(folds) -> Fold:
    """Train on every speaker but the first fold's validation speakers (its test speakers
    when it has none), which choose the epoch; the same speakers stand in as the test
    split, which is never reported."""
    first = folds[0]
    held = first.validation or first.test
    speakers = sorted(set(first.test) | set(first.validation) | set(first.train))
    return Fold(test=held, validation=held, train=tuple(a for a in speakers if a not in held))


def native_rate(paths) -> int:
    """The sample rate most of ``paths`` have (the rate their features were computed at)."""
    return Counter(sf.info(str(p)).samplerate for p in paths).most_common(1)[0][0]


def train_checkpoint(data: Dataset, folds, spec: Spec, path: str | Path, seed: int = 0,
                     config: FeatureConfig = FeatureConfig(), **provenance) -> Path:
    """Train ``spec`` on ``data`` (``holdout_fold(folds)``) and save a checkpoint at ``path``
    whose labels are ``data.classes`` and whose rate is the corpus' native one (or
    ``config.sample_rate``)."""
    spec = for_data(spec, data)
    fold = holdout_fold(folds)
    splits, norm = prepare_fold(data, fold, spec.protocol)
    threads = torch.get_num_threads()
    try:
        result = train_fold(spec, splits, seed, torch.device("cpu"))
    finally:
        torch.set_num_threads(threads)
    rate = config.sample_rate or native_rate(data.index["path"])
    with tempfile.TemporaryDirectory(prefix="ser-transfer-") as tmp:
        weights = Path(tmp) / "weights.pt"
        torch.save({"state_dict": result["state"], "model": result["model_config"].to_dict(), "mean": norm.mean,
                    "std": norm.std}, weights)
        return checkpoint.save(path, weights, spec, rate, config, labels=data.classes, corpus=data.corpus,
                               data=data.fingerprint, synthetic=data.synthetic, best_epoch=result["best_epoch"],
                               fold=asdict(fold), seed=seed, trained_spec=spec.to_dict(), **provenance)
