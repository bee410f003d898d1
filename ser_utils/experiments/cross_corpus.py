"""Notebook 08's experiment: a model trained on one corpus (``inference.transfer``) tried
on another (``inference.evaluate``), in both directions where the classes allow. Its
tables: ``reporting.cross_corpus``."""

from __future__ import annotations

from pathlib import Path

from ser_utils.data.labelmap import label_map
from ser_utils.data.project_data import folds_for
from ser_utils.inference import checkpoint
from ser_utils.inference.evaluate import evaluate
from ser_utils.inference.transfer import train_checkpoint
from ser_utils.training.loop import for_data


def direction(train, test_reader, test_root, spec, model_path: str | Path, seed: int = 0, cache_dir=None,
              progress: bool = False) -> dict:
    """Train ``spec`` on the Dataset ``train`` (unless ``model_path`` already holds a
    checkpoint of that data and spec) and evaluate it on ``test_reader`` in ``test_root``."""
    model_path = Path(model_path)
    wanted = {"data": train.fingerprint, "seed": seed, "trained_spec": for_data(spec, train).to_dict()}
    fresh = True
    if model_path.exists():
        prov = checkpoint.load(model_path)["provenance"]
        fresh = any(prov.get(k) != v for k, v in wanted.items())
    if fresh:
        train_checkpoint(train, folds_for(train), spec, model_path, seed=seed)
    result = evaluate(model_path, test_reader, test_root, cache_root=cache_dir, progress=progress)
    return {**result, "train_corpus": train.corpus, "train_synthetic": train.synthetic, "retrained": fresh}


def reverse_possible(classes_a, classes_b) -> bool:
    """Whether a model of ``classes_b`` tried on ``classes_a`` shares at least two classes."""
    try:
        return len(label_map(classes_b, classes_a).shared) >= 2
    except ValueError:
        return False
