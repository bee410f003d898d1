"""``bench-train``: this trainer's padded, masked batches against a reference-style
packed-sequence loop (per-batch collation from ragged arrays, pack_padded_sequence),
same model, same weights, same batches."""

from __future__ import annotations

import copy
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from joblib import Parallel, delayed

from ser_utils.data.dataset import prepare_fold
from ser_utils.models import ModelConfig, build_model
from ser_utils.training.loop import (
    Spec,
    TrainConfig,
    _Tensors,
    length_pooled_batches,
    predict_logits,
    train_epoch,
    train_fold,
)
from ser_utils.workers import in_worker


def _packed_epoch(model, opt, ragged, labels, batches):
    """The reference loop: collate each batch from ragged arrays, pack, train."""
    model.train()
    for idx in batches:
        seqs = [torch.from_numpy(ragged[i]) for i in idx]
        lengths = torch.tensor([len(s) for s in seqs])
        x = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True)
        loss = F.cross_entropy(model(x, lengths, packed=True), torch.from_numpy(labels[idx]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def bench_train(data, fold, names=("lstm_sa", "reslstm_sa"), hidden: int = 64, epochs: int = 2,
                batch: int = 16, threads: int = 1, seed: int = 0) -> list[dict]:
    """Seconds per epoch of both loops from identical initial weights, and how
    closely the two trained models' test predictions agree."""
    torch.set_num_threads(threads)
    splits, _ = prepare_fold(data, fold, "clean")
    train = splits["train"]
    ragged = [train.x[i, :n] for i, n in enumerate(train.lengths)]
    tensors = _Tensors(train, "cpu")
    test = _Tensors(splits["test"], "cpu")
    rows = []
    for name in names:
        torch.manual_seed(seed)
        base = build_model(ModelConfig(name, input_dim=data.dim, hidden=hidden, dropout=0.0))
        models = {"padded": base, "packed": copy.deepcopy(base)}
        opts = {k: torch.optim.Adam(m.parameters(), lr=1e-3) for k, m in models.items()}
        rng = np.random.default_rng(seed)
        plan = [length_pooled_batches(train.lengths, batch, 8, rng) for _ in range(epochs)]
        times = {"padded": [], "packed": []}
        for epoch_batches in plan:
            for kind in ("padded", "packed"):
                start = time.perf_counter()
                if kind == "padded":
                    train_epoch(models[kind], opts[kind], tensors, epoch_batches)
                else:
                    _packed_epoch(models[kind], opts[kind], ragged, train.labels, epoch_batches)
                times[kind].append(time.perf_counter() - start)
        p_pad = torch.softmax(predict_logits(models["padded"], test), 1)
        p_pack = torch.softmax(predict_logits(models["packed"], test), 1)
        padded, packed = float(np.median(times["padded"])), float(np.median(times["packed"]))
        rows.append({"model": models["padded"].cfg.label(), "train_utterances": len(train.labels),
                     "epochs": epochs, "batch": batch, "threads": threads,
                     "padded_s_per_epoch": round(padded, 3), "packed_s_per_epoch": round(packed, 3),
                     "speedup": round(packed / padded, 2),
                     "max_prob_diff": float((p_pad - p_pack).abs().max()),
                     "same_predictions": bool((p_pad.argmax(1) == p_pack.argmax(1)).all())})
    return rows


def bench_parallel(data, folds, name: str = "reslstm_sa", hidden: int = 64, epochs: int = 3,
                   jobs: int = 2) -> dict:
    """Wall time of ``jobs`` independent folds trained (a) one after another in this
    process with all cores' threads, (b) side by side in worker processes with one
    thread each — the choice ``cross_validate`` makes on CPU. Worker start-up is
    left out of the timing (it is paid once per sweep, not per fold)."""


    spec = Spec(ModelConfig(name, input_dim=data.dim, hidden=hidden), TrainConfig(epochs=epochs))
    chosen = list(range(min(jobs, len(folds))))

    def one(k, threads):
        torch.set_num_threads(threads)
        splits, _ = prepare_fold(data, folds[k], "clean")
        start = time.perf_counter()
        train_fold(spec, splits, seed=k, device=torch.device("cpu"))
        return time.perf_counter() - start

    cores = os.cpu_count() or 1
    start = time.perf_counter()
    for k in chosen:
        one(k, cores)
    sequential = time.perf_counter() - start
    with Parallel(n_jobs=len(chosen)) as pool:
        pool(delayed(torch.get_num_threads)() for _ in chosen)  # start the workers outside the timing
        start = time.perf_counter()
        pool(delayed(in_worker)(os.getpid(), one, k, 1) for k in chosen)
        parallel = time.perf_counter() - start
    return {"model": spec.model.label(), "folds": len(chosen), "epochs": epochs, "cores": cores,
            "sequential_threads_per_job": cores, "sequential_s": round(sequential, 2),
            "parallel_processes": len(chosen), "parallel_s": round(parallel, 2),
            "parallel_speedup": round(sequential / parallel, 2)}
