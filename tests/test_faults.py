"""Faults and bad inputs a careless or hostile user brings (issue 31): nothing runs that a
file smuggles in, nothing is lost, nothing is cryptic. Each test injects the fault for
real where the machine allows it (files, processes, a full or read-only tmpfs), else as
an injected ``OSError``."""

import contextlib
import json
import os
import pickle
import selectors
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import joblib
import numpy as np
import papermill as pm
import pytest
import soundfile as sf
import torch

from conftest import REPO
from ser_utils import cli, pipeline
from ser_utils.data import features
from ser_utils.data.audio import AudioError, read_audio
from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.data.corpus_registry import files_under
from ser_utils.data.dataset import Dataset
from ser_utils.data.features import DamagedCacheWarning, FeatureCache, FeatureConfig, file_digest, load_features
from ser_utils.data.folds import speaker_folds
from ser_utils.data.synth import make_corpus
from ser_utils.inference import checkpoint
from ser_utils.models import ModelConfig, build_model
from ser_utils.paths import StorageError
from ser_utils.pipeline import load_profile
from ser_utils.profiles import ProfileError
from ser_utils.training import Spec, TrainConfig, cv, experiment_key, records, tuning
from ser_utils.training.records import write_record

PY = sys.executable


def run(argv, capsys):
    """Exit status, stdout and stderr of ``python -m ser_utils ARGV`` run in-process."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), **{k: str(v) for k, v in extra.items()}}


# ---------------------------------------------------------------- small real files

def payload(hidden: int = 8, sample_rate: int = 8000) -> dict:
    """A valid checkpoint's contents (untrained weights; enough to predict)."""
    torch.manual_seed(0)
    cfg = ModelConfig("reslstm_sa", hidden=hidden, input_dim=46)
    return {"format": checkpoint.FORMAT, "state_dict": build_model(cfg).state_dict(), "model": cfg.to_dict(),
            "feature_config": asdict(FeatureConfig(sample_rate=sample_rate)), "feature_set": "mfcc+chroma",
            "mean": np.zeros(46, np.float32), "std": np.ones(46, np.float32), "labels": list(EMOTION_NAMES),
            "train": {}, "protocol": "clean", "provenance": {}}


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.pt"
    torch.save(payload(), path)
    return path


@pytest.fixture(scope="module")
def speech(synth_root):
    """Three utterances of the synthetic corpus (8 kHz)."""
    return sorted(synth_root.glob("Actor_01/*.wav"))[:3]


def wav_fields(path: Path) -> dict:
    """Byte offsets of a WAV's sample rate, byte rate and data size."""
    raw = path.read_bytes()
    fmt, data = raw.index(b"fmt "), raw.index(b"data")
    return {"rate": fmt + 12, "byte_rate": fmt + 16, "data_size": data + 4}


def patch(path: Path, offset: int, value: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset:offset + 4] = int(value).to_bytes(4, "little")
    path.write_bytes(bytes(raw))


def lying_rate(source: Path, target: Path, rate: int) -> Path:
    """A copy of ``source`` whose header claims ``rate`` Hz (the samples unchanged)."""
    if Path(source) != Path(target):
        shutil.copy(source, target)
    at = wav_fields(target)
    block = sf.info(str(source)).channels * 2
    patch(target, at["rate"], rate)
    patch(target, at["byte_rate"], rate * block)
    return target


# ---------------------------------------------------------------- 1. checkpoints are data

