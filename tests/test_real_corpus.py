"""Checks on the real RAVDESS corpus; skipped (with the reason) where it is absent."""

import numpy as np
import pytest

from ser_utils.data.corpus import audio_files, index_corpus
from ser_utils.data.features import load_features
from ser_utils.data.verify import verify_corpus
from ser_utils.inference.predict import Predictor, default_model

pytestmark = pytest.mark.real


def test_verify_real_corpus(real_root):
    report = verify_corpus(real_root, progress=False)
    assert report.ok, report.errors
    assert report.files == 1440 and report.speakers == 24 and not report.synthetic
    assert report.per_emotion["neutral"] == 96 and report.per_emotion["surprised"] == 192
    stereo = sorted(s.split(" ")[0].rsplit(".", 1)[0] for s in report.stereo)
    assert stereo == ["Actor_01/03-01-02-01-01-02-01", "Actor_01/03-01-08-01-02-02-01",
                      "Actor_05/03-01-02-01-02-02-05", "Actor_20/03-01-03-01-02-01-20",
                      "Actor_20/03-01-06-01-01-02-20"]
    assert [[p.rsplit(".", 1)[0] for p in pair] for pair in report.duplicates] == [
        ["Actor_07/03-01-03-01-02-01-07", "Actor_07/03-01-03-01-02-02-07"]]


def test_real_features(real_root, tmp_path_factory):
    index = index_corpus(real_root)
    feats = load_features(index["path"], cache_root=tmp_path_factory.mktemp("cache"), progress=False)
    lengths = np.array([len(f) for f in feats])
    assert {f.shape[1] for f in feats} == {46}
    assert lengths.min() == 69 and lengths.max() == 124


def test_predict_every_real_file_and_stream(real_root):
    """The committed quick checkpoint that streams (notebook 03's) classifies every RAVDESS
    file, and streaming ends on the whole-file answer (stereo files included); predict's
    default (09's recipe, where 09 wrote it: 150 ms a file) classifies those files too."""
    if not default_model(stream=True).exists():
        pytest.skip(f"{default_model(stream=True)} not found: run notebook 03 (make reproduce) first")
    p = Predictor(default_model(stream=True))
    files = sorted(audio_files(real_root))
    results = [p.predict(f) for f in files]
    assert len(results) == len(files) >= 1439 and all(r["emotion"] in p.labels for r in results)
    default = Predictor(default_model())
    for name in ("Actor_01/03-01-02-01-01-02-01", "Actor_12/03-01-05-02-01-01-12", "Actor_24/03-01-08-02-02-02-24"):
        path = next(f for f in files if str(f).rsplit(".", 1)[0].endswith(name))
        answer = default.predict(path)
        assert answer["emotion"] in default.labels and answer["frames"] == p.predict(path)["frames"]
        final, whole = p.stream(path, 0.5)[-1], p.predict(path)
        assert final["emotion"] == whole["emotion"] and final["frames"] == whole["frames"]
        np.testing.assert_allclose(list(final["probabilities"].values()), list(whole["probabilities"].values()),
                                   atol=1e-5)
