"""Pinned numerics: the floating-point code paths of training and feature extraction,
fixed so that a run record replays bit for bit on any x86-64 CPU with AVX2.

Why (``python -m ser_utils numerics --probe`` shows it op by op): the libraries under
the study choose their kernels by the CPU they find, and kernels of different vector
widths round differently.

- ATen (PyTorch's own CPU kernels: BatchNorm, softmax, the masked sums, tanh/sigmoid,
  Adam's update) is compiled for DEFAULT / AVX2 / AVX512 and picks the widest the CPU
  has (``ATEN_CPU_CAPABILITY`` caps it);
- MKL's sgemm (``nn.Linear``, attention) picks a code branch per CPU
  (``MKL_CBWR`` fixes it: Conditional Numerical Reproducibility);
- oneDNN (the LSTM's forward and backward) JIT-compiles for the widest ISA
  (``ONEDNN_MAX_CPU_ISA`` caps it);
- numpy (normalisation statistics, ``log10`` of the power spectrum) dispatches its
  loops per CPU (``NPY_DISABLE_CPU_FEATURES`` turns the AVX-512 ones off);
- OpenBLAS (the mel and chroma filter banks' matrix products) picks a kernel per
  CPU (``OPENBLAS_CORETYPE`` fixes it).

At batch 4 a last-bit difference grows into a different trajectory within an epoch
(a fold's test UAR moved by 0.1 between two machines). ``PINNED_ENV`` fixes each of
them at AVX2, the widest ISA every x86-64 server CPU since 2013 (Intel Haswell, AMD
Zen) has. These variables are read when each library loads or first runs, so
``apply`` runs when ``ser_utils`` is imported, before the package imports numpy or
torch, and worker processes inherit them. A process that imported numpy before
``ser_utils`` (a notebook kernel started by hand) is only partly pinned; ``state``
says what is in force, and every run record stores it.

``SER_NUMERICS=native`` leaves every library to its own choice (faster on AVX-512
machines, reproducible only on the same CPU model).
"""

from __future__ import annotations

import os
import platform
import sys
from functools import lru_cache

NAME = "x86-avx2-v1"            # the pinned setting's name, stored in run records
NATIVE = "native"
SWITCH = "SER_NUMERICS"         # pinned (default) | native
PINNED_ENV = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": "AVX2,STRICT",
    "MKL_DYNAMIC": "FALSE",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "OPENBLAS_CORETYPE": "Haswell",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
}
_NUMPY_WIDE = ("X86_V4", "AVX512_ICL", "AVX512_SPR", "AVX512F", "AVX512_SKX")


@lru_cache(maxsize=1)
def cpu_model() -> str:
    """The CPU's model name, family and model numbers (``/proc/cpuinfo``), else what
    ``platform`` knows; e.g. ``AMD EPYC (family 25, model 17)``."""
    info = {}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "cpu family", "model") and key not in info:
                    info[key] = value.strip()
                if not line.strip() and info:
                    break
    except OSError:
        pass
    if "model name" not in info:
        return platform.processor() or platform.machine()
    return f"{info['model name']} (family {info.get('cpu family', '?')}, model {info.get('model', '?')})"


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def supported() -> bool:
    """Whether this machine can run the pinned setting: x86-64 with AVX2 and FMA."""
    return platform.machine() in ("x86_64", "AMD64") and {"avx2", "fma"} <= cpu_flags()


def requested() -> str:
    """The setting asked for: ``NAME`` unless ``SER_NUMERICS=native`` (or the CPU cannot)."""
    if os.environ.get(SWITCH, "pinned").strip().lower() == NATIVE:
        return NATIVE
    return NAME if supported() else NATIVE


def apply() -> None:
    """Set ``PINNED_ENV`` in this process's environment (and so its children's) unless
    native numerics are asked for. Called by ``ser_utils/__init__.py``."""
    if requested() == NAME:
        os.environ.update(PINNED_ENV)


def environment(setting: str) -> dict:
    """The environment a child process needs to run under ``setting`` (``NAME`` or native)."""
    env = {k: v for k, v in os.environ.items() if k not in PINNED_ENV}
    if setting == NAME:
        env.update(PINNED_ENV)
        env[SWITCH] = "pinned"
    else:
        env[SWITCH] = NATIVE
    return env


def _numpy_wide_loops() -> list | None:
    """numpy's enabled AVX-512 dispatch targets (None: numpy not loaded in this process)."""
    if "numpy" not in sys.modules:
        return None
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__ as targets  # noqa: PLC0415 - numpy only once loaded (numerics pins before numpy loads)
        from numpy._core._multiarray_umath import __cpu_features__ as features  # noqa: PLC0415 - numpy only once loaded
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import __cpu_dispatch__ as targets  # noqa: PLC0415 - numpy only once loaded
        from numpy.core._multiarray_umath import __cpu_features__ as features  # noqa: PLC0415 - numpy only once loaded
    return sorted(k for k in _NUMPY_WIDE if k in targets and features.get(k))