class Payload:
    """Unpickling this runs ``touch MARKER`` (what a hostile .pt file does)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("form", ["torch-zip", "raw-pickle"])
def test_a_checkpoint_cannot_run_code(form, tmp_path, synth_root, model_file, speech, capsys):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    content = {"format": checkpoint.FORMAT, "x": Payload(marker)}
    if form == "torch-zip":
        torch.save(content, evil)
    else:
        evil.write_bytes(pickle.dumps(content, protocol=2))
    for argv in (["predict", "x.wav", "--model", evil],
                 ["evaluate", "--root", synth_root, "--model", evil, "--cache", tmp_path / "cache"]):
        code, _, err = run(argv, capsys)
        assert not marker.exists(), f"{argv[0]} ran the checkpoint's code"
        assert code == 2 and f"error: {evil}: refused" in err and "posix.system" in err
    code, out, err = run(["predict", *speech[:2], "--model", model_file, "--json"], capsys)  # data loads as ever
    assert code == 0 and [r["file"] for r in json.loads(out)] == [str(p) for p in speech[:2]]




# ---------------------------------------------------------------- 7. broken checkpoints

def _wrong_family(p):
    p["model"]["name"] = "lstm_sa"


def _wrong_size(p):
    p["model"]["hidden"] = 16


def _unknown_field(p):
    p["model"]["colour"] = "blue"


def _missing_key(p):
    del p["std"]


def _three_labels(p):
    p["labels"] = ["a", "b", "c"]


def _short_mean(p):
    p["mean"] = np.zeros(40, np.float32)


def _zero_std(p):
    p["std"] = np.zeros(46, np.float32)


@pytest.mark.parametrize("damage, message", [
    (_wrong_family, "the weights do not fit its model lstm_sa"),
    (_wrong_size, "the weights do not fit its model reslstm_sa (hidden 16)"),
    (_unknown_field, "model: "),
    (_missing_key, "no std"),
    (_three_labels, "3 label(s) for a model with 8 outputs"),
    (_short_mean, "mean has shape (40,)"),
    (_zero_std, "std has shape (46,) and non-finite or non-positive values"),
])
def test_a_broken_checkpoint_is_named_not_the_audio(damage, message, tmp_path, speech, capsys):
    content = payload()
    damage(content)
    broken = tmp_path / "broken.pt"
    torch.save(content, broken)
    code, out, err = run(["predict", speech[0], "--model", broken], capsys)
    assert code == 2 and f"error: {broken}: " in err and message in err, err
    assert "Traceback" not in err and str(speech[0]) not in err + out


# ---------------------------------------------------------------- 3. lying headers, crashes

def test_an_implausible_sample_rate_is_refused_naming_the_file(model_file, speech, tmp_path, capsys):
    lie = lying_rate(speech[0], tmp_path / "lie.wav", 1)
    start = time.perf_counter()
    code, out, err = run(["predict", speech[1], lie, "--model", model_file, "--json"], capsys)
    answers = json.loads(out)
    assert time.perf_counter() - start < 20
    assert code == 1 and "emotion" in answers[0]
    assert answers[1]["error"].startswith(f"{lie}: implausible sample rate 1 Hz")
    high = lying_rate(speech[0], tmp_path / "high.wav", 1_000_000)
    code, out, err = run(["predict", high, "--model", model_file], capsys)
    assert code == 1 and f"{high}: implausible sample rate 1000000 Hz" in err


def test_verify_and_features_name_a_lying_file(corpus_copy, tmp_path, capsys):
    victim = sorted(corpus_copy.glob("Actor_02/*.wav"))[5]
    lying_rate(victim, victim, 1)
    code, out, err = run(["verify", "--root", corpus_copy, "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and any(e.startswith(f"{victim}: implausible sample rate 1 Hz") for e in report["errors"])
    assert report["durations"]["max"] < 10  # the lie is not counted as a 50 000 s utterance
    code, out, err = run(["features", "--root", corpus_copy, "--cache", tmp_path / "cache", "--jobs", "1"], capsys)
    assert code == 2 and f"error: {victim}: implausible sample rate" in err and "Traceback" not in err


def test_verify_names_a_file_far_longer_than_the_corpus(corpus_copy, capsys):
    victim = sorted(corpus_copy.glob("Actor_01/*.wav"))[0]
    sf.write(victim, np.random.default_rng(0).standard_normal(80_000).astype(np.float32) * 0.1, 8000,
             subtype="PCM_16")
    lying_rate(victim, victim, 1000)  # 10 s of audio now claims to last 80 s
    code, out, _ = run(["verify", "--root", corpus_copy, "--json"], capsys)
    errors = json.loads(out)["errors"]
    assert code == 1 and [e for e in errors if e.startswith(f"{victim.relative_to(corpus_copy)}: 80 s at 1000 Hz")]


def test_features_name_the_file_whatever_breaks(synth_root, tmp_path, monkeypatch):
    paths = sorted(synth_root.glob("Actor_01/*.wav"))[:3]
    real = features.extract

    def extract(samples, sr, config=FeatureConfig()):
        if len(samples) == len(sf.read(paths[1])[0]):
            raise IndexError("index 0 is out of bounds for axis 0 with size 0")
        return real(samples, sr, config)

    monkeypatch.setattr(features, "extract", extract)
    with pytest.raises(AudioError, match=f"{paths[1]}: feature extraction failed \\(IndexError"):
        features.load_features(paths, cache_root=tmp_path, n_jobs=1, progress=False)


CRASHER = """
import ctypes, sys
from ser_utils.inference import predict
real = predict.Predictor.predict
def predict_or_crash(self, path):
    if "crash" in str(path):
        ctypes.string_at(0)  # a real SIGSEGV inside native code, as the resampler gave
    return real(self, path)
