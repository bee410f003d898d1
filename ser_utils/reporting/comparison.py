"""Notebook 06's pieces: the specs of every architecture on one protocol, and the
accuracy-and-cost table (UAR, parameters, MFLOPs per second of audio, CPU ms per
utterance)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch

from ser_utils import literature
from ser_utils.data.features import LOGMEL, FeatureConfig, extract
from ser_utils.models import QUICK, SEED, ModelConfig, build_model, cost, count_parameters
from ser_utils.reporting import study
from ser_utils.training import Spec, TrainConfig, tuning
from ser_utils.training.records import RunRecord

SEEDS = {"dense_lstm": "seed 004", "cnn_bilstm_stl": "seed 002", "multitask_cnn": "seed 003",
         "lstm_sa": "seed 000", "reslstm_sa": "seed 000"}


@dataclass(frozen=True)
class Row:
    """One line of the comparison: a spec, where it comes from, how it was set."""

    spec: Spec
    seed: str
    setting: str          # "untuned defaults", "tuned (<source>)" or "study defaults"
    seed_size: ModelConfig | None = None


def seed_model_rows(size: str, train: TrainConfig, dense_variants=("general", "time", "feature"),
                    weighting: str = "weighted_average") -> list[Row]:
    """Seeds 004, 002 and 003 at ``size`` (``quick`` or ``seed``), trained with the
    shared untuned settings ``train`` (clean protocol, distinct seeds)."""
    sizes = {"quick": QUICK, "seed": SEED}[size]
    rows = []
    for name, variants, feature_set in (("dense_lstm", dense_variants, "mfcc+chroma"),
                                        ("cnn_bilstm_stl", ("",), "mfcc+chroma"),
                                        ("multitask_cnn", (weighting,), "logmel")):
        for v in variants:
            cfg = replace(sizes[name], variant=v)
            rows.append(Row(Spec(cfg, train, feature_set=feature_set), SEEDS[name], "untuned defaults",
                            replace(SEED[name], variant=v)))
    return rows


def sa_rows(tuned: dict, models=("lstm_sa-h64", "reslstm_sa-h64"), epochs: int = 100) -> list[Row]:
    """LSTM-SA / ResLSTM-SA as notebook 03 trains them (clean protocol): each family's
    tuned setting (the profile's ``tuned`` block, ``training.tuned``), the study's
    defaults for a family without one, ``epochs`` epochs — the same specs as 03's, so
    their records are 03's."""
    from ser_utils.training import tuned as tuned_setting

    rows = []
    for name in models:
        model, hidden = tuning.parse_model(name)
        rows.append(Row(tuned_setting.spec(model, hidden, tuned, None, epochs), SEEDS[model],
                        tuned_setting.describe(tuned, model)))
    return rows


def weighting_rows(rows: list[Row], weightings) -> list[Row]:
    """The multitask CNN rows again, once per loss weighting (seed 003's ablation)."""
    return [replace(r, spec=replace(r.spec, model=replace(r.spec.model, variant=w)))
            for r in rows if r.spec.model.name == "multitask_cnn" for w in weightings]


def model_cost(cfg: ModelConfig, feats: np.ndarray, seconds: float, repeats: int = 30) -> dict:
    """Parameters, MFLOPs per second of audio and CPU ms (one thread, batch 1, median)
    of a freshly built model on one utterance's ``(frames, dim)`` features."""
    torch.manual_seed(0)
    model = build_model(cfg)
    x, lengths = torch.from_numpy(feats[None].astype(np.float32)), torch.tensor([len(feats)])
    return {"parameters": count_parameters(model),
            "MFLOPs/s audio": cost.count_flops(model, x, lengths) / 1e6 / seconds,
            "CPU ms/utt": cost.cpu_ms(model, x, lengths, repeats)}


def schedule(train) -> str:
    """A training budget's learning-rate schedule in words (``training.loop``: Adam,
    cosine annealing to lr/100, restarted every ``T_0`` epochs)."""
    if train.T_0 >= train.epochs:
        return (f"lr {train.lr:.2g}, one cosine cycle over the {train.epochs} epochs (T_0 = {train.T_0}): "
                "down to lr/100 as the budget ends")
    cycles = train.epochs // train.T_0
    return f"lr {train.lr:.2g}, cosine restarted every {train.T_0} epoch{'s' if train.T_0 > 1 else ''} ({cycles} cycles)"


def table(rows: list[Row], records: list[list[RunRecord]], costs: list[dict]) -> pd.DataFrame:
    """One line per row: how it was trained (setting, epochs, schedule: what differs
    between rows), UAR (pooled out-of-fold per run, mean ± std over runs), the
    seed-003 gender accuracy where there is one, parameters (this size and the seed's)
    and the cost figures."""
    out = []
    for row, recs, c in zip(rows, records, costs):
        s = study.summary_row(recs)
        gender = [r.test_gender_accuracy for r in recs if r.test_gender_accuracy is not None]
        out.append({"model": row.spec.model.label(), "seed": row.seed, "input": row.spec.feature_set,
                    "setting": row.setting, "epochs": row.spec.train.epochs, "schedule": schedule(row.spec.train),
                    "runs": s["runs"],
                    "UAR": study.fmt_mean_std(s["uar_mean"], s["uar_std"]), "uar_mean": s["uar_mean"],
                    "uar_std": s["uar_std"], "WA": study.fmt_mean_std(s["wa_mean"], s["wa_std"]),
                    "wa_mean": s["wa_mean"],
                    "gender accuracy": float(np.mean(gender)) if gender else np.nan,
                    "parameters": c["parameters"],
                    "seed-size parameters": (count_parameters(build_model(row.seed_size))
                                             if row.seed_size is not None else c["parameters"]),
                    "MFLOPs/s audio": round(c["MFLOPs/s audio"], 2), "CPU ms/utt": round(c["CPU ms/utt"], 3)})
    return pd.DataFrame(out)


def baseline_table(baselines: dict, feature_set: str = "mfcc+chroma") -> pd.DataFrame:
    """``training.baselines.baseline_records``' baselines as lines of ``table``: UAR and WA
    on the same folds; nothing to time (cost columns empty)."""
    out = []
    for label, recs in baselines.items():
        s = study.summary_row(recs)
        out.append({"model": label, "seed": "baseline", "input": f"{feature_set} (utterance mean+std)"
                    if recs[0].parameters else "labels only", "setting": "no network (seconds to fit)",
                    "runs": s["runs"], "UAR": study.fmt_mean_std(s["uar_mean"], s["uar_std"]),
                    "uar_mean": s["uar_mean"], "uar_std": s["uar_std"],
                    "WA": study.fmt_mean_std(s["wa_mean"], s["wa_std"]), "wa_mean": s["wa_mean"],
                    "gender accuracy": np.nan, "parameters": s["parameters"], "seed-size parameters": np.nan,
                    "MFLOPs/s audio": np.nan, "CPU ms/utt": np.nan})
    return pd.DataFrame(out)


def weighting_table(rows: list[Row], records: list[list[RunRecord]]) -> pd.DataFrame:
    """Seed 003's loss weightings side by side: UAR over runs and gender accuracy."""
    out = []
    for row, recs in zip(rows, records):
        s = study.summary_row(recs)
        out.append({"loss weighting": row.spec.model.variant, "runs": s["runs"], "uar_mean": s["uar_mean"],
                    "uar_std": s["uar_std"], "wa_mean": s["wa_mean"], "gender accuracy": np.mean([r.test_gender_accuracy for r in recs])})
    return pd.DataFrame(out)


def feature_cost(samples: np.ndarray, sr: int, repeats: int = 10) -> pd.DataFrame:
    """CPU ms (one thread, median) to extract each input's features from one utterance."""
    configs = (("MFCC-34 + chroma-12 (seed 000)", FeatureConfig()), ("log-mel 64 (seed 003)", LOGMEL))
    return pd.DataFrame([{"features": name, "CPU ms/utt (1 thread, median)":
                          cost.time_call(lambda c=cfg: extract(samples, sr, c), repeats=repeats)}
                         for name, cfg in configs])


def literature_table(table: pd.DataFrame, profile: str) -> pd.DataFrame:
    """Seed 000's reported rows (each with its source's metric) above our measured rows,
    which carry their WA too: an accuracy is compared with a WA, not with a UAR."""
    ours = table.assign(kind=f"measured here ({profile} profile)", source="this study",
                        **{"metric reported": "UAR, pooled out-of-fold, mean over runs"})
    ours = ours.rename(columns={"uar_mean": "value", "wa_mean": "our WA (comparable with an accuracy)"})[
        ["model", "source", "parameters", "value", "metric reported", "kind", "our WA (comparable with an accuracy)"]]
    lit = literature.seed000_sota().rename(columns={"reported value": "value", "reported parameters": "parameters"})
    return pd.concat([lit, ours], ignore_index=True)


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
    from transformers import Wav2Vec2Config, Wav2Vec2Model

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
