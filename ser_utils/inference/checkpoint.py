"""A self-contained model file: weights, model and feature configuration,
normalisation statistics, label names and where the model came from. Notebook 03
writes one for its clean ResLSTM-SA-h64 (run 0, fold 0; the profile's tuned setting);
notebooks 05 and 06 and
``python -m ser_utils predict`` read it."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import torch

from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.data.features import FeatureConfig
from ser_utils.models import ModelConfig, build_model
from ser_utils.paths import atomic_path

FORMAT = "ser_utils-checkpoint-1"


class CheckpointError(ValueError):
    """A model file is missing, unreadable or not a ser_utils checkpoint."""


class MissingCheckpoint(CheckpointError, FileNotFoundError):
    """No model file where one was expected."""


def model_path(out_dir: str | Path, model: str = "reslstm_sa", hidden: int = 64) -> Path:
    """Where notebook 03 writes a model's clean-protocol checkpoint."""
    return Path(out_dir) / "models" / f"{model}_h{hidden}_clean.pt"


def load_run(path: str | Path):
    """A run's weights saved by ``run_job(save_weights=True)``: the model in eval mode
    and the normalisation statistics it was trained with."""
    run = torch.load(path, map_location="cpu", weights_only=False)
    return _build(run["model"], run["state_dict"]), run["mean"], run["std"]


def _build(model_config: dict, state_dict):
    model = build_model(ModelConfig(**model_config))
    model.load_state_dict(state_dict)
    return model.eval()


def save(path: str | Path, run_weights: str | Path, spec, sample_rate: int,
         feature_config: FeatureConfig = FeatureConfig(), labels=EMOTION_NAMES, **provenance) -> Path:
    """Package a run's weights (``run_job(save_weights=True)``'s .pt file) with what
    inference needs. ``sample_rate``: the rate the training features were computed at
    (other audio is resampled to it). ``labels``: the class names of the model's outputs
    (the training corpus' classes). ``provenance``: JSON-able facts (study, trial...)."""
    run = torch.load(run_weights, map_location="cpu", weights_only=False)
    feature_config = replace(feature_config, sample_rate=int(sample_rate))
    payload = {"format": FORMAT, "state_dict": run["state_dict"], "model": run["model"],
               "feature_config": asdict(feature_config), "feature_set": spec.feature_set,
               "mean": run["mean"], "std": run["std"], "labels": list(labels),
               "train": asdict(spec.train), "protocol": spec.protocol, "provenance": provenance}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".pt", durable=True) as tmp:
        torch.save(payload, tmp)
    return path


def load(path: str | Path) -> dict:
    """The checkpoint's contents plus ``model`` (built, weights loaded, eval mode) and
    ``feature_config`` (a FeatureConfig). Errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise MissingCheckpoint(f"{path}: no such model file (notebook 03 writes it; run `make reproduce`)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a ser_utils checkpoint (expected format {FORMAT!r})")
    return {**ckpt, "model": _build(ckpt["model"], ckpt["state_dict"]), "model_config": ckpt["model"],
            "feature_config": FeatureConfig(**ckpt["feature_config"])}


def spec_of(ckpt: dict):
    """The training spec a checkpoint was trained with (to find or redo its runs)."""
    from ser_utils.models import ModelConfig
    from ser_utils.training import Spec, TrainConfig

    return Spec(ModelConfig(**ckpt["model_config"]), TrainConfig(**ckpt["train"]), protocol=ckpt["protocol"],
                seeding="distinct", feature_set=ckpt["feature_set"])
