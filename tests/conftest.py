import os
import shutil
from pathlib import Path

import pytest

import ser_utils  # noqa: F401  first: pins the numerics (ser_utils.numerics) before numpy or torch loads
from ser_utils.data.dataset import load_dataset
from ser_utils.data.synth import make_corpus

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory):
    """A small synthetic corpus (2 actors, 120 files, 8 kHz), generated once."""
    return make_corpus(tmp_path_factory.mktemp("synth") / "corpus", speakers=(1, 2), seed=0, sample_rate=8000)


@pytest.fixture
def corpus_copy(synth_root, tmp_path):
    """A private copy of the synthetic corpus that a test may damage."""
    return Path(shutil.copytree(synth_root, tmp_path / "corpus"))


def real_corpus_root() -> Path | None:
    env = os.environ.get("RAVDESS_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data" / "ravdess")
    return next((p for p in candidates if p.is_dir()), None)


@pytest.fixture(scope="session")
def real_root():
    root = real_corpus_root()
    if root is None:
        pytest.skip("real RAVDESS not found: set RAVDESS_DIR or place it at ../shared/data/ravdess")
    return root


@pytest.fixture(scope="session")
def learn_cache(tmp_path_factory):
    """The feature cache of ``learn_data`` (a subprocess can reuse it)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def learn_data(tmp_path_factory, learn_cache):
    """12 synthetic actors at 16 kHz (720 files) as a Dataset, for training tests."""
    root = make_corpus(tmp_path_factory.mktemp("learn") / "corpus", speakers=range(1, 13), seed=0,
                       sample_rate=16000)
    return load_dataset(root, cache_root=learn_cache, progress=False)
