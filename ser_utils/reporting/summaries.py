"""Tables the notebooks share, made from run records: summaries of cross-validation,
paired comparisons over speakers, convergence, and the synthetic corpus' notice. (The
corpus a profile names and its folds: ``data.project_data``.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.data.dataset import Dataset
from ser_utils.training import metrics, pooled_predictions, pooled_uar, pooled_wa
from ser_utils.training.metrics import with_holm as with_holm
from ser_utils.training.records import RunRecord


def summary_row(records) -> dict:
    """Pooled out-of-fold UAR per run, summarised: mean, std, max, 95 % CI; and the mean
    and std of the pooled weighted accuracy (WA)."""
    pooled = list(pooled_uar(records).values())
    s = metrics.summarize(pooled)
    wa = np.array(list(pooled_wa(records).values()))
    return {col.RUNS: s["n"], col.UAR_MEAN: s["mean"], col.UAR_STD: s["std"], col.UAR_MAX: s["max"],
            col.UAR_CI95_LOW: s["ci95_low"], col.UAR_CI95_HIGH: s["ci95_high"],
            col.WA_MEAN: float(wa.mean()), col.WA_STD: float(wa.std(ddof=1)) if len(wa) > 1 else float("nan"),
            col.PARAMETERS: records[0].parameters,
            col.SWEEP_TRAIN_MINUTES: sum(r.wall_seconds for r in records) / 60}


def paired(records_a, records_b, same_runs: bool = True) -> dict:
    """Paired comparison of two specs, the speaker as the unit: each test speaker's UAR
    averaged over the runs both specs have (the same seeds), A against B, by the exact
    sign-flip test over the speakers (``metrics.paired_records``). Runs on the same
    speakers are not independent samples of speakers, so they are averaged, never
    paired. Folds stand in for speakers where a corpus's ids do not name them.
    ``same_runs=False``: each side over all its own runs (against a baseline fitted once)."""
    return metrics.paired_records([(records_a, records_b)], same_runs=same_runs)


def paired_pooled(pairs) -> dict:
    """Like ``paired`` over several (records_a, records_b) comparisons at once (e.g. every
    2- and 3-layer configuration, concat against last): each unit's score averaged over
    the comparisons, on each side, then one paired test over the units — so a speaker
    counts once, not once per configuration."""
    return metrics.paired_records(pairs)


def pooled_confusion(records, normalize: bool = True) -> np.ndarray:
    """Confusion matrix of the pooled out-of-fold predictions of all runs."""
    labels = np.concatenate([r.test.labels for r in records])
    preds = np.concatenate([r.test.preds for r in records])
    cm = metrics.confusion(labels, preds).astype(float)
    return cm / cm.sum(axis=1, keepdims=True).clip(min=1) if normalize else cm


def recall_table(records_by_label: dict) -> pd.DataFrame:
    """One row per model: the recall of each emotion in the pooled out-of-fold
    predictions of a run, averaged over runs, then UAR (the mean of those recalls, equal
    to the mean pooled UAR over runs) and WA (mean over runs)."""
    rows = []
    for label, records in records_by_label.items():
        per_run = [metrics.per_class_recall(y, p) for y, p in pooled_predictions(records).values()]
        recall = np.mean(per_run, axis=0)
        wa = np.mean([metrics.weighted_accuracy(y, p) for y, p in pooled_predictions(records).values()])
        rows.append({col.MODEL: label, col.RUNS: len(per_run), **dict(zip(EMOTION_NAMES, recall)),
                     col.UAR: float(np.nanmean(recall)), col.WA: float(wa)})
    return pd.DataFrame(rows)


def paired_row(comparison: str, cmp: dict, **extra) -> dict:
    """A table row of ``paired``'s result: the unit (speaker, or fold), the pairs (units),
    mean difference with its 95 % bootstrap interval over the units, the test used, its
    p, the Holm-adjusted p (NaN until ``with_holm`` adjusts the notebook's family), the
    smallest p it could give and the verdict (on the adjusted p once ``with_holm`` ran)."""
    return {col.COMPARISON: comparison, **extra, col.UNIT: cmp.get("unit", "speaker"), col.PAIRS: cmp["pairs"],
            col.MEAN_DIFF: cmp["mean_diff"], col.DIFF_CI95_LOW: cmp["ci95_low"], col.DIFF_CI95_HIGH: cmp["ci95_high"],
            col.TEST: cmp["test"], col.P: cmp["p"], col.P_HOLM: float("nan"),
            col.MIN_P: cmp["min_p"], col.VERDICT: cmp["verdict"],
            col.BETTER_WORSE: f"{cmp['a_better']} / {cmp['b_better']}"}


def mean_history(records, key: str) -> np.ndarray:
    """A history series averaged over the records (folds and runs)."""
    return np.mean([r.history[key] for r in records], axis=0)


PLATEAU_GAIN = 0.01   # validation UAR the last fifth of training may add and still count as a plateau
MIN_EPOCHS_TO_TELL = 10
SCHEDULE_ENDED = 0.25  # mean learning rate of the last fifth, as a share of the peak, below which a flat tail is
                       # the schedule's


def convergence(records, label: str = "") -> dict:
    """Has validation UAR stopped rising? On the validation-UAR curve averaged over the
    records (folds and runs): ``gain`` = its best value in the last fifth of the epochs
    minus its best before; ``still rising`` when the gain is above ``PLATEAU_GAIN``, ``too
    short to tell`` under ``MIN_EPOCHS_TO_TELL`` epochs. A flat last fifth counts as
    ``plateaued`` only if the model was still being trained then: when the schedule had
    annealed the learning rate (its mean over the last fifth below ``SCHEDULE_ENDED`` of
    its peak — one cosine cycle ending with the budget takes it to lr/100), a flat tail is
    what the schedule produces whatever the model could still learn: ``schedule-ended,
    cannot tell``. Also the learning rate of the last fifth and of the last epoch as a
    share of the peak (``history["lr"]``, when recorded), and the median epoch the folds
    kept (best validation UAR) and its share of the budget."""
    records = [r for r in records if r.history["val_uar"] and r.history["val_uar"][0] is not None]
    if not records:
        return {col.MODEL: label, col.CONVERGENCE_VERDICT: "no validation speakers"}
    curve = mean_history(records, "val_uar")
    epochs = len(curve)
    tail = max(2, epochs // 5)
    gain = float(np.max(curve[-tail:]) - np.max(curve[:-tail])) if epochs > tail else float("nan")
    lr_tail = lr_end = float("nan")
    if all(len(r.history.get("lr") or []) == epochs for r in records):
        lr = mean_history(records, "lr")
        lr_tail, lr_end = float(lr[-tail:].mean() / lr.max()), float(lr[-1] / lr.max())
    verdict = ("too short to tell" if epochs < MIN_EPOCHS_TO_TELL else
               "still rising" if gain > PLATEAU_GAIN else
               "schedule-ended, cannot tell" if lr_tail < SCHEDULE_ENDED else "plateaued")
    kept = float(np.median([r.best_epoch + 1 for r in records]))  # best_epoch counts from 0
    return {col.MODEL: label, col.EPOCHS: epochs, "best_val_uar_epoch": int(np.argmax(curve)) + 1,
            "median_kept_epoch": kept, "kept_share": kept / epochs, col.LAST_FIFTH_GAIN: gain,
            col.LR_LAST_FIFTH_SHARE: lr_tail, "lr_end_share": lr_end, col.CONVERGENCE_VERDICT: verdict}


def fmt_mean_std(mean: float, std: float) -> str:
    return f"{mean:.4f}" if np.isnan(std) else f"{mean:.4f} ± {std:.4f}"


def notice(data: Dataset, profile: str) -> None:
    """In a notebook, say plainly when the corpus is the synthetic one."""
    if data.synthetic:
        from IPython.display import Markdown, display  # noqa: PLC0415 - heavy: IPython, one use

        display(Markdown(f"> **Synthetic corpus** (profile `{profile}`): the project's speech-like test corpus, "
                         "not RAVDESS. These numbers exercise the pipeline; they say nothing about emotion "
                         "recognition on real speech."))


SPREAD_NUMERICS = "numerics (same seed and data)"
SPREAD_MIXED = "numerics: pinned training on native features"
SPREAD_MACHINE = "machine, not recorded (native numerics)"
SPREAD_SEED = "seed (the fold's committed runs)"


def numerics_spread(spread_dir, seed_records, other_machines=()) -> pd.DataFrame:
    """One (run, fold) trained under several numerics settings (``numerics --spread``:
    ``results/<profile>/numerics_spread/<key>-runNN-foldF/<variant>.json``, each a
    "machine", its row naming the CPU that trained it; a record whose ``machine`` carries a
    ``note`` — pinned training on native features — in a group of its own) beside the same
    fold's committed runs (``seed_records``: each run's seed, the spread's own included, so
    that a spread row and its committed record can be compared) and the same (run, fold) as
    committed from machines nobody recorded (``other_machines``: ``(label, record)``).
    Rows: source, what varies, test UAR, best epoch (1 = the first)."""
    rows = []

    def cpu_of(r):
        m = r.machine or {}
        return f"{m.get('cpu') or 'CPU not recorded'}, {m.get('numerics') or 'numerics not recorded'}"

    def row(source, varies, r):
        return {"source": source, col.VARIES: varies, col.RUN: r.run, col.FOLD: r.fold, col.TEST_UAR: r.test_uar,
                "best_epoch": r.best_epoch + 1, "first_train_loss": r.history["train_loss"][0]}

    for path in sorted(Path(spread_dir).glob("*.json")):
        r = RunRecord.load(path)
        cpu = (r.machine or {}).get("cpu") or "CPU unrecorded"
        rows.append(row(f"{cpu}, numerics {path.stem}", SPREAD_MIXED if (r.machine or {}).get("note")
                        else SPREAD_NUMERICS, r))
    for label, r in other_machines:
        rows.append(row(label, SPREAD_MACHINE, r))
    for r in sorted(seed_records, key=lambda r: r.run):
        rows.append(row(f"run {r.run}, committed ({cpu_of(r)})", SPREAD_SEED, r))
    return pd.DataFrame(rows)
