"""Which operations give different results on different CPUs: each of the study's
floating-point operations run on fixed inputs in a fresh process per setting (a
setting caps one library's instruction set, as a CPU without it would), its output
hashed. ``python -m ser_utils numerics --probe`` prints the table; an operation whose
hash changes with a setting rounds differently on a CPU that lacks (or has) that ISA.

The operations are those one training step of ResLSTM-SA-h64 at batch 4 performs (the
46-wide LSTM and ``BatchNorm1d(46)``, the masked attention softmax, ``nn.Linear``, Adam's
update) and those of feature extraction (numpy's float32 statistics and ``log10``, the
filter banks' matrix product).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ser_utils import numerics
from ser_utils.data.dataset import load_dataset
from ser_utils.data.download import get_corpus
from ser_utils.data.folds import REFERENCE_FOLDS
from ser_utils.models import ModelConfig, build_model
from ser_utils.paths import results_dir
from ser_utils.progress import tqdm  # drawn on the terminal, never in a notebook
from ser_utils.training.loop import Spec, train_job
from ser_utils.training.records import RunRecord, write_record

# one library changed at a time from native, then the pinned setting, then the pinned
# setting with each library's cap taken off again
VARIANTS = {
    "native": {},
    "ATen AVX2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "ATen DEFAULT": {"ATEN_CPU_CAPABILITY": "default"},
    "MKL AVX2": {"MKL_CBWR": "AVX2,STRICT"},
    "MKL COMPATIBLE": {"MKL_CBWR": "COMPATIBLE"},
    "oneDNN AVX2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "OpenBLAS Haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "numpy AVX2": {"NPY_DISABLE_CPU_FEATURES": numerics.PINNED_ENV["NPY_DISABLE_CPU_FEATURES"]},
    "pinned": dict(numerics.PINNED_ENV),
}


def _digest(*arrays) -> str:
    h = hashlib.sha1()
    for a in arrays:
        h.update(a.tobytes() if hasattr(a, "tobytes") else a.detach().contiguous().numpy().tobytes())
    return h.hexdigest()[:10]


def op_digests() -> dict:
    """{operation: hash of its outputs} in this process, on fixed inputs."""
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 100, 46, generator=g)
    out = {}

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(46, 64, batch_first=True)
    h, _ = lstm(x)
    h.square().mean().backward()
    out["LSTM 46→64, forward + backward (oneDNN)"] = _digest(h, lstm.weight_ih_l0.grad)

    torch.manual_seed(0)
    lin = torch.nn.Linear(64, 8)
    y = lin(torch.randn(512, 64, generator=g))
    y.square().mean().backward()
    out["Linear 64→8, forward + backward (MKL sgemm)"] = _digest(y, lin.weight.grad)

    bn = torch.nn.BatchNorm1d(46)
    z = bn(x.reshape(-1, 46))
    z.square().mean().backward()
    out["BatchNorm1d(46), training step (ATen)"] = _digest(z, bn.weight.grad)

    scores = torch.randn(4, 100, generator=g)
    mask = torch.arange(100)[None, :] < torch.tensor([100, 80, 70, 90])[:, None]
    out["masked softmax over time (ATen)"] = _digest(F.softmax(scores.masked_fill(~mask, float("-inf")), dim=1))

    out["tanh, sigmoid (ATen)"] = _digest(torch.tanh(x), torch.sigmoid(x))
    out["sum over time, 4×100×46 (ATen)"] = _digest(x.sum(1), (x * x).mean(1))
    out["sum along a contiguous row of 1000 (ATen)"] = _digest(torch.randn(64, 1000, generator=g).sum(-1))
    out["cross-entropy of 512×8 logits (ATen)"] = _digest(F.cross_entropy(torch.randn(512, 8, generator=g) * 3,
                                                                           torch.arange(512) % 8))
    torch.manual_seed(1)
    out["dropout mask, p = 0.14 (ATen RNG)"] = _digest(F.dropout(torch.ones(4, 64), 0.14, training=True))

    p = torch.nn.Parameter(torch.randn(1000, generator=g))
    opt = torch.optim.Adam([p], lr=1e-3, weight_decay=1e-4)
    for _ in range(3):
        p.grad = torch.randn(1000, generator=g)
        opt.step()
    out["Adam, 3 steps (ATen)"] = _digest(p)


    torch.manual_seed(0)
    model = build_model(ModelConfig("reslstm_sa", hidden=64, dropout=0.14))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=2.6e-5)
    lengths = torch.tensor([100, 80, 70, 90])
    for _ in range(3):
        loss = F.cross_entropy(model(x, lengths), torch.tensor([0, 3, 5, 7]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    out["ResLSTM-SA-h64, 3 training steps at batch 4 (all)"] = _digest(*[p.detach() for p in model.parameters()])

    rng = np.random.default_rng(0)
    frames = rng.standard_normal((20000, 46)).astype(np.float32)
    out["float32 mean / std over frames (numpy)"] = _digest(frames.mean(0), frames.std(0))
    power = rng.random((2049, 120)).astype(np.float32) + 1e-6
    out["log10 of a power spectrum (numpy)"] = _digest(np.log10(power))
    basis = rng.random((128, 2049)).astype(np.float32)
    out["mel filter bank product (OpenBLAS)"] = _digest(basis @ power)
    return out


def probe(variants: dict = VARIANTS) -> dict:
    """{variant: {operation: hash}}, each variant in a fresh process (the settings take
    effect only when the libraries load)."""
    results = {}
    base = numerics.environment(numerics.NATIVE)
    for name, env in variants.items():
        child = subprocess.run([sys.executable, "-c", "import json; from ser_utils.training.numerics_probe import "
                                "op_digests; print(json.dumps(op_digests()))"],
                               env={**base, **env, numerics.SWITCH: "native"}, capture_output=True, text=True,
                               check=True)
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    return results


def table(results: dict) -> str:
    """Rows: operations; columns: variants; a cell: ``=`` same output as native, ``≠`` different."""
    names = list(results)
    ops = list(results[names[0]])
    width = max(len(o) for o in ops)
    lines = [" " * width + "  " + " ".join(f"{n:>16s}" for n in names)]
    for op in ops:
        ref = results[names[0]][op]
        lines.append(f"{op:<{width}s}  " + " ".join(f"{'=' if results[n][op] == ref else '≠':>16s}" for n in names))
    lines.append("= : the same bits as native on this CPU; ≠ : different bits (that library rounds differently "
                 "with that instruction set)")
    return "\n".join(lines)


# "machines" for the spread of one (run, fold): the pinned setting, this CPU's native
# choice, and single libraries capped as a CPU without the wider ISA would run them
SPREAD_VARIANTS = {
    "pinned (x86-avx2-v1)": dict(numerics.PINNED_ENV),
    "native": {},
    "ATen AVX2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "ATen DEFAULT": {"ATEN_CPU_CAPABILITY": "default"},
    "MKL COMPATIBLE": {"MKL_CBWR": "COMPATIBLE"},
    "oneDNN AVX2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
}


def slug(variant: str) -> str:
    """``pinned (x86-avx2-v1)`` -> ``pinned-x86-avx2-v1``."""
    return "-".join(variant.lower().replace("(", " ").replace(")", " ").split())


def spread_folder(profile: str) -> "Path":
    return results_dir() / profile / "numerics_spread"


def train_under(variant: str, record_file: str, out_file: str, root: str | None = None) -> None:
    """Retrain a stored (run, fold) in full in a fresh process under one of
    ``SPREAD_VARIANTS`` and write its record to ``out_file`` (atomically); nothing when
    ``out_file`` exists (resumable)."""
    if Path(out_file).exists():
        return
    code = ("import sys; from ser_utils.training.numerics_probe import _train_child; "
            "_train_child(sys.argv[1], sys.argv[2], sys.argv[3] or None)")
    subprocess.run([sys.executable, "-c", code, record_file, out_file, root or ""], env=variant_environment(variant),
                   check=True)


def variant_environment(variant: str) -> dict:
    """The environment of ``variant``'s process. The pinned variant is the study's own
    setting end to end (``numerics.environment``: its features come from the pinned cache,
    as a pinned record's did); every other variant runs native (native feature cache) with
    one library's instruction set capped."""
    if SPREAD_VARIANTS[variant] == numerics.PINNED_ENV:
        return numerics.environment(numerics.NAME)
    return {**numerics.environment(numerics.NATIVE), **SPREAD_VARIANTS[variant], numerics.SWITCH: "native"}


def _train_child(record_file: str, out_file: str, root: str | None) -> None:

    record = RunRecord.load(record_file)
    spec = Spec.from_dict(record.spec)
    data = load_dataset(get_corpus(root, download=False), spec.feature_set, progress=False)
    if data.fingerprint != record.data:
        raise ValueError(f"{record_file}: trained on data {record.data}, the corpus gives {data.fingerprint}")
    new, _ = train_job(spec, data, list(REFERENCE_FOLDS), record.key, record.run, record.fold)
    write_record(Path(out_file), new.to_dict())


def spread(record_file: str, profile: str, root: str | None = None, n_jobs: int = 2, progress: bool = True) -> list:
    """Train ``record_file``'s (run, fold) under every ``SPREAD_VARIANTS`` entry (two at a
    time), records in ``results/<profile>/numerics_spread/<key>-runNN-foldF/<variant>.json``;
    finished ones are kept. Returns their paths."""


    record = RunRecord.load(record_file)
    folder = spread_folder(profile) / f"{record.key}-run{record.run:02d}-fold{record.fold}"
    folder.mkdir(parents=True, exist_ok=True)
    outs = {v: folder / f"{slug(v)}.json" for v in SPREAD_VARIANTS}
    todo = [v for v, out in outs.items() if not out.exists()]
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool, \
            tqdm(total=len(todo), desc="numerics spread", unit="fold", disable=not progress) as bar:
        for _ in pool.map(lambda v: train_under(v, str(record_file), str(outs[v]), root), todo):
            bar.update()
    return [Path(p) for p in outs.values()]
