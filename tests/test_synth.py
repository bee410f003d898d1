import json

import numpy as np
import soundfile as sf

from ser_utils.data.corpus import index_corpus
from ser_utils.data.synth import make_corpus


def test_deterministic_and_marked(tmp_path, synth_root):
    out = make_corpus(tmp_path / "c", speakers=(2,), seed=0, sample_rate=8000, emotions=(5,))
    marker = json.loads((out / "SYNTHETIC.json").read_text())
    assert marker["synthetic"] is True and marker["actors"] == [2] and marker["files"] == 8
    for path in out.glob("Actor_02/*.wav"):  # the same file as in the session corpus, byte for byte
        assert path.read_bytes() == (synth_root / "Actor_02" / path.name).read_bytes()
    other = make_corpus(tmp_path / "d", speakers=(2,), seed=1, sample_rate=8000, emotions=(5,))
    name = "Actor_02/03-01-05-01-01-01-02.wav"
    assert (out / name).read_bytes() != (other / name).read_bytes()


def test_speech_like_shape(synth_root):
    index = index_corpus(synth_root)
    for path in index["path"][::15]:
        y, sr = sf.read(path)
        assert sr == 8000 and 2.0 < len(y) / sr < 5.5
        edge = int(0.3 * sr)

        def rms(x):
            return np.sqrt(np.mean(x ** 2))

        assert rms(y[:edge]) < rms(y) / 30  # silence before the phrase


def test_emotions_differ_in_energy_and_pitch(synth_root):
    def rms(emotion):
        paths = sorted((synth_root / "Actor_01").glob(f"03-01-{emotion:02d}-02-*.wav"))
        return np.mean([np.sqrt(np.mean(sf.read(p)[0] ** 2)) for p in paths])

    assert rms(5) > 2 * rms(4)  # strong angry is louder than strong sad
