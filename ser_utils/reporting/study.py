"""Glue the notebooks share: the corpus a profile names, its folds, and tables of
cross-validation results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ser_utils.data.dataset import Dataset, load_dataset
from ser_utils.data.folds import REFERENCE_FOLDS, corpus_folds, speaker_folds
from ser_utils.paths import data_dir
from ser_utils.training import metrics, pooled_uar, pooled_wa


def resolve(corpus: str, synthetic_actors: int = 8, synthetic_dir: str | None = None, seed: int = 0):
    """A profile's or a command's corpus -> ``(reader, root)``:

    - ``synthetic``: the synthetic corpus in RAVDESS layout (generated once under
      ``data/synthetic`` unless it is already there); ``synthetic-LAYOUT`` (emodb, cremad,
      tess, savee, manifest): a small synthetic corpus in that layout (``data/synthetic-LAYOUT``);
    - ``ravdess``: RAVDESS as ``make data`` found it (``$RAVDESS_DIR`` or ``data/raw/ravdess``);
    - a built-in name (``emodb``, ``cremad``, ``tess``, ``savee``): ``$EMODB_DIR`` ... or
      ``data/raw/NAME``; ``NAME:DIR``: that corpus in ``DIR``;
    - ``PATH.csv``: a manifest; anything else: a folder in RAVDESS layout.
    """
    from ser_utils.data import corpora
    from ser_utils.data.download import get_corpus
    from ser_utils.data.synth import LAYOUTS, make_corpus, make_layout
    from ser_utils.data.verify import synthetic_info

    corpus = str(corpus)
    if corpus == "synthetic":
        root = Path(synthetic_dir or data_dir() / "synthetic")
        actors = list(range(1, synthetic_actors + 1))
        info = synthetic_info(root) if root.is_dir() else None
        if not info or info.get("actors") != actors or info.get("seed") != seed:
            make_corpus(root, actors=actors, seed=seed, sample_rate=16000)
        return corpora.get(None), root
    if corpus.startswith("synthetic-") and corpus[len("synthetic-"):] in LAYOUTS:
        layout = corpus[len("synthetic-"):]
        root = Path(synthetic_dir or data_dir() / corpus)
        info = synthetic_info(root) if root.is_dir() else None
        if not info or info.get("corpus") != layout or info.get("seed") != seed:
            make_layout(root, layout, seed=seed)
        return (corpora.get(root / "manifest.csv"), root) if layout == "manifest" else (corpora.get(layout), root)
    if corpus == "ravdess":
        return corpora.get(None), get_corpus(download=False)
    if corpus.lower().endswith(".csv"):
        reader = corpora.get(corpus)
        return reader, reader.manifest.parent
    name, _, folder = corpus.partition(":")
    if name.lower() in corpora.CORPORA and name.lower() != corpora.RAVDESS:
        return corpora.get(name), corpora.default_root(name, folder or None)
    return corpora.get(None), get_corpus(corpus, download=False)


def corpus_root(corpus: str, synthetic_actors: int = 8, synthetic_dir: str | None = None, seed: int = 0) -> Path:
    """The folder ``resolve`` finds for ``corpus``."""
    return resolve(corpus, synthetic_actors, synthetic_dir, seed)[1]


def study_folds(data: Dataset) -> list:
    """RAVDESS: the reference folds on its 24 actors; gender-balanced speaker folds
    (k = 4, or fewer for a tiny corpus) on a synthetic corpus in its layout. Any other
    corpus: ``folds.corpus_folds`` (leave-speakers-out, balanced by label and gender)."""
    actors = sorted(set(int(a) for a in data.actors))
    if data.corpus != "ravdess":
        return corpus_folds(data.labels, data.actors, data.genders)
    if actors == list(range(1, 25)):
        return list(REFERENCE_FOLDS)
    return speaker_folds(actors, k=max(2, min(5, len(actors) // 2)))


def load(corpus: str, feature_set: str = "mfcc+chroma", synthetic_actors: int = 8, cache_dir=None,
         synthetic_dir=None) -> tuple[Dataset, list]:
    reader, root = resolve(corpus, synthetic_actors, synthetic_dir)
    data = load_dataset(root, feature_set, cache_root=cache_dir, corpus=reader)
    return data, study_folds(data)


def summary_row(records) -> dict:
    """Pooled out-of-fold UAR per run, summarised: mean, std, max, 95 % CI; and the mean
    and std of the pooled weighted accuracy (WA)."""
    pooled = list(pooled_uar(records).values())
    s = metrics.summarize(pooled)
    wa = np.array(list(pooled_wa(records).values()))
    return {"runs": s["n"], "uar_mean": s["mean"], "uar_std": s["std"], "uar_max": s["max"],
            "uar_ci95_low": s["ci95_low"], "uar_ci95_high": s["ci95_high"],
            "wa_mean": float(wa.mean()), "wa_std": float(wa.std(ddof=1)) if len(wa) > 1 else float("nan"),
            "parameters": records[0].parameters,
            "train_minutes": sum(r.wall_seconds for r in records) / 60}


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


def with_holm(frame: pd.DataFrame, alpha: float = 0.05, p: str = "p", adjusted: str = "p (Holm)",
              verdict: str = "verdict (alpha 0.05)", min_p: str = "smallest attainable p") -> pd.DataFrame:
    """One notebook's family of claims: ``frame``'s p-values Holm-adjusted together
    (``metrics.holm``) into ``adjusted``, and each verdict taken on the adjusted p
    (``metrics.verdict``: underpowered where even the unadjusted test could not reach
    ``alpha``)."""
    out = frame.copy()
    out[adjusted] = metrics.holm(out[p].to_numpy(float))
    if verdict in out:
        under = out[min_p].to_numpy(float) > alpha if min_p in out else np.zeros(len(out), bool)
        out[verdict] = [metrics.verdict(q, bool(u), alpha) if not np.isnan(q) else v
                        for q, u, v in zip(out[adjusted], under, out[verdict])]
    return out


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
    from ser_utils.data.corpus import EMOTION_NAMES
    from ser_utils.training import pooled_predictions

    rows = []
    for label, records in records_by_label.items():
        per_run = [metrics.per_class_recall(y, p) for y, p in pooled_predictions(records).values()]
        recall = np.mean(per_run, axis=0)
        wa = np.mean([metrics.weighted_accuracy(y, p) for y, p in pooled_predictions(records).values()])
        rows.append({"model": label, "runs": len(per_run), **dict(zip(EMOTION_NAMES, recall)),
                     "UAR": float(np.nanmean(recall)), "WA": float(wa)})
    return pd.DataFrame(rows)


def paired_row(comparison: str, cmp: dict, **extra) -> dict:
    """A table row of ``paired``'s result: the unit (speaker, or fold), the pairs (units),
    mean difference with its 95 % bootstrap interval over the units, the test used, its
    p, the Holm-adjusted p (NaN until ``with_holm`` adjusts the notebook's family), the
    smallest p it could give and the verdict (on the adjusted p once ``with_holm`` ran)."""
    return {"comparison": comparison, **extra, "unit": cmp.get("unit", "speaker"), "pairs": cmp["pairs"],
            "mean UAR diff": cmp["mean_diff"], "ci95 low": cmp["ci95_low"], "ci95 high": cmp["ci95_high"],
            "test": cmp["test"], "p": cmp["p"], "p (Holm)": float("nan"),
            "smallest attainable p": cmp["min_p"], "verdict (alpha 0.05)": cmp["verdict"],
            "better / worse": f"{cmp['a_better']} / {cmp['b_better']}"}


def mean_history(records, key: str) -> np.ndarray:
    """A history series averaged over the records (folds and runs)."""
    return np.mean([r.history[key] for r in records], axis=0)


PLATEAU_GAIN = 0.01   # validation UAR the last fifth of training may add and still count as a plateau
MIN_EPOCHS_TO_TELL = 10
SCHEDULE_ENDED = 0.25  # mean learning rate of the last fifth, as a share of the peak, below which a flat tail is the schedule's


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
        return {"model": label, "verdict": "no validation speakers"}
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
    return {"model": label, "epochs": epochs, "best_val_uar_epoch": int(np.argmax(curve)) + 1,
            "median_kept_epoch": kept, "kept_share": kept / epochs, "last_fifth_gain": gain,
            "lr_last_fifth_share": lr_tail, "lr_end_share": lr_end, "verdict": verdict}


def fmt_mean_std(mean: float, std: float) -> str:
    return f"{mean:.4f}" if np.isnan(std) else f"{mean:.4f} ± {std:.4f}"


def speaker_leakage(data: Dataset, folds, seed: int = 0) -> pd.DataFrame:
    """Logistic regression on per-utterance mean and std of each feature
    (``training.baselines``), scored with random utterance splits (speakers shared) and
    with speaker-independent folds; plus how well the same features identify the actor.
    UAR and WA of the out-of-fold predictions, and the std of the UAR over the splits."""
    from sklearn.model_selection import StratifiedKFold

    from ser_utils.training import baselines

    X = baselines.utterance_stats(data.features)
    y, actors = data.labels, data.actors
    random_splits = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y))
    speaker_splits = baselines.speaker_splits(actors, folds)
    rows = []
    for split, splits in (("random utterances (speakers shared)", random_splits),
                          ("speaker-independent folds", speaker_splits)):
        pred = baselines.out_of_fold(X, y, splits)
        rows.append({"task": "emotion", "split": split, "uar": metrics.uar(y, pred),
                     "wa": metrics.weighted_accuracy(y, pred),
                     "fold_uar_std": float(np.std([metrics.uar(y[t], pred[t]) for _, t in splits], ddof=1))})
    actor_ids = np.searchsorted(np.unique(actors), actors)
    actor_splits = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, actor_ids))
    pred = baselines.out_of_fold(X, actor_ids, actor_splits)
    rows.append({"task": "actor identity", "split": "random utterances",
                 "uar": metrics.uar(actor_ids, pred, n_classes=len(np.unique(actors))),
                 "wa": metrics.weighted_accuracy(actor_ids, pred),
                 "fold_uar_std": float(np.std([metrics.uar(actor_ids[t], pred[t], n_classes=len(np.unique(actors)))
                                               for _, t in actor_splits], ddof=1))})
    out = pd.DataFrame(rows)
    out["chance"] = [1 / 8, 1 / 8, 1 / len(np.unique(actors))]
    return out


def notice(data: Dataset, profile: str) -> None:
    """In a notebook, say plainly when the corpus is the synthetic one."""
    if data.synthetic:
        from IPython.display import Markdown, display

        display(Markdown(f"> **Synthetic corpus** (profile `{profile}`): the project's speech-like test corpus, "
                         "not RAVDESS. These numbers exercise the pipeline; they say nothing about emotion "
                         "recognition on real speech."))


def numerics_spread(spread_dir, seed_records, other_machines=()) -> pd.DataFrame:
    """One (run, fold) trained under several numerics settings (``numerics --spread``:
    ``results/<profile>/numerics_spread/<key>-runNN-foldF/<variant>.json``, each a
    "machine") beside the same fold under other seeds (``seed_records``: that fold's
    records of other runs) and the same (run, fold) as committed from other machines
    (``other_machines``: ``(label, record)``). Rows: source, what varies, test UAR, best epoch."""
    from ser_utils.training.records import RunRecord

    rows = []
    for path in sorted(Path(spread_dir).glob("*.json")):
        r = RunRecord.load(path)
        rows.append({"source": f"this machine, numerics {path.stem}", "varies": "numerics only",
                     "run": r.run, "fold": r.fold, "test_uar": r.test_uar, "best_epoch": r.best_epoch + 1,
                     "first_train_loss": r.history["train_loss"][0]})
    for label, r in other_machines:
        rows.append({"source": label, "varies": "machine (CPU unrecorded, native numerics)", "run": r.run,
                     "fold": r.fold, "test_uar": r.test_uar, "best_epoch": r.best_epoch + 1,
                     "first_train_loss": r.history["train_loss"][0]})
    for r in seed_records:
        rows.append({"source": f"run {r.run} (another seed)", "varies": "seed", "run": r.run, "fold": r.fold,
                     "test_uar": r.test_uar, "best_epoch": r.best_epoch + 1,
                     "first_train_loss": r.history["train_loss"][0]})
    return pd.DataFrame(rows)
