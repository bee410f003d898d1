"""The recipe against the model ``predict`` loads today (notebook 03's checkpoint), which
family ``predict`` switches to, and writing the recipe's checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.experiments.what_helps.recipe import fold_means
from ser_utils.experiments.what_helps.training import data_for
from ser_utils.models import ModelConfig
from ser_utils.paths import save_torch
from ser_utils.training import metrics
from ser_utils.training.cv import pooled_uar
from ser_utils.training.loop import Spec, experiment_key, train_job
from ser_utils.training.records import read_record, record_path


def checkpoint_records(checkpoint_file, runs_dir) -> tuple[str, list]:
    """The label and every run record of the model ``predict`` loads today: the checkpoint's
    cross-validation (``provenance['runs_key']``: notebook 03's records of its spec, all runs)."""
    from ser_utils.inference.checkpoint import read_data  # noqa: PLC0415 - only where a checkpoint is compared

    ckpt = read_data(checkpoint_file)
    key = ckpt["provenance"]["runs_key"]
    paths = sorted((Path(runs_dir) / key).glob("run*-fold*.json"))
    records = [r for r in (read_record(p) for p in paths) if r is not None]
    if not records:
        raise FileNotFoundError(f"{checkpoint_file}: no run records of its cross-validation under {runs_dir}/{key}")
    return ModelConfig(**ckpt["model"]).label(), records


def against_checkpoint(rungs: list, label: str, records, alpha: float = 0.05) -> pd.DataFrame:
    """Each family's recipe (not transductive) against the model ``predict`` uses today,
    speakers as the unit (each side's speakers averaged over its own runs: the seeds are
    not shared), one family of claims (Holm). ``beats checkpoint``: the recipe is shown
    better, the condition for ``predict`` to switch to it."""
    rows = []
    base = float(np.mean(list(pooled_uar(records).values())))
    for r in rungs:
        if r.lever != "recipe" or "speaker_norm" in str(r.levers):
            continue
        t = metrics.paired_records([(r.records, records)], alpha, same_runs=False)
        rows.append({col.FAMILY: r.family, col.CHECKPOINT_MODEL: label,
                     col.CHECKPOINT_RUNS: len({x.run for x in records}),
                     col.CHECKPOINT_UAR: base, col.RECIPE_UAR: float(np.mean(list(pooled_uar(r.records).values()))),
                     col.MEAN_DIFF: t["mean_diff"], col.DIFF_CI95_LOW: t["ci95_low"],
                     col.DIFF_CI95_HIGH: t["ci95_high"],
                     col.UNIT: t["unit"], col.PAIRS: t["pairs"], col.TEST: t["test"], col.P: t["p"],
                     col.MIN_P: t["min_p"], col.VERDICT: t["verdict"]})
    out = metrics.with_holm(pd.DataFrame(rows))
    if len(out):
        out[col.BEATS_CHECKPOINT] = (out[col.VERDICT] == "shown") & (out[col.MEAN_DIFF] > 0)
    return out


def switch_family(vs_checkpoint: pd.DataFrame, rungs: list) -> str | None:
    """The family whose recipe ``predict`` switches to: among those that beat the checkpoint
    (``against_checkpoint``), the one whose recipe has the higher best *validation*
    UAR, the mean over folds of each fold's runs (``fold_means``; never a test score:
    the choice between two shown recipes is made like every other choice here). None
    when no recipe beats it."""
    if not len(vs_checkpoint) or not vs_checkpoint[col.BEATS_CHECKPOINT].any():
        return None
    winners = set(vs_checkpoint.loc[vs_checkpoint[col.BEATS_CHECKPOINT], col.FAMILY])
    val = {r.family: float(np.mean(list(fold_means(r.records).values()))) for r in rungs
           if r.lever == "recipe" and r.family in winners}
    return max(sorted(val), key=lambda f: val[f])


def recipe_checkpoint(spec: Spec, load, folds, runs_dir, run: int, out: Path, sample_rate: int, **provenance) -> Path:
    """Write the recipe's model of (``run``, fold 0) as ``predict``'s checkpoint at ``out``
    (``inference.checkpoint.save``), as notebook 03 does for its model. The recipe's records
    keep no weights, so that (run, fold) is trained again, writing nothing, and must give
    its committed record's history to the last digit (pinned numerics: a replay in full);
    its weights then go beside the record (atomically)."""
    from ser_utils.inference import checkpoint  # noqa: PLC0415 - inference, only when switching

    data = data_for(spec, load)
    key = experiment_key(spec, data, folds)
    committed = record_path(runs_dir, key, run, 0)
    stored = read_record(committed)
    if stored is None:
        raise FileNotFoundError(f"{committed}: the recipe's record of run {run}, fold 0 is not there")
    weights = committed.with_suffix(".pt")
    if not weights.exists():
        again, state = train_job(spec, data, folds, key, run, 0)
        if again.history != stored.history:
            raise RuntimeError(f"{committed}: trained again for its weights, the history differs from the "
                               "committed record (other numerics or libraries?): no checkpoint written")
        save_torch(state, weights)
    return checkpoint.save(out, weights, spec, sample_rate=sample_rate, run=run, fold=0, runs_key=key,
                           fold_actors=stored.fold_speakers, fold_test_uar=stored.test_uar, **provenance)
