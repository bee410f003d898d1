import librosa
import numpy as np
import pytest
import soundfile as sf

from ser_utils.data import features as F
from ser_utils.data.corpus import index_corpus
from ser_utils.data.features import FeatureConfig, extract_file, load_features, normaliser_for, pad


@pytest.fixture(scope="module")
def index(synth_root):
    return index_corpus(synth_root)


def test_shape_dtype_and_determinism(index, tmp_path):
    feats = load_features(index["path"][:12], cache_root=tmp_path / "a", n_jobs=2, progress=False)
    again = load_features(index["path"][:12], cache_root=tmp_path / "b", n_jobs=1, progress=False)
    assert len(feats) == 12
    for f, g in zip(feats, again):
        assert f.dtype == np.float32 and f.ndim == 2 and f.shape[1] == 46
        assert np.array_equal(f, g)
    # 8 kHz synthetic audio of 2.5-4 s with hop 2048: 10-16 frames
    assert all(9 <= len(f) <= 17 for f in feats)


def test_equals_separate_librosa_calls(index):
    y, sr = sf.read(index["path"][0], dtype="float32")
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=34, n_fft=4096, hop_length=2048)
    chroma = librosa.feature.chroma_stft(y=y, sr=sr, n_chroma=12, n_fft=4096, hop_length=2048)
    assert np.array_equal(extract_file(index["path"][0]), np.concatenate([mfcc, chroma]).T.astype(np.float32))


def test_second_run_reads_the_cache(index, tmp_path, monkeypatch):
    paths = index["path"][:6]
    first = load_features(paths, cache_root=tmp_path, n_jobs=1, progress=False)
    assert len(list(tmp_path.glob("*/*.npy"))) == 6

    def boom(*args, **kwargs):
        raise AssertionError("features recomputed despite the cache")

    monkeypatch.setattr(F, "extract_file", boom)
    second = load_features(paths, cache_root=tmp_path, n_jobs=1, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_cache_is_keyed_by_config_and_content(index, tmp_path):
    path = index["path"][0]
    load_features([path], cache_root=tmp_path, n_jobs=1, progress=False)
    load_features([path], FeatureConfig(n_mfcc=20), cache_root=tmp_path, n_jobs=1, progress=False)
    assert len(list(tmp_path.glob("*/*.npy"))) == 2 and len(list(tmp_path.iterdir())) == 2
    assert FeatureConfig().key() != FeatureConfig(hop_length=1024).key()


def test_stereo_is_averaged_to_mono(index, tmp_path):
    y, sr = sf.read(index["path"][0], dtype="float32")
    sf.write(tmp_path / "s.wav", np.stack([y, y], axis=1), sr, subtype="FLOAT")
    sf.write(tmp_path / "m.wav", y, sr, subtype="FLOAT")
    assert np.array_equal(extract_file(tmp_path / "s.wav"), extract_file(tmp_path / "m.wav"))


def test_trimming_shortens_the_silent_edges(index):
    full = extract_file(index["path"][0])
    trimmed = extract_file(index["path"][0], FeatureConfig(trim_db=40))
    assert len(trimmed) < len(full)


def test_clean_normalisation_uses_training_speakers_only():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(loc=a * 10, size=(5 + a, 3)).astype(np.float32) for a in (1, 2, 3)]
    speakers = [1, 2, 3]
    clean = normaliser_for(seqs, speakers, "clean", train_speakers=[1, 2])
    expected = np.concatenate(seqs[:2]).mean(axis=0)
    assert np.allclose(clean.mean, expected, atol=1e-5)
    seqs[2] += 1000  # the test speaker changes; clean statistics must not move
    assert np.allclose(normaliser_for(seqs, speakers, "clean", train_speakers=[1, 2]).mean, clean.mean)
    assert not np.allclose(normaliser_for(seqs, speakers, "paper").mean, clean.mean)
    normed = clean(seqs[:2])
    assert np.allclose(np.concatenate(normed).mean(axis=0), 0, atol=1e-4)
    assert np.allclose(np.concatenate(normed).std(axis=0), 1, atol=1e-3)
    with pytest.raises(ValueError, match="protocol"):
        normaliser_for(seqs, speakers, "leaky")


def test_pad_returns_lengths_and_zero_padding():
    seqs = [np.ones((2, 3), np.float32), np.ones((4, 3), np.float32)]
    x, lengths = pad(seqs)
    assert x.shape == (2, 4, 3) and list(lengths) == [2, 4]
    assert x[0, 2:].sum() == 0 and x[1].sum() == 12


@pytest.mark.parametrize("sr", [8000, 48000])
def test_fast_tuning_equals_librosa(index, sr):
    """``pitched`` + ``tuning_of`` (piptrack on its band only) give librosa's numbers
    exactly: the same pitched bins and the same tuning estimate."""
    for path in index["path"][:60:7]:
        y, rate = sf.read(path, dtype="float32")
        y = librosa.resample(y, orig_sr=rate, target_sr=sr)
        power = np.abs(librosa.stft(y, n_fft=4096, hop_length=2048)) ** 2
        ref_pitch, ref_mag = librosa.piptrack(S=power, sr=sr)
        pitch, mag = F.pitched(power, sr)
        found = np.nonzero(ref_pitch)
        assert np.array_equal(np.sort(pitch), np.sort(ref_pitch[found]))
        assert np.array_equal(np.sort(mag), np.sort(ref_mag[found]))
        assert F.tuning_of(pitch, mag) == librosa.estimate_tuning(S=power, sr=sr, bins_per_octave=12)
    assert F.tuning_of(*F.pitched(np.zeros((2049, 5), np.float32), sr)) == 0.0


def test_librosas_private_parabolic_interpolation_still_behaves():
    """features._parabolic_shift calls librosa's private piptrack interpolation: the peak
    of the parabola through each bin and its neighbours, -b/a with a = x[n+1] + x[n-1] - 2x[n]
    and b = (x[n+1] - x[n-1]) / 2, and 0 at the edges. Fails when librosa changes it."""
    x = np.array([[0.0], [3.0], [3.5], [1.0]])
    assert F._parabolic_shift(x)[:, 0] == pytest.approx([0.0, 1.75 / 2.5, -1 / 3, 0.0])
    assert F._parabolic_shift(np.array([[0.0], [3.0], [4.0], [1.0]]))[1, 0] == 0   # would move a whole bin
