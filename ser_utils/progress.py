"""Progress bars that go to the terminal, never into a notebook.

Inside a Jupyter kernel (the pipeline's papermill runs, JupyterLab) ``sys.stderr`` is the
notebook's output: a tqdm bar written there leaves one fragment per update in the executed
notebook (about 90 in notebook 02). ``tqdm`` here is tqdm's own bar, drawn on the stream
the kernel was started with instead: the terminal that runs ``make reproduce`` (papermill
starts the kernel with its own stderr). Outside a kernel it is plain tqdm on stderr."""

from __future__ import annotations

import io
import os
import sys

from tqdm import tqdm as _tqdm

_KERNEL_STREAM = None


def in_kernel() -> bool:
    """Whether ``sys.stderr`` is a Jupyter kernel's output stream (a notebook's output)."""
    return type(sys.stderr).__module__.startswith("ipykernel")


def stream():
    """Where progress goes: stderr, or in a kernel the stderr the kernel was started with
    (ipykernel keeps a copy of it when it captures file descriptor 2)."""
    global _KERNEL_STREAM
    if not in_kernel():
        return sys.stderr
    if _KERNEL_STREAM is None:
        fd = getattr(sys.stderr, "_original_stdstream_copy", None)
        if fd is None:  # ipykernel does not capture fd 2 (e.g. under pytest): it still is the terminal
            _KERNEL_STREAM = sys.__stderr__
        else:
            _KERNEL_STREAM = io.TextIOWrapper(io.FileIO(os.dup(fd), "w"), line_buffering=True)
    return _KERNEL_STREAM


def tqdm(*args, **kwargs):
    """``tqdm.tqdm`` drawn on ``stream()`` (a ``file=`` given wins)."""
    kwargs.setdefault("file", stream())
    return _tqdm(*args, **kwargs)