predict.Predictor.predict = predict_or_crash
from ser_utils.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_crash_on_one_file_costs_that_file_only(model_file, speech, tmp_path):
    crash = shutil.copy(speech[0], tmp_path / "crash.wav")
    files = [str(speech[0]), str(crash), str(speech[2])]
    done = subprocess.run([PY, "-c", CRASHER, "predict", *files, "--model", str(model_file), "--json"],
                          capture_output=True, text=True, env=env(), timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]
    answers = json.loads(done.stdout)
    assert [a["file"] for a in answers] == files
    assert "emotion" in answers[0] and "emotion" in answers[2]
    assert answers[1]["error"] == f"{crash}: its process crashed (SIGSEGV) while it was analysed"


# ---------------------------------------------------------------- 8. streaming WAV

def test_a_streaming_wav_is_read_whole(speech, tmp_path):
    stream = shutil.copy(speech[0], tmp_path / "stream.wav")
    patch(stream, 4, 0xFFFFFFFF)                       # RIFF size unknown
    patch(stream, wav_fields(stream)["data_size"], 0xFFFFFFFF)  # data size unknown
    samples, sr = read_audio(stream)
    expected, rate = sf.read(speech[0], dtype="float32")
    assert sr == rate and np.array_equal(samples, expected)


# ---------------------------------------------------------------- 10. bad samples

def test_nan_samples_are_named(model_file, speech, tmp_path, capsys):
    y, sr = sf.read(speech[0], dtype="float32")
    y[100] = np.nan
    sf.write(tmp_path / "nan.wav", y, sr, subtype="FLOAT")
    code, out, err = run(["predict", tmp_path / "nan.wav", "--model", model_file], capsys)
    assert code == 1 and f"{tmp_path / 'nan.wav'}: 1 sample(s) are NaN or infinite" in err


def test_float_audio_scaled_wrongly_gets_a_warning(model_file, speech, tmp_path, capsys):
    y, sr = sf.read(speech[0], dtype="float32")
    sf.write(tmp_path / "loud.wav", y * 1e6, sr, subtype="FLOAT")
    code, out, err = run(["predict", tmp_path / "loud.wav", "--model", model_file, "--json"], capsys)
    answer = json.loads(out)[0]
    assert code == 0 and "far outside [-1, 1]" in answer["warning"]
    code, out, err = run(["predict", speech[0], "--model", model_file, "--json"], capsys)
    assert "far outside" not in json.loads(out)[0].get("warning", "")


# ---------------------------------------------------------------- 5. damaged cache entries

