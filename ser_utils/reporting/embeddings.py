"""Utterance embeddings of a trained model against averaged raw features:
2-D projections (PCA, t-SNE, UMAP) and separability on held-out speakers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import silhouette_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ser_utils.data.features import pad
from ser_utils.training.metrics import uar, weighted_accuracy


@torch.no_grad()
def embed(model, seqs, batch: int = 256, extra=()) -> dict:
    """Embeddings (N, H), logits (N, C) and per-utterance attention weights
    (lists of (frames,) arrays, first attention vector) of normalised sequences;
    plus the ``extra`` vectors a model's details hold (e.g. ``z0``)."""
    model.eval()
    emb, logits, attention = [], [], []
    more = {k: [] for k in extra}
    for s in range(0, len(seqs), batch):
        chunk = seqs[s:s + batch]
        x, lengths = pad(chunk)
        out = model(torch.from_numpy(x), torch.from_numpy(lengths), details=True)
        emb.append(out["embedding"].numpy())
        logits.append(out["logits"].numpy())
        for k in extra:
            more[k].append(out[k].numpy())
        if out["attention"] is not None:
            attention += [a[0, :n].numpy() for a, n in zip(out["attention"], lengths)]
    return {"embedding": np.concatenate(emb), "logits": np.concatenate(logits), "attention": attention,
            **{k: np.concatenate(v) for k, v in more.items()}}


def mean_pooled(seqs) -> np.ndarray:
    """Averaged raw features: the mean of each (normalised) feature over frames."""
    return np.stack([s.mean(axis=0) for s in seqs])


def project(X: np.ndarray, method: str, seed: int = 0) -> np.ndarray:
    """2-D projection: ``pca``, ``tsne`` or ``umap`` (standardised input)."""
    Z = StandardScaler().fit_transform(X)
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(Z)
    if method == "tsne":
        return TSNE(n_components=2, perplexity=min(30.0, (len(Z) - 1) / 3), init="pca",
                    random_state=seed).fit_transform(Z)
    if method == "umap":
        import umap  # noqa: PLC0415 - heavy: umap (numba), one use

        # a seed forces one thread anyway; saying so avoids UMAP's warning
        return umap.UMAP(n_components=2, n_neighbors=min(15, len(Z) - 1), random_state=seed,
                         n_jobs=1).fit_transform(Z)
    raise ValueError(f"method must be pca, tsne or umap, not {method!r}")


def knn_predict(train_X, train_y, test_X, k: int = 10) -> np.ndarray:
    """Predictions of a k-nearest-neighbour classifier fitted on training speakers
    (standardised on the training part) for held-out speakers."""
    clf = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=min(k, len(train_X))))
    return clf.fit(train_X, train_y).predict(test_X)


def knn_uar(train_X, train_y, test_X, test_y, k: int = 10) -> float:
    """UAR of ``knn_predict`` on held-out speakers."""
    return uar(test_y, knn_predict(train_X, train_y, test_X, k))


def knn_wa(train_X, train_y, test_X, test_y, k: int = 10) -> float:
    """WA (accuracy) of ``knn_predict`` on held-out speakers."""
    return weighted_accuracy(test_y, knn_predict(train_X, train_y, test_X, k))


def silhouette(X, labels) -> float:
    labels = np.asarray(labels)
    if len(set(labels)) < 2:
        return float("nan")
    return float(silhouette_score(StandardScaler().fit_transform(X), labels))


def separability(views: dict, labels, train, test, k: int = 10, where: str = "held-out speakers") -> pd.DataFrame:
    """Per representation: kNN UAR and WA (fit on ``train``, scored on ``test``, boolean masks)
    and the silhouette of the ``test`` points by label."""
    return pd.DataFrame([{"representation": name,
                          f"kNN emotion UAR ({where})": knn_uar(X[train], labels[train], X[test],
                                                                         labels[test], k),
                          f"kNN emotion WA ({where})": knn_wa(X[train], labels[train], X[test], labels[test], k),
                          "silhouette by emotion": silhouette(X[test], labels[test])} for name, X in views.items()])
