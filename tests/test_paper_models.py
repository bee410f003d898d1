"""The seeds' other architectures (002, 003, 004): sizes, padding invariance, the
multitask trainer, and the cost counter."""

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.metrics import balanced_accuracy_score

from ser_utils.data.corpus import gender_labels
from ser_utils.data.dataset import load_dataset
from ser_utils.data.folds import make_fold
from ser_utils.data.synth import make_corpus
from ser_utils.experiments.comparison import wav2vec2_cost
from ser_utils.inference.checkpoint import load_run
from ser_utils.models import PAPER_SIZES, QUICK, ModelConfig, build_model, cost, count_parameters
from ser_utils.training import Spec, TrainConfig, cross_validate, record_path

VARIANTS = [("dense_lstm", v) for v in ("general", "time", "feature")] + [("cnn_bilstm_stl", "")] + [
    ("multitask_cnn", w) for w in ("sum", "uncertainty", "weighted_average")]


def lstm_params(i, h, bidirectional=False):
    return (2 if bidirectional else 1) * (4 * h * (i + h) + 8 * h)


@pytest.mark.parametrize("name, variant", VARIANTS)
def test_output_does_not_depend_on_batch_padding(name, variant):
    torch.manual_seed(0)
    cfg = replace(QUICK[name], variant=variant)
    model = build_model(cfg).eval()
    T = 300 if name == "multitask_cnn" else 97
    x = torch.randn(3, T, cfg.input_dim)
    lengths = torch.tensor([T, 61, 23])
    x[1, 61:] = 0
    x[2, 23:] = 0
    with torch.no_grad():
        batch = model(x, lengths)
        alone = torch.cat([model(x[i:i + 1, :n], lengths[i:i + 1]) for i, n in enumerate(lengths.tolist())])
    assert batch.shape == (3, 8)
    assert torch.allclose(batch, alone, atol=1e-5)


def test_dense_lstm_paper_size_matches_the_paper_table():
    """Paper 004 Table 1 (IEMOCAP): LSTMs [256, 256], dense 512 -> 128, softmax 128 -> classes."""
    expected = lstm_params(46, 256) + lstm_params(256, 256) + (512 * 128 + 128) + (128 * 8 + 8)
    assert count_parameters(build_model(replace(PAPER_SIZES["dense_lstm"], variant="general"))) == expected
    # time attention adds W_i (H_i x H_N) per layer; feature attention W_i and V_i (H_i x H_i)
    assert count_parameters(build_model(replace(PAPER_SIZES["dense_lstm"], variant="time"))) == expected + 2 * 256 * 256
    assert (count_parameters(build_model(replace(PAPER_SIZES["dense_lstm"], variant="feature")))
            == expected + 4 * 256 * 256)


def test_multitask_cnn_paper_size_is_vgg11_with_three_heads():
    """VGG-11 features on one channel, shared 25088 -> 2048, heads 2048 -> 512 -> n.
    The seed reports 63,762,576 for 4 emotions and 10 IEMOCAP speakers."""
    vgg11 = 9_220_480 - 2 * 64 * 9   # torchvision's vgg11 features, 3 -> 1 input channels
    cfg = replace(PAPER_SIZES["multitask_cnn"], variant="sum", n_speakers=18)
    heads = 3 * (2048 * 512 + 512) + 513 * (8 + 2 + 18)
    assert count_parameters(build_model(cfg)) == vgg11 + 25088 * 2048 + 2048 + heads
    assert count_parameters(build_model(replace(cfg, variant="uncertainty"))) == vgg11 + 25088 * 2048 + 2048 + heads + 3


def test_stl_layers_are_a_parameter():
    base = replace(QUICK["cnn_bilstm_stl"], layers=0)
    d = 2 * base.hidden
    per_layer = (3 * d * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d) + 4 * d
    assert (count_parameters(build_model(replace(base, layers=5))) - count_parameters(build_model(base))
            == 5 * per_layer + 2 * d)  # + the final LayerNorm


def test_bad_variants_are_refused():
    with pytest.raises(ValueError, match="variant"):
        build_model(replace(QUICK["dense_lstm"], variant="nope"))
    with pytest.raises(ValueError, match="loss weighting"):
        build_model(replace(QUICK["multitask_cnn"], variant=""))


def test_old_model_configs_keep_their_dict():
    """New config fields stay out of the dict at their defaults, so run records made
    before the papers' models existed keep their experiment keys."""
    assert set(ModelConfig("reslstm_sa").to_dict()) == {"name", "input_dim", "hidden", "layers", "pooling", "heads",
                                                         "dropout", "n_classes"}
    cfg = QUICK["multitask_cnn"]
    assert ModelConfig(**cfg.to_dict()) == cfg


def test_flop_counter_matches_the_lstm_formula():
    model = build_model(ModelConfig("reslstm_sa", hidden=64))
    T = 100
    flops = cost.count_flops(model, torch.randn(1, T, 46), torch.tensor([T]))
    assert flops == 2 * T * (4 * 46 * (46 + 46) + 4 * 64 * (46 + 64)) + 2 * 64 * 8