@pytest.mark.parametrize("damage", ["truncated", "empty", "wrong shape"])
def test_a_damaged_cache_entry_is_recomputed(damage, synth_root, tmp_path):
    paths = sorted(synth_root.glob("Actor_01/*.wav"))[:3]
    first = load_features(paths, cache_root=tmp_path, n_jobs=1, progress=False)
    entry = FeatureCache(FeatureConfig(), tmp_path).entry(file_digest(paths[1]))
    raw = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:
        np.save(entry, np.zeros((3, 5), np.float32))
    with pytest.warns(DamagedCacheWarning, match=f"{entry}: damaged feature-cache entry"):
        again = load_features(paths, cache_root=tmp_path, n_jobs=1, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert entry.with_name(entry.name + ".corrupt").exists() and entry.read_bytes() == raw


# ---------------------------------------------------------------- 6. full disk, read-only folders

@contextlib.contextmanager
def tmpfs(where: Path, size: str = "1m", read_only: bool = False):
    """A small tmpfs mounted at ``where`` (None when this machine cannot mount one)."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True).returncode:
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


def fill(where: Path) -> None:
    with contextlib.suppress(OSError), open(where / "ballast", "wb") as fh:
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()


def test_features_on_a_full_disk_is_one_line(synth_root, tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    with tmpfs(cache, "256k") as mounted:
        if mounted:
            fill(cache)
            (cache / "ballast").write_bytes(b"\0" * (os.path.getsize(cache / "ballast") - 20_000))
        else:  # no tmpfs here: numpy's short write, injected
            def short_write(fh, arr, *a, **k):
                raise OSError("1058 requested and 992 written")
            monkeypatch.setattr(np, "save", short_write)
        code, out, err = run(["features", "--root", synth_root, "--cache", cache, "--jobs", "1", "--json"], capsys)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert f"error: {cache}/" in err and ("No space left on device" in err or "is the disk full?" in err)
    assert not [p for p in cache.rglob("*") if p.name.endswith(".tmp")]


def test_a_record_on_a_full_disk_names_its_path(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    with tmpfs(runs, "64k") as mounted:
        if mounted:
            fill(runs)
        else:
            monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
        with pytest.raises(StorageError, match=f"{runs}/run00-fold0.json: cannot write \\(No space left on device"):
            write_record(runs / "run00-fold0.json", {"x": "y" * 200_000})


def test_a_read_only_cache_is_one_line(synth_root, tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    with tmpfs(cache) as mounted:
        if mounted:
            read_only(cache)
        else:
            monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(
                OSError(30, "Read-only file system", k.get("dir"))))
        code, out, err = run(["features", "--root", synth_root, "--cache", cache, "--jobs", "1"], capsys)
    assert code == 2 and "Traceback" not in err and f"error: {cache}/" in err and "Read-only file system" in err


def test_a_read_only_runs_folder_is_refused_before_training(tmp_path, monkeypatch):
    data = Dataset([np.zeros((5, 46), np.float32)] * 8, np.arange(8) % 8, np.arange(1, 9), list("abcdefgh"), "fake")
    folds = speaker_folds(range(1, 9), k=2)
    spec = Spec(ModelConfig("lstm_sa", hidden=8), TrainConfig(epochs=1))
    trained = []
    monkeypatch.setattr(cv, "run_job", lambda *a, **k: trained.append(a))
    runs = tmp_path / "runs"
    with tmpfs(runs) as mounted:
        (runs / experiment_key(spec, data, folds)).mkdir()
        cv._write_spec(runs / experiment_key(spec, data, folds), spec, data, folds)
        if mounted:
            read_only(runs)
        else:
            real = tempfile.mkstemp
            monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(
                OSError(30, "Read-only file system")) if str(runs) in str(k.get("dir")) else real(*a, **k))
        with pytest.raises(StorageError, match="Read-only file system"):
            cv.cross_validate(spec, data, folds, runs_dir=runs, n_jobs=1, progress=False)
    assert not trained


def test_a_read_only_out_dir_is_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    with tmpfs(out) as mounted:
        if not mounted:
            pytest.skip("no tmpfs here (mount needs root): a read-only out-dir cannot be made for root")
        read_only(out)
        code, _, err = run(["tune", "--profile", "smoke", "--out-dir", out], capsys)
    assert code == 2 and f"error: {out}: cannot write there (Read-only file system)" in err


# ---------------------------------------------------------------- 4. bounded workers, no orphans

class Refused(Exception):
    pass


@pytest.fixture
def parallel_calls(monkeypatch):
    """joblib.Parallel made to record the workers asked for and start none."""
    asked = []

    class Recorder:
        def __init__(self, n_jobs=None, **kwargs):
            asked.append(n_jobs)
            raise Refused

    monkeypatch.setattr(joblib, "Parallel", Recorder)
    return asked


def test_feature_workers_are_capped(synth_root, tmp_path, parallel_calls, capsys):
    paths = sorted(synth_root.glob("Actor_01/*.wav"))[:5]
    with contextlib.suppress(Refused):
        load_features(paths, cache_root=tmp_path, n_jobs=100_000, progress=False)
    cap = min(os.cpu_count() or 1, 5)
    assert all(n <= cap for n in parallel_calls)
    assert f"note: {cap} feature {'process' if cap == 1 else 'processes'} instead of 100000" in capsys.readouterr().err


def test_tuning_workers_are_capped_to_the_trials_left(tmp_path, parallel_calls, capsys):

    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    done = tuning.run_workers([tuning.Plan(trials=0)], url, SimpleNamespace(fingerprint="f"), [], tmp_path / "runs",
                              workers=1000, progress=False)
    assert not parallel_calls and list(done.values()) == [0]
    assert "note: 1 tuning worker instead of 1000" in capsys.readouterr().err


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


POOL_PARENT = """
import os, sys, time
from joblib import delayed
from ser_utils import workers
print(os.getpid(), flush=True)
workers.pool(4)(delayed(workers.in_worker)(os.getpid(), time.sleep, 60) for _ in range(1))
"""


def loky_workers(pids) -> list[int]:
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if "popen_loky" in Path(f"/proc/{pid}/cmdline").read_text(errors="ignore"):
                out.append(pid)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_worker_outlives_a_parent_killed_at_their_start_up(tmp_path):
    """Four workers for one job: three stay idle. A SIGKILL of the parent as soon as they
    exist leaves none of them behind, nor their resource trackers."""
    proc = subprocess.Popen([PY, "-c", POOL_PARENT], stdout=subprocess.PIPE, text=True, env=env())
    pid = int(proc.stdout.readline())
    seen: set = set()
    deadline = time.time() + 60
    while time.time() < deadline and len(loky_workers(seen)) < 4:
        seen |= set(children(pid))
        time.sleep(0.05)
    started = len(loky_workers(seen))
    os.kill(pid, signal.SIGKILL)
    proc.wait()
    left = set()
    for _ in range(100):
        left = {c for c in seen if alive(c)}
        if not left:
            break
        time.sleep(0.1)
    for c in left:
        with contextlib.suppress(OSError):
            os.kill(c, signal.SIGKILL)
    assert started == 4, "the workers never started"
    assert not left, f"{len(left)} of {len(seen)} child processes outlived their parent"


# ---------------------------------------------------------------- 2. make cold-run

def test_cold_run_twice_with_a_bad_corpus_loses_nothing(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    for name in ("pyproject.toml", "requirements.lock"):  # older than the environment's stamp
        (tmp_path / name).touch()
        os.utime(tmp_path / name, (0, 0))
    (tmp_path / "results" / "quick").mkdir(parents=True)
    (tmp_path / "results" / "quick" / "cold_run.json").write_text("the only copy")
    venv = Path(sys.executable).parent.parent
    for _ in range(2):
        done = subprocess.run(["make", "cold-run", f"VENV={venv}", "RAVDESS_DIR=/nonexistent/ravdess"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode != 0 and "results/quick is back as it was" in done.stderr
        assert (tmp_path / "results" / "quick" / "cold_run.json").read_text() == "the only copy"


# ---------------------------------------------------------------- 9. more tracebacks

def test_synth_defaults_to_a_corpus_cv_can_fold():
    assert cli.build_parser().parse_args(["synth", "out"]).speakers == 8
    assert cli.build_parser().parse_args(["synth", "out", "--actors", "6"]).speakers == 6  # the old name


def test_cv_refuses_too_few_speakers_before_extracting(tmp_path, monkeypatch, capsys):
    root = make_corpus(tmp_path / "four", speakers=(1, 2, 3, 4), sample_rate=8000, emotions=(1, 2))
    monkeypatch.setattr(features, "load_features", lambda *a, **k: pytest.fail("extracted features first"))
    code, _, err = run(["cv", "--root", root, "--epochs", "1"], capsys)
    assert code == 2 and f"error: {root}: cannot make speaker folds of 4 actors" in err


def test_a_newer_record_is_one_line(tmp_path, monkeypatch, capsys):
    newer = tmp_path / "run00-fold0.json"
    newer.write_text(json.dumps({"complete": True, "record_version": records.RECORD_VERSION + 1}))
    monkeypatch.setattr(cli, "cmd_cv", lambda args: records.read_record(newer))
    code, _, err = run(["cv"], capsys)
    assert code == 2 and "Traceback" not in err and f"error: {newer}: run record version" in err


@pytest.mark.parametrize("option", ["--runs-dir", "--cache"])
def test_a_folder_option_pointing_at_a_file(option, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    command = "cv" if option == "--runs-dir" else "features"
    code, _, err = run([command, option, tmp_path / "file", "--root", "/nonexistent"], capsys)
    assert code == 2 and f"{tmp_path / 'file'}: a file, not a folder" in err


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with the real notebooks and its own profiles and results."""
    (tmp_path / "profiles").mkdir()
    (tmp_path / "notebooks").symlink_to(REPO / "notebooks")
    monkeypatch.setenv("SER_PROJECT_DIR", str(tmp_path))
    return tmp_path


def test_tuned_names_a_bad_profile(project, capsys):
    (project / "profiles" / "broken.yaml").write_text("07_fidelity:\n  epochs: [1, 2\n")
    (project / "results" / "broken").mkdir(parents=True)
    sqlite3.connect(project / "results" / "broken" / "optuna.db").close()
    code, _, err = run(["tuned", "--profile", "broken"], capsys)
    assert code == 2 and f"error: {project / 'profiles' / 'broken.yaml'}: not valid YAML" in err
    code, _, err = run(["tuned", "--profile", "nonexist"], capsys)
    assert code == 2 and "error: unknown profile 'nonexist'" in err and "optuna.db" not in err


def test_a_key_given_twice_in_a_profile(project):
    (project / "profiles" / "twice.yaml").write_text("common:\n  epochs: 1\n  epochs: 2\n")
    with pytest.raises(ProfileError, match="twice.yaml: line 3: key 'epochs' given twice \\(first on line 2\\)"):
        load_profile("twice")


# ---------------------------------------------------------------- 10. storage, pipeline, corpus

def test_a_locked_optuna_db_says_it_waits(project):
    (project / "profiles" / "full.yaml").symlink_to(REPO / "profiles" / "full.yaml")
    db = project / "results" / "full" / "optuna.db"
    db.parent.mkdir(parents=True)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    proc = subprocess.Popen([PY, "-m", "ser_utils", "tuned", "--profile", "full"], stderr=subprocess.PIPE, text=True,
                            env=env(SER_PROJECT_DIR=project))
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stderr, selectors.EVENT_READ)
        line = proc.stderr.readline() if sel.select(timeout=30) else ""
    finally:
        proc.kill()
        proc.wait()
        holder.execute("ROLLBACK")
        holder.close()
    assert line.startswith(f"waiting: {db} is locked by another process")


