"""A shift inside RAVDESS (notebook 08 without a second corpus): train on one condition of
the takes — normal intensity, or statement 1 — and test the new speakers on both, the
condition it was trained on and the other one.

Speaker-independent and on the study's clean protocol: fold ``f`` trains on the reference
fold's training speakers and chooses its epoch on its validation speakers, both in the
training condition only (the shifted condition is never seen before the test), and tests
the fold's test speakers in both conditions. One trained model per (run, fold) gives both
numbers, so the difference between them is the cost of the shift and nothing else.

The cross-validation is the study's (``training.cross_validate``, run records and all). A
take of the other condition is given a stand-in speaker number (``OFFSET`` + actor), so
that the ordinary leave-speakers-out folds can name it: the test role lists both numbers
of each test speaker, the training and validation roles only the real ones. Records name
their files by stem, from which the condition is read back.

RAVDESS's *neutral* has normal-intensity takes only, so the intensity shift is scored on
the seven other emotions, in both test conditions alike (a file predicted *neutral* counts
as a miss)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.data.dataset import Dataset
from ser_utils.data.folds import Fold
from ser_utils.training import metrics
from ser_utils.training.cv import cross_validate

OFFSET = 1000
# shift name -> (index column, its two conditions, how a condition is written)
SHIFTS = {
    "intensity": ("intensity", ("normal", "strong"), lambda v: f"{v} intensity"),
    "statement": ("statement", (1, 2), lambda v: f"statement {v}"),
}


def conditions(data: Dataset, shift: str) -> np.ndarray:
    """Each utterance's condition under ``shift`` (``"intensity"``: normal/strong;
    ``"statement"``: 1/2), from the corpus index."""
    column = SHIFTS[shift][0]
    values = data.index[column]
    return np.asarray(values.astype(int) if shift == "statement" else values.astype(str), dtype=object)


def shift_data(data: Dataset, folds, shift: str, source) -> tuple[Dataset, list[Fold]]:
    """``data`` with each take outside condition ``source`` moved to speaker ``OFFSET`` +
    actor, and ``folds`` whose training and validation speakers keep only their ``source``
    takes and whose test speakers keep both conditions. The fingerprint names the shift,
    so the records have an experiment key of their own."""
    other = conditions(data, shift) != source
    speakers = np.where(other, data.speakers + OFFSET, data.speakers)
    fingerprint = hashlib.sha1(f"{data.fingerprint}:shift:{shift}={source}".encode()).hexdigest()[:12]
    shifted = replace(data, speakers=speakers, fingerprint=fingerprint)
    new_folds = [Fold(test=tuple(f.test) + tuple(a + OFFSET for a in f.test), validation=tuple(f.validation),
                      train=tuple(f.train)) for f in folds]
    return shifted, new_folds


def run(data: Dataset, folds, spec, shift: str, source, runs=(0,), runs_dir=None, progress: bool = True):
    """Cross-validate ``spec`` trained on condition ``source`` of ``shift``; the run records."""
    shifted, new_folds = shift_data(data, folds, shift, source)
    return cross_validate(spec, shifted, new_folds, runs=runs, runs_dir=runs_dir, progress=progress)


def _scored(data: Dataset, shift: str, records) -> pd.DataFrame:
    """One row per test prediction of ``records``: run, speaker, condition, label, prediction."""
    by_stem = dict(zip(data.ids, conditions(data, shift)))
    speaker_of = dict(zip(data.ids, data.speakers))
    rows = [(r.run, int(speaker_of[i]), by_stem[i], y, p)
            for r in records for i, y, p in zip(r.test.ids, r.test.labels, r.test.preds)]
    return pd.DataFrame(rows, columns=["run", "speaker", "condition", "label", "pred"])


def _uar(frame: pd.DataFrame, classes) -> float:
    """UAR over ``classes`` only (those present in both test conditions)."""
    part = frame[frame["label"].isin(classes)]
    recalls = [np.mean(part["pred"][part["label"] == c] == c) for c in classes if (part["label"] == c).any()]
    return float(np.mean(recalls)) if recalls else float("nan")


def target_of(shift: str, source):
    """The other condition of ``shift`` than ``source`` (what the model is tested on, shifted)."""
    values = SHIFTS[shift][1]
    return values[1] if source == values[0] else values[0]


def diff_column(label_a: str, label_b: str) -> str:
    """``compare``'s column of B − A in the shifted condition, the mean over speakers."""
    return f"{label_b} − {label_a}, shifted (speaker mean)"


