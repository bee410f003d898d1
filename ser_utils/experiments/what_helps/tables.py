"""Notebook 09's tables and the points of its Pareto figure: the rungs with their paired
tests and costs, the baselines with their C per fold, UAR against CPU ms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils import literature
from ser_utils.data.features import LOGMEL, extract
from ser_utils.data.functionals import load_functionals
from ser_utils.experiments.what_helps.levers import DESCRIPTION, TRANSDUCTIVE, Rung
from ser_utils.experiments.what_helps.paired import speaker_paired
from ser_utils.experiments.what_helps.timing import baseline_ms, feature_ms, feature_repeats, model_ms
from ser_utils.models import ModelConfig, cost
from ser_utils.paths import read_table
from ser_utils.training import metrics
from ser_utils.training.baselines import STANDARD, SVM_GRIDS, nested_svm
from ser_utils.training.cv import pooled_uar, pooled_wa
from ser_utils.training.loop import Spec


def c_words(Cs, grid) -> str:
    """The C each fold chose, in words; a C at an end of its ``grid`` is marked, since the
    best C may then lie beyond it."""
    ends = {min(grid): " (grid's lowest)", max(grid): " (grid's highest)"}
    return ", ".join(f"{c:g}{ends.get(c, '')}" for c in Cs)


def baseline_table(data, folds, records: dict, chosen_C: pd.DataFrame, samples, sr, mfcc_ms: float,
                   cache_dir=None, repeats: int = 30) -> pd.DataFrame:
    """One row per baseline (``records``: {label: [record per fold]}): pooled UAR and WA,
    its features, the C each fold's validation speakers chose (``chosen_C``; the SVMs),
    and its CPU cost for the reference utterance (``samples``) end to end, one thread:
    openSMILE's extraction and the SVM's prediction (refitted on fold 0) for the standard
    references, ``mfcc_ms`` for the logistic regression's features, nothing for the
    majority class. ``standard``: one of the field's references (``baselines.STANDARD``)."""
    rows = []
    for label, recs in records.items():
        uars, was = list(pooled_uar(recs).values()), list(pooled_wa(recs).values())
        which = STANDARD.get(label)
        if which:
            X = load_functionals(data.index.path, which, cache_root=cache_dir, progress=False)
            model, _, _ = nested_svm(X, data.labels, data.speakers, folds[0], SVM_GRIDS[which])
            ms = baseline_ms(samples, sr, which, model, repeats=feature_repeats(repeats))
        else:
            ms = mfcc_ms if recs[0].parameters else 0.0
        Cs = chosen_C[chosen_C["baseline"] == label]["C"]
        rows.append({col.MODEL: label,
                     "features": which or ("MFCC-34 + chroma-12 mean+std" if recs[0].parameters else "none"),
                     col.RUNS: len(uars), col.UAR_MEAN: float(np.mean(uars)), col.WA_MEAN: float(np.mean(was)),
                     col.PARAMETERS: recs[0].parameters,
                     col.C_PER_FOLD: c_words(Cs, SVM_GRIDS[which]) if len(Cs) else "",
                     col.CPU_MS: round(ms, 2), "standard": bool(which)})
    return pd.DataFrame(rows)


def table(rungs: list[Rung], speaker_of: dict, costs: dict) -> pd.DataFrame:
    """One row per family and rung: lever, runs, UAR (mean, 95 % t-interval over runs), WA,
    the paired test against the family's start (speakers as the unit), parameters, CPU ms
    (model; end to end with the features) and train minutes. ``costs[(family, lever)]``:
    ``{"parameters", "model ms", "feature ms"}`` and, where the row's dearest model and dearest
    features are not one model's (the recipe's folds), ``"end ms"``: the dearest end to end."""
    starts = {r.family: r for r in rungs if r.lever == "start"}
    rows = []
    for i, r in enumerate(rungs):
        uars = list(pooled_uar(r.records).values())
        s = metrics.summarize(uars)
        wa = float(np.mean(list(pooled_wa(r.records).values())))
        row = {col.FAMILY: r.family, col.RUNG: i, col.LEVER: r.lever, "what": DESCRIPTION.get(r.lever, r.lever),
               col.TRANSDUCTIVE: r.lever in TRANSDUCTIVE or "speaker_norm" in r.levers,
               col.LEVERS: r.levers, col.RUNS: s["n"], col.UAR_MEAN: s["mean"], col.UAR_STD: s["std"],
               col.UAR_CI95_LOW: s["ci95_low"], col.UAR_CI95_HIGH: s["ci95_high"], col.WA_MEAN: wa}
        start = starts.get(r.family)
        if start is not None and r is not start:
            t = speaker_paired(r.records, start.records, speaker_of)
            row.update({col.DELTA_VS_START: t["mean_diff"], col.DELTA_CI95_LOW: t["ci95_low"],
                        col.DELTA_CI95_HIGH: t["ci95_high"], col.SPEAKERS: t["pairs"], col.TEST: t["test"],
                        col.P: t["p"], col.MIN_P: t["min_p"], col.VERDICT: t["verdict"]})
        c = costs[(r.family, r.lever)]
        row.update({col.PARAMETERS: int(c["parameters"]), col.MODEL_CPU_MS: round(c["model ms"], 3),
                    col.CPU_MS: round(c.get("end ms", c["model ms"] + c["feature ms"]), 3),
                    col.TRAIN_MINUTES: round(sum(x.wall_seconds for x in r.records) / 60, 2)})
        rows.append(row)
    return metrics.with_holm(pd.DataFrame(rows))


