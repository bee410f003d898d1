"""The study's training jobs on a Dask cluster (``dask[distributed]``).

With a scheduler address (``--scheduler tcp://HOST:PORT`` or ``$DASK_SCHEDULER``) the
(spec, run, fold) jobs that ``cross_validate_many`` and the tuning workers would train in
local processes go to that cluster's workers instead; without one nothing here is used.

- No shared filesystem: a worker trains with ``loop.train_job`` (one thread on CPU, as
  locally) and sends the record (and the weights, when asked) back; this process writes
  them with ``loop.save_job``, atomically, as a local job would. The dataset is scattered
  to the workers once per connection (``broadcast``), and every job names it, so it is
  not sent again with each job. (The scheduler's active memory manager may later drop
  replicas a worker does not need at the moment; that worker fetches it from a peer.)
- Faults: a worker that dies mid-job loses nothing; the scheduler runs the job again on
  another worker (up to ``distributed.scheduler.allowed-failures`` deaths per job) and
  this process writes each record once, when the job's result arrives. When the dead
  worker held the dataset's last replica, the scheduler cancels the jobs that need it;
  they are sent again (``RESUBMITS`` times, each under a new task name) with the
  dataset scattered again. A job whose
  record exists is never sent. An unreachable scheduler is a ``SchedulerError`` within
  ``CONNECT_TIMEOUT`` seconds.
- A worker whose trainer differs from this process' (torch, numpy, ``TRAINER_VERSION``
  or the training and model code) refuses the job: records made there could differ.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
from pathlib import Path

import numpy
import torch

import ser_utils
from ser_utils import numerics
from ser_utils.training.loop import TRAINER_VERSION, save_job, train_job
from ser_utils.training.records import read_record, record_path

SCHEDULER_ENV = "DASK_SCHEDULER"
CONNECT_TIMEOUT = 5.0  # seconds: with the start-up, an unreachable scheduler is reported within 10 s
_ADDRESS = re.compile(r"^(tcp|tls)://\S+:\d+$")

_lock = threading.Lock()
_clients: dict = {}    # address -> Client, one per process
_scattered: dict = {}  # (address, id(data)) -> (data, its future on the cluster)


class SchedulerError(RuntimeError):
    """The Dask scheduler cannot be used: unreachable, a bad address, a lost connection."""


class WorkerMismatch(RuntimeError):
    """A worker's trainer differs from the client's (raised on the worker)."""


class _Lost(Exception):
    """A job cancelled by the scheduler because the workers holding the dataset died."""

    def __init__(self, job):
        super().__init__(job)
        self.job = job


RESUBMITS = 3  # times a job is sent again after the dataset was lost with its workers


def scheduler_address(given: str | None = None) -> str | None:
    """The scheduler to use: ``given``, else ``$DASK_SCHEDULER``; None (or empty): local processes."""
    return (given or os.environ.get(SCHEDULER_ENV) or "").strip() or None


def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """This process' client of the scheduler at ``address`` (one per address, reused)."""
    if not _ADDRESS.match(address):
        raise SchedulerError(f"{address!r} is not a Dask scheduler address (expected tcp://HOST:PORT)")
    with _lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        try:
            from distributed import Client  # noqa: PLC0415 - heavy: dask.distributed, only with a scheduler
        except ImportError as exc:  # pragma: no cover - a pinned dependency
            raise SchedulerError(f"--scheduler needs dask[distributed] ({exc})") from None
        host, _, port = address.split("://", 1)[1].rpartition(":")
        try:  # a refused or unroutable address fails here at once, not after the client's retries
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except OSError as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {address} ({exc.strerror or exc})") from None
        class _Client(Client):
            def __del__(self):  # one that never connected has nothing to close (closing it waits 2 x timeout)
                if self.status == "running":
                    super().__del__()

        try:
            client = _Client(address, timeout=timeout, set_as_default=False)
        except Exception as exc:  # a timeout, or something else listening there
            why = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
            if isinstance(exc, (OSError, TimeoutError)):
                raise SchedulerError(f"cannot reach a Dask scheduler at {address} within {timeout:g} s "
                                     f"({why})") from None
            raise SchedulerError(f"no Dask scheduler answered at {address} ({why})") from None
        _clients[address] = client
        for key in [k for k in _scattered if k[0] == address]:  # a new connection: scatter again
            del _scattered[key]
        return client


