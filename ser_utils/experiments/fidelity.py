"""The fidelity ladder: from the clean protocol, one change at a time, toward the
setting of paper 000's slides (Krasnoproshin & Vashkevich, DSPA 2026; ResLSTM-SA-h64
0.6232 ± 0.0119 over 10 runs), to say how much of the gap each change explains.

Rungs per model (ResLSTM-SA-h64 and LSTM-SA-h64), each a cross-validated spec:

0. clean protocol, the study's default hyperparameters;
1. clean, the hyperparameters chosen on *validation* speakers by the 100-epoch study (the
   mean over all five folds' validation speakers: not nested, each is a test speaker of
   another fold);
1n. clean, the hyperparameters chosen for each test fold on the validation folds whose
   speakers are outside it (``nested``): **the ladder's headline rung**, fixed before
   any of its numbers was seen (``HEADLINE_RUNG``);
2. the same + the authors' computation (``ModelConfig.computation = AUTHORS_COMPUTATION``, stored as ``"reference"``);
3. the same + paper normalisation (mean/std over all speakers, test ones included);
4. the authors' setting: reference computation, paper protocol, lr 2e-4, batch 16,
   dropout 0.3, weight decay 1.6e-3 (LSTM-SA: 4.9e-2, their results file), T_0 10;
   beside it the single run with their reseeding (42 + 100·fold), to compare with their
   own code (``AUTHORS_CODE``);
5. paper-style selection: the best-by-*test* trial's own UAR, and that configuration
   re-run with fresh seeds — the difference is the optimism of selecting on test;
6. "10 runs": replayed fold seeds (deterministic on a CPU) against fresh seeds; replays
   that are bit-identical count once (``distinct_runs``).

Studies: TPE guided by validation UAR with each trial's pooled test UAR recorded,
100 epochs per trial (``tuning.Plan``), at least ``min_complete`` complete trials.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.literature import PAPER000_TABLE
from ser_utils.models import AUTHORS_COMPUTATION, ModelConfig
from ser_utils.training import metrics, nested, tuning
from ser_utils.training.cv import cross_validate_many, pooled_uar
from ser_utils.training.loop import AUTHORS_SEEDING, DISTINCT_SEEDING, Spec, TrainConfig, experiment_key
from ser_utils.training.records import RunRecord, read_record, record_path

# The authors' notebook (Mak-Sim/ResLSTM-SER, commit f2b7439) run unchanged on one CPU core
# of the machine the study was built on, CPU model unrecorded (notebook 07 says how to rerun it): pooled test UAR at the
# authors' setting with their reseeding. Measurements of their code, not of this project's.
AUTHORS_CODE = {"ResLSTM-SA-h64": 0.398, "LSTM-SA-h64": 0.423}
# The authors' setting (rung 4): the top of the slides' lr range and the values of their results file.
AUTHORS_SETTING = {"lr": 2e-4, "batch_size": 16, "dropout": 0.3, "T_0": 10,
                   "weight_decay": {"reslstm_sa": 1.6e-3, "lstm_sa": 4.9e-2}}


# The rung the ladder's conclusion is about, fixed before its numbers were seen (issue 26):
# the nested choice; until all its runs exist, rung 1 is shown in its place, labelled not nested.
HEADLINE_RUNG = "1n"
FALLBACK_RUNG = "1"

# Rung 2 split into the parts of the authors' computation, cumulatively (``split_computation``).
SPLIT_RUNGS = [("2a", "unmasked+authors_init",
                "+ attention and BatchNorm over padded frames, the authors' output init"),
               ("2b", "unmasked+authors_init+random_order", "+ random-order training batches")]


@dataclass(frozen=True)
class Rung:
    """One row of the ladder: a spec, the runs it is averaged over, and the rung it
    is compared with (``previous``)."""

    model: str           # "ResLSTM-SA-h64"
    rung: str            # "0", "1", ..., "5a", "6b"
    description: str
    spec: Spec | None    # None: waiting for a study
    runs: tuple
    previous: str | None = None
    note: str = ""
    fold_specs: tuple | None = None   # a spec per test fold (the nested choice); ``spec`` is fold 0's


def plans(params: dict) -> list[tuning.Plan]:
    """The fidelity studies of a profile section: ``studies`` = [[model-hH, space], ...]."""
    common = dict(epochs=params["epochs"], trials=params["trials"], min_complete=params["trials"],
                  startup_trials=params["startup_trials"], pruner=params.get("pruner", "median"),
                  sampler_seed=params.get("sampler_seed", 0))
    return [tuning.Plan(*tuning.parse_model(m), space=space, **common) for m, space in params["studies"]]


def study_state(plan: tuning.Plan, url: str, data) -> dict:
    """Complete / pruned counts of a study and whether it has reached its goal."""
    try:
        study = tuning.load_study(plan, url, data)
    except KeyError:
        return {col.COMPLETE: 0, col.PRUNED: 0, "done": False, "study": None}
    states = [t.state.name for t in study.get_trials(deepcopy=False)]
    complete, pruned = states.count("COMPLETE"), states.count("PRUNED")
    return {col.COMPLETE: complete, col.PRUNED: pruned, "study": study,
            "done": complete >= plan.min_complete and complete + pruned >= plan.trials}


def winners(plan_list, url: str, data) -> dict:
    """``{model label: {"clean": (plan, trial), "paper": (plan, trial)}}`` over the
    finished studies of each model: clean = best validation UAR, paper-style = best
    pooled test UAR (ties: the earlier study, then the earlier trial)."""
    out: dict = {}
    for plan in plan_list:
        state = study_state(plan, url, data)
        if not state["done"]:
            continue
        for selection, trial in tuning.winners(state["study"]).items():
            score = trial.value if selection == "clean" else trial.user_attrs["test_uar"]
            best = out.setdefault(plan.label, {}).get(selection)
            if best is None or score > best[2]:
                out[plan.label][selection] = (plan, trial, score)
    return {label: {k: v[:2] for k, v in sel.items()} for label, sel in out.items()}


def nested_winners(plan_list, url: str, data, folds) -> dict:
    """``{model label: [(plan, trial) per test fold]}``: over the complete trials of each
    model's finished studies, the nested choice (``nested.choose``: for each test fold, the
    best mean validation UAR over the folds whose validation speakers are outside it)."""
    pool: dict = {}
    for plan in plan_list:
        state = study_state(plan, url, data)
        if not state["done"]:
            continue
        for t in state["study"].get_trials(deepcopy=False):
            if t.state.name == "COMPLETE":
                pool.setdefault(plan.label, []).append((plan, t))
    out = {}
    for label, trials in pool.items():
        cands = [nested.Candidate(f"{plan.space} #{t.number}", {"i": i}, tuple(t.user_attrs["fold_val_uar"]), i)
                 for i, (plan, t) in enumerate(trials)]
        out[label] = [trials[c.params["i"]] for c in nested.choose(cands, folds)]
    return out


def distinct_runs(records) -> list:
    """``records`` without the runs whose predictions repeat an earlier run's on every fold
    (the authors' reseeding replays bit-identically on a CPU: a copy is not a new sample)."""
    by_run: dict = {}
    for r in records:
        by_run.setdefault(r.run, []).append(r)
    seen, keep = set(), []
    for run, recs in sorted(by_run.items()):
        sig = tuple((r.fold, tuple(r.test.preds)) for r in sorted(recs, key=lambda x: x.fold))
        if sig not in seen:
            seen.add(sig)
            keep += recs
    return keep


def authors_spec(model: str, hidden: int, epochs: int, seeding: str = DISTINCT_SEEDING) -> Spec:
    """Rung 4: the authors' setting and computation."""
    a = AUTHORS_SETTING
    return Spec(ModelConfig(model, hidden=hidden, dropout=a["dropout"], computation=AUTHORS_COMPUTATION),
                TrainConfig(lr=a["lr"], weight_decay=a["weight_decay"][model], batch_size=a["batch_size"],
                            T_0=a["T_0"], epochs=epochs), protocol="paper", seeding=seeding)


def ladder(model: str, params: dict, won: dict | None = None, nested_won: dict | None = None) -> list[Rung]:
    """The rungs of one model (``model`` like ``reslstm_sa-h64``); rungs that need a
    finished study have ``spec=None`` until ``won`` (``winners``) and ``nested_won``
    (``nested_winners``) have it."""
    name, hidden = tuning.parse_model(model)
    label = ModelConfig(name, hidden=hidden).label()
    epochs, runs, seed_runs = params["epochs"], tuple(range(params["runs"])), params["seed_runs"]
    fresh = tuple(range(1, params["runs"] + 1))  # run 0 of a trial's spec was the trial itself
    rows = [Rung(label, "0", "clean protocol, the study's default hyperparameters",
                 Spec(ModelConfig(name, hidden=hidden), TrainConfig(epochs=epochs)), runs)]
    pick = (won or {}).get(label, {})
    clean = tuning.spec_for(pick["clean"][0], pick["clean"][1].params) if "clean" in pick else None
    waiting = "waiting for the 100-epoch study"
    rows.append(Rung(label, "1", "clean, hyperparameters chosen on validation by the 100-epoch study", clean,
                     tuple(range(1, seed_runs + 1)), "0", _trial_note(pick.get("clean")) or waiting))
    per_fold = (nested_won or {}).get(label)
    fold_specs = tuple(tuning.spec_for(plan, trial.params) for plan, trial in per_fold) if per_fold else None
    rows.append(Rung(label, "1n", "clean, hyperparameters chosen per test fold on the validation speakers outside "
                     "it (nested; the headline)", fold_specs[0] if fold_specs else None,
                     tuple(range(1, seed_runs + 1)), "1",
                     ("per test fold: " + "; ".join(f"{plan.space} #{trial.number}" for plan, trial in per_fold))
                     if per_fold else waiting, fold_specs))
    ref = replace(clean, model=replace(clean.model, computation=AUTHORS_COMPUTATION)) if clean else None
    previous = "1"
    if params.get("split_computation"):  # rung 2 one part at a time: 2a, 2b, then 2 adds the last part
        for rung, parts, text in SPLIT_RUNGS:
            spec = replace(clean, model=replace(clean.model, computation=parts)) if clean else None
            rows.append(Rung(label, rung, text, spec, fresh, previous, "" if spec else waiting))
            previous = rung
    rows.append(Rung(label, "2", "+ the authors' computation (unmasked attention and BatchNorm, their output "
                     "init, random-order batches, evaluation in training-size batches)", ref, fresh, previous,
                     "" if ref else waiting))
    paper = replace(ref, protocol="paper") if ref else None
    rows.append(Rung(label, "3", "+ paper normalisation (mean/std over all speakers)", paper, fresh, "2",
                     "" if paper else waiting))
    rows.append(Rung(label, "4", "authors' setting: reference computation, paper protocol, lr 2e-4, batch 16, "
                     "dropout 0.3, their weight decay, T_0 10", authors_spec(name, hidden, epochs), runs, "3"))
    if "paper" in pick:
        plan, trial = pick["paper"]
        chosen = tuning.spec_for(plan, trial.params)
    else:
        plan = trial = chosen = None
    rows.append(Rung(label, "5a", "paper-style selection: the best-by-test trial's own pooled test UAR",
                     chosen, (0,), "1", _trial_note(pick.get("paper")) or waiting))
    rows.append(Rung(label, "5b", "the same configuration re-run with fresh seeds", chosen,
                     tuple(range(1, seed_runs + 1)), "5a", "" if chosen else waiting))
    rows.append(Rung(label, "6a", "authors' setting, replayed fold seeds 42 + 100·fold (their \"10 runs\")",
                     authors_spec(name, hidden, epochs, seeding=AUTHORS_SEEDING), tuple(range(params["replays"])), None,
                     "on a CPU every replay is bit-identical: the spread is 0 whatever the number of replays; "
                     "identical replays count once (n_runs)"))
    rows.append(Rung(label, "6b", "authors' setting, fresh seeds", authors_spec(name, hidden, epochs),
                     tuple(range(seed_runs)), "6a"))
    return rows


def _trial_note(pick) -> str:
    if not pick:
        return ""
    plan, trial = pick
    p = trial.params
    return (f"study {plan.space} space, trial #{trial.number}: lr {p['lr']:.2g}, weight decay "
            f"{p['weight_decay']:.2g}, dropout {p['dropout']:.2f}, T_0 {p['T_0']}, batch {p['batch_size']}")


def winner_jobs(plan_list, url: str, data, seed_runs: int) -> list[tuple[Spec, tuple]]:
    """Each finished study's clean and paper-style winners, re-run with fresh seeds
    (runs 1..seed_runs; run 0 was the trial)."""
    return [(tuning.spec_for(plan, trial.params), tuple(range(1, seed_runs + 1)))
            for plan, _, trial in finished_winners(plan_list, url, data)]


def finished_winners(plan_list, url: str, data):
    """``(plan, selection, trial)`` for both winners of every finished study, in order."""
    for plan in plan_list:
        state = study_state(plan, url, data)
        if state["done"]:
            for selection, trial in tuning.winners(state["study"]).items():
                yield plan, selection, trial


def winners_fresh(plan_list, url: str, data, folds, runs_dir, seed_runs: int) -> pd.DataFrame:
    """Each finished study's clean and paper-style winners (``winner_jobs``): the trial's
    own pooled test UAR beside the mean, std and 95 % t half-width of the pooled test UAR
    over the fresh-seed runs 1..seed_runs found so far (read only, nothing trained)."""
    rows = []
    for plan, selection, trial in finished_winners(plan_list, url, data):
        key = experiment_key(tuning.spec_for(plan, trial.params), data, folds)
        paths = [record_path(runs_dir, key, run, k) for run in range(1, seed_runs + 1) for k in range(len(folds))]
        recs = [RunRecord.load(p) for p in paths if p.exists()]
        by_run = pooled_uar(recs)
        full = [u for run, u in by_run.items() if sum(r.run == run for r in recs) == len(folds)]
        rows.append({col.MODEL: plan.label, col.SPACE: plan.space, col.SELECTION: selection, col.TRIAL: trial.number,
                     "trial_val_uar": trial.value, col.TRIAL_TEST_UAR: trial.user_attrs["test_uar"],
                     col.FRESH_RUNS: len(full), col.FRESH_UAR_MEAN: float(np.mean(full)) if full else np.nan,
                     "fresh_uar_std": float(np.std(full, ddof=1)) if len(full) > 1 else np.nan,
                     col.FRESH_CI95: metrics.t_half_width(full) if len(full) > 1 else np.nan,
                     "trial - fresh": trial.user_attrs["test_uar"] - float(np.mean(full)) if full else np.nan})
    return pd.DataFrame(rows)


def best_of_n(select, report, ns, n_draws: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Expected ``report`` value of the trial that is best by ``select`` among ``n``
    trials drawn without replacement from a study's complete trials, for each n in
    ``ns`` (Monte Carlo over ``n_draws`` subsets). With ``select = report`` (the test
    UAR) this is the paper-style selection's optimism curve."""
    select, report = np.asarray(select, float), np.asarray(report, float)
    rng = np.random.default_rng(seed)
    rows = []
    for n in ns:
        if n > len(select):
            break
        picks = np.array([rng.choice(len(select), n, replace=False) for _ in range(n_draws)])
        best = picks[np.arange(n_draws), np.argmax(select[picks], axis=1)]
        rows.append({"n_trials": n, "expected": float(report[best].mean()),
                     "q05": float(np.quantile(report[best], 0.05)), "q95": float(np.quantile(report[best], 0.95))})
    return pd.DataFrame(rows)


def jobs(rungs, stage: str = "all") -> list[tuple[Spec, tuple]]:
    """(spec, runs) to train, merged per spec. ``stage``: ``first`` — rungs 0 and 4 and
    one replay (no study needed: the anchors); ``all`` — every rung whose spec is known."""
    want: dict = {}
    for r in rungs:
        if r.spec is None:
            continue
        runs = r.runs
        if stage == "first":
            if r.rung not in ("0", "4", "6a"):
                continue
            runs = runs[:1] if r.rung == "6a" else runs
        for fold, spec in enumerate(r.fold_specs) if r.fold_specs else [(None, r.spec)]:
            entry = want.setdefault(spec, [set(), set()])
            entry[0].update(runs)
            entry[1].add(fold)
    return [(spec, tuple(sorted(runs)), None if None in folds else tuple(sorted(folds)))
            for spec, (runs, folds) in want.items()]


def table(rungs, records: dict) -> pd.DataFrame:
    """One row per rung. ``records``: {(model, rung): that rung's records} (``collect``).
    ``delta_vs_previous`` compares the pooled UAR with the ``previous`` rung's;
    ``p_value`` (with ``unit`` and ``pairs``) is ``rung_test``'s paired test over the
    speakers, and ``p_holm`` that p Holm-adjusted over every rung comparison of the
    table (notebook 07's family of claims)."""
    rows, means = [], {}
    for r in rungs:
        recs = records.get((r.model, r.rung)) or []
        pooled = list(pooled_uar(recs).values()) if recs else []
        mean = float(np.mean(pooled)) if pooled else float("nan")
        means[(r.model, r.rung)] = mean
        wa = [metrics.weighted_accuracy(np.concatenate([x.test.labels for x in recs if x.run == run]),
                                        np.concatenate([x.test.preds for x in recs if x.run == run]))
              for run in sorted({x.run for x in recs})]
        delta = float("nan")
        prev = records.get((r.model, r.previous)) if r.previous else None
        if recs and prev:
            delta = mean - means[(r.model, r.previous)]
        unit, pairs, p, min_p, counts = rung_comparison(recs, prev)
        n_folds = len({x.fold for x in recs})
        # a reseeded rung's bit-identical replays are counted once (``distinct_runs``): complete when
        # every distinct run has all its folds
        complete = bool(recs) and (len(recs) == len(r.runs) * n_folds or (
            r.spec is not None and r.spec.seeding == AUTHORS_SEEDING and len(recs) % n_folds == 0))
        rows.append({col.MODEL: r.model, col.RUNG: r.rung, "description": r.description,
                     col.EPOCHS: r.spec.train.epochs if r.spec else np.nan, col.N_RUNS: len(pooled),
                     col.RUNS_PLANNED: len(r.runs), col.UAR_MEAN: mean,
                     col.UAR_STD: float(np.std(pooled, ddof=1)) if len(pooled) > 1 else float("nan"),
                     col.CI95: metrics.t_half_width(pooled), col.WA_MEAN: float(np.mean(wa)) if wa else float("nan"),
                     col.PREVIOUS: r.previous, col.DELTA_VS_PREVIOUS: delta, col.UNIT: unit, col.PAIRS: pairs,
                     col.P_VALUE: p,
                     col.MIN_P: min_p, "better / worse / tied": counts,
                     col.SLIDES_UAR_LITERATURE: PAPER000_TABLE[r.model][1] if r.model in PAPER000_TABLE else np.nan,
                     col.AUTHORS_CODE_UAR: AUTHORS_CODE.get(r.model, np.nan) if r.rung in ("4", "6a")
                     else np.nan, col.COMPLETE: complete, "note": r.note})
    out = pd.DataFrame(rows)
    out.insert(out.columns.get_loc("p_value") + 1, "p_holm", metrics.holm(out["p_value"].to_numpy(float)))
    return out


def rung_test(recs, prev) -> tuple[str, int, float]:
    """A rung against the rung it builds on: ``(unit, pairs, p)`` of the exact sign-flip
    test over the test speakers, each speaker's UAR averaged over the runs both rungs
    have (``metrics.paired_records``; the fold where ids do not name speakers). NaN
    where a rung has no records or the test could not reach p < 0.05 with so few units."""
    return rung_comparison(recs, prev)[:3]


def rung_comparison(recs, prev) -> tuple:
    """``rung_test``'s ``(unit, pairs, p)`` and the smallest p it could give and the
    better / worse / tied count of units (ties: units whose two UARs are equal, e.g. the
    folds where a nested choice reuses the previous rung's records)."""
    if not recs or not prev or not {r.run for r in recs} & {r.run for r in prev}:
        return "", 0, float("nan"), float("nan"), ""
    c = metrics.paired_records([(recs, prev)])
    tied = c["pairs"] - c["a_better"] - c["b_better"]
    return (c["unit"], c["pairs"], float("nan") if c["underpowered"] else c["p"], c["min_p"],
            f"{c['a_better']} / {c['b_better']} / {tied}")


def rungs_for(params: dict, url: str, data, folds) -> list[Rung]:
    """Every model's ladder, with the studies' winners where the studies are done."""
    won = winners(plans(params), url, data)
    nested_won = nested_winners(plans(params), url, data, folds)
    return [r for m in params["models"] for r in ladder(m, params, won, nested_won)]


def train(jobs_, data, folds, runs_dir, n_jobs=None, progress: bool = True, scheduler: str | None = None) -> None:
    """Train the missing (spec, runs) jobs, grouped by their runs (records reused); on
    the Dask cluster of ``scheduler`` (or ``$DASK_SCHEDULER``) when there is one."""
    by_runs: dict = {}
    for spec, runs, *only in jobs_:  # only: the folds to train (None: all), for a nested rung's per-fold specs
        fold_set = only[0] if only and only[0] is not None else range(len(folds))
        by_runs.setdefault(runs, []).append((spec, fold_set))
    for runs, group in by_runs.items():
        cross_validate_many([s for s, _ in group], data, folds, runs=runs, runs_dir=runs_dir, n_jobs=n_jobs,
                            progress=progress, desc=f"fidelity runs {runs[0]}-{runs[-1]}", scheduler=scheduler,
                            fold_sets=[f for _, f in group])


def collect(rungs, data, folds, runs_dir) -> dict:
    """The records each rung has so far (read only, nothing trained): {rung: [records]}
    keyed by ``model/rung``."""
    out = {}
    for r in rungs:
        if r.spec is None:
            continue
        specs = r.fold_specs or (r.spec,) * len(folds)
        keys = [experiment_key(spec, data, folds) for spec in specs]
        paths = [record_path(runs_dir, keys[k], run, k) for run in r.runs for k in range(len(folds))]
        recs = [RunRecord.load(p) for p in paths if p.exists()]
        out[(r.model, r.rung)] = distinct_runs(recs) if r.spec.seeding == AUTHORS_SEEDING else recs
    return out


def study_keys(rungs, plan_list, url: str, data, folds) -> set:
    """The experiment keys (run-record folders) of the ladder's rungs and of every trial
    of its studies, whatever their state."""
    specs = {r.spec for r in rungs if r.spec is not None}
    for plan in plan_list:
        state = study_state(plan, url, data)
        for trial in state["study"].get_trials(deepcopy=False) if state["study"] else []:
            if trial.params:
                specs.add(tuning.spec_for(plan, trial.params))
    return {experiment_key(spec, data, folds) for spec in specs}


def compute_spent(runs_dir, keys=None) -> pd.DataFrame:
    """Core-hours behind the records under ``runs_dir`` (each fold trained on one
    thread, so its wall time is its core time), only in the folders ``keys`` when
    given, per record label and in all."""

    rows = []
    for path in sorted(Path(runs_dir).glob("*/run*-fold*.json")):
        if keys is not None and path.parent.name not in keys:
            continue
        record = read_record(path)
        if record is not None:
            rows.append({"records": record.label, "folds": 1, col.CORE_HOURS: record.wall_seconds / 3600})
    frame = pd.DataFrame(rows, columns=["records", "folds", "core_hours"])
    by_label = frame.groupby("records", as_index=False).sum()
    total = pd.DataFrame([{"records": "all", "folds": int(frame["folds"].sum()),
                           col.CORE_HOURS: float(frame["core_hours"].sum())}])
    return pd.concat([by_label, total], ignore_index=True)


def run(params: dict, data, folds, out_dir, stage: str = "all", workers: int | None = None,
        progress: bool = True, scheduler: str | None = None) -> list[Rung]:
    """Resumable compute of the ladder: ``first`` — the rungs that need no study;
    ``studies`` — those, then the studies; ``all`` — those, then every rung the
    finished studies allow. ``scheduler`` (or ``$DASK_SCHEDULER``): every job on that
    Dask cluster (``training.farm``). Returns the rungs as they stand."""
    runs_dir = Path(out_dir) / "runs"
    url = tuning.storage_url(out_dir, params.get("storage"))
    workers = workers or os.cpu_count() or 1
    train(jobs(rungs_for(params, url, data, folds), "first"), data, folds, runs_dir, workers, progress, scheduler)
    if stage in ("studies", "all"):
        # one model at a time: its studies, then (stage all) its rungs, so that a session
        # cut short leaves one model's ladder whole rather than every ladder half-done
        for model in params["models"]:
            name, hidden = tuning.parse_model(model)
            label = ModelConfig(name, hidden=hidden).label()
            mine = [p for p in plans(params) if p.label == label]
            tuning.run_workers(mine, url, data, folds, runs_dir, workers=workers, progress=progress,
                               scheduler=scheduler)
            if stage == "all":
                rungs = [r for r in rungs_for(params, url, data, folds) if r.model == label]
                train(jobs(rungs, "all"), data, folds, runs_dir, workers, progress, scheduler)
    if stage == "all":  # each study's own winners re-run (notebook 04's view), after the ladders
        train(winner_jobs(plans(params), url, data, params["seed_runs"]), data, folds, runs_dir, workers, progress,
              scheduler)
    return rungs_for(params, url, data, folds)


def oracle_bound(plan_list, url: str, data, folds, runs_dir) -> pd.DataFrame:
    """How far selection on the test speakers can get, from the studies' own trials (run
    0; nothing trained), per model: the paper-style winner (best pooled test UAR, rung
    5a) and an oracle that also picks each fold's epoch on its test speakers, from the
    test UAR every epoch's record stores. Both as the mean of the per-fold test UARs (the
    oracle's epochs differ per fold, so no pooled prediction exists for it); the
    paper-style winner's pooled UAR beside them."""
    by_model: dict = {}
    for plan in plan_list:
        state = study_state(plan, url, data)
        for t in state["study"].get_trials(deepcopy=False) if state["study"] else []:
            if t.state.name != "COMPLETE":
                continue
            key = t.user_attrs.get("key") or experiment_key(tuning.spec_for(plan, t.params), data, folds)
            paths = [record_path(runs_dir, key, 0, k) for k in range(len(folds))]
            if not all(p.exists() for p in paths):
                continue
            recs = [RunRecord.load(p) for p in paths]
            by_model.setdefault(plan.label, []).append({
                col.TRIAL: f"{plan.space} #{t.number}", col.SPACE: plan.space, "pooled": t.user_attrs["test_uar"],
                "fold_mean": float(np.mean([r.test_uar for r in recs])),
                "oracle_fold_mean": float(np.mean([max(r.history["test_uar"]) for r in recs]))})
    rows = []
    for model, trials in by_model.items():
        paper = max(trials, key=lambda x: x["pooled"])
        oracle = max(trials, key=lambda x: x["oracle_fold_mean"])
        spaces = pd.Series([x["space"] for x in trials]).value_counts(sort=False)
        rows.append({col.MODEL: model, col.COMPLETE_TRIALS: len(trials),
                     "trials_by_space": " + ".join(f"{space} {n}" for space, n in spaces.items()),
                     "paper_style_trial": paper["trial"],
                     col.PAPER_STYLE_POOLED_UAR: paper["pooled"], col.PAPER_STYLE_FOLD_MEAN_UAR: paper["fold_mean"],
                     "oracle_trial": oracle["trial"], col.ORACLE_FOLD_MEAN_UAR: oracle["oracle_fold_mean"],
                     col.SLIDES_UAR_LITERATURE: PAPER000_TABLE[model][1] if model in PAPER000_TABLE else np.nan,
                     col.AUTHORS_CODE_UAR: AUTHORS_CODE.get(model, np.nan)})
    return pd.DataFrame(rows)
