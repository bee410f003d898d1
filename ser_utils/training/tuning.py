"""Optuna tuning of LSTM-SA / ResLSTM-SA over paper 000's search space.

Paper 000 (the slides: Krasnoproshin & Vashkevich, DSPA 2026) tunes with Optuna TPE, 100 trials,
over lr 3e-5-2e-4, weight decay 2e-5-2e-2, dropout 0.1-0.5, T_0 in {1, 2, 3, 5, 10}
and batch size in {8, 16, 32, 64} (``SLIDES_SPACE``, stored as ``seed000``); the authors'
notebook (Mak-Sim/ResLSTM-SER) uses a wider space (``WIDE_SPACE``, stored as ``reference``).
Their objective was the pooled *test* UAR;
here the objective is the mean *validation-speaker* UAR over the folds, and each
trial records its pooled test UAR as a user attribute, so one study yields both the
clean winner (best validation UAR) and the paper-style one (best test UAR).

Storage is any Optuna RDB URL (SQLite by default). Workers share a study through it:
each asks for a trial only while fewer than the requested number are finished,
running or waiting; a trial created by a race past that number is closed as FAIL
with ``surplus=True`` before it trains. Heartbeats mark the trials of a killed worker
FAIL and queue a retry with the same parameters; the retry reuses the folds the
killed trial had finished (run records).
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import optuna
from joblib import delayed
from optuna.samplers._lazy_random_state import LazyRandomState
from optuna.storages._heartbeat import get_heartbeat_thread
from optuna.trial import TrialState

from ser_utils.data.dataset import Dataset
from ser_utils.models import ModelConfig
from ser_utils.progress import tqdm  # drawn on the terminal, never in a notebook
from ser_utils.training import farm
from ser_utils.training.cv import pooled_uar
from ser_utils.training.loop import DISTINCT_SEEDING, Spec, TrainConfig, experiment_key, run_job
from ser_utils.workers import in_worker, pool, useful

# The two search spaces. Their names are stored (in Optuna study names, run tables, profiles)
# and stay as they are; the constants say what each space is.
SLIDES_SPACE = "seed000"    # paper 000's ranges (the slides and the authors' README)
WIDE_SPACE = "reference"    # the authors' notebook's wider ranges
SPACES = {
    SLIDES_SPACE: {"lr": (3e-5, 2e-4), "weight_decay": (2e-5, 2e-2), "dropout": (0.1, 0.5),
                   "T_0": [1, 2, 3, 5, 10], "batch_size": [8, 16, 32, 64]},
    # (the notebook's T_0 choices are not stated: the slides' kept)
    WIDE_SPACE: {"lr": (1e-5, 3e-2), "weight_decay": (2e-5, 4e-2), "dropout": (0.02, 0.5),
                 "T_0": [1, 2, 3, 5, 10], "batch_size": [4, 8, 16, 32, 64]},
}
PRUNERS = ("median", "wilcoxon", "none")
LIVE = ("COMPLETE", "PRUNED", "RUNNING", "WAITING")


@dataclass(frozen=True)
class Plan:
    """One study: an architecture tuned in one space under one protocol."""

    model: str = "reslstm_sa"        # lstm_sa | reslstm_sa
    hidden: int = 64
    space: str = SLIDES_SPACE
    protocol: str = "clean"          # normalisation: clean (training speakers) | paper (all speakers)
    epochs: int = 100
    trials: int = 100
    min_complete: int = 0            # keep going past ``trials`` until this many are COMPLETE (not pruned)
    pruner: str = "median"
    sampler_seed: int = 0
    startup_trials: int = 10         # random trials before TPE (and before pruning starts)
    feature_set: str = "mfcc+chroma"

    def __post_init__(self):
        if self.space not in SPACES:
            raise ValueError(f"space must be one of {sorted(SPACES)}, not {self.space!r}")
        if self.pruner not in PRUNERS:
            raise ValueError(f"pruner must be one of {PRUNERS}, not {self.pruner!r}")

    @property
    def label(self) -> str:
        return ModelConfig(self.model, hidden=self.hidden).label()

    def study_name(self, data: Dataset) -> str:
        """Everything that changes a trial's result, plus the data's fingerprint; not the
        trial count, so asking for more trials extends the study."""
        return (f"{self.model}-h{self.hidden}-{self.space}-{self.protocol}-{self.feature_set}-e{self.epochs}"
                f"-{self.pruner}-s{self.sampler_seed}-{data.fingerprint}")


def parse_model(name: str) -> tuple[str, int]:
    """``reslstm_sa-h64`` -> ``("reslstm_sa", 64)``."""
    model, _, hidden = name.partition("-h")
    if model not in ("lstm_sa", "reslstm_sa") or not hidden.isdigit():
        raise ValueError(f"model must look like 'lstm_sa-h64' or 'reslstm_sa-h32', not {name!r}")
    return model, int(hidden)


def plans(models, space=SLIDES_SPACE, extra_spaces=None, pruning_ablation=None, **common) -> list[Plan]:
    """The profile's studies: every model in ``space``; the models named in
    ``extra_spaces`` ({space: [models]}) in those spaces too; ``pruning_ablation``
    (a model) once more without pruning, to measure what pruning saves."""
    out = [Plan(*parse_model(m), space=space, **common) for m in models]
    for other, names in (extra_spaces or {}).items():
        out += [Plan(*parse_model(m), space=other, **common) for m in names]
    if pruning_ablation and common.get("pruner", "median") != "none":
        out.append(Plan(*parse_model(pruning_ablation), space=space, **{**common, "pruner": "none"}))
    return out


def suggest(trial, space: str) -> dict:
    s = SPACES[space]
    return {"lr": trial.suggest_float("lr", *s["lr"], log=True),
            "weight_decay": trial.suggest_float("weight_decay", *s["weight_decay"], log=True),
            "dropout": trial.suggest_float("dropout", *s["dropout"]),
            "T_0": trial.suggest_categorical("T_0", s["T_0"]),
            "batch_size": trial.suggest_categorical("batch_size", s["batch_size"])}


def spec_for(plan: Plan, params: dict) -> Spec:
    """The training spec of a trial's parameters (distinct seeds per run and fold)."""
    model = ModelConfig(plan.model, hidden=plan.hidden, dropout=float(params["dropout"]))
    train = TrainConfig(lr=float(params["lr"]), weight_decay=float(params["weight_decay"]),
                        batch_size=int(params["batch_size"]), T_0=int(params["T_0"]), epochs=plan.epochs)
    return Spec(model, train, protocol=plan.protocol, seeding=DISTINCT_SEEDING, feature_set=plan.feature_set)