def _fake_clock(monkeypatch, warmup, durations_ms):
    """``cost``'s clock: read once per warm-up call, then twice per timed call, which
    lasts the given milliseconds."""
    stamps = iter([float(i) for i in range(warmup)]
                  + [t for i, d in enumerate(durations_ms, 10) for t in (float(i), i + d / 1000)])
    monkeypatch.setattr(cost, "time", SimpleNamespace(perf_counter=lambda: next(stamps)))


def test_cpu_ms_is_the_median_after_warmup(monkeypatch):
    model = build_model(ModelConfig("reslstm_sa", hidden=8))
    calls = []
    model.register_forward_hook(lambda *_: calls.append(1))
    _fake_clock(monkeypatch, 3, [4.0, 1.0, 2.5])  # 3 warm-up calls, then 3 timed ones
    assert cost.cpu_ms(model, torch.randn(1, 20, 46), torch.tensor([20]), repeats=3, warmup=3) == pytest.approx(2.5)
    assert len(calls) == 6


def test_multitask_training_on_training_speakers(tmp_path):
    root = make_corpus(tmp_path / "corpus", speakers=range(1, 7), seed=0, sample_rate=8000)
    data = load_dataset(root, "logmel", cache_root=tmp_path / "cache", progress=False)
    assert data.dim == 64
    fold = make_fold((1, 2), (3,), range(1, 7))
    cfg = replace(QUICK["multitask_cnn"], variant="weighted_average", crop=64)
    spec = Spec(cfg, TrainConfig(epochs=1, batch_size=32), feature_set="logmel")
    (rec,) = cross_validate(spec, data, [fold], runs_dir=tmp_path / "runs", n_jobs=1, progress=False,
                            save_weights=True)
    model, mean, std = load_run(record_path(tmp_path / "runs", rec.key, 0, 0).with_suffix(".pt"))
    assert model.heads["speaker"][-1].out_features == 3  # the fold's training speakers: 4, 5, 6
    # the record's numbers recomputed from the saved weights, one utterance at a time
    test = data.index["actor"].isin(fold.test).to_numpy()
    ids, labels, gender_pred, emotion_pred = [], [], [], []
    with torch.no_grad():
        for i in np.flatnonzero(test):
            x = torch.from_numpy(((data.features[i] - mean) / std).astype(np.float32))[None]
            out = model(x, torch.tensor([len(x[0])]), details=True)
            emotion_pred.append(int(out["logits"].argmax()))
            gender_pred.append(int(out["gender"].argmax()))
            ids.append(data.ids[i])
            labels.append(int(data.labels[i]))
    order = [ids.index(i) for i in rec.test.ids]
    assert rec.test.labels == [labels[k] for k in order] and rec.test.preds == [emotion_pred[k] for k in order]
    truth = [0 if speaker % 2 else 1 for speaker in data.speakers[test]]  # RAVDESS: odd actors are male
    assert rec.test_gender_accuracy == pytest.approx(float(np.mean(np.equal(gender_pred, truth))), abs=1e-6)
    assert rec.test_uar == pytest.approx(balanced_accuracy_score(rec.test.labels, rec.test.preds), abs=1e-12)
    assert np.array_equal(gender_labels([1, 2, 23, 24]), [0, 1, 0, 1])


def test_wav2vec2_cost_builds_from_a_configuration_without_downloading(monkeypatch):
    tiny = {"tiny": dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                         conv_dim=(16, 16), conv_kernel=(10, 3), conv_stride=(5, 2), num_conv_pos_embeddings=16,
                         num_conv_pos_embedding_groups=2)}
    _fake_clock(monkeypatch, 1, [4.0, 3.0, 5.0])
    row = wav2vec2_cost(0.5, repeats=3, configs=tiny).iloc[0]
    # parameters by hand: conv 1*16*10 (no bias) + GroupNorm 2*16 + conv 16*16*3; projection LayerNorm 2*16 +
    # Linear 16*32+32; mask embedding 32; positional conv (weight norm, 2 groups): g 16 + v 32*16*16 + bias 32;
    # encoder LayerNorm 64; per layer: q, k, v, o 4*(32*32+32), 2 LayerNorms 2*64, feed-forward 32*64+64 + 64*32+32
    layer = 4 * (32 * 32 + 32) + 2 * 64 + (32 * 64 + 64) + (64 * 32 + 32)
    assert row["parameters"] == 160 + 32 + 768 + 32 + 544 + 32 + (16 + 32 * 16 * 16 + 32) + 64 + 2 * layer
    # FLOPs by hand on 0.5 s at 16 kHz: 8000 samples -> 1599 frames (kernel 10, stride 5) -> 799 (3, 2)
    T = 799
    flops = (2 * 10 * 16 * 1599 + 2 * 16 * 3 * 16 * T + 2 * 16 * 32 * T      # convs, projection
             + 2 * (32 // 2) * 16 * 32 * (T + 1)                            # positional conv (padding 8 each side)
             + 2 * (4 * 2 * 32 * 32 * T + 2 * 2 * 32 * 64 * T))             # 2 layers: projections, feed-forward
    assert row["MFLOPs/s audio"] == round(flops / 1e6 / 0.5, 1)
    assert row["CPU ms/utt"] == 4.0  # the median of the 3 timed calls (4, 3, 5 ms) after one warm-up
