"""Notebook 08's tables: the results of a model trained on one corpus and tried on
another (``experiments.cross_corpus``), per direction and per shared class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import columns as col


def results_table(results) -> pd.DataFrame:
    """One row per direction: corpora, shared classes, files scored, UAR, WA, chance."""
    return pd.DataFrame([{col.TRAINED_ON: r["train_corpus"], col.TESTED_ON: r["corpus"],
                          col.SHARED_CLASSES: len(r["classes"]), col.FILES_SCORED: r["scored"],
                          col.FILES_IN_CORPUS: r["files"], col.UAR: r["uar"], col.WA: r["wa"],
                          col.CHANCE_UAR: r["chance_uar"], col.LEFT_OUT_MERGED: "; ".join(r["label_map"]["notes"])}
                         for r in results])


def recall_table(results) -> pd.DataFrame:
    """Per direction and shared class: recall and support."""
    return pd.DataFrame([{col.TRAINED_ON: r["train_corpus"], col.TESTED_ON: r["corpus"], col.CLASS: c,
                          col.RECALL: r["per_class_recall"][c], col.FILES: r["support"][c]}
                         for r in results for c in r["classes"]])


def normalised_confusion(result) -> np.ndarray:
    cm = np.asarray(result["confusion"], dtype=float)
    return cm / cm.sum(axis=1, keepdims=True).clip(min=1)