def make_storage(url: str, heartbeat_interval: int = 30, grace_period: int = 90, max_retry: int = 2):
    """An Optuna RDB storage with heartbeats: a trial whose worker stops beating for
    ``grace_period`` s is marked FAIL and retried (up to ``max_retry`` times)."""
    engine_kwargs = {"connect_args": {"timeout": 120}} if url.startswith("sqlite") else {}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(5):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_interval,
                    grace_period=grace_period,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry))
        except Exception as exc:  # two workers creating the tables of a new storage at once
            if attempt == 4 or "already exists" not in str(exc) and "UNIQUE" not in str(exc):
                raise
            time.sleep(1 + attempt)


def sqlite_state(url: str, write: bool = True) -> str | None:
    """An SQLite storage's state, asked without waiting: None (usable, or not SQLite, or
    not there yet), ``"locked"`` (another process holds a lock that Optuna would wait up to
    120 s for) or a message naming a damaged file."""
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file():
        return None
    con = None
    try:
        con = sqlite3.connect(f"file:{path}?mode={'rw' if write else 'ro'}", uri=True, timeout=0)
        rows = con.execute("PRAGMA quick_check").fetchall()
        if write:
            con.execute("BEGIN IMMEDIATE")
            con.rollback()
        if rows != [("ok",)]:
            return f"{path}: damaged Optuna storage ({'; '.join(str(r[0]) for r in rows[:3])}); move it aside"
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return "locked"
        return f"{path}: unusable Optuna storage ({exc})"
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        return f"{path}: damaged Optuna storage ({exc}); move it aside (its studies are then run again)"
    finally:
        if con is not None:
            con.close()
    return None


def storage_url(out_dir: str | Path, storage: str | None = None) -> str:
    """``storage`` if given, else ``$OPTUNA_STORAGE``, else ``sqlite:///<out_dir>/optuna.db``."""
    url = storage or os.environ.get("OPTUNA_STORAGE")
    return url or f"sqlite:///{Path(out_dir).resolve() / 'optuna.db'}"


