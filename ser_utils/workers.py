"""Worker processes that die with their parent.

joblib's worker processes outlive a parent killed with SIGKILL: they finish their
job (training a fold for minutes) and write its record for nobody. Every job sent
to a worker goes through ``in_worker``, which ties the worker's life to the parent's
first: on Linux the kernel kills it when the parent dies (``PR_SET_PDEATHSIG``);
elsewhere a watchdog thread ends it within a second.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

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
