"""A corpus in memory: per-utterance features, labels and speakers, plus the
per-fold preparation every trainer needs (normalisation, padding)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import librosa
import numpy as np

from ser_utils.data import corpus_registry
from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.data.features import LOGMEL, FeatureConfig, fit_normaliser, load_features, normaliser_for, pad
from ser_utils.data.verify import require_complete, synthetic_info

FEATURE_SETS = {"mfcc+chroma": None, "mfcc": "mfcc", "logmel": "logmel",
                # notebook 09's inputs, all on the MFCC grid (n_fft 4096, hop 2048): openSMILE's 25 eGeMAPS
                # descriptors instead of / beside MFCC-34 + chroma-12, and 40 log-mel bands with their deltas
                "egemaps": "egemaps", "mfcc+chroma+egemaps": "mfcc+chroma+egemaps", "logmel+deltas": "logmel+deltas"}
EGEMAPS = FeatureConfig(kind="egemaps")
LOGMEL40 = FeatureConfig(kind="logmel", n_mels=40)
NOISE_COPIES = 2   # noisy copies per training utterance (``TrainConfig.noise_snr``)


@dataclass
class Dataset:
    features: list            # (frames, dim) float32 arrays, unnormalised
    labels: np.ndarray        # emotion index into ``classes`` (RAVDESS: 0..7, EMOTION_NAMES order)
    speakers: np.ndarray
    ids: list                 # file stems
    fingerprint: str          # content hash of the corpus and feature set
    synthetic: bool = False
    index: object = field(default=None, repr=False)
    corpus: str = corpus_registry.RAVDESS            # the reader (corpus_registry.CORPORA name, or manifest:NAME.csv)
    classes: tuple = EMOTION_NAMES           # the label names, the models' outputs
    # notebook 09: features of perturbed copies of every file ({variant name: features like
    # ``features``}, ``with_variants``) and distillation targets ({teacher: {fold: (N, classes)}})
    variants: dict = field(default_factory=dict, repr=False)
    soft_targets: dict = field(default_factory=dict, repr=False)
    feature_set: str = "mfcc+chroma"
    config: FeatureConfig = FeatureConfig()

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
    ``mfcc`` (paper 001), all of them otherwise."""
    if feature_set == "mfcc+chroma+egemaps":
        return config.dim + EGEMAPS.dim
    if feature_set == "logmel+deltas":
        return 2 * LOGMEL40.n_mels
    if feature_set == "egemaps":
        return EGEMAPS.dim
    return config.n_mfcc if feature_set == "mfcc" else config.dim


def beside_egemaps(frames: np.ndarray, egemaps_frames: np.ndarray) -> np.ndarray:
    """The ``mfcc+chroma+egemaps`` frames (09's lever and recipe): openSMILE's eGeMAPS
    frame descriptors beside a file's MFCC + chroma frames, cut to the frames' count (the
    two analyses frame the same audio; eGeMAPS' may run a frame longer). One function for
    training, ``predict`` and its timing, so all three see the same columns."""
    return np.concatenate([frames, egemaps_frames[: len(frames)]], axis=1)


def variant_names(speed=(), noise_snr=()) -> list[str]:
    """The names of the copies a training configuration uses (``TrainConfig.speed`` and
    ``noise_snr``): ``speed0.9``, ``noise5-20#0``, ..."""
    names = [f"speed{f:g}" for f in speed]
    if noise_snr:
        names += [f"noise{noise_snr[0]:g}-{noise_snr[1]:g}#{k}" for k in range(NOISE_COPIES)]
    return names


def variant_config(config: FeatureConfig, name: str) -> FeatureConfig:
    """The feature configuration that computes copy ``name`` (``variant_names``)."""
    if name.startswith("speed"):
        return replace(config, speed=float(name[len("speed"):]))
    if name.startswith("noise"):
        snr, _, copy = name[len("noise"):].partition("#")
        lo, hi = snr.split("-")
        return replace(config, noise_snr=(float(lo), float(hi)), noise_copy=int(copy))
    raise ValueError(f"unknown variant {name!r}")


def _features(paths, feature_set: str, config: FeatureConfig, cache_root, progress: bool):
    """Per-file features of ``feature_set`` and the files' content hashes."""

    if feature_set == "egemaps":
        return load_features(paths, replace(EGEMAPS, speed=config.speed, noise_snr=config.noise_snr,
                                            noise_copy=config.noise_copy, sample_rate=config.sample_rate),
                             cache_root=cache_root, progress=progress, return_digests=True)
    if feature_set == "logmel+deltas":
        mel, digests = load_features(paths, replace(LOGMEL40, speed=config.speed, noise_snr=config.noise_snr,
                                                    noise_copy=config.noise_copy, sample_rate=config.sample_rate),
                                     cache_root=cache_root, progress=progress, return_digests=True)
        return [np.concatenate([m, librosa.feature.delta(m, width=9, axis=0, mode="nearest")], axis=1)
                .astype(np.float32) for m in mel], digests
    feats, digests = load_features(paths, config, cache_root=cache_root, progress=progress, return_digests=True)
    if feature_set == "mfcc+chroma+egemaps":
        ege, _ = _features(paths, "egemaps", config, cache_root, progress)
        feats = [beside_egemaps(f, e) for f, e in zip(feats, ege)]
    return feats, digests


