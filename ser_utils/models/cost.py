"""Compute cost of a model: FLOPs of one forward pass and CPU milliseconds per
utterance (one thread, batch 1, median of repeated runs).

FLOPs are counted with forward hooks, 2 per multiply-add, for the layers that carry
nearly all the arithmetic: Linear, Conv1d/2d, LSTM (every layer and direction, the
real frames only) and multi-head attention (projections and score/value products).
Element-wise operations (activations, norms, pooling, the gates' nonlinearities)
are left out. PyTorch's own ``FlopCounterMode`` does not see CPU LSTMs, hence hooks.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from functools import lru_cache

import torch
from threadpoolctl import ThreadpoolController
from torch import nn
from torch.nn.utils.rnn import PackedSequence


def _lstm_flops(m: nn.LSTM, inputs) -> int:
    x = inputs[0]
    steps = x.data.shape[0] if isinstance(x, PackedSequence) else x.shape[0] * x.shape[1]
    dirs = 2 if m.bidirectional else 1
    total, width = 0, m.input_size
    for _ in range(m.num_layers):
        total += dirs * 2 * 4 * m.hidden_size * (width + m.hidden_size) * steps
        width = m.hidden_size * dirs
    return total


def _hook_flops(m: nn.Module, inputs, output) -> int:
    if isinstance(m, nn.Linear):
        return 2 * m.in_features * output.numel()
    if isinstance(m, (nn.Conv1d, nn.Conv2d)):
        per_output = m.in_channels // m.groups * int(torch.tensor(m.kernel_size).prod())
        return 2 * per_output * output.numel()
    if isinstance(m, nn.LSTM):
        return _lstm_flops(m, inputs)
    if isinstance(m, nn.MultiheadAttention):
        q = inputs[0]
        seq = q.shape[1] if m.batch_first else q.shape[0]
        tokens, d = q.numel() // m.embed_dim, m.embed_dim
        return 2 * tokens * 4 * d * d + 2 * 2 * tokens * seq * d
    return 0


def count_flops(model: nn.Module, *inputs) -> int:
    """FLOPs of ``model(*inputs)`` (eval mode; gradients on so that PyTorch's fused
    transformer fast path, which skips the hooks, is not taken). Attention written as
    plain matmuls (not ``nn.MultiheadAttention``) counts its projections only."""
    total = [0]
    hooks = [m.register_forward_hook(lambda mod, i, o: total.__setitem__(0, total[0] + _hook_flops(mod, i, o)))
             for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.LSTM,
                                                        nn.MultiheadAttention))]
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            model(*inputs)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return total[0]


def cpu_ms(model: nn.Module, x: torch.Tensor, lengths: torch.Tensor, repeats: int = 30, warmup: int = 3) -> float:
    """Median wall milliseconds of ``model(x, lengths)`` on one CPU thread, batch as given."""
    model = model.cpu().eval()
    with torch.inference_mode():
        return time_call(lambda: model(x, lengths), repeats, warmup)


@lru_cache(maxsize=1)
def _threadpools():
    """Found once: building a controller scans the loaded libraries (~3 ms)."""
    return ThreadpoolController()


@contextmanager
def one_thread():
    """torch and BLAS on one thread: features bit-identical to training's (computed
    on one thread), timings per core, and no oversubscription (contended threads made
    a batch-1 LSTM a hundred times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with _threadpools().limit(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


def timings(fn, repeats: int = 10, warmup: int = 1) -> list[float]:
    """Wall milliseconds of ``repeats`` calls of ``fn()`` after ``warmup`` calls, on one
    CPU thread (torch and BLAS)."""
    with one_thread():
        times = []
        for i in range(warmup + repeats):
            start = time.perf_counter()
            fn()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return times


def time_call(fn, repeats: int = 10, warmup: int = 1) -> float:
    """Median wall milliseconds of ``fn()`` on one CPU thread."""
    return statistics.median(timings(fn, repeats, warmup))
