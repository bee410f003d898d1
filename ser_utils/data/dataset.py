"""A corpus in memory: per-utterance features, labels and speakers, plus the
per-fold preparation every trainer needs (normalisation, padding)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ser_utils.data import corpora
from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.data.features import LOGMEL, FeatureConfig, load_features, normaliser_for, pad
from ser_utils.data.verify import require_complete, synthetic_info

FEATURE_SETS = {"mfcc+chroma": None, "mfcc": "mfcc", "logmel": "logmel"}


@dataclass
class Dataset:
    features: list            # (frames, dim) float32 arrays, unnormalised
    labels: np.ndarray        # emotion index into ``classes`` (RAVDESS: 0..7, EMOTION_NAMES order)
    actors: np.ndarray
    ids: list                 # file stems
    fingerprint: str          # content hash of the corpus and feature set
    synthetic: bool = False
    index: object = field(default=None, repr=False)
    corpus: str = corpora.RAVDESS            # the reader (corpora.CORPORA name, or manifest:NAME.csv)
    classes: tuple = EMOTION_NAMES           # the label names, the models' outputs

    @property
    def genders(self) -> np.ndarray:
        """Each utterance's speaker gender as the index has it (male, female or unknown)."""
        return self.index["gender"].to_numpy()

    def __len__(self):
        return len(self.labels)

    @property
    def dim(self) -> int:
        return int(self.features[0].shape[1])


def feature_dim(config: FeatureConfig, feature_set: str) -> int:
    """Columns a feature set keeps of the extracted features: the first ``n_mfcc`` for
    ``mfcc`` (seed 001), all of them otherwise."""
    return config.n_mfcc if feature_set == "mfcc" else config.dim


def load_dataset(root: str | Path, feature_set: str = "mfcc+chroma", config: FeatureConfig = FeatureConfig(),
                 cache_root=None, progress: bool = True, check: bool = True, corpus=None) -> Dataset:
    """Index a corpus and load (or compute and cache) its features. ``feature_set``:
    ``mfcc+chroma`` (46 dims, seed 000), ``mfcc`` (the first n_mfcc, seed 001) or
    ``logmel`` (``features.LOGMEL`` frames unless ``config`` is a logmel config, seed 003).
    ``check``: first refuse a corpus that does not match the protocol, naming the
    missing actors and files (``verify.require_complete``). ``corpus``: the reader
    (``corpora.get``: a name, a manifest's .csv path, None for RAVDESS)."""
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be one of {sorted(FEATURE_SETS)}, not {feature_set!r}")
    reader = corpora.get(corpus)
    if check:
        require_complete(root, corpus=reader)
    if feature_set == "logmel" and config.kind != "logmel":
        config = LOGMEL
    index = corpora.index(reader, root)
    if index.empty:
        raise ValueError(f"{root}: no audio files found")
    feats, digests = load_features(index["path"], config, cache_root=cache_root, progress=progress,
                                   return_digests=True)
    if feature_set == "mfcc":
        feats = [f[:, : feature_dim(config, feature_set)] for f in feats]
    digest = hashlib.sha1()
    for stem, file_hash in zip(index["stem"], digests):
        digest.update(f"{stem}:{file_hash};".encode())
    digest.update(f"{config.key()}:{feature_set}".encode())
    if not reader.is_ravdess:  # labels and speakers come from the reader (RAVDESS's from the stem, already hashed)
        digest.update(f"{reader.name}:{list(reader.classes)}".encode())
        for stem, label, speaker in zip(index["stem"], index["emotion"], index["speaker"]):
            digest.update(f"{stem}={label}@{speaker};".encode())
    marker = synthetic_info(reader.manifest.parent if reader.manifest is not None else root)
    return Dataset(features=feats, labels=index["emotion"].cat.codes.to_numpy().astype(np.int64),
                   actors=index["actor"].to_numpy(), ids=index["stem"].tolist(),
                   fingerprint=digest.hexdigest()[:12], synthetic=marker is not None, index=index,
                   corpus=reader.name, classes=tuple(reader.classes))


@dataclass
class Split:
    x: np.ndarray        # (N, T, F) zero-padded, normalised
    lengths: np.ndarray
    labels: np.ndarray
    ids: list
    actors: np.ndarray | None = None
    genders: np.ndarray | None = None   # corpora other than RAVDESS: the index's genders (RAVDESS: from the actor)


def prepare_fold(data: Dataset, fold, protocol: str) -> tuple[dict, object]:
    """Normalise (``paper``: all speakers; ``clean``: the fold's training speakers)
    and pad each role's utterances once. Returns ``({role: Split}, normaliser)``; a fold
    without validation speakers (a two-speaker corpus) has ``splits['validation'] = None``."""
    norm = normaliser_for(data.features, data.actors, protocol, train_actors=fold.train)
    splits = {}
    for role, actors in (("train", fold.train), ("validation", fold.validation), ("test", fold.test)):
        if role == "validation" and len(actors) == 0:
            splits[role] = None
            continue
        pick = np.flatnonzero(np.isin(data.actors, actors))
        if len(pick) == 0:
            raise ValueError(f"fold has no {role} utterances (actors {actors})")
        x, lengths = pad(norm([data.features[i] for i in pick]))
        genders = data.genders[pick] if data.corpus != corpora.RAVDESS and data.index is not None else None
        splits[role] = Split(x, lengths, data.labels[pick], [data.ids[i] for i in pick], data.actors[pick], genders)
    return splits, norm

