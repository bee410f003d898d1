"""Notebook 08's tables: the results of a model trained on one corpus and tried on
another (``experiments.cross_corpus``), per direction and per shared class."""

from __future__ import annotations

import numpy as np
import pandas as pd


def results_table(results) -> pd.DataFrame:
    """One row per direction: corpora, shared classes, files scored, UAR, WA, chance."""
    return pd.DataFrame([{"trained on": r["train_corpus"], "tested on": r["corpus"],
                          "shared classes": len(r["classes"]), "files scored": r["scored"],
                          "files in corpus": r["files"], "UAR": r["uar"], "WA": r["wa"],
                          "chance UAR": r["chance_uar"], "left out / merged": "; ".join(r["label_map"]["notes"])}
                         for r in results])


def recall_table(results) -> pd.DataFrame:
    """Per direction and shared class: recall and support."""
    return pd.DataFrame([{"trained on": r["train_corpus"], "tested on": r["corpus"], "class": c,
                          "recall": r["per_class_recall"][c], "files": r["support"][c]}
                         for r in results for c in r["classes"]])


def normalised_confusion(result) -> np.ndarray:
    cm = np.asarray(result["confusion"], dtype=float)
    return cm / cm.sum(axis=1, keepdims=True).clip(min=1)