def compare(data: Dataset, shift: str, source, records_a, records_b, label_a: str, label_b: str) -> dict:
    """Two models trained on the same condition ``source`` (e.g. 09's start and its recipe):
    their pooled UAR in the training condition and in the shifted one (means over runs), and
    the paired test over test speakers of B − A in the shifted condition (each speaker's UAR
    averaged over its runs; ``metrics.paired_test``). Does what helps at home help away?"""
    _, _, name = SHIFTS[shift]
    target = target_of(shift, source)
    rows, shifted, classes = {}, {}, {}
    for label, records in ((label_a, records_a), (label_b, records_b)):
        per_run, per_speaker, classes[label] = _uars(data, shift, source, records)
        rows[label] = (float(np.mean(per_run[source])), float(np.mean(per_run[target])), len(per_run[source]))
        shifted[label] = per_speaker[target]
    if classes[label_a] != classes[label_b]:
        raise ValueError(f"{shift}, trained on {name(source)}: {label_a} scores classes {classes[label_a]}, "
                         f"{label_b} {classes[label_b]}; they must be compared on the same classes")
    both = classes[label_b]
    diff = (shifted[label_b] - shifted[label_a]).dropna()
    test = metrics.paired_test(diff.to_numpy())
    return {"shift": shift, col.TRAINED_ON: name(source), col.TESTED_ON_SHIFTED: name(target),
            col.CLASSES_SCORED: len(both), col.RUNS: min(rows[label_a][2], rows[label_b][2]),
            f"{label_a} UAR same condition": rows[label_a][0], f"{label_a} UAR shifted": rows[label_a][1],
            f"{label_b} UAR same condition": rows[label_b][0], f"{label_b} UAR shifted": rows[label_b][1],
            f"{label_a} shift cost": rows[label_a][1] - rows[label_a][0],
            f"{label_b} shift cost": rows[label_b][1] - rows[label_b][0],
            diff_column(label_a, label_b): float(diff.mean()), col.PAIRS: len(diff), col.UNIT: "speaker",
            col.SPEAKERS_WORSE_BETTER: f"{int((diff < 0).sum())} / {int((diff > 0).sum())}",
            col.TEST: test["test"], col.P: test["p"], col.MIN_P: test["min_p"],
            metrics.VERDICT: metrics.verdict(test["p"], test["underpowered"])}


def _uars(data: Dataset, shift: str, source, records) -> tuple[dict, dict, list]:
    """A direction's UARs: pooled test UAR per run in each condition (over the classes both
    conditions have: the third item), and each test speaker's UAR per condition over the
    same classes, averaged over runs: what ``summarise`` and ``compare`` read."""
    target = target_of(shift, source)
    scored = _scored(data, shift, records)
    both = sorted(set(scored.loc[scored.condition == source, "label"]) & set(scored.loc[scored.condition == target,
                                                                                          "label"]))
    per_run = {c: [_uar(g[g.condition == c], both) for _, g in scored.groupby("run")] for c in (source, target)}
    per_speaker = {c: scored[scored.condition == c].groupby(["speaker", "run"]).apply(
        lambda g: _uar(g, both), include_groups=False).groupby("speaker").mean() for c in (source, target)}
    return per_run, per_speaker, both


def summarise(data: Dataset, shift: str, source, records) -> dict:
    """One direction's numbers: pooled test UAR per run in the training condition and in
    the other (over the classes both have), their means and std over runs, and the paired
    comparison over speakers (``pairs``: each test speaker's UAR in each condition, averaged
    over runs; ``metrics.paired_test``)."""
    _, _, name = SHIFTS[shift]
    target = target_of(shift, source)
    per_run, per_speaker, both = _uars(data, shift, source, records)
    diff = (per_speaker[target] - per_speaker[source]).dropna()
    test = metrics.paired_test(diff.to_numpy())
    return {"shift": shift, col.TRAINED_ON: name(source), col.TESTED_ON_SHIFTED: name(target),
            col.CLASSES_SCORED: len(both), col.RUNS: len(per_run[source]),
            col.UAR_SAME: float(np.mean(per_run[source])),
            "UAR same condition std": float(np.std(per_run[source], ddof=1)) if len(per_run[source]) > 1 else np.nan,
            col.UAR_SHIFTED: float(np.mean(per_run[target])),
            "UAR shifted std": float(np.std(per_run[target], ddof=1)) if len(per_run[target]) > 1 else np.nan,
            col.UAR_CHANGE: float(np.mean(per_run[target]) - np.mean(per_run[source])),
            col.PAIRS: len(diff), col.UNIT: "speaker",
            col.SPEAKERS_WORSE_BETTER: f"{int((diff < 0).sum())} / {int((diff > 0).sum())}",
            "speaker mean change": float(diff.mean()), col.TEST: test["test"], col.P: test["p"],
            col.MIN_P: test["min_p"],
            metrics.VERDICT: metrics.verdict(test["p"], test["underpowered"])}


def experiment(data: Dataset, folds, spec, shifts=("intensity", "statement"), runs=(0,), runs_dir=None,
               progress: bool = True) -> pd.DataFrame:
    """Both directions of each shift in ``shifts`` (train on one condition, test on both):
    one row each (``summarise``); the rows are one family of claims, their p-values
    Holm-adjusted together (``metrics.with_holm``) and each verdict taken on the adjusted p."""
    rows = []
    for shift in shifts:
        for source in SHIFTS[shift][1]:
            records = run(data, folds, spec, shift, source, runs=runs, runs_dir=runs_dir, progress=progress)
            rows.append(summarise(data, shift, source, records))
    return metrics.with_holm(pd.DataFrame(rows))
