"""predict: a checkpoint reproduces the training features and classifies any audio file."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from ser_utils import cli
from ser_utils.data.audio import AudioError
from ser_utils.inference import checkpoint
from ser_utils.inference.predict import Predictor
from ser_utils.models import ModelConfig, cost
from ser_utils.reporting.study import study_folds
from ser_utils.training import Spec, TrainConfig, experiment_key, record_path, run_job


@pytest.fixture(scope="module")
def model_file(learn_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("ckpt")
    folds = study_folds(learn_data)
    spec = Spec(ModelConfig("reslstm_sa", hidden=16), TrainConfig(epochs=1))
    key = experiment_key(spec, learn_data, folds)
    run_job(spec, learn_data, folds, key, 0, 0, out / "runs", save_weights=True)
    return checkpoint.save(out / "model.pt", record_path(out / "runs", key, 0, 0).with_suffix(".pt"), spec,
                           sample_rate=16000, trial=0)


def test_features_match_training(learn_data, model_file):
    p = Predictor(model_file)
    for i in (0, 7):
        expected = (learn_data.features[i] - p.mean) / p.std
        np.testing.assert_array_equal(p.features(learn_data.index.path.iloc[i]), expected)
    out = p.predict(learn_data.index.path.iloc[0])
    assert out["emotion"] in p.labels and abs(sum(out["probabilities"].values()) - 1) < 1e-4


def test_any_rate_and_channels(learn_data, model_file, tmp_path):
    y, sr = sf.read(learn_data.index.path.iloc[3], dtype="float32")
    import librosa

    stereo = np.stack([y, 0.5 * y], axis=1)
    for name, data, rate in (("a.ogg", librosa.resample(stereo.T, orig_sr=sr, target_sr=44100).T, 44100),
                             ("b.flac", stereo, sr), ("c.wav", librosa.resample(y, orig_sr=sr, target_sr=8000), 8000)):
        sf.write(tmp_path / name, data, rate)
        out = Predictor(model_file).predict(tmp_path / name)
        assert len(out["probabilities"]) == 8 and out["frames"] > 5


def test_clear_errors(model_file, tmp_path):
    p = Predictor(model_file)
    sf.write(tmp_path / "short.wav", np.zeros(1000, dtype=np.float32), 16000)
    sf.write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), 16000)
    (tmp_path / "junk.wav").write_bytes(b"not audio at all" * 10)
    for name, message in (("missing.wav", "not found"), ("empty.wav", "empty"), ("junk.wav", "unreadable"),
                          ("short.wav", "shorter than one analysis frame")):
        with pytest.raises(AudioError, match=message) as err:
            p.predict(tmp_path / name)
        assert name in str(err.value)
    with pytest.raises(FileNotFoundError, match="nothing.pt"):
        Predictor(tmp_path / "nothing.pt")
    (tmp_path / "bad.pt").write_bytes(b"xx")
    with pytest.raises(ValueError, match="bad.pt"):
        Predictor(tmp_path / "bad.pt")


def test_cli_json_and_bench(learn_data, model_file, capsys, monkeypatch):
    files = [str(learn_data.index.path.iloc[i]) for i in (1, 2)]
    assert cli.main(["predict", *files, "--model", str(model_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["file"] for o in out] == files and all(len(o["probabilities"]) == 8 for o in out)
    # bench-predict on a clock read once in the warm-up call, then showing 3, 5 and 4 ms per file
    stamps = iter([0.0, 1.0, 1.003, 2.0, 2.005, 3.0, 3.004])
    monkeypatch.setattr(cost, "time", SimpleNamespace(perf_counter=lambda: next(stamps)))
    assert cli.main(["bench-predict", "--model", str(model_file), "--file", files[0], "--repeats", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["median_ms"], result["min_ms"], result["repeats"]) == (4.0, 3.0, 3)
    assert result["seconds_of_audio"] == round(sf.info(files[0]).duration, 3)
    assert result["file"] == files[0] and result["model"] == str(model_file)


def test_committed_checkpoint_on_real_files(real_root):
    """Notebook 04's quick checkpoint (committed) classifies real RAVDESS files,
    the stereo ones included."""
    from ser_utils.inference.predict import default_model

    if not default_model().exists():
        pytest.skip(f"{default_model()} not found (written by `make reproduce PROFILE=quick`)")
    p = Predictor()
    assert p.config.sample_rate == 48000
    for stem in ("Actor_01/03-01-02-01-01-02-01", "Actor_13/03-01-05-02-02-01-13", "Actor_24/03-01-08-02-01-02-24"):
        path = next(real_root.glob(stem + ".*"))
        out = p.predict(path)
        assert out["emotion"] in p.labels and 60 <= out["frames"] <= 130


@pytest.mark.parametrize("chunk", [0.25, 0.5, 1.7])
def test_stream_ends_on_the_whole_file_answer(learn_data, model_file, chunk, tmp_path):
    p = Predictor(model_file)
    for i in (0, 11, 40):
        path = learn_data.index.path.iloc[i]
        steps = p.stream(path, chunk)
        whole = p.predict(path)
        assert steps[-1]["final"] and not any(s["final"] for s in steps[:-1])
        assert steps[-1]["frames"] == whole["frames"]
        assert steps[-1]["emotion"] == whole["emotion"]
        np.testing.assert_allclose(list(steps[-1]["probabilities"].values()), list(whole["probabilities"].values()),
                                   atol=1e-5)
        assert [s["seconds"] for s in steps] == sorted(s["seconds"] for s in steps)


def test_stream_state_carrying_equals_one_pass(model_file):
    """Feeding frames in blocks (LSTM states, online attention) = one pass over all frames."""
    import torch

    from ser_utils.inference.stream import StreamingModel

    p = Predictor(model_file)
    x = np.random.default_rng(0).standard_normal((57, 46)).astype(np.float32)
    net = StreamingModel(p.model)
    for s in range(0, 57, 10):
        net.push(x[s:s + 10])
    np.testing.assert_allclose(net.probabilities(), p.probabilities(x), atol=1e-6)
    with pytest.raises(ValueError, match="LSTM-SA and ResLSTM-SA"):
        StreamingModel(torch.nn.Linear(2, 2))


def test_stream_cli(learn_data, model_file, capsys):
    path = str(learn_data.index.path.iloc[2])
    assert cli.main(["predict", path, "--model", str(model_file), "--stream", "--chunk", "0.5", "--json"]) == 0
    (steps,) = json.loads(capsys.readouterr().out)
    assert steps[-1]["final"] and len(steps) >= 3
