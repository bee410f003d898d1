"""Run records survive faults: durable atomic writes (0644), damaged records named,
moved aside and retrained, worker processes that die with a killed parent."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import torch

from conftest import REPO
from ser_utils import paths
from ser_utils.data.folds import make_fold
from ser_utils.models import ModelConfig
from ser_utils.training import Spec, TrainConfig, cross_validate, experiment_key, loop, record_path
from ser_utils.training.records import DamagedRecordWarning, read_record, write_record

SPEAKERS = range(1, 13)
FOLD = [make_fold((9, 10, 11, 12), (7, 8), SPEAKERS)]
TINY = Spec(ModelConfig("lstm_sa", hidden=8), TrainConfig(epochs=2, batch_size=64))


def test_record_is_fsynced_before_the_rename_and_readable_by_the_group(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(paths.os, "fsync", lambda fd: (calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                       real_fsync(fd)))
    monkeypatch.setattr(paths.os, "replace", lambda a, b: (calls.append(("replace", str(b))), real_replace(a, b)))
    target = tmp_path / "run00-fold0.json"
    write_record(target, {"complete": True, "x": 1})
    assert [c[0] for c in calls] == ["fsync", "replace", "fsync"]
    assert calls[0][1].startswith(str(tmp_path / ".run00-fold0.json.")) and calls[0][1].endswith(".tmp.json")
    assert calls[1][1] == str(target) and calls[2][1] == str(tmp_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert json.loads(target.read_text()) == {"complete": True, "x": 1}


def test_kill_mid_write_leaves_no_record(tmp_path):
    """SIGKILL while the record is half written: nothing under the final name, and
    the reader sees no record (so the fold is trained)."""
    target = tmp_path / "run00-fold0.json"
    code = ("import os, signal, sys\nfrom ser_utils.paths import atomic_path\n"
            "with atomic_path(sys.argv[1], suffix='.json', durable=True) as tmp:\n"
            "    tmp.write_text('{\"complete\": tr')\n    os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == -signal.SIGKILL
    assert not target.exists() and read_record(target) is None
    (left,) = tmp_path.iterdir()  # the hidden temporary file, never mistaken for a record
    assert left.name.startswith(".run00-fold0.json.") and left.name.endswith(".tmp.json")


def test_a_saved_checkpoint_is_the_same_bytes_whatever_its_temporary_name(tmp_path):
    """torch.save to a path names the archive's inner folder after the file, so an atomic
    write (a random temporary name) gave byte-different files for the same weights;
    ``save_torch`` writes through a file object: inner folder ``archive``, same bytes."""
    weights = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "n": 3}
    a, b = paths.save_torch(weights, tmp_path / "a" / "one.pt"), paths.save_torch(weights, tmp_path / "two.pt")
    assert a.read_bytes() == b.read_bytes()
    assert {n.split("/")[0] for n in zipfile.ZipFile(a).namelist()} == {"archive"}
    back = torch.load(a, weights_only=True)
    assert torch.equal(back["w"], weights["w"]) and back["n"] == 3
    with pytest.raises(Exception):  # a lambda does not pickle: nothing is left, under any name
        paths.save_torch({"f": lambda: 0}, tmp_path / "bad.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "two.pt"]


def test_damaged_record_is_named_moved_aside_and_retrained(learn_data, tmp_path, monkeypatch):
    first = cross_validate(TINY, learn_data, FOLD, runs_dir=tmp_path, n_jobs=1, progress=False)
    path = record_path(tmp_path, experiment_key(TINY, learn_data, FOLD), 0, 0)
    damaged = path.read_bytes()[:200]
    path.write_bytes(damaged)
    calls = []
    real = loop.train_fold
    monkeypatch.setattr(loop, "train_fold", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    with pytest.warns(DamagedRecordWarning, match=rf"{path}: damaged run record \(not valid JSON"):
        again = cross_validate(TINY, learn_data, FOLD, runs_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls) == 1
    assert path.with_name(path.name + ".corrupt").read_bytes() == damaged
    assert again[0].history == first[0].history and again[0].test == first[0].test
    assert read_record(path).test == first[0].test


def test_record_from_a_newer_version_is_an_error_not_damage(learn_data, tmp_path):
    first = cross_validate(TINY, learn_data, FOLD, runs_dir=tmp_path, n_jobs=1, progress=False)
    path = record_path(tmp_path, experiment_key(TINY, learn_data, FOLD), 0, 0)
    path.write_text(json.dumps({**first[0].to_dict(), "record_version": 99}))
    with pytest.raises(ValueError, match=rf"{path}: run record version 99 is newer"):
        read_record(path)
    assert path.exists()  # left in place: newer code may read it


def test_incomplete_record_is_damaged(tmp_path):
    path = tmp_path / "run00-fold1.json"
    path.write_text(json.dumps({"fold": 1}))
    with pytest.warns(DamagedRecordWarning, match="not a complete run record"):
        assert read_record(path) is None
    assert not path.exists() and (tmp_path / "run00-fold1.json.corrupt").exists()


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout.split()
    children: dict[int, list[int]] = {}
    for child, parent in zip(map(int, out[::2]), map(int, out[1::2])):
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkilled_cv_leaves_no_worker_behind(learn_data, learn_cache, tmp_path):
    """`cv --jobs 2` killed with SIGKILL while its workers train: they end too and
    write no record."""
    root = Path(learn_data.index.path.iloc[0]).parents[1]
    (tmp_path / "data" / "interim").mkdir(parents=True)
    (tmp_path / "data" / "interim" / "features").symlink_to(learn_cache)  # features already computed
    env = {**os.environ, "PYTHONPATH": str(REPO), "SER_DATA_DIR": str(tmp_path / "data")}
    cmd = [sys.executable, "-m", "ser_utils", "cv", "--root", str(root), "--model", "lstm_sa", "--hidden", "8",
           "--epochs", "100000", "--jobs", "2", "--runs-dir", str(tmp_path / "runs"), "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        workers, left = [], []
        while time.monotonic() < deadline:  # both workers busy training (their job started)
            workers = [p for p in _descendants(proc.pid) if "LokyProcess" in Path(f"/proc/{p}/cmdline").read_text()]
            if len(workers) == 2 and all(_cpu_seconds(p) > 3 for p in workers):
                break
            assert proc.poll() is None, "cv ended early"
            time.sleep(0.5)
        else:
            pytest.fail("the workers did not start training")
        left = _descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in left) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [p for p in left if _alive(p)] == []
    finally:  # on failure, stop what the test started
        for p in [proc.pid] + _descendants(proc.pid) + [p for p in left if _alive(p)]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert list((tmp_path / "runs").glob("*/run*.json")) == []
