"""Notebook 06's experiment: the specs of every architecture on one protocol (``Row``s,
trained through ``training``), and what each costs on one utterance — parameters, MFLOPs
per second of audio and CPU time, of the models, their features and wav2vec 2.0 encoders.
Its tables: ``reporting.comparison``."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch

from ser_utils.data.features import LOGMEL, FeatureConfig, extract
from ser_utils.experiments import tuned_setting
from ser_utils.models import PAPER_SIZES, QUICK, ModelConfig, build_model, cost, count_parameters, parameters_of
from ser_utils.training import Spec, TrainConfig, tuning

# Each family's source paper, as the comparison table's "seed" column names it (the column's
# name and values are kept as written in the committed tables).
PAPER_OF = {"dense_lstm": "seed 004", "cnn_bilstm_stl": "seed 002", "multitask_cnn": "seed 003",
            "lstm_sa": "seed 000", "reslstm_sa": "seed 000"}
# ``size``: the CPU-sized configurations or the papers' own (``seed``: the old name of ``paper``).
SIZES = {"quick": QUICK, "paper": PAPER_SIZES, "seed": PAPER_SIZES}


@dataclass(frozen=True)
class Row:
    """One line of the comparison: a spec, where it comes from, how it was set."""

    spec: Spec
    paper: str            # the source paper (``PAPER_OF``)
    setting: str          # "untuned defaults", "tuned (<source>)" or "study defaults"
    paper_size: ModelConfig | None = None


def paper_model_rows(size: str, train: TrainConfig, dense_variants=("general", "time", "feature"),
                     weighting: str = "weighted_average") -> list[Row]:
    """The models of papers 004, 002 and 003 at ``size`` (``quick`` or ``paper``; ``SIZES``),
    trained with the shared untuned settings ``train`` (clean protocol, distinct seeds)."""
    sizes = SIZES[size]
    rows = []
    for name, variants, feature_set in (("dense_lstm", dense_variants, "mfcc+chroma"),
                                        ("cnn_bilstm_stl", ("",), "mfcc+chroma"),
                                        ("multitask_cnn", (weighting,), "logmel")):
        for v in variants:
            cfg = replace(sizes[name], variant=v)
            rows.append(Row(Spec(cfg, train, feature_set=feature_set), PAPER_OF[name], "untuned defaults",
                            replace(PAPER_SIZES[name], variant=v)))
    return rows


def sa_rows(tuned: dict, models=("lstm_sa-h64", "reslstm_sa-h64"), epochs: int = 100) -> list[Row]:
    """LSTM-SA / ResLSTM-SA as notebook 03 trains them (clean protocol): each family's
    tuned setting (the profile's ``tuned`` block, ``experiments.tuned_setting``), the study's
    defaults for a family without one, ``epochs`` epochs — the same specs as 03's, so
    their records are 03's."""
    rows = []
    for name in models:
        model, hidden = tuning.parse_model(name)
        rows.append(Row(tuned_setting.spec(model, hidden, tuned, None, epochs), PAPER_OF[model],
                        tuned_setting.describe(tuned, model)))
    return rows


def weighting_rows(rows: list[Row], weightings) -> list[Row]:
    """The multitask CNN rows again, once per loss weighting (paper 003's ablation)."""
    return [replace(r, spec=replace(r.spec, model=replace(r.spec.model, variant=w)))
            for r in rows if r.spec.model.name == "multitask_cnn" for w in weightings]


def model_cost(cfg: ModelConfig, feats: np.ndarray, seconds: float, repeats: int = 30,
               paper_size: ModelConfig | None = None) -> dict:
    """Parameters, MFLOPs per second of audio and CPU ms (one thread, batch 1, median)
    of a freshly built model on one utterance's ``(frames, dim)`` features; and the
    parameters at the paper's own size (``paper_size``; ``cfg``'s when None)."""
    paper_parameters = parameters_of(paper_size) if paper_size is not None else None
    torch.manual_seed(0)
    model = build_model(cfg)
    x, lengths = torch.from_numpy(feats[None].astype(np.float32)), torch.tensor([len(feats)])
    parameters = count_parameters(model)
    return {"parameters": parameters,
            "seed-size parameters": parameters if paper_parameters is None else paper_parameters,
            "MFLOPs/s audio": cost.count_flops(model, x, lengths) / 1e6 / seconds,
            "CPU ms/utt": cost.cpu_ms(model, x, lengths, repeats)}


def feature_cost(samples: np.ndarray, sr: int, repeats: int = 10) -> pd.DataFrame:
    """CPU ms (one thread, median) to extract each input's features from one utterance."""
    configs = (("MFCC-34 + chroma-12 (seed 000)", FeatureConfig()), ("log-mel 64 (seed 003)", LOGMEL))
    return pd.DataFrame([{"features": name, "CPU ms/utt (1 thread, median)":
                          cost.time_call(lambda c=cfg: extract(samples, sr, c), repeats=repeats)}
                         for name, cfg in configs])


# wav2vec 2.0 encoders (Baevski et al. 2020) as transformers configurations: base, and
# large, the architecture of XLSR-53 that Luna-Jimenez et al. 2022 fine-tune.
WAV2VEC2 = {
    "wav2vec 2.0 base": {},
    "wav2vec 2.0 large / XLSR-53": dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                                        intermediate_size=4096, feat_extract_norm="layer",
                                        do_stable_layer_norm=True, conv_bias=True),
}


def wav2vec2_cost(seconds: float, repeats: int = 3, configs: dict = WAV2VEC2) -> pd.DataFrame:
    """Parameters, MFLOPs per second of audio and CPU ms (one thread, batch 1, median)
    of wav2vec 2.0 encoders built from a configuration with **random weights** (nothing
    is downloaded): the architectures' compute on a ``seconds`` utterance at 16 kHz,
    not their accuracy. Attention score products are not counted (a few per cent)."""
    from transformers import Wav2Vec2Config, Wav2Vec2Model  # noqa: PLC0415 - heavy: transformers, one use

    torch.manual_seed(0)
    x = torch.randn(1, int(round(seconds * 16000)))
    rows = []
    for name, kwargs in configs.items():
        model = Wav2Vec2Model(Wav2Vec2Config(**kwargs)).eval()
        with torch.inference_mode():
            ms = cost.time_call(lambda: model(x), repeats=repeats)
        rows.append({"model": name, "parameters": count_parameters(model),
                     "MFLOPs/s audio": round(cost.count_flops(model, x) / 1e6 / seconds, 1),
                     "CPU ms/utt": round(ms, 1)})
    return pd.DataFrame(rows)