def cluster_threads(client) -> int:
    """The worker threads the cluster has now (0 while no worker has joined)."""
    return sum(client.nthreads().values())


def _code_digest() -> str:
    """Hash of the code that computes a job: the training loop, the models, the folds' split."""
    root = Path(ser_utils.__file__).parent
    files = [root / "training" / "loop.py", root / "data" / "dataset.py", *sorted((root / "models").glob("*.py"))]
    digest = hashlib.sha1()
    for f in files:
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def environment() -> dict:
    """What must agree between the client and a worker for their records to agree."""

    return {"torch": torch.__version__, "numpy": numpy.__version__, "trainer": TRAINER_VERSION,
            "code": _code_digest(), "numerics": numerics.state()["numerics"]}


def remote_job(spec, data, folds, key: str, run: int, fold: int, save_weights: bool, expected: dict):
    """On a worker: one job's ``(record, weights or None)``; nothing written there."""
    mine = environment()
    wrong = {k: (v, mine.get(k)) for k, v in expected.items() if mine.get(k) != v}
    if wrong:
        raise WorkerMismatch(f"worker on {socket.gethostname()} differs from the client: "
                             + ", ".join(f"{k} {w!r} (client {c!r})" for k, (c, w) in wrong.items())
                             + "; install the same checkout there (pip install -c requirements.lock -e .)")
    record, weights = train_job(spec, data, folds, key, run, fold)
    return record, (weights if save_weights else None)


def _data_future(client, address: str, data, lost=None):
    """``data`` on the cluster: scattered to every worker once per connection (workers that
    join later fetch it from a peer once); again when ``lost`` (its future, lost with the
    workers that held it) is still the one in use."""
    with _lock:
        found = _scattered.get((address, id(data)))
        if found is not None and found[0] is data and found[1] is not lost:
            return found[1]
        future = client.scatter(data, broadcast=True, hash=False)
        _scattered[(address, id(data))] = (data, future)
        return future


def task_key(key: str, run: int, fold: int, attempt: int = 0) -> str:
    """The job's task name on the cluster; a job sent again gets a new one (``-retryN``):
    a client asked for a key it still holds returns that key's old, cancelled future."""
    return f"ser-train-{key}-run{run:02d}-fold{fold}" + (f"-retry{attempt}" if attempt else "")