def make_pruner(plan: Plan):
    """``median``: prune at fold k >= 1 when the running mean of the fold validation
    UARs is below the median of earlier trials' at the same fold; ``wilcoxon``: a
    signed-rank test of the folds against the best trial's (Optuna's WilcoxonPruner;
    with 5 folds it can only act on the 4th); ``none``."""
    if plan.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=max(2, plan.startup_trials // 2), n_warmup_steps=1)
    if plan.pruner == "wilcoxon":
        return optuna.pruners.WilcoxonPruner(p_threshold=0.1, n_startup_steps=2)
    return optuna.pruners.NopPruner()


def trial_seed(study_name: str, number: int) -> int:
    """The sampler seed of trial ``number`` of a study: distinct for every study and
    every trial, whichever worker (process or machine) asks for it."""
    digest = hashlib.sha1(f"{study_name}#{number}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _reseed(sampler, seed: int) -> None:
    """Reseed a TPE ``sampler`` and its random-start sampler with ``seed``, as their
    constructors seed them. Optuna has no public way to do this (``reseed_rng`` draws a
    fresh random seed), so this is the one place that sets their private ``_rng`` to
    optuna's private ``LazyRandomState``; tests/test_tuning.py fails if optuna changes either."""
    sampler._rng = LazyRandomState(seed)
    sampler._random_sampler._rng = LazyRandomState(seed)


def _trial_id(storage, study, trial) -> int:
    """``trial``'s id in ``storage``, through the public storage API (``Trial._trial_id`` is private)."""
    return storage.get_trial_id_from_study_id_trial_number(storage.get_study_id_from_name(study.study_name),
                                                           trial.number)


def _heartbeat(storage, trial_id: int):
    """A context manager that records ``trial_id``'s heartbeat in ``storage`` from a thread
    while a trial runs (nothing when the storage keeps no heartbeat). ``Study.optimize``
    starts it; optuna keeps it private (``optuna.storages._heartbeat``) and we run ask/tell
    ourselves, so this is the one place that borrows it; tests/test_tuning.py fails if it goes."""
    return get_heartbeat_thread(trial_id, storage)


def make_sampler(plan: Plan, worker: int = 0):
    """TPE with Optuna 5's defaults (multivariate, constant liar), reseeded for each
    trial from the study's name and the trial's number (``trial_seed``): trial
    numbers are unique in a storage, so two workers never draw the same random start,
    and one worker alone is reproducible. ``worker`` is kept for the callers' sake."""
    class TrialSeededTPE(optuna.samplers.TPESampler):
        def before_trial(self, study, trial):
            seed = trial_seed(study.study_name, trial.number)
            _reseed(self, seed)
            super().before_trial(study, trial)

    return TrialSeededTPE(seed=plan.sampler_seed, n_startup_trials=plan.startup_trials, multivariate=True,
                          constant_liar=True)


def open_study(plan: Plan, storage, data: Dataset, worker: int = 0):
    study = optuna.create_study(study_name=plan.study_name(data), storage=storage, direction="maximize",
                                sampler=make_sampler(plan, worker), pruner=make_pruner(plan), load_if_exists=True)
    for k, v in asdict(plan).items():
        if study.user_attrs.get(k) != v:
            study.set_user_attr(k, v)
    return study


def objective(trial, plan: Plan, data: Dataset, folds, runs_dir: Path, job=run_job) -> float:
    """Mean over the folds of the best-epoch validation UAR (run 0's seeds); reported
    fold by fold (running mean) so the pruner can stop a poor trial early. ``job``
    trains a fold (``loop.run_job``'s signature; a Dask cluster's: ``farm.Farm.run_job``)."""
    spec = spec_for(plan, suggest(trial, plan.space))
    key = experiment_key(spec, data, folds)
    trial.set_user_attr("key", key)
    val, seconds, records = [], 0.0, []
    for k in range(len(folds)):
        rec = job(spec, data, folds, key, 0, k, runs_dir)
        records.append(rec)
        val.append(rec.best_val_uar)
        seconds += rec.wall_seconds
        trial.set_user_attr("fold_val_uar", val)
        trial.set_user_attr("train_seconds", round(seconds, 2))
        trial.report(float(np.mean(val)), k)
        if k < len(folds) - 1 and trial.should_prune():
            raise optuna.TrialPruned(f"after fold {k}: running mean validation UAR {np.mean(val):.4f}")
    trial.set_user_attr("test_uar", pooled_uar(records)[0])
    return float(np.mean(val))


def _enough(plan: Plan, n: dict) -> bool:
    """Whether the trials counted in ``n`` (running and waiting ones counted as if they
    will complete) meet the plan: ``trials`` finished and ``min_complete`` complete."""
    pending = n["RUNNING"] + n["WAITING"]
    return (n["COMPLETE"] + n["PRUNED"] + pending >= plan.trials
            and n["COMPLETE"] + pending >= plan.min_complete)


def _counts(study) -> dict:
    out = dict.fromkeys(LIVE + ("FAIL",), 0)
    for t in study.get_trials(deepcopy=False):
        out[t.state.name] = out.get(t.state.name, 0) + 1
    return out


def work(plan_list, storage_url_: str, data: Dataset, folds, runs_dir, worker: int = 0, progress: bool = True,
         heartbeat: tuple[int, int] = (30, 90), poll: float | None = None, job=None) -> dict:
    """Contribute trials to each study in turn until it holds ``plan.trials``
    finished (complete or pruned) trials, ``plan.min_complete`` of them complete,
    waiting for other workers' running trials to end. Returns {study name: trials
    this worker ran}."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    # ask/tell with our own heartbeat thread is what Study.optimize does inside
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used")
    storage = make_storage(storage_url_, *heartbeat)
    retry = storage.get_heartbeat_stale_trial_callback()
    poll = poll or heartbeat[0]
    me = f"{socket.gethostname()}:{os.getpid()}"
    ran = {}
    for plan in plan_list:
        study = open_study(plan, storage, data, worker)
        name = study.study_name
        ran[name] = 0
        goal = max(plan.trials, plan.min_complete)
        bar = tqdm(total=goal, desc=f"{plan.label} {plan.space} {plan.pruner}", unit="trial",
                   disable=not progress)
        while True:
            optuna.storages.fail_stale_trials(study)
            n = _counts(study)
            bar.n = min(goal, n["COMPLETE"] + n["PRUNED"] if n["COMPLETE"] >= plan.min_complete else n["COMPLETE"])
            bar.refresh()
            if _enough(plan, n) and not n["WAITING"]:
                if n["RUNNING"] == 0:
                    break
                time.sleep(poll)      # others' trials (or a dead worker's, until it goes stale)
                continue
            trial = study.ask()
            before = dict.fromkeys(LIVE, 0)
            for t in study.get_trials(deepcopy=False, states=tuple(TrialState[s] for s in LIVE)):
                if t.number < trial.number:
                    before[t.state.name] += 1
            if _enough(plan, before):
                trial.set_user_attr("surplus", True)
                study.tell(trial, state=TrialState.FAIL)
                continue
            trial.set_user_attr("worker", me)
            trial_id = _trial_id(storage, study, trial)
            with _heartbeat(storage, trial_id):
                try:
                    value = objective(trial, plan, data, folds, Path(runs_dir), job or run_job)
                except optuna.TrialPruned:
                    study.tell(trial, state=TrialState.PRUNED)
                except KeyboardInterrupt:
                    study.tell(trial, state=TrialState.FAIL)
                    if retry is not None:
                        retry(study, storage.get_trial(trial_id))
                    raise
                except BaseException:
                    study.tell(trial, state=TrialState.FAIL)
                    raise
                else:
                    study.tell(trial, value)
            ran[name] += 1
        bar.close()
    return ran


def trials_left(plan_list, storage, data: Dataset) -> int:
    """Trials the studies still need (running and waiting ones counted as done), at least 1."""
    names = {s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}
    left = 0
    for plan in plan_list:
        name = plan.study_name(data)
        n = (_counts(optuna.load_study(study_name=name, storage=storage)) if name in names
             else dict.fromkeys(LIVE + ("FAIL",), 0))
        pending = n["RUNNING"] + n["WAITING"]
        left += max(plan.trials - n["COMPLETE"] - n["PRUNED"] - pending, plan.min_complete - n["COMPLETE"] - pending, 0)
    return max(1, left)


def run_workers(plan_list, storage_url_: str, data: Dataset, folds, runs_dir, workers: int = 1,
                heartbeat: tuple[int, int] = (30, 90), progress: bool = True, scheduler: str | None = None) -> dict:
    """``workers`` local worker processes on the same studies (one core each), no more
    than the cores and the trials left (``workers.useful`` says so when it cuts)."""
    address = farm.scheduler_address(scheduler)
    if address:  # trials here, their folds on the Dask cluster
        return run_on_cluster(plan_list, storage_url_, data, folds, runs_dir, address, workers, heartbeat, progress)
    if workers <= 1:
        return work(plan_list, storage_url_, data, folds, runs_dir, 0, progress, heartbeat)

    storage = make_storage(storage_url_, *heartbeat)  # create the tables once, before the workers race to
    workers = useful(workers, trials_left(plan_list, storage, data), "tuning workers")
    if workers <= 1:
        return work(plan_list, storage_url_, data, folds, runs_dir, 0, progress, heartbeat)
    results = pool(workers)(  # workers tied to this process from birth: killing it stops them
        delayed(in_worker)(os.getpid(), work, plan_list, storage_url_, data, folds, runs_dir, w,
                           progress and w == 0, heartbeat)
        for w in range(workers))
    total: dict = {}
    for r in results:
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    return total


def run_on_cluster(plan_list, storage_url_: str, data: Dataset, folds, runs_dir, address: str, workers: int = 1,
                   heartbeat: tuple[int, int] = (30, 90), progress: bool = True) -> dict:
    """The studies' trials run by threads of this process (the Optuna storage is opened
    here only), each trial's folds trained on the Dask cluster at ``address``: one trial
    per worker thread the cluster has (at least ``workers``)."""
    cluster = farm.Farm(address, data, folds, runs_dir)
    n = max(workers or 1, farm.cluster_threads(cluster.client))
    make_storage(storage_url_, *heartbeat)  # create the tables once, before the threads race to
    with ThreadPoolExecutor(n, thread_name_prefix="tuning") as threads:
        futures = [threads.submit(work, plan_list, storage_url_, data, folds, runs_dir, w, progress and w == 0,
                                  heartbeat, job=cluster.run_job) for w in range(n)]
        try:
            results = [f.result() for f in futures]
        except BaseException:
            cluster.cancel()  # the other threads' trials stop (failed, queued again) and they end
            raise
    total: dict = {}
    for r in results:
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    return total


def load_study(plan: Plan, storage_url_: str, data: Dataset):
    return optuna.load_study(study_name=plan.study_name(data), storage=make_storage(storage_url_))


def winners(study) -> dict:
    """``clean``: the complete trial of best validation UAR; ``paper``: of best pooled
    test UAR (what the reference selected). Ties go to the earlier trial."""
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if not done:
        raise ValueError(f"study {study.study_name} has no complete trial")
    clean = max(done, key=lambda t: (t.value, -t.number))
    paper = max(done, key=lambda t: (t.user_attrs["test_uar"], -t.number))
    return {"clean": clean, "paper": paper}


@dataclass(frozen=True)
class Winner:
    """One study's winner under one selection: ``clean`` (best validation UAR) or
    ``paper`` (best pooled test UAR), with the trial's own pooled test UAR."""

    plan: Plan
    selection: str
    trial: int
    params: dict
    value: float                      # the objective: mean validation-speaker UAR
    test_uar: float | None = None

    @property
    def spec(self) -> Spec:
        return spec_for(self.plan, self.params)


def study_winners(studies: dict) -> list[Winner]:
    """Both winners of every study in ``studies`` ({plan: study}), in its order, clean first."""
    return [Winner(p, selection, t.number, t.params, t.value, t.user_attrs["test_uar"])
            for p, s in studies.items() for selection, t in winners(s).items()]


PLAN_KEYS = ("epochs", "trials", "min_complete", "pruner", "sampler_seed", "startup_trials", "protocol", "feature_set")


def plans_from_params(params: dict) -> list[Plan]:
    """The studies a notebook-04 parameter set (a profile section) asks for."""
    common = {k: params[k] for k in PLAN_KEYS if k in params}
    return plans(params["models"], params.get("space", SLIDES_SPACE), params.get("extra_spaces"),
                 params.get("pruning_ablation"), **common)

