"""Worker processes that die with their parent.

joblib's worker processes outlive a parent killed with SIGKILL: they finish their
job (training a fold for minutes) and write its record for nobody. Every job sent
to a worker goes through ``in_worker``, which ties the worker's life to the parent's
first: on Linux the kernel kills it when the parent dies (``PR_SET_PDEATHSIG``);
elsewhere a watchdog thread ends it within a second.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings

PR_SET_PDEATHSIG = 1
_tied_to: int | None = None


def die_with_parent(parent: int) -> None:
    """End this process as soon as process ``parent`` (its parent) is gone."""
    global _tied_to
    if _tied_to == parent:
        return
    _tied_to = parent
    if sys.platform.startswith("linux") and os.getppid() == parent:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent died before the call
                os._exit(1)
            return
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="die-with-parent").start()


def _watch(parent: int) -> None:
    while _alive(parent):
        time.sleep(0.5)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def in_worker(parent: int, fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` in a worker process tied to ``parent``
    (pass ``os.getpid()`` from the parent)."""
    die_with_parent(parent)
    return fn(*args, **kwargs)


def useful(requested: int | None, jobs: int, what: str = "worker processes", cores: int | None = None) -> int:
    """The number of worker processes worth starting: ``requested`` (default: one per core)
    but never more than the cores nor than the ``jobs`` left (at least 1). Says so on
    stderr when it asks for fewer than were requested (``--jobs 100000`` once started
    hundreds of idle processes until memory ran out)."""
    cores = cores or os.cpu_count() or 1
    wanted = requested or cores
    n = max(1, min(wanted, cores, jobs))
    if requested and n < requested:
        print(f"note: {n} {what if n != 1 else what.rstrip('s').replace('processe', 'process')} instead of "
              f"{requested} ({cores} core(s), {jobs} job(s) to do)",
              file=sys.stderr, flush=True)
    return n


def pool(n_jobs: int, **kwargs):
    """A joblib ``Parallel`` over loky worker processes tied to this process from birth
    (``die_with_parent`` is their initializer), so that no worker, idle or busy, outlives
    it, even when it is killed during their start-up. Jobs still go through ``in_worker``."""
    from joblib import Parallel, parallel_config  # noqa: PLC0415 - heavy: joblib/loky, only when a pool starts

    # loky restarts a worker whose memory grew by more than 300 MB since it started (its
    # leak guard: a training worker holds a dataset and a model) and, when jobs are still
    # queued, warns "A worker stopped while some jobs were given to the executor … memory
    # leak". Nothing is lost: the job had finished and the replacement takes the next one.
    warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given to the executor",
                            category=UserWarning)
    # joblib's public way to pass the loky backend its arguments: the Parallel made inside
    # the context keeps them (its backend is built when it is made)
    with parallel_config(backend="loky", initializer=die_with_parent, initargs=(os.getpid(),)):
        return Parallel(n_jobs=n_jobs, **kwargs)


_DONE = "\0done"


def isolated(fn, items, crashed):
    """Yield ``fn(item)`` for each item, in order, each computed in a forked child process
    tied to this one. When the child dies (a crash inside native code: SIGSEGV in a
    resampler, an abort), yield ``crashed(item, why)`` for that item and go on with the
    rest in a fresh child: no single item can take the others' answers down. An exception
    ``fn`` raises is raised here."""
    ctx = multiprocessing.get_context("fork")
    items = list(items)
    i = 0
    while i < len(items):
        mine, theirs = ctx.Pipe()
        child = ctx.Process(target=_serve, args=(os.getpid(), fn, theirs), daemon=True)
        child.start()
        theirs.close()
        try:
            while i < len(items):
                mine.send(items[i])
                try:
                    ok, answer = mine.recv()
                except (EOFError, ConnectionError):
                    child.join()
                    answer, ok = crashed(items[i], _death(child.exitcode)), True
                    i += 1
                    yield answer
                    break
                i += 1
                if not ok:
                    raise answer
                yield answer
            else:
                mine.send(_DONE)
        finally:
            mine.close()
            child.join(timeout=10)
            if child.is_alive():
                child.kill()


def _serve(parent: int, fn, conn) -> None:
    die_with_parent(parent)
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if isinstance(item, str) and item == _DONE:
            return
        try:
            answer = (True, fn(item))
        except Exception as exc:
            answer = (False, exc)
        conn.send(answer)


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"its process crashed ({signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"its process ended unexpectedly (exit status {code})"