def _openblas_core() -> str | None:
    try:
        from threadpoolctl import threadpool_info  # noqa: PLC0415 - optional: threadpoolctl
    except ImportError:
        return None
    arch = [i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"]
    return arch[0] if arch else None


@lru_cache(maxsize=1)
def _torch_libraries() -> dict:
    import torch  # noqa: PLC0415 - torch loads after numerics.apply() has pinned the environment

    config = torch.__config__.show()
    out = {"torch": torch.__version__}
    for line in config.splitlines():
        line = line.strip(" -")
        if "Math Kernel Library Version" in line:
            out["mkl"] = line.split("Version", 1)[1].split()[0]
        elif line.startswith("Intel(R) MKL-DNN") or line.startswith("oneDNN"):
            out["onednn"] = line.split()[-4] if "Git Hash" in line else line.split()[-1]
    return out


def state() -> dict:
    """The numerics in force in this process: the setting's name (``NAME`` only when every
    pinned part is in force, ``native`` when none is, else ``partial``), the CPU model,
    the instruction set torch's kernels use, numpy's AVX-512 loops, OpenBLAS's kernel, the
    pinning variables as set, and the numeric libraries' versions."""
    import numpy  # noqa: PLC0415 - numerics is imported before numpy and torch load (it pins them)
    import torch  # noqa: PLC0415 - likewise

    capability = torch.backends.cpu.get_cpu_capability()
    wide = _numpy_wide_loops()
    core = _openblas_core()
    env = {k: os.environ.get(k) for k in PINNED_ENV}
    pinned_parts = [capability == "AVX2", wide == [], core in (None, "Haswell"),
                    *(os.environ.get(k) == v for k, v in PINNED_ENV.items())]
    if all(pinned_parts):
        name = NAME
    elif not any(v is not None for v in env.values()):
        name = NATIVE
    else:
        name = "partial"
    return {"numerics": name, "cpu": cpu_model(), "torch_capability": capability,
            "numpy_avx512_loops": wide, "openblas_core": core, "env": env,
            "libraries": {**_torch_libraries(), "numpy": numpy.__version__}}


def differences(recorded: dict | None, here: dict) -> list[str]:
    """What differs between a record's ``machine`` and this process's ``state()``, in words."""
    if not recorded:
        return ["the record does not say which CPU or numerics made it (written before record version 2)"]
    out = []
    if recorded.get("cpu") is None:
        out.append(f"the record does not say which CPU made it ({recorded.get('note') or 'not recorded'}); "
                   f"here: {here.get('cpu')}, torch {here.get('torch_capability')}")
    for key, what in (("numerics", "numerics"), ("cpu", "CPU"), ("torch_capability", "torch's instruction set"),
                      ("openblas_core", "OpenBLAS kernel"), ("numpy_avx512_loops", "numpy's AVX-512 loops")):
        if recorded.get(key) != here.get(key) and (key == "numerics" or recorded.get("cpu") is not None):
            out.append(f"{what}: {recorded.get(key)!r} in the record, {here.get(key)!r} here")
    a, b = recorded.get("libraries", {}), here.get("libraries", {})
    for lib in sorted(set(a) & set(b)):
        if a.get(lib) != b.get(lib):
            out.append(f"{lib}: {a.get(lib)!r} in the record, {b.get(lib)!r} here")
    return out


def guaranteed(recorded: dict | None, here: dict) -> tuple[bool, str]:
    """Whether a record's history must replay bit for bit here, and why (or why not).

    Guaranteed: the record was made under ``NAME``, this process runs under ``NAME``, and
    the numeric libraries are the same versions. Also guaranteed: the same CPU model,
    numerics, instruction sets and libraries (a record replayed where it was made)."""
    if not recorded:
        return False, differences(recorded, here)[0]
    diffs = differences(recorded, here)
    libs = [d for d in diffs if d.split(":")[0] in set(recorded.get("libraries", {})) | set(here.get("libraries", {}))]
    if recorded.get("numerics") == NAME and here.get("numerics") == NAME:
        if libs:
            return False, "pinned numerics on both sides but different libraries: " + "; ".join(libs)
        return True, f"pinned numerics ({NAME}) on both sides, same libraries"
    if not diffs:
        return True, "same CPU model, numerics and libraries as the record"
    return False, "; ".join(diffs)



def exports(setting: str | None = None) -> str:
    """Shell ``export`` lines that put a process started by hand (``dask worker``, a
    notebook server) under ``setting`` (default: the one asked for here)."""
    env = environment(setting or requested())
    return "\n".join(f"export {k}='{env[k]}'" for k in (*PINNED_ENV, SWITCH) if k in env)
