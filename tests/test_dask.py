"""Training jobs on a Dask cluster (``training.farm``): a real ``dask scheduler`` and two
``dask worker --nthreads 1`` processes on 127.0.0.1, no mocks. Their records equal a local
run's bit for bit, a worker killed mid-job loses nothing and duplicates nothing, and an
unreachable scheduler is one line within 10 s."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from distributed import Client

from conftest import REPO
from ser_utils.data.folds import make_fold
from ser_utils.models import ModelConfig
from ser_utils.training import Spec, TrainConfig, cross_validate, experiment_key, farm, record_path
from ser_utils.training.loop import train_job

SPEAKERS = range(1, 13)
FOLDS = [make_fold((9, 10, 11, 12), (7, 8), SPEAKERS), make_fold((1, 2, 3, 4), (5, 6), SPEAKERS)]
TINY = Spec(ModelConfig("lstm_sa", hidden=8), TrainConfig(epochs=2, batch_size=64))
# what legitimately differs between two machines' records of one job
MACHINE_FIELDS = {"wall_seconds", "machine", "host", "hardware", "cpu", "numerics"}
DASK = Path(sys.executable).with_name("dask")


def _comparable(path: Path) -> dict:
    record = json.loads(path.read_text())
    return {k: v for k, v in record.items() if k not in MACHINE_FIELDS}


def _start(args, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(farm.SCHEDULER_ENV, None)
    return subprocess.Popen([str(DASK), *args], stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)  # its own process group: killed whole (nanny and worker)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``{"address", "client", "workers": {name: Popen}}``; every process is killed at the end."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(file)], folder / "scheduler.log")]
    client = None
    try:
        deadline = time.monotonic() + 60
        while not file.exists() or not file.read_text().strip():
            assert procs[0].poll() is None and time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        workers = {}
        for name in ("w1", "w2"):
            workers[name] = _start(["worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
                                    "--name", name, "--preload", "ser_utils.training.farm"], folder / f"{name}.log")
            procs.append(workers[name])
        client = Client(address, timeout=30, set_as_default=False)
        client.wait_for_workers(2, timeout=90)
        yield {"address": address, "client": client, "workers": workers}
    finally:
        if client is not None:
            client.close()
        for proc in procs:
            _kill(proc)


def test_cluster_records_equal_a_local_runs_bit_for_bit(cluster, learn_data, tmp_path):
    """cv through two workers, weights kept: every record (but its wall time) and every
    checkpoint equal a local run's; the dataset reached each worker once, by the scatter."""
    runs = (0, 1)
    remote = cross_validate(TINY, learn_data, FOLDS, runs=runs, runs_dir=tmp_path / "remote", save_weights=True,
                            progress=False, scheduler=cluster["address"])
    local = cross_validate(TINY, learn_data, FOLDS, runs=runs, runs_dir=tmp_path / "local", save_weights=True,
                           n_jobs=1, progress=False)
    assert [(r.run, r.fold) for r in remote] == [(r.run, r.fold) for r in local] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    key = experiment_key(TINY, learn_data, FOLDS)
    for r in runs:
        for f in range(len(FOLDS)):
            a, b = record_path(tmp_path / "remote", key, r, f), record_path(tmp_path / "local", key, r, f)
            assert _comparable(a) == _comparable(b)
            assert json.loads(a.read_text())["threads"] == 1
            wa, wb = (torch.load(p.with_suffix(".pt"), weights_only=False) for p in (a, b))  # files made here
            assert wa["model"] == wb["model"]
            assert np.array_equal(wa["mean"], wb["mean"]) and np.array_equal(wa["std"], wb["std"])
            assert all(torch.equal(wa["state_dict"][k], wb["state_dict"][k]) for k in wb["state_dict"])
    assert sorted(p.name for p in (tmp_path / "remote" / key).iterdir()) == sorted(
        p.name for p in (tmp_path / "local" / key).iterdir())  # nothing else written: no temporary file left
    # the dataset reached the workers with the scatter (broadcast: to each directly, or to one and from it to
    # the other), nothing more: no job moved data between the workers
    fetched = cluster["client"].run(lambda dask_worker: dask_worker.state.transfer_incoming_count_total)
    assert sorted(fetched.values()) in ([0, 0], [0, 1]), fetched
    # finished records are never sent again
    again = cross_validate(TINY, learn_data, FOLDS, runs=runs, runs_dir=tmp_path / "remote", progress=False,
                           scheduler=cluster["address"])
    assert again == remote


def test_unreachable_scheduler_is_one_line_within_10_s(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "SER_DATA_DIR": str(tmp_path / "data")}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ser_utils", "cv", "--scheduler", address, "--epochs", "1",
                           "--runs-dir", str(tmp_path / "runs")], capture_output=True, text=True, env=env, timeout=60)
    seconds = time.monotonic() - start
    assert done.returncode == 2, done.stderr
    assert (done.stderr.count("\n") == 1
            and done.stderr.startswith(f"error: cannot reach the Dask scheduler at {address}"))
    assert seconds < 10, seconds
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("*.json"))
    with pytest.raises(farm.SchedulerError, match="not a Dask scheduler address"):
        farm.connect("127.0.0.1:8786")


