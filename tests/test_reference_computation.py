"""The ``reference`` computation against a plain re-implementation of the paper-000
authors' forward pass (packed LSTMs, softmax and BatchNorm over zero-padded frames),
written here from their published notebook, independently of ``ser_utils.models``."""

import copy

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ser_utils.data.dataset import Split
from ser_utils.models import ModelConfig, build_model, canonical_computation, computation_parts
from ser_utils.training.loop import _Tensors, predict_logits, random_batches


def packed(lstm: nn.LSTM, x, lengths):
    out = lstm(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))[0]
    return pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]


def authors_forward(model, x, lengths, residual: bool):
    """The authors' ``forward`` with the weights of ``model`` (their layer names differ)."""
    if residual:
        r = x + packed(model.res_lstm, x, lengths)
        r = nn.functional.batch_norm(r.transpose(1, 2), model.res_norm.running_mean, model.res_norm.running_var,
                                     model.res_norm.weight, model.res_norm.bias, model.training,
                                     model.res_norm.momentum, model.res_norm.eps).transpose(1, 2)
        x = r
    o = packed(model.lstm, x, lengths)
    w = torch.softmax((o @ model.attention.u).squeeze(-1), 1)
    ctx = (o * w.unsqueeze(-1)).sum(1)
    bn = model.head.norm
    ctx = nn.functional.batch_norm(ctx, bn.running_mean, bn.running_var, bn.weight, bn.bias, model.training,
                                   bn.momentum, bn.eps)
    return model.head.out(ctx)  # dropout 0 in these tests


def padded_batch(lengths=(9, 4, 7, 2), F=46, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    x = torch.randn(len(lengths), int(lengths.max()), F, generator=g)
    return x * (torch.arange(x.shape[1])[None, :, None] < lengths[:, None, None]), lengths


@pytest.mark.parametrize("name", ["lstm_sa", "reslstm_sa"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_reference_model_computes_what_the_authors_code_computes(name, mode):
    torch.manual_seed(0)
    model = build_model(ModelConfig(name, hidden=12, dropout=0.0, computation="reference"))
    x, lengths = padded_batch()
    if mode == "eval":  # running statistics that are not the defaults
        model.train()
        model(x, lengths)
    getattr(model, mode)()
    # the authors' code updates BatchNorm's running statistics too: compare on copies
    theirs = authors_forward(_copy(model), x, lengths, residual=name == "reslstm_sa")
    ours = model(x, lengths)
    assert torch.allclose(ours, theirs, atol=1e-5), (ours - theirs).abs().max()


def _copy(model):
    return copy.deepcopy(model)


@pytest.mark.parametrize("name", ["lstm_sa", "reslstm_sa"])
def test_masked_and_reference_differ_only_when_there_is_padding(name):
    torch.manual_seed(0)
    ref = build_model(ModelConfig(name, hidden=12, dropout=0.0, computation="reference")).eval()
    masked = build_model(ModelConfig(name, hidden=12, dropout=0.0)).eval()
    masked.load_state_dict(ref.state_dict())
    x, lengths = padded_batch()
    assert not torch.allclose(ref(x, lengths), masked(x, lengths), atol=1e-3)
    full = lengths == lengths.max()  # the longest utterance alone: no padding
    assert torch.allclose(ref(x[full], lengths[full]), masked(x[full], lengths[full]), atol=1e-5)


def test_reference_prediction_depends_on_the_batch_mates():
    """What the authors' evaluation does: an utterance's logits change with its batch."""
    torch.manual_seed(0)
    model = build_model(ModelConfig("lstm_sa", hidden=12, dropout=0.0, computation="reference")).eval()
    x, lengths = padded_batch()
    alone = model(x[1:2, :4], lengths[1:2])
    assert not torch.allclose(model(x, lengths)[1], alone[0], atol=1e-4)


def test_authors_output_layer_init():
    torch.manual_seed(0)
    out = build_model(ModelConfig("lstm_sa", hidden=64, computation="authors_init")).head.out
    assert torch.count_nonzero(out.bias) == 0
    # Xavier-uniform bound sqrt(6 / (fan_in + fan_out)) = sqrt(6 / 72); PyTorch's default: 1 / sqrt(64)
    assert out.weight.abs().max() > 1 / 8 and out.weight.abs().max() <= (6 / 72) ** 0.5


def test_computation_spellings():
    assert canonical_computation("eval_batches+unmasked") == "unmasked+eval_batches"
    assert canonical_computation("unmasked+authors_init+random_order+eval_batches") == "reference"
    assert computation_parts("masked") == frozenset()
    with pytest.raises(ValueError, match="unknown: \\['packed'\\]"):
        ModelConfig(computation="unmasked+packed")
    # the default is left out of the record keys (older records keep theirs)
    assert "computation" not in ModelConfig().to_dict()
    assert ModelConfig(computation="reference").to_dict()["computation"] == "reference"


def test_random_batches_cover_every_utterance_once():
    batches = random_batches(37, 8, np.random.default_rng(0))
    assert [len(b) for b in batches] == [8, 8, 8, 8, 5]
    assert sorted(np.concatenate(batches).tolist()) == list(range(37))


def test_evaluation_in_file_order_batches_is_the_authors_loop():
    torch.manual_seed(0)
    model = build_model(ModelConfig("reslstm_sa", hidden=12, dropout=0.0, computation="reference")).eval()
    rng = np.random.default_rng(1)
    lengths = rng.integers(2, 11, size=7)
    x = np.zeros((7, 10, 46), np.float32)
    for i, n in enumerate(lengths):
        x[i, :n] = rng.standard_normal((n, 46))
    split = Split(x, lengths, np.zeros(7, np.int64), [str(i) for i in range(7)])
    ours = predict_logits(model, _Tensors(split, "cpu"), batch=3, file_order=True)
    expected = []
    for s in range(0, 7, 3):  # their DataLoader(batch_size=3, shuffle=False) pads to each batch's maximum
        L = torch.from_numpy(lengths[s:s + 3])
        xb = torch.from_numpy(x[s:s + 3, :int(L.max())])
        expected.append(authors_forward(model, xb, L, residual=True))
    assert torch.allclose(ours, torch.cat(expected), atol=1e-5)
