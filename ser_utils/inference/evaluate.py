"""A trained model tried on another corpus: ``python -m ser_utils evaluate [--model CKPT]
--corpus X --root DIR --json``.

The checkpoint's classes and the corpus' are matched by ``data.labelmap`` (RAVDESS's calm
counts as neutral where the corpus has no calm; classes one side lacks are left out and
named). Every file of a shared class is scored: features as the checkpoint was trained
with (``feature_config``, the audio resampled to its rate, its normalisation), the
model's probabilities summed over the outputs that map to each shared class, the
largest taken (one file at a time, as ``predict`` does).
Reported: UAR (mean per-class recall), WA (accuracy), per-class recall,
support and the confusion matrix (rows true, columns predicted, shared classes in the
model's order).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ser_utils.data import corpus_registry
from ser_utils.data.corpus import CorpusError
from ser_utils.data.features import load_features
from ser_utils.data.labelmap import label_map
from ser_utils.data.verify import check_layout, synthetic_info
from ser_utils.inference.predict import Predictor
from ser_utils.training import metrics


def shared_probabilities(probs: np.ndarray, labels, lmap) -> np.ndarray:
    """``(N, model classes)`` probabilities -> ``(N, shared classes)``: each shared class
    gets the sum of the outputs that map to it (outputs left out are dropped)."""
    fold = np.zeros((len(labels), len(lmap.shared)))
    for i, c in enumerate(labels):
        if c in lmap.source_to_shared:
            fold[i, lmap.shared.index(lmap.source_to_shared[c])] = 1.0
    return np.asarray(probs, dtype=np.float64) @ fold


def evaluate(model: str | Path | None, corpus, root: str | Path | None, cache_root=None, n_jobs: int | None = None,
             progress: bool = True) -> dict:
    """Score a checkpoint on ``corpus`` (``corpus_registry.get``) in ``root``; see the module doc."""
    predictor = Predictor(model)
    reader = corpus_registry.get(corpus)
    layout = check_layout(root, corpus=reader)
    if not layout.ok:
        raise CorpusError(f"{layout.root}: not a usable {reader.name} corpus:\n  " + "\n  ".join(layout.errors[:10]))
    index = corpus_registry.index(reader, root)
    try:
        lmap = label_map(predictor.labels, reader.classes)
    except ValueError as exc:
        raise CorpusError(f"{predictor.path} on {reader.name}: {exc}") from None
    keep = index[index["emotion"].astype(str).isin(set(lmap.target_to_shared))].reset_index(drop=True)
    feats = load_features(keep["path"], predictor.config, cache_root=cache_root, n_jobs=n_jobs, progress=progress)
    feats = [((f[:, : predictor.dim] - predictor.mean) / predictor.std).astype(np.float32) for f in feats]
    probs = shared_probabilities(np.stack([predictor.probabilities(f) for f in feats]), predictor.labels, lmap)
    y_true = np.array([lmap.shared.index(lmap.target_to_shared[str(c)]) for c in keep["emotion"]])
    y_pred = probs.argmax(axis=1)
    n = len(lmap.shared)
    recall = metrics.per_class_recall(y_true, y_pred, n)
    where = reader.manifest.parent if reader.manifest is not None else Path(root)
    return {"model": str(predictor.path), "model_classes": list(predictor.labels), "corpus": reader.name,
            "root": str(reader.manifest or root), "synthetic": synthetic_info(where) is not None,
            "sample_rate": predictor.config.sample_rate, "files": int(len(index)), "scored": int(len(keep)),
            "label_map": lmap.to_dict(), "classes": list(lmap.shared),
            "uar": metrics.uar(y_true, y_pred, n), "wa": metrics.weighted_accuracy(y_true, y_pred),
            "chance_uar": 1.0 / n,
            "per_class_recall": {c: (None if np.isnan(r) else float(r)) for c, r in zip(lmap.shared, recall)},
            "support": {c: int(np.sum(y_true == i)) for i, c in enumerate(lmap.shared)},
            "confusion": metrics.confusion(y_true, y_pred, n).tolist(),
            "files_scored": keep["relpath"].tolist(), "predicted": [lmap.shared[i] for i in y_pred]}