def test_scheduler_from_the_environment(monkeypatch):
    monkeypatch.setenv(farm.SCHEDULER_ENV, "tcp://example:1")
    assert farm.scheduler_address() == "tcp://example:1"
    assert farm.scheduler_address("tcp://given:2") == "tcp://given:2"
    monkeypatch.setenv(farm.SCHEDULER_ENV, "")
    assert farm.scheduler_address() is None


def _train_in_background(address, todo, data, runs_dir, result: dict) -> threading.Thread:
    """``farm.train`` in a started thread: ``result["written"]``, or ``result["error"]``."""
    def train():
        try:
            result["written"] = farm.train(address, todo, data, FOLDS, runs_dir)
        except BaseException as exc:  # reported by the test
            result["error"] = exc

    thread = threading.Thread(target=train)
    thread.start()
    return thread


def test_dataset_lost_mid_run_jobs_are_sent_again(cluster, learn_data, tmp_path):
    """The dataset's last replica lost while jobs need it (a worker holding the only copy
    died; here it is released by force): the scheduler cancels those jobs, the farm scatters
    the dataset again and sends them again under new task names (a reused name would hand
    back the cancelled future), and every record is written once, equal to a local run's."""
    spec = Spec(ModelConfig("lstm_sa", hidden=8), TrainConfig(epochs=40, batch_size=64))  # ~1 s a job
    key = experiment_key(spec, learn_data, FOLDS)
    todo = [(spec, key, r, f) for r in (0, 1) for f in range(len(FOLDS))]
    client = farm.connect(cluster["address"])  # the farm's own client (one per process)
    lost = farm._data_future(client, cluster["address"], learn_data)
    result = {}
    thread = _train_in_background(cluster["address"], todo, learn_data, tmp_path, result)
    try:
        deadline = time.monotonic() + 60
        while thread.is_alive() and time.monotonic() < deadline and not any(client.processing().values()):
            time.sleep(0.05)
        assert thread.is_alive(), "every job finished before the dataset could be lost"
        client.cancel([lost], force=True)  # the dataset and every job that needs it
    finally:
        thread.join(300)
    assert "error" not in result, result.get("error")
    assert farm._scattered[(cluster["address"], id(learn_data))][1] is not lost  # scattered again
    expected = sorted(record_path(tmp_path, key, r, f) for _, _, r, f in todo)
    assert sorted(result["written"]) == expected
    assert sorted(p.name for p in (tmp_path / key).iterdir()) == sorted(p.name for p in expected)
    for _, _, r, f in todo:
        here, _ = train_job(spec, learn_data, FOLDS, key, r, f)
        assert _comparable(record_path(tmp_path, key, r, f)) == {
            k: v for k, v in json.loads(json.dumps(here.to_dict())).items() if k not in MACHINE_FIELDS}


def test_task_names_differ_per_attempt():
    assert farm.task_key("abc", 1, 2) == "ser-train-abc-run01-fold2"
    assert len({farm.task_key("abc", 1, 2, attempt) for attempt in range(farm.RESUBMITS + 1)}) == farm.RESUBMITS + 1


def test_worker_killed_mid_job_loses_and_duplicates_nothing(cluster, learn_data, tmp_path):
    """SIGKILL one worker (nanny and process) while it trains: the scheduler runs its job
    again on the other, every record is written once, and the killed job's record equals
    the same job trained here. (Last: it leaves the cluster one worker short.)"""
    spec = Spec(ModelConfig("lstm_sa", hidden=8), TrainConfig(epochs=80, batch_size=64))  # ~2 s a job
    key = experiment_key(spec, learn_data, FOLDS)
    todo = [(spec, key, r, f) for r in (0, 1) for f in range(len(FOLDS))]
    client, victim = cluster["client"], cluster["workers"]["w1"]
    address_of = {info["name"]: addr for addr, info in client.scheduler_info()["workers"].items()}
    result, killed = {}, []
    thread = _train_in_background(cluster["address"], todo, learn_data, tmp_path, result)
    try:
        deadline = time.monotonic() + 120
        started = None
        while thread.is_alive() and time.monotonic() < deadline:
            busy = client.processing(workers=[address_of["w1"]]).get(address_of["w1"], [])
            if busy and started is None:
                started = time.monotonic()
            if busy and time.monotonic() - started > 0.5:  # w1 is half a second into a job
                killed = list(busy)
                _kill(victim)
                break
            time.sleep(0.1)
    finally:
        thread.join(300)
    assert "error" not in result, result.get("error")
    assert killed, "w1 never trained a job"
    written = result["written"]
    expected = sorted(record_path(tmp_path, key, r, f) for _, _, r, f in todo)
    assert sorted(written) == expected  # each record written once, none lost
    assert sorted(p.name for p in (tmp_path / key).iterdir()) == sorted(p.name for p in expected)
    run, fold = next((r, f) for _, _, r, f in todo if farm.task_key(key, r, f) == killed[0])  # (w1 may have had
    here, _ = train_job(spec, learn_data, FOLDS, key, run, fold)                              # one queued too)
    assert _comparable(record_path(tmp_path, key, run, fold)) == {
        k: v for k, v in json.loads(json.dumps(here.to_dict())).items() if k not in MACHINE_FIELDS}
