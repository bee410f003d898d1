"""The corpus a profile or a command names, found (generated, for a synthetic one) and loaded
with its folds: ``resolve`` (a name -> reader and folder), ``load`` (a Dataset and its
folds) and ``folds_for`` (the study's speaker-independent folds of a Dataset)."""

from __future__ import annotations

from pathlib import Path

from ser_utils.data import corpus_registry
from ser_utils.data.dataset import Dataset, load_dataset
from ser_utils.data.download import get_corpus
from ser_utils.data.folds import REFERENCE_FOLDS, corpus_folds, speaker_folds
from ser_utils.data.verify import synthetic_info
from ser_utils.paths import data_dir


def resolve(corpus: str, synthetic_speakers: int = 8, synthetic_dir: str | None = None, seed: int = 0):
    """A profile's or a command's corpus -> ``(reader, root)``:

    - ``synthetic``: the synthetic corpus in RAVDESS layout (generated once under
      ``data/synthetic`` unless it is already there); ``synthetic-LAYOUT`` (emodb, cremad,
      tess, savee, manifest): a small synthetic corpus in that layout (``data/synthetic-LAYOUT``);
    - ``ravdess``: RAVDESS as ``make data`` found it (``$RAVDESS_DIR`` or ``data/raw/ravdess``);
    - a built-in name (``emodb``, ``cremad``, ``tess``, ``savee``): ``$EMODB_DIR`` ... or
      ``data/raw/NAME``; ``NAME:DIR``: that corpus in ``DIR``;
    - ``PATH.csv``: a manifest; anything else: a folder in RAVDESS layout.
    """
    from ser_utils.data.synth import LAYOUTS, make_corpus, make_layout  # noqa: PLC0415 - heavy: scipy, one use

    corpus = str(corpus)
    if corpus == "synthetic":
        root = Path(synthetic_dir or data_dir() / "synthetic")
        speakers = list(range(1, synthetic_speakers + 1))
        info = synthetic_info(root) if root.is_dir() else None
        if not info or info.get("actors") != speakers or info.get("seed") != seed:
            make_corpus(root, speakers=speakers, seed=seed, sample_rate=16000)
        return corpus_registry.get(None), root
    if corpus.startswith("synthetic-") and corpus[len("synthetic-"):] in LAYOUTS:
        layout = corpus[len("synthetic-"):]
        root = Path(synthetic_dir or data_dir() / corpus)
        info = synthetic_info(root) if root.is_dir() else None
        if not info or info.get("corpus") != layout or info.get("seed") != seed:
            make_layout(root, layout, seed=seed)
        return ((corpus_registry.get(root / "manifest.csv"), root) if layout == "manifest"
                else (corpus_registry.get(layout), root))
    if corpus == "ravdess":
        return corpus_registry.get(None), get_corpus(download=False)
    if corpus.lower().endswith(".csv"):
        reader = corpus_registry.get(corpus)
        return reader, reader.manifest.parent
    name, _, folder = corpus.partition(":")
    if name.lower() in corpus_registry.CORPORA and name.lower() != corpus_registry.RAVDESS:
        return corpus_registry.get(name), corpus_registry.default_root(name, folder or None)
    return corpus_registry.get(None), get_corpus(corpus, download=False)


def corpus_root(corpus: str, synthetic_speakers: int = 8, synthetic_dir: str | None = None, seed: int = 0) -> Path:
    """The folder ``resolve`` finds for ``corpus``."""
    return resolve(corpus, synthetic_speakers, synthetic_dir, seed)[1]


def folds_for(data: Dataset) -> list:
    """RAVDESS: the reference folds on its 24 actors; gender-balanced speaker folds
    (k = 4, or fewer for a tiny corpus) on a synthetic corpus in its layout. Any other
    corpus: ``folds.corpus_folds`` (leave-speakers-out, balanced by label and gender)."""
    speakers = sorted(set(int(a) for a in data.speakers))
    if data.corpus != "ravdess":
        return corpus_folds(data.labels, data.speakers, data.genders)
    if speakers == list(range(1, 25)):
        return list(REFERENCE_FOLDS)
    return speaker_folds(speakers, k=max(2, min(5, len(speakers) // 2)))


def load(corpus: str, feature_set: str = "mfcc+chroma", synthetic_speakers: int = 8, cache_dir=None,
         synthetic_dir=None) -> tuple[Dataset, list]:
    """``corpus`` (as ``resolve`` reads it) as a Dataset of ``feature_set`` features
    (cached in ``cache_dir``), and its ``folds_for``."""
    reader, root = resolve(corpus, synthetic_speakers, synthetic_dir)
    data = load_dataset(root, feature_set, cache_root=cache_dir, corpus=reader)
    return data, folds_for(data)