def test_pipeline_refuses_a_damaged_optuna_db(project, monkeypatch, capsys):
    (project / "profiles" / "smoke.yaml").symlink_to(REPO / "profiles" / "smoke.yaml")
    out = project / "results" / "smoke"
    out.mkdir(parents=True)
    (out / "optuna.db").write_bytes(b"SQLite format 3\0" + os.urandom(4000))
    monkeypatch.setattr(pipeline, "check_corpora", lambda *a: pytest.fail("went on past a damaged optuna.db"))
    assert pipeline.main(["--profile", "smoke", "--only", "04"]) == 2
    assert f"error: {out / 'optuna.db'}: damaged Optuna storage" in capsys.readouterr().err


INTERRUPTED = """
import sys, time
from ser_utils import pipeline
pipeline.check_corpora = lambda *a: None
def run_notebook(*a, **k):
    print("running", flush=True)
    for _ in range(600):  # short sleeps: the kernel may hand SIGINT to another thread (torch's, OpenMP's),
        time.sleep(0.1)   # and Python then raises only when the main thread next wakes, not inside one long sleep
pipeline.run_notebook = run_notebook
sys.exit(pipeline.main(["--profile", "smoke", "--out-dir", sys.argv[1], "--only", "01"]))
"""


def test_ctrl_c_of_the_pipeline_is_one_line(tmp_path):
    # SIGINT at its default, as in a terminal (a shell's background job inherits it ignored, and Python
    # then installs no KeyboardInterrupt handler)
    proc = subprocess.Popen([PY, "-c", INTERRUPTED, str(tmp_path / "out")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env(),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout.readline().strip() == "running"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err and "interrupted" in err and len(err) < 300


def test_a_failed_notebook_is_readable_by_the_group(project, tmp_path, monkeypatch):

    (project / "profiles" / "smoke.yaml").symlink_to(REPO / "profiles" / "smoke.yaml")

    def fails(source, target, **kwargs):
        Path(target).write_text("{}")
        raise pm.PapermillExecutionError(1, 1, "x = 1", "ValueError", "boom", [])

    monkeypatch.setattr(pm, "execute_notebook", fails)
    name = pipeline.notebook_names()[0]
    with pytest.raises(SystemExit):
        pipeline.run_notebook(name, "smoke", tmp_path / "out")
    failed = tmp_path / "out" / "notebooks" / f"{name}.failed.ipynb"
    assert failed.stat().st_mode & 0o777 == 0o644


def test_a_symlink_loop_in_a_corpus_is_followed_once(tmp_path):
    (tmp_path / "spk1").mkdir()
    sf.write(tmp_path / "spk1" / "a.wav", np.zeros(800, np.float32), 8000)
    (tmp_path / "spk1" / "loop").symlink_to(tmp_path)
    assert files_under(tmp_path) == [tmp_path / "spk1" / "a.wav"]