def with_variants(data: "Dataset", names, cache_root=None, progress: bool = True) -> "Dataset":
    """``data`` with the features of the perturbed copies ``names`` (``variant_names``) of
    every file, computed like its own features (cached) and kept in ``variants`` (only
    the training speakers' are ever used: ``prepare_fold``). The fingerprint is unchanged:
    the spec that asks for the copies carries them in its key."""
    have = dict(data.variants)
    for name in names:
        if name not in have:
            feats, _ = _features(data.index["path"], data.feature_set, variant_config(data.config, name),
                                 cache_root, progress)
            if data.feature_set == "mfcc":
                feats = [f[:, : feature_dim(data.config, "mfcc")] for f in feats]
            have[name] = feats
    return replace(data, variants={n: have[n] for n in names})


def load_dataset(root: str | Path, feature_set: str = "mfcc+chroma", config: FeatureConfig = FeatureConfig(),
                 cache_root=None, progress: bool = True, check: bool = True, corpus=None) -> Dataset:
    """Index a corpus and load (or compute and cache) its features. ``feature_set``:
    ``mfcc+chroma`` (46 dims, paper 000), ``mfcc`` (the first n_mfcc, paper 001) or
    ``logmel`` (``features.LOGMEL`` frames unless ``config`` is a logmel config, paper 003).
    ``check``: first refuse a corpus that does not match the protocol, naming the
    missing actors and files (``verify.require_complete``). ``corpus``: the reader
    (``corpus_registry.get``: a name, a manifest's .csv path, None for RAVDESS)."""
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be one of {sorted(FEATURE_SETS)}, not {feature_set!r}")
    reader = corpus_registry.get(corpus)
    if check:
        require_complete(root, corpus=reader)
    if feature_set == "logmel" and config.kind != "logmel":
        config = LOGMEL
    index = corpus_registry.index(reader, root)
    if index.empty:
        raise ValueError(f"{root}: no audio files found")
    if feature_set in ("egemaps", "mfcc+chroma+egemaps", "logmel+deltas"):
        feats, digests = _features(index["path"], feature_set, config, cache_root, progress)
    else:
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
                   speakers=index["actor"].to_numpy(), ids=index["stem"].tolist(),
                   fingerprint=digest.hexdigest()[:12], synthetic=marker is not None, index=index,
                   corpus=reader.name, classes=tuple(reader.classes), feature_set=feature_set, config=config)


@dataclass
class Split:
    x: np.ndarray        # (N, T, F) zero-padded, normalised
    lengths: np.ndarray
    labels: np.ndarray
    ids: list
    speakers: np.ndarray | None = None
    genders: np.ndarray | None = None   # corpora other than RAVDESS: the index's genders (RAVDESS: from the actor)
    rows: np.ndarray | None = None      # the utterances' indices in the dataset


def prepare_fold(data: Dataset, fold, protocol: str, speaker_norm: bool = False, variants=()) -> tuple[dict, object]:
    """Normalise (``paper``: all speakers; ``clean``: the fold's training speakers)
    and pad each role's utterances once. Returns ``({role: Split}, normaliser)``; a fold
    without validation speakers (a two-speaker corpus) has ``splits['validation'] = None``.
    ``speaker_norm``: first each utterance z-normalised by its own speaker's mean and std over
    all of that speaker's frames (**transductive** for a test speaker: it uses their
    unlabelled audio; deployed, it needs enrolment audio of each new speaker).
    ``variants``: the training speakers' perturbed copies (``Dataset.variants``), each a
    role ``train~NAME`` in the training utterances' order, normalised like them."""
    features = data.features
    if speaker_norm:
        stats = {a: fit_normaliser([f for f, b in zip(data.features, data.speakers) if b == a])
                 for a in np.unique(data.speakers)}
        features = [stats[a]([f])[0] for f, a in zip(data.features, data.speakers)]
    norm = normaliser_for(features, data.speakers, protocol, train_speakers=fold.train)
    splits = {}
    for role, speakers in (("train", fold.train), ("validation", fold.validation), ("test", fold.test)):
        if role == "validation" and len(speakers) == 0:
            splits[role] = None
            continue
        pick = np.flatnonzero(np.isin(data.speakers, speakers))
        if len(pick) == 0:
            raise ValueError(f"fold has no {role} utterances (speakers {speakers})")
        x, lengths = pad(norm([features[i] for i in pick]))
        genders = data.genders[pick] if data.corpus != corpus_registry.RAVDESS and data.index is not None else None
        splits[role] = Split(x, lengths, data.labels[pick], [data.ids[i] for i in pick], data.speakers[pick], genders,
                             rows=pick)
    for name in variants:
        pick = splits["train"].rows
        copies = [data.variants[name][i] for i in pick]
        if speaker_norm:
            copies = [stats[data.speakers[i]]([c])[0] for i, c in zip(pick, copies)]
        x, lengths = pad(norm(copies))
        t = splits["train"]
        splits[f"train~{name}"] = Split(x, lengths, t.labels, t.ids, t.speakers, t.genders, rows=pick)
    return splits, norm

