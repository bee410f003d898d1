"""Tuning: study bookkeeping on SQLite (resume, stale trials, surplus trials) and
three workers sharing one study on a real PostgreSQL server."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState
from sklearn.metrics import balanced_accuracy_score

from ser_utils.data.project_data import folds_for
from ser_utils.reporting import tuning_tables
from ser_utils.training import RunRecord, record_path, tuning

pytestmark = pytest.mark.filterwarnings("ignore:Heartbeat of storage")
TINY = dict(epochs=1, startup_trials=2, pruner="median")


def _states(study):
    out = {}
    for t in study.get_trials(deepcopy=False):
        out[t.state.name] = out.get(t.state.name, 0) + 1
    return out


def _finished(study):
    return [t for t in study.get_trials(deepcopy=False) if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]


def _recomputed(trial, runs_dir, n_folds):
    """A complete trial's objective and test UAR, recomputed from its run records: the
    mean of the folds' best validation UARs, and scikit-learn's balanced accuracy of the
    pooled test predictions."""
    recs = [RunRecord.load(record_path(runs_dir, trial.user_attrs["key"], 0, k)) for k in range(n_folds)]
    labels = np.concatenate([r.test.labels for r in recs])
    preds = np.concatenate([r.test.preds for r in recs])
    return float(np.mean([r.best_val_uar for r in recs])), balanced_accuracy_score(labels, preds)


def test_plans_and_names(learn_data):
    plans = tuning.plans_from_params({"models": ["lstm_sa-h32", "reslstm_sa-h64"], "extra_spaces":
                                      {"reference": ["reslstm_sa-h64"]}, "pruning_ablation": "reslstm_sa-h64",
                                      "epochs": 5, "trials": 7, "profile": "x"})
    assert [(p.model, p.hidden, p.space, p.pruner) for p in plans] == [
        ("lstm_sa", 32, "seed000", "median"), ("reslstm_sa", 64, "seed000", "median"),
        ("reslstm_sa", 64, "reference", "median"), ("reslstm_sa", 64, "seed000", "none")]
    names = {p.study_name(learn_data) for p in plans}
    assert len(names) == 4 and all(learn_data.fingerprint in n for n in names)
    with pytest.raises(ValueError, match="lstm_sa-h64"):
        tuning.parse_model("lstm-64")
    with pytest.raises(ValueError, match="space"):
        tuning.Plan(space="huge")


def test_suggest_stays_in_the_space():
    for space, s in tuning.SPACES.items():
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
        for _ in range(30):
            p = tuning.suggest(study.ask(), space)
            assert s["lr"][0] <= p["lr"] <= s["lr"][1] and s["dropout"][0] <= p["dropout"] <= s["dropout"][1]
            assert p["T_0"] in s["T_0"] and p["batch_size"] in s["batch_size"]


def test_sqlite_study_resumes_and_extends(learn_data, tmp_path):
    folds = folds_for(learn_data)
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    plan = tuning.Plan("lstm_sa", 32, trials=3, **TINY)
    ran = tuning.work([plan], url, learn_data, folds, tmp_path / "runs", progress=False)
    assert list(ran.values()) == [3]
    study = tuning.load_study(plan, url, learn_data)
    assert len(_finished(study)) == 3 and _states(study).get("FAIL", 0) == 0
    win = tuning.winners(study)
    done = [t for t in study.trials if t.state == TrialState.COMPLETE]
    truth = {t.number: _recomputed(t, tmp_path / "runs", len(folds)) for t in done}
    for t in done:
        assert t.value == pytest.approx(truth[t.number][0], abs=1e-12)
        assert t.user_attrs["test_uar"] == pytest.approx(truth[t.number][1], abs=1e-12)
    # clean: best validation UAR; paper: best test UAR; the earlier trial on ties
    assert win["clean"].number == min(truth, key=lambda n: (-truth[n][0], n))
    assert win["paper"].number == min(truth, key=lambda n: (-truth[n][1], n))
    # the winners as notebook 04 uses them
    winners = tuning.study_winners({plan: study})
    assert [(w.selection, w.trial) for w in winners] == [("clean", win["clean"].number), ("paper", win["paper"].number)]
    assert winners[0].spec == tuning.spec_for(plan, win["clean"].params)
    # the same request again runs nothing; asking for one more runs exactly one
    assert list(tuning.work([plan], url, learn_data, folds, tmp_path / "runs", progress=False).values()) == [0]
    more = tuning.Plan("lstm_sa", 32, trials=4, **TINY)
    assert list(tuning.work([more], url, learn_data, folds, tmp_path / "runs", progress=False).values()) == [1]
    assert len(_finished(tuning.load_study(more, url, learn_data))) == 4


def test_killed_trial_is_failed_and_retried_not_counted(learn_data, tmp_path):
    """A trial whose worker died (RUNNING, heartbeat stopped) goes FAIL after the grace
    period and is retried with the same parameters; it never counts as complete."""
    folds = folds_for(learn_data)
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    plan = tuning.Plan("lstm_sa", 32, trials=2, **TINY)
    storage = tuning.make_storage(url, heartbeat_interval=1, grace_period=2)
    study = tuning.open_study(plan, storage, learn_data)
    dead = study.ask()
    params = tuning.suggest(dead, plan.space)
    storage.record_heartbeat(tuning._trial_id(storage, study, dead))   # ...and then the worker is killed
    ran = tuning.work([plan], url, learn_data, folds, tmp_path / "runs", progress=False, heartbeat=(1, 2), poll=0.5)
    study = tuning.load_study(plan, url, learn_data)
    assert study.trials[dead.number].state == TrialState.FAIL
    finished = _finished(study)
    assert len(finished) == 2 and list(ran.values()) == [2]
    retried = [t for t in finished if t.system_attrs.get("failed_trial") == dead.number]
    assert len(retried) == 1 and retried[0].params == params


def test_surplus_trial_is_closed_before_training(learn_data, tmp_path, monkeypatch):
    """If a race lets a worker ask past the budget, the extra trial is closed as a
    surplus FAIL without training."""
    folds = folds_for(learn_data)
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    plan = tuning.Plan("lstm_sa", 32, trials=1, **TINY)
    tuning.work([plan], url, learn_data, folds, tmp_path / "runs", progress=False)
    real, calls = tuning._counts, []

    def stale_view(study):  # the first look misses the finished trial, as a racing worker could
        calls.append(1)
        return dict.fromkeys(tuning.LIVE + ("FAIL",), 0) if len(calls) == 1 else real(study)

    monkeypatch.setattr(tuning, "_counts", stale_view)
    ran = tuning.work([plan], url, learn_data, folds, tmp_path / "runs", progress=False)
    study = tuning.load_study(plan, url, learn_data)
    assert list(ran.values()) == [0] and len(_finished(study)) == 1
    surplus = [t for t in study.trials if t.state == TrialState.FAIL]
    assert len(surplus) == 1 and surplus[0].user_attrs == {"surplus": True} and not surplus[0].params


# --- PostgreSQL ------------------------------------------------------------------

def _pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    return found[-1]


@pytest.fixture
def postgres_url():
    """A throw-away PostgreSQL cluster on 127.0.0.1, owned by this test."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package "
                    "'postgresql' (.ci/run does where it can)")
    user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        for name in ("postgres", "nobody"):
            try:
                user = pwd.getpwnam(name)
                break
            except KeyError:
                continue
        if user is None or not shutil.which("runuser"):
            pytest.skip("running as root and no unprivileged user (postgres/nobody) to own the test cluster")
    base = Path(tempfile.mkdtemp(prefix="ser-pg-", dir="/tmp"))
    os.chmod(base, 0o755)
    if user:
        os.chown(base, user.pw_uid, user.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    as_user = ["runuser", "-u", user.pw_name, "--"] if user else []
    data = base / "data"
    try:
        subprocess.run(as_user + [initdb, "-D", str(data), "-U", "ser", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True, text=True)
        subprocess.run(as_user + [pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60", "-o",
                                  f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL test cluster: {exc.stderr.strip()[-300:]}")
    try:
        yield f"postgresql://ser@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_user + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_three_workers_share_a_postgresql_study(learn_data, tmp_path, postgres_url):
    """3 worker processes on one study: exactly the requested number of finished
    trials, each run by exactly one worker; nothing lost, nothing run twice."""
    folds = folds_for(learn_data)
    plans = [tuning.Plan("lstm_sa", 32, trials=7, **TINY), tuning.Plan("reslstm_sa", 32, trials=5, **TINY)]
    start = time.perf_counter()
    ran = tuning.run_workers(plans, postgres_url, learn_data, folds, tmp_path / "runs", workers=3, progress=False)
    assert time.perf_counter() - start < 600
    for plan in plans:
        study = tuning.load_study(plan, postgres_url, learn_data)
        finished = _finished(study)
        assert len(finished) == plan.trials, plan
        assert ran[study.study_name] == plan.trials            # summed over the 3 workers
        assert len({t.number for t in finished}) == plan.trials
        assert all(t.user_attrs.get("worker") for t in finished)
        others = [t for t in study.trials if t.state not in (TrialState.COMPLETE, TrialState.PRUNED)]
        assert all(t.state == TrialState.FAIL and t.user_attrs.get("surplus") for t in others), others
        done = [t for t in finished if t.state == TrialState.COMPLETE]
        for t in done:
            assert (t.value, t.user_attrs["test_uar"]) == pytest.approx(_recomputed(t, tmp_path / "runs", len(folds)),
                                                                         abs=1e-12)
    workers = {t.user_attrs["worker"] for p in plans for t in _finished(tuning.load_study(p, postgres_url, learn_data))}
    assert len(workers) >= 2  # the work really was shared


def _asked_params(samplers, url, plan, n):
    """``n`` trials asked in turn from ``samplers`` (each a separate study object on one
    storage, as separate worker processes hold), told a constant value."""
    studies = [optuna.create_study(study_name="s", storage=url, sampler=s, load_if_exists=True) for s in samplers]
    out = []
    for i in range(n):
        study = studies[i % len(studies)]
        trial = study.ask()
        p = tuning.suggest(trial, plan.space)
        study.tell(trial, 0.5)
        out.append(tuple(sorted(p.items())))
    return out


def test_separate_workers_never_repeat_parameters_and_one_worker_is_reproducible(tmp_path):
    """Two processes that each run `tune --workers 1` build the same sampler (worker 0).
    Seeded once per sampler (the old scheme) they drew identical random starts."""
    plan = tuning.Plan("lstm_sa", 32, startup_trials=4)
    shared = _asked_params([tuning.make_sampler(plan), tuning.make_sampler(plan)],
                           f"sqlite:///{tmp_path / 'shared.db'}", plan, 8)
    assert len(set(shared)) == 8
    alone = [_asked_params([tuning.make_sampler(plan)], f"sqlite:///{tmp_path / f'alone{i}.db'}", plan, 6)
             for i in range(2)]
    assert alone[0] == alone[1]
    # a trial's draws depend on its number only, not on which worker asked for it
    assert shared[:4] == alone[0][:4]


def test_min_complete_keeps_a_study_going_past_pruned_trials():
    plan = tuning.Plan(trials=5, min_complete=3)
    n = dict.fromkeys(tuning.LIVE, 0) | {"COMPLETE": 2, "PRUNED": 4}
    assert not tuning._enough(plan, n)
    assert tuning._enough(plan, n | {"RUNNING": 1})
    assert tuning._enough(tuning.Plan(trials=5), n)


def test_repeated_parameters_names_the_sets_two_studies_share():
    """``tuning_tables.repeated_parameters`` on two studies where one set was enqueued in
    both: exactly that set, with both trials; sets drawn by one study only are not listed."""
    frames = {}
    for name, other in (("a", 0.3), ("b", 0.7)):
        study = optuna.create_study(study_name=name,
                                    sampler=optuna.samplers.RandomSampler(seed=1 if name == "a" else 2))
        study.enqueue_trial({"lr": 1e-3, "dropout": 0.25})
        study.enqueue_trial({"lr": 1e-4, "dropout": other})
        for _ in range(2):
            t = study.ask()
            t.suggest_float("lr", 1e-5, 1e-2, log=True), t.suggest_float("dropout", 0.0, 0.9)
            study.tell(t, 0.5)
        frames[name] = tuning_tables.trials_frame(study)
    out = tuning_tables.repeated_parameters(frames)
    assert out.to_dict(orient="records") == [{"parameters": "dropout=0.25, lr=0.001", "studies": 2,
                                              "trials": "a#0; b#0"}]


def test_studies_of_one_space_draw_different_starts(tmp_path):
    """Two studies over one space (two models, as notebook 04 runs them) get different
    random starts: each trial's seed holds its study's name. With one sampler seed for
    every study (the scheme of the committed quick studies) the starts were the same."""
    frames = {}
    for model in ("lstm_sa", "reslstm_sa"):
        plan = tuning.Plan(model, 32, startup_trials=4)
        study = optuna.create_study(study_name=f"{model}-s0", sampler=tuning.make_sampler(plan))
        for _ in range(4):
            t = study.ask()
            tuning.suggest(t, plan.space)
            study.tell(t, 0.5)
        frames[study.study_name] = tuning_tables.trials_frame(study)
    assert tuning_tables.repeated_parameters(frames).empty
    same_seed = {}
    for model in ("lstm_sa", "reslstm_sa"):
        study = optuna.create_study(study_name=model, sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=4))
        for _ in range(4):
            t = study.ask()
            tuning.suggest(t, tuning.SLIDES_SPACE)
            study.tell(t, 0.5)
        same_seed[model] = tuning_tables.trials_frame(study)
    assert tuning_tables.repeated_parameters(same_seed)["studies"].tolist() == [2] * 4


def test_the_optuna_internals_tuning_borrows(tmp_path):
    """tuning._reseed sets optuna's private sampler state and tuning._heartbeat runs its
    private heartbeat thread (no public API does either): this fails when optuna changes them."""
    def first_draw(sampler_seed):
        sampler = optuna.samplers.TPESampler(seed=sampler_seed)
        tuning._reseed(sampler, 7)
        return optuna.create_study(sampler=sampler).ask().suggest_float("x", 0, 1)

    assert first_draw(1) == first_draw(2)       # the reseeding, not the constructor's seed, decides
    storage = tuning.make_storage(f"sqlite:///{tmp_path / 'optuna.db'}", heartbeat_interval=1, grace_period=2)
    study = optuna.create_study(storage=storage)
    trial = study.ask()
    trial_id = tuning._trial_id(storage, study, trial)
    assert trial_id == trial._trial_id           # the public lookup finds optuna's own id
    with tuning._heartbeat(storage, trial_id):
        time.sleep(3)                            # past the grace period: only the heartbeat keeps it alive
        optuna.storages.fail_stale_trials(study)
    assert study.trials[0].state == TrialState.RUNNING
    time.sleep(3)
    optuna.storages.fail_stale_trials(study)
    assert study.trials[0].state == TrialState.FAIL