def label_config(label: str):
    """``LSTM-SA-h64`` / ``ResLSTM-SA-h128`` -> its ``ModelConfig`` (None for other labels)."""
    name, _, hidden = label.rpartition("-h")
    family = {"LSTM-SA": "lstm_sa", "ResLSTM-SA": "reslstm_sa"}.get(name)
    return ModelConfig(family, hidden=int(hidden)) if family and hidden.isdigit() else None


def _table_from(name: str, out_dir, borrowed) -> tuple[pd.DataFrame | None, str]:
    """Table ``name`` of ``out_dir``'s results, else of ``borrowed``'s (another profile's
    results), with the suffix its points' source then carries (`` (quick)``)."""
    for where, suffix in ((out_dir, ""), (borrowed, f" ({Path(borrowed).name})" if borrowed else "")):
        table = read_table(where, name) if where is not None else None
        if table is not None:
            return table, suffix
    return None, ""


def pareto_points(what: pd.DataFrame, baselines: pd.DataFrame, out_dir, samples, sr, repeats: int = 10,
                  borrowed=None, feats=None) -> pd.DataFrame:
    """UAR against CPU ms per utterance end to end for every model of this notebook
    (``what``), the baselines, notebook 03's clean rows and 06's networks (read from their
    tables in ``out_dir`` when present; 03's models timed here, 06's model time plus their
    input's extraction) and the published points, labelled *reported*: the slides' UARs at
    the cost measured for the same architecture, wav2vec 2.0's reported accuracy at 06's
    measured cost (random weights). ``borrowed``: another profile's results whose 03 and 06
    tables stand in where ``out_dir`` has none (``results/full`` has none: ``quick``'s),
    their points' source then naming that profile (``03 (quick)``). ``source``: ``09 <family>``,
    ``09 baseline``, ``03``, ``06`` or ``reported``. ``kind`` says which: ``measured``, ``measured,
    transductive`` (a model that needs the test speaker's unlabelled audio), ``reported
    (UAR)`` or ``reported (accuracy, not UAR)``."""
    mfcc = feature_ms(samples, sr, "mfcc+chroma", repeats=feature_repeats(repeats))
    rows = [{col.MODEL: f"{r['family']} {r['lever']}", "source": f"09 {r['family']}",
             col.KIND: "measured, transductive" if r["transductive"] else "measured",
             col.UAR_VALUE: r["uar_mean"],
             col.CPU_MS: r["CPU ms/utt"], col.PARAMETERS: r["parameters"]} for _, r in what.iterrows()]
    rows += [{col.MODEL: r["model"], "source": "09 baseline", col.KIND: "measured", col.UAR_VALUE: r["uar_mean"],
              col.CPU_MS: r["CPU ms/utt"], col.PARAMETERS: r["parameters"]} for _, r in baselines.iterrows()
             if r["parameters"]]
    # the architectures of 03 and the slides on the reference utterance's MFCC + chroma frames (``feats``: the
    # very input 09's start was timed on, so the same model reads the same time), else frames of its length
    x = np.asarray(feats, np.float32) if feats is not None else np.zeros((len(samples) // 2048 + 1, 46), np.float32)

    def arch_ms(cfg):
        return model_ms(Spec(cfg), x, repeats)[1] + mfcc

    t, suffix = _table_from("sa_models_table", out_dir, borrowed)
    if t is not None:
        for _, r in t[(t["protocol"] == "clean") & (t["kind"] == "network")].iterrows():
            cfg = label_config(r["model"])
            if cfg is not None:
                rows.append({col.MODEL: r["model"], "source": f"03{suffix}", col.KIND: "measured",
                             col.UAR_VALUE: r["uar_mean"], col.CPU_MS: arch_ms(cfg), col.PARAMETERS: r["parameters"]})
    t, suffix = _table_from("sota_our_models", out_dir, borrowed)
    if t is not None:
        logmel = cost.time_call(lambda: extract(samples, sr, LOGMEL), repeats=3)
        for _, r in t[t["CPU ms/utt"].notna()].iterrows():
            rows.append({col.MODEL: r["model"], "source": f"06{suffix}", col.KIND: "measured",
                         col.UAR_VALUE: r["uar_mean"],
                         col.CPU_MS: r["CPU ms/utt"] + (logmel if r["input"] == "logmel" else mfcc),
                         col.PARAMETERS: r["parameters"]})
    for _, r in literature.paper000_reported().iterrows():
        cfg = label_config(r["model"])
        rows.append({col.MODEL: f"{r['model']} (slides)", "source": "reported", col.KIND: "reported (UAR)",
                     col.UAR_VALUE: r["reported_uar_mean"], col.CPU_MS: arch_ms(cfg), col.PARAMETERS: np.nan})
    w2v, _ = _table_from("sota_wav2vec2_cost", out_dir, borrowed)
    if w2v is not None:
        large = w2v[w2v["model"].str.contains("large")]
        _, _, value, metric = literature.PAPER000_SOTA["Fine-tuned xlsr-wav2vec 2.0"]
        if len(large):
            rows.append({col.MODEL: "fine-tuned XLSR wav2vec 2.0 (Luna-Jiménez et al. 2022)", "source": "reported",
                         col.KIND: f"reported ({metric}, not UAR)", col.UAR_VALUE: value,
                         col.CPU_MS: float(large["CPU ms/utt"].iloc[0]),
                         col.PARAMETERS: float(large["parameters"].iloc[0])})
    return pd.DataFrame(rows)