class Farm:
    """The jobs of this process on one cluster: ``submit`` a job, ``finish`` its future
    (writes the record), ``cancel`` what is left."""

    def __init__(self, address: str, data, folds, runs_dir):
        self.address = address
        self.client = connect(address)
        self.data, self.folds, self.runs_dir = data, folds, Path(runs_dir)
        self.expected = environment()
        self._data = _data_future(self.client, address, data)
        self.pending: dict = {}
        self.written: list[Path] = []
        self.stopped = False
        self.tries: dict = {}
        self._lock = threading.Lock()  # tuning threads share one farm

    def submit(self, spec, key: str, run: int, fold: int, save_weights: bool = False, priority: int = 0):
        with self._lock:
            if self.stopped:
                raise KeyboardInterrupt("the cluster's jobs were cancelled")
            attempt = self.tries.get((key, run, fold), 0)
            future = self.client.submit(remote_job, spec, self._data, self.folds, key, run, fold, save_weights,
                                        self.expected, key=task_key(key, run, fold, attempt), pure=False,
                                        priority=priority)
            self.pending[id(future)] = (future, (spec, key, run, fold, save_weights, priority, self._data))
        return future

    def resubmit(self, job):
        """A job whose dataset was lost (``_Lost``) sent again, with the dataset scattered again."""
        spec, key, run, fold, save_weights, priority, used = job
        self.tries[(key, run, fold)] = self.tries.get((key, run, fold), 0) + 1
        if self.tries[(key, run, fold)] > RESUBMITS:
            raise SchedulerError(f"{spec.label()} run {run} fold {fold}: cancelled by the scheduler "
                                 f"{RESUBMITS + 1} times (its dataset lost with the workers that held it)")
        self._data = _data_future(self.client, self.address, self.data, lost=used)
        return self.submit(spec, key, run, fold, save_weights, priority)

    def finish(self, future):
        """Wait for a job, write its record (and weights) here, return the record."""
        from distributed.client import FutureCancelledError  # noqa: PLC0415 - heavy: dask.distributed, only with a scheduler
        from distributed.scheduler import KilledWorker  # noqa: PLC0415 - heavy: dask.distributed, only with a scheduler


        with self._lock:
            job = self.pending[id(future)][1]
        spec, key, run, fold = job[:4]
        try:
            record, weights = future.result()
        except KilledWorker as exc:
            raise SchedulerError(f"{spec.label()} run {run} fold {fold}: its workers died too often "
                                 f"(distributed.scheduler.allowed-failures): {exc}") from None
        except (FutureCancelledError, OSError, TimeoutError) as exc:
            if self.stopped:
                raise KeyboardInterrupt("the cluster's jobs were cancelled") from None
            if self.client.status != "running" or isinstance(exc, OSError):
                raise SchedulerError(f"lost the Dask scheduler at {self.address} "
                                     f"({type(exc).__name__}: {exc})") from None
            raise _Lost(job) from None
        finally:
            with self._lock:
                self.pending.pop(id(future), None)
            future.release()
        path = record_path(self.runs_dir, key, run, fold)
        found = read_record(path)
        if found is not None:  # another client finished it first: its record stands
            return found
        save_job(path, record, weights)
        self.written.append(path)
        return record

    def cancel(self) -> None:
        """Cancel the jobs still pending; later ``submit`` and ``finish`` calls raise
        KeyboardInterrupt."""
        with self._lock:
            self.stopped = True
            pending = [future for future, _ in self.pending.values()]
        if pending:
            self.client.cancel(pending)

    def run_job(self, spec, data, folds, key: str, run: int, fold: int, runs_dir, save_weights: bool = False):
        """``loop.run_job``'s signature and contract (a finished record is returned as it
        is), the job trained on the cluster: for callers that need one job at a time."""
        if data is not self.data or folds is not self.folds or Path(runs_dir) != self.runs_dir:
            raise ValueError("Farm.run_job: another dataset, folds or runs folder than the farm's")
        found = read_record(record_path(self.runs_dir, key, run, fold))
        if found is not None:
            return found
        future = self.submit(spec, key, run, fold, save_weights)
        while True:
            try:
                return self.finish(future)
            except _Lost as lost:
                future = self.resubmit(lost.job)


def train(address: str, todo, data, folds, runs_dir, save_weights: bool = False, on_done=None) -> list[Path]:
    """Every job of ``todo`` (``(spec, key, run, fold)``, most expensive first) on the
    cluster; each record written here as its result arrives. Returns the records written."""
    from distributed import as_completed  # noqa: PLC0415 - heavy: dask.distributed, only with a scheduler

    farm = Farm(address, data, folds, runs_dir)
    futures = [farm.submit(spec, key, r, f, save_weights, priority=len(todo) - i)
               for i, (spec, key, r, f) in enumerate(todo)]
    try:
        done = as_completed(futures, loop=farm.client.loop)
        for future in done:
            try:
                farm.finish(future)
            except _Lost as lost:
                done.add(farm.resubmit(lost.job))
                continue
            if on_done is not None:
                on_done()
    finally:
        farm.cancel()  # after an error or an interrupt, the cluster stops training for nobody
    return farm.written


def check(address: str | None = None) -> str | None:
    """Raise ``SchedulerError`` now if the scheduler (``address`` or ``$DASK_SCHEDULER``)
    cannot be reached; the connection is closed again. Returns the address (None: local)."""
    address = scheduler_address(address)
    if address:
        client = connect(address)
        with _lock:
            _clients.pop(address, None)
        client.close()
    return address
