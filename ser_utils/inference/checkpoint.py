"""A self-contained model file: weights, model and feature configuration,
normalisation statistics, label names and where the model came from. Notebook 03
writes one for its clean ResLSTM-SA-h64 (run 0, fold 0; the profile's tuned setting);
notebooks 05 and 06 and
``python -m ser_utils predict`` read it."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.data.dataset import feature_dim
from ser_utils.data.features import FeatureConfig
from ser_utils.models import ModelConfig, build_model
from ser_utils.paths import save_torch
from ser_utils.training import DISTINCT_SEEDING, Spec, TrainConfig

FORMAT = "ser_utils-checkpoint-1"


class CheckpointError(ValueError):
    """A model file is missing, unreadable or not a ser_utils checkpoint."""


class MissingCheckpoint(CheckpointError, FileNotFoundError):
    """No model file where one was expected."""


def model_path(out_dir: str | Path, model: str = "reslstm_sa", hidden: int = 64) -> Path:
    """Where notebook 03 writes a model's clean-protocol checkpoint."""
    return Path(out_dir) / "models" / f"{model}_h{hidden}_clean.pt"


def recipe_path(out_dir: str | Path) -> Path:
    """Where notebook 09 writes its recipe's checkpoint, only when the recipe was shown
    better than ``model_path``'s model (``predict``'s default then)."""
    return Path(out_dir) / "models" / "what_helps_recipe.pt"


def _numpy_globals() -> list:
    """The numpy reconstructors a checkpoint's mean and std need (numpy 1 and 2 names)."""
    found = [np.ndarray, np.dtype] + [type(np.dtype(t)) for t in ("float32", "float64", "int64")]
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            mod = __import__(module, fromlist=["_reconstruct"])
        except ImportError:
            continue
        found += [getattr(mod, "_reconstruct"), getattr(mod, "scalar")]
    return found


def read_data(path: str | Path):
    """A ``.pt`` file's contents as data (``weights_only=True``: tensors, containers,
    numbers, strings and numpy arrays only), never running code a pickle asks for:
    ``CheckpointError`` naming the file and the refused global instead."""
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        text = str(exc)
        refused = re.search(r"GLOBAL ([\w.]+)|Unsupported class ([\w.]+)", text)
        if refused:
            raise CheckpointError(f"{path}: refused: the file asks to run code or build objects on loading "
                                  f"({refused.group(1) or refused.group(2)}); a checkpoint holds data only") from None
        why = re.search(r"WeightsUnpickler error:\s*(.+)", text)  # junk: "Unsupported operand 120"
        why = why.group(1).strip() if why else (text.splitlines()[0] if text else type(exc).__name__)
        raise CheckpointError(f"{path}: not a readable checkpoint ({why})") from None


def load_run(path: str | Path):
    """A run's weights saved by ``run_job(save_weights=True)``: the model in eval mode
    and the normalisation statistics it was trained with."""
    run = read_data(path)
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
    run = read_data(run_weights)
    feature_config = replace(feature_config, sample_rate=int(sample_rate))
    payload = {"format": FORMAT, "state_dict": run["state_dict"], "model": run["model"],
               "feature_config": asdict(feature_config), "feature_set": spec.feature_set,
               "mean": run["mean"], "std": run["std"], "labels": list(labels),
               "train": asdict(spec.train), "protocol": spec.protocol, "provenance": provenance}
    path = Path(path)
    return save_torch(payload, path)


def load(path: str | Path) -> dict:
    """The checkpoint's contents plus ``model`` (built, weights loaded, eval mode) and
    ``feature_config`` (a FeatureConfig). Errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise MissingCheckpoint(f"{path}: no such model file (notebook 03 writes it; run `make reproduce`)")
    ckpt = read_data(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a ser_utils checkpoint (expected format {FORMAT!r})")
    model, feature_config = _checked(path, ckpt)
    return {**ckpt, "model": model, "model_config": ckpt["model"], "feature_config": feature_config}


REQUIRED = ("state_dict", "model", "feature_config", "feature_set", "mean", "std", "labels")


def _checked(path: Path, ckpt: dict):
    """The built model and the FeatureConfig of a checkpoint, after checking that its parts
    fit together (weights and model, labels and outputs, statistics and features):
    ``CheckpointError`` naming the checkpoint and the part otherwise."""

    missing = [k for k in REQUIRED if k not in ckpt]
    if missing:
        raise CheckpointError(f"{path}: damaged checkpoint: no {', '.join(missing)}")
    for part, cls in (("model", ModelConfig), ("feature_config", FeatureConfig)):
        if not isinstance(ckpt[part], dict):
            raise CheckpointError(f"{path}: damaged checkpoint: {part} is a {type(ckpt[part]).__name__}, not a mapping")
        try:
            cls(**ckpt[part])
        except TypeError as exc:
            raise CheckpointError(f"{path}: damaged checkpoint: {part}: {exc}") from None
    config, features = ModelConfig(**ckpt["model"]), FeatureConfig(**ckpt["feature_config"])
    try:
        model = _build(ckpt["model"], ckpt["state_dict"])
    except Exception as exc:  # unknown family, missing or unexpected weights, wrong sizes
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise CheckpointError(f"{path}: the weights do not fit its model {config.name} (hidden {config.hidden}): "
                              + "; ".join(lines[:3])) from None
    labels = ckpt["labels"]
    if not isinstance(labels, (list, tuple)) or not all(isinstance(x, str) for x in labels) \
            or len(labels) != config.n_classes:
        raise CheckpointError(f"{path}: damaged checkpoint: {len(labels) if isinstance(labels, (list, tuple)) else '?'}"
                              f" label(s) for a model with {config.n_classes} outputs")
    try:
        dim = feature_dim(features, ckpt["feature_set"])
    except Exception as exc:
        raise CheckpointError(f"{path}: damaged checkpoint: feature_set {ckpt['feature_set']!r} ({exc})") from None
    if config.input_dim != dim:
        raise CheckpointError(f"{path}: damaged checkpoint: the model takes {config.input_dim} features, "
                              f"its feature configuration gives {dim}")
    for part in ("mean", "std"):
        try:
            value = np.asarray(ckpt[part], dtype=np.float64)
        except (TypeError, ValueError):
            value = np.zeros(0)
        if value.shape != (dim,) or not np.isfinite(value).all() or (part == "std" and (value <= 0).any()):
            raise CheckpointError(f"{path}: damaged checkpoint: {part} has shape {value.shape}"
                                  f"{'' if value.shape != (dim,) else ' and non-finite or non-positive values'}, "
                                  f"expected {dim} finite values{' > 0' if part == 'std' else ''}")
    return model, features


def spec_of(ckpt: dict):
    """The training spec a checkpoint was trained with (to find or redo its runs)."""
    return Spec(ModelConfig(**ckpt["model_config"]), TrainConfig(**ckpt["train"]), protocol=ckpt["protocol"],
                seeding=DISTINCT_SEEDING, feature_set=ckpt["feature_set"])
