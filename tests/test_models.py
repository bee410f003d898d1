import json

import pytest
import torch

from ser_utils.cli import main
from ser_utils.models import ModelConfig, build_model, count_parameters, paper000_configs, paper001_configs

# Paper 001, Table 1: (layers, hidden) -> (last-state params, concatenated-states params)
TABLE1 = {(1, 32): (8968, None), (1, 64): (26120, None), (1, 128): (85000, None),
          (2, 32): (17416, 17672), (2, 64): (59400, 59912), (2, 128): (217096, 218120),
          (3, 32): (25864, 26376), (3, 64): (92680, 93704), (3, 128): (349192, 351240)}
# DESIGN.md / paper 000 slides
PAPER000 = {("lstm_sa", 32): 10600, ("lstm_sa", 64): 29384, ("lstm_sa", 128): 91528,
           ("reslstm_sa", 32): 27988, ("reslstm_sa", 64): 46772, ("reslstm_sa", 128): 108916}


@pytest.mark.parametrize("layers, hidden", sorted(TABLE1))
def test_paper001_parameter_counts(layers, hidden):
    last, concat = TABLE1[(layers, hidden)]
    cfg = ModelConfig("lstm_baseline", input_dim=34, hidden=hidden, layers=layers, pooling="last")
    assert count_parameters(build_model(cfg)) == last
    if concat is not None:
        cfg = ModelConfig("lstm_baseline", input_dim=34, hidden=hidden, layers=layers, pooling="concat")
        assert count_parameters(build_model(cfg)) == concat


@pytest.mark.parametrize("name, hidden", sorted(PAPER000))
def test_paper000_parameter_counts(name, hidden):
    assert count_parameters(build_model(ModelConfig(name, hidden=hidden))) == PAPER000[(name, hidden)]


def test_two_attention_vectors_give_the_slides_91_6k():
    assert count_parameters(build_model(ModelConfig("lstm_sa", hidden=128, heads=2))) == 91656


def test_params_command(capsys):
    assert main(["params", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert len(counts) == len(paper001_configs()) + len(paper000_configs()) == 25
    assert counts["RNN-l3-h128-concat"] == 351240 and counts["ResLSTM-SA-h64"] == 46772


def _batch(B=5, T=20, F=46, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([20, 7, 13, 1, 16])[:B]
    x = torch.randn(B, T, F, generator=g) * (torch.arange(T)[None, :, None] < lengths[:, None, None])
    return x, lengths


CONFIGS = [ModelConfig("lstm_sa", hidden=16, dropout=0.0), ModelConfig("reslstm_sa", hidden=16, dropout=0.0),
           ModelConfig("lstm_sa", hidden=16, heads=3, dropout=0.0),
           ModelConfig("lstm_baseline", input_dim=46, hidden=16, layers=2, pooling="concat", dropout=0.0)]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c.label())
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_output_does_not_change_when_the_batch_is_padded_further(cfg, mode):
    torch.manual_seed(0)
    model = build_model(cfg)
    getattr(model, mode)()
    x, lengths = _batch()
    padded = torch.cat([x, torch.randn(x.shape[0], 9, x.shape[2]) * 0], dim=1)
    with torch.no_grad():
        a, b = model(x, lengths), model(padded, lengths)
    assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()


@pytest.mark.parametrize("cfg", CONFIGS[:3], ids=lambda c: c.label())
def test_details_attention_masks_padding(cfg):
    model = build_model(cfg).eval()
    x, lengths = _batch()
    with torch.no_grad():
        out = model(x, lengths, details=True)
    assert out["embedding"].shape == (5, 16)
    alpha = out["attention"]
    assert alpha.shape == (5, cfg.attention_vectors, 20)
    assert torch.allclose(alpha.sum(-1), torch.ones(5, cfg.attention_vectors))
    for i, n in enumerate(lengths):
        assert float(alpha[i, :, n:].abs().sum()) == 0.0


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c.label())
def test_packed_path_computes_the_same_function(cfg):
    model = build_model(cfg).eval()
    x, lengths = _batch()
    with torch.no_grad():
        assert torch.allclose(model(x, lengths), model(x, lengths, packed=True), atol=1e-5)


def test_init_follows_the_papers():
    model = build_model(ModelConfig("reslstm_sa", hidden=8))
    for lstm in (model.lstm, model.res_lstm):
        h = lstm.hidden_size
        for bias in (lstm.bias_ih_l0, lstm.bias_hh_l0):
            assert torch.all(bias[h:2 * h] == 1) and torch.all(bias[:h] == 0) and torch.all(bias[2 * h:] == 0)
        w = lstm.weight_hh_l0.detach()  # (4h, h): orthogonal columns
        assert torch.allclose(w.T @ w, torch.eye(h), atol=1e-5)
