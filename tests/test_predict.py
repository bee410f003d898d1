"""predict: a checkpoint reproduces the training features and classifies any audio file."""

import itertools
import json
from types import SimpleNamespace

import librosa
import numpy as np
import pytest
import soundfile as sf
import torch

from ser_utils import cli
from ser_utils.data.audio import AudioError
from ser_utils.data.dataset import load_dataset
from ser_utils.data.project_data import folds_for
from ser_utils.data.synth import make_corpus
from ser_utils.experiments import what_helps as W
from ser_utils.inference import checkpoint, predict
from ser_utils.inference.predict import Predictor, default_model
from ser_utils.inference.stream import Stream, StreamingModel
from ser_utils.models import ModelConfig, cost
from ser_utils.models.cost import one_thread
from ser_utils.training import Spec, TrainConfig, experiment_key, record_path, run_job
from ser_utils.training.records import write_record


@pytest.fixture(scope="module")
def model_file(learn_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("ckpt")
    folds = folds_for(learn_data)
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
    # bench-predict on a clock read once in the warm-up call, then showing 3, 5 and 4 ms per file;
    # then a clock that moves 1 ms per reading, so that every stage's median is 1 ms
    stamps = itertools.chain([0.0, 1.0, 1.003, 2.0, 2.005, 3.0, 3.004], itertools.count(10.0, 0.001))
    monkeypatch.setattr(cost, "time", SimpleNamespace(perf_counter=lambda: next(stamps)))
    assert cli.main(["bench-predict", "--model", str(model_file), "--file", files[0], "--repeats", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["median_ms"], result["min_ms"], result["repeats"]) == (4.0, 3.0, 3)
    assert result["stages_ms"] == {k: 1.0 for k in ("decode", "stft", "pitch_tuning", "mel_mfcc_chroma", "model")}
    assert result["seconds_of_audio"] == round(sf.info(files[0]).duration, 3)
    assert result["file"] == files[0] and result["model"] == str(model_file)


def test_committed_checkpoint_on_real_files(real_root):
    """The quick profile's committed checkpoint classifies real RAVDESS files,
    the stereo ones included."""
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


def test_predict_keeps_going_past_bad_files(learn_data, model_file, tmp_path, capsys):
    """One JSON entry per input, in order; failed files get an error naming them; exit 1."""
    good = [str(learn_data.index.path.iloc[i]) for i in (4, 5)]
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio" * 50)
    missing = tmp_path / "missing.wav"
    for extra in ([], ["--stream"]):
        code = cli.main(["predict", good[0], str(missing), str(junk), good[1], "--model", str(model_file), "--json",
                         *extra])
        out = json.loads(capsys.readouterr().out)
        assert code == 1 and len(out) == 4
        assert out[1] == {"file": str(missing), "error": f"{missing}: file not found"}
        assert out[2]["file"] == str(junk) and out[2]["error"].startswith(f"{junk}: unreadable audio")
        firsts = [o[-1] if extra else o for o in (out[0], out[3])]
        assert [f["file"] for f in firsts] == good and all(len(f["probabilities"]) == 8 for f in firsts)
    assert cli.main(["predict", good[0], "--model", str(model_file)]) == 0
    assert capsys.readouterr().out.startswith(f"{good[0]}: ")
    assert cli.main(["predict", good[0], str(missing), "--model", str(model_file)]) == 1
    captured = capsys.readouterr()
    assert f"error: {missing}: file not found" in captured.err and good[0] in captured.out


def test_silent_and_quiet_input_gets_a_warning(learn_data, model_file, tmp_path):
    p = Predictor(model_file)
    y, sr = sf.read(learn_data.index.path.iloc[6], dtype="float32")
    sf.write(tmp_path / "silence.wav", np.zeros(3 * sr, np.float32), sr)
    sf.write(tmp_path / "quiet.wav", y * 1e-4, sr, subtype="FLOAT")
    assert "warning" not in p.predict(learn_data.index.path.iloc[6])
    assert p.predict(tmp_path / "silence.wav")["warning"].startswith("silent input")
    assert p.predict(tmp_path / "quiet.wav")["warning"].startswith("very low energy")
    assert p.stream(tmp_path / "silence.wav", 0.5)[-1]["warning"].startswith("silent input")
    assert p.stream(tmp_path / "quiet.wav", 0.5)[-1]["warning"].startswith("very low energy")


def test_chunk_and_model_are_checked(model_file, learn_data, tmp_path, capsys):
    path = str(learn_data.index.path.iloc[2])
    for chunk in ("0", "-1", "nan"):
        with pytest.raises(SystemExit) as exit_:
            cli.main(["predict", path, "--model", str(model_file), "--stream", "--chunk", chunk])
        assert exit_.value.code == 2 and "expected a positive number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["predict", path, "--model", str(tmp_path / "none.pt")])
    assert f"{tmp_path / 'none.pt'}: no such file" in capsys.readouterr().err
    (tmp_path / "bad.pt").write_bytes(b"xx")
    assert cli.main(["predict", path, "--model", str(tmp_path / "bad.pt")]) == 2
    assert "bad.pt: not a readable checkpoint" in capsys.readouterr().err
    with pytest.raises(ValueError, match="chunk length must be > 0"):
        Predictor(model_file).stream(path, 0)


def test_stream_resampled_stereo_file(learn_data, model_file, tmp_path):
    """A 44.1 kHz stereo file streamed (decoded and resampled block by block) ends on
    the whole-file answer."""
    y, sr = sf.read(learn_data.index.path.iloc[9], dtype="float32")
    stereo = np.stack([y, 0.3 * y], axis=1)
    sf.write(tmp_path / "s.wav", librosa.resample(stereo.T, orig_sr=sr, target_sr=44100).T, 44100, subtype="FLOAT")
    p = Predictor(model_file)
    steps, whole = p.stream(tmp_path / "s.wav", 0.3), p.predict(tmp_path / "s.wav")
    assert steps[-1]["frames"] == whole["frames"] and steps[-1]["probabilities"] == whole["probabilities"]


def held_bytes(obj, seen=None) -> int:
    """Bytes of the numpy arrays and torch tensors an object holds, followed through
    its attributes, lists, tuples, sets and dicts."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    if isinstance(obj, (list, tuple, set)):
        return sum(held_bytes(x, seen) for x in obj)
    if isinstance(obj, dict):
        return sum(held_bytes(x, seen) for x in obj.values())
    if type(obj).__module__ == "ser_utils.inference.stream":
        return sum(held_bytes(x, seen) for x in vars(obj).values())
    return 0


def test_stream_memory_does_not_grow_with_length(learn_data, model_file):
    """No samples, spectrogram or features kept: after 4 minutes of speech the stream
    holds little more than after 1 (what grows is the pitch list behind the exact
    tuning: a few bytes per frame). The old stream kept every sample and spectrum
    column: 7.7 MB per minute at 16 kHz."""
    p = Predictor(model_file)
    speech = np.concatenate([sf.read(learn_data.index.path.iloc[i], dtype="float32")[0] for i in range(20, 40)])
    step = 8000

    def held(minutes):
        stream = Stream(p, 16000)
        with one_thread():
            for s in range(0, minutes * 60 * 16000, step):
                stream.push(np.take(speech, np.arange(s, s + step), mode="wrap"))
                assert len(stream.framer.buffer) < p.config.n_fft + step
        return held_bytes(stream)

    one, four = held(1), held(4)
    assert (four - one) / 3 < 1_000_000, (one, four)  # bytes per extra minute


@pytest.fixture(scope="module")
def egemaps_setup(tmp_path_factory):
    """Six synthetic actors at 16 kHz with MFCC + chroma + eGeMAPS frames (notebook 09's
    recipe input), one epoch of LSTM-SA-h16 on fold 0, its record and weights."""
    base = tmp_path_factory.mktemp("egemaps")
    root = make_corpus(base / "corpus", speakers=range(1, 7), seed=3, sample_rate=16000)
    data = load_dataset(root, "mfcc+chroma+egemaps", cache_root=base / "cache", progress=False)
    folds = folds_for(data)
    spec = Spec(ModelConfig("lstm_sa", input_dim=71, hidden=16), TrainConfig(epochs=1),
                feature_set="mfcc+chroma+egemaps")
    key = experiment_key(spec, data, folds)
    record = run_job(spec, data, folds, key, 1, 0, base / "runs")
    return SimpleNamespace(base=base, data=data, folds=folds, spec=spec, key=key, record=record)


def test_an_egemaps_checkpoint_computes_its_training_features(egemaps_setup, tmp_path):
    """predict builds MFCC + chroma + eGeMAPS frames exactly as training did (09's recipe
    input), and streaming refuses such a checkpoint, saying which one streams."""
    s = egemaps_setup
    path = W.recipe_checkpoint(s.spec, lambda fs: s.data, s.folds, s.base / "runs", 1, tmp_path / "recipe.pt",
                               sample_rate=16000)
    p = Predictor(path)
    assert p.dim == 71
    for i in (0, 5):
        expected = (s.data.features[i] - p.mean) / p.std
        np.testing.assert_array_equal(p.features(s.data.index.path.iloc[i]), expected)
    with pytest.raises(ValueError, match="MFCC \\+ chroma frames only.*mfcc\\+chroma\\+egemaps"):
        p.stream(s.data.index.path.iloc[0])
    stages = predict.stages(p, s.data.index.path.iloc[0], repeats=2)   # bench-predict times the eGeMAPS stage too
    assert list(stages) == ["decode", "stft", "pitch_tuning", "mel_mfcc_chroma", "egemaps_frames", "model"]


def test_the_recipe_checkpoint_retrains_its_fold_and_refuses_another_history(egemaps_setup, tmp_path):
    """The recipe's weights come from training (run, fold 0) again; the weights written must
    be that run's (same history as the committed record), and a record whose history the
    retraining does not give is refused, with nothing written."""
    s = egemaps_setup
    runs = tmp_path / "runs"
    committed = record_path(runs, s.key, 1, 0)
    other = {**s.record.history, "train_loss": [s.record.history["train_loss"][0] + 1e-6]}
    write_record(committed, {**s.record.to_dict(), "history": other})
    with pytest.raises(RuntimeError, match="history differs"):
        W.recipe_checkpoint(s.spec, lambda fs: s.data, s.folds, runs, 1, tmp_path / "x.pt", sample_rate=16000)
    assert not committed.with_suffix(".pt").exists() and not (tmp_path / "x.pt").exists()
    ckpt = checkpoint.load(W.recipe_checkpoint(s.spec, lambda fs: s.data, s.folds, s.base / "runs", 1,
                                               tmp_path / "y.pt", sample_rate=16000))
    assert ckpt["provenance"]["fold_test_uar"] == s.record.test_uar and ckpt["feature_set"] == "mfcc+chroma+egemaps"


def test_predict_defaults_to_the_recipe_only_where_09_wrote_it_and_streams_03s(tmp_path, monkeypatch):
    monkeypatch.setattr(predict, "results_dir", lambda: tmp_path)
    assert default_model() == checkpoint.model_path(tmp_path / "quick")
    recipe = checkpoint.recipe_path(tmp_path / "quick")
    recipe.parent.mkdir(parents=True)
    recipe.write_bytes(b"x")
    assert default_model() == recipe and default_model(stream=True) == checkpoint.model_path(tmp_path / "quick")
