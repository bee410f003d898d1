"""The fidelity ladder's bookkeeping: rungs, job lists, the table's statistics and
the best-of-N optimism curve, against hand-computed values."""

import json
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ser_utils.experiments import fidelity
from ser_utils.paths import project_dir
from ser_utils.training import tuning
from ser_utils.training.records import DamagedRecordWarning

PARAMS = dict(models=["reslstm_sa-h64", "lstm_sa-h64"], studies=[["reslstm_sa-h64", "reference"]], epochs=100,
              runs=3, seed_runs=10, replays=2, trials=30, startup_trials=10)


def test_rungs_before_and_after_the_study():
    rungs = {r.rung: r for r in fidelity.ladder("lstm_sa-h64", PARAMS)}
    assert [r for r in rungs] == ["0", "1", "1n", "2", "3", "4", "5a", "5b", "6a", "6b"]
    assert all(rungs[k].spec is None for k in ("1", "1n", "2", "3", "5a", "5b"))
    four = rungs["4"].spec
    assert (four.computation, four.protocol, four.seeding) == ("reference", "paper", "distinct")
    assert (four.train.lr, four.train.batch_size, four.train.weight_decay, four.train.T_0, four.model.dropout) == \
        (2e-4, 16, 4.9e-2, 10, 0.3)
    assert rungs["6a"].spec.seeding == "reference" and rungs["6a"].runs == (0, 1)
    assert rungs["6b"].runs == tuple(range(10)) and rungs["0"].runs == (0, 1, 2)
    plan = tuning.Plan("lstm_sa", 64, space="reference", epochs=100)
    trial = SimpleNamespace(number=7, params={"lr": 3e-3, "weight_decay": 1e-4, "dropout": 0.2, "T_0": 5,
                                              "batch_size": 32})
    won = {"LSTM-SA-h64": {"clean": (plan, trial), "paper": (plan, trial)}}
    rungs = {r.rung: r for r in fidelity.ladder("lstm_sa-h64", PARAMS, won)}
    one, two, three = rungs["1"].spec, rungs["2"].spec, rungs["3"].spec
    assert (one.train.lr, one.train.batch_size, one.computation, one.protocol) == (3e-3, 32, "masked", "clean")
    assert two.train == one.train and two.computation == "reference" and two.protocol == "clean"
    assert three.model == two.model and three.protocol == "paper"
    assert rungs["1"].runs == tuple(range(1, 11)) and rungs["2"].runs == (1, 2, 3)
    assert rungs["5a"].runs == (0,) and rungs["5b"].runs == tuple(range(1, 11))
    # the nested rung: one spec per test fold, its own trial where the nested choice differs
    other = SimpleNamespace(number=9, params={"lr": 1e-2, "weight_decay": 1e-3, "dropout": 0.1, "T_0": 1,
                                              "batch_size": 32})
    nested_won = {"LSTM-SA-h64": [(plan, trial), (plan, other), (plan, trial), (plan, trial), (plan, other)]}
    n = {r.rung: r for r in fidelity.ladder("lstm_sa-h64", PARAMS, won, nested_won)}["1n"]
    assert [s.train.lr for s in n.fold_specs] == [3e-3, 1e-2, 3e-3, 3e-3, 1e-2]
    assert n.fold_specs[0] == one and n.previous == "1" and n.runs == rungs["1"].runs
    jobs = {spec: (runs, folds) for spec, runs, folds in fidelity.jobs([n], "all")}
    assert jobs[one] == (tuple(range(1, 11)), (0, 2, 3)) and jobs[n.fold_specs[1]][1] == (1, 4)


def test_distinct_runs_counts_a_bit_identical_replay_once():
    a = _records({(0, 0): 0.6, (0, 1): 0.4, (1, 0): 0.6, (1, 1): 0.4, (2, 0): 0.7, (2, 1): 0.4})
    kept = fidelity.distinct_runs(a)
    assert sorted({r.run for r in kept}) == [0, 2] and len(kept) == 4


def test_first_stage_needs_no_study_and_merges_shared_specs():
    rungs = [r for m in PARAMS["models"] for r in fidelity.ladder(m, PARAMS)]
    first = fidelity.jobs(rungs, "first")
    assert len(first) == 6  # per model: rung 0, rung 4, one replay
    assert sorted(len(runs) for _, runs, _ in first) == [1, 1, 3, 3, 3, 3]
    full = {spec: runs for spec, runs, _ in fidelity.jobs(rungs, "all")}
    four = next(r.spec for r in rungs if r.rung == "4")
    assert full[four] == tuple(range(10))  # rung 4's runs 0-2 are the first of 6b's ten


def _records(uars_by_run_fold, n=10):
    """Records whose fold predictions have exactly the given accuracy on a balanced
    2-class fold of ``n`` utterances (so fold UAR = accuracy)."""
    out = []
    for (run, fold), u in uars_by_run_fold.items():
        labels = [0, 1] * (n // 2)
        right = int(round(u * n))
        preds = [y if i < right else 1 - y for i, y in enumerate(labels)]
        out.append(SimpleNamespace(run=run, fold=fold, test_uar=u, test=SimpleNamespace(labels=labels, preds=preds)))
    return out


def test_table_statistics_by_hand():
    a = fidelity.Rung("M", "0", "a", None, (0, 1, 2))
    b = fidelity.Rung("M", "1", "b", None, (0, 1, 2), previous="0")
    ua = {(r, k): 0.5 for r in range(3) for k in range(2)}
    ub = {(0, 0): 0.6, (0, 1): 0.7, (1, 0): 0.6, (1, 1): 0.5, (2, 0): 0.8, (2, 1): 0.9}
    frame = fidelity.table([a, b], {("M", "0"): _records(ua), ("M", "1"): _records(ub)})
    # pooled UAR per run of b: (0.6+0.7)/2, (0.6+0.5)/2, (0.8+0.9)/2 on equal-size balanced folds
    pooled = np.array([0.65, 0.55, 0.85])
    row = frame.iloc[1]
    assert row.uar_mean == pytest.approx(pooled.mean())
    assert row.uar_std == pytest.approx(pooled.std(ddof=1))
    assert row.ci95 == pytest.approx(4.302653 * pooled.std(ddof=1) / np.sqrt(3), rel=1e-5)  # t(0.975, 2)
    assert row.delta_vs_previous == pytest.approx(pooled.mean() - 0.5)
    # no speaker ids: the fold is the unit, each fold's UAR averaged over the 3 shared runs:
    # fold 0 (0.6 + 0.6 + 0.8) / 3 - 0.5, fold 1 (0.7 + 0.5 + 0.9) / 3 - 0.5 -> 2 pairs, smallest p 0.5: blank
    assert row.unit == "fold" and row.pairs == 2 and np.isnan(row.p_value) and np.isnan(row.p_holm)
    assert row.wa_mean == pytest.approx(pooled.mean())  # balanced folds: WA = UAR
    assert np.isnan(frame.iloc[0].delta_vs_previous) and bool(frame.iloc[1].complete)


def test_table_leaves_p_blank_where_unreachable_and_pending_rungs_empty():
    a = fidelity.Rung("M", "0", "a", None, (0,))
    b = fidelity.Rung("M", "1", "b", None, (0,), previous="0")
    c = fidelity.Rung("M", "2", "c", None, (0,), previous="1")
    recs = {("M", "0"): _records({(0, k): 0.5 for k in range(5)}),
            ("M", "1"): _records({(0, k): 0.7 for k in range(5)})}
    frame = fidelity.table([a, b, c], recs)
    assert frame.iloc[1].pairs == 5 and np.isnan(frame.iloc[1].p_value)
    assert frame.iloc[1].delta_vs_previous == pytest.approx(0.2)
    assert np.isnan(frame.iloc[2].uar_mean) and frame.iloc[2].n_runs == 0


def test_best_of_n_by_hand():
    test = [0.1, 0.2, 0.3]
    curve = fidelity.best_of_n(test, test, [1, 2, 3]).set_index("n_trials")["expected"]
    assert curve[1] == pytest.approx(0.2, abs=0.005)
    assert curve[2] == pytest.approx((0.2 + 0.3 + 0.3) / 3, abs=0.005)  # max of each of the 3 pairs
    assert curve[3] == pytest.approx(0.3)
    # clean selection: the trial best on validation is the worst on test
    clean = fidelity.best_of_n([3, 2, 1], test, [3])
    assert clean["expected"].iloc[0] == pytest.approx(0.1)
    assert list(fidelity.best_of_n(test, test, [2, 5])["n_trials"]) == [2]


def test_split_computation_rungs_are_cumulative():
    plan = tuning.Plan("lstm_sa", 64, space="reference", epochs=100)
    trial = SimpleNamespace(number=1, params={"lr": 1e-3, "weight_decay": 1e-4, "dropout": 0.2, "T_0": 5,
                                              "batch_size": 32})
    won = {"LSTM-SA-h64": {"clean": (plan, trial), "paper": (plan, trial)}}
    rungs = {r.rung: r for r in fidelity.ladder("lstm_sa-h64", {**PARAMS, "split_computation": True}, won)}
    assert [k for k in rungs][:6] == ["0", "1", "1n", "2a", "2b", "2"]
    assert rungs["2a"].spec.model.parts == {"unmasked", "authors_init"} and rungs["2a"].previous == "1"
    assert rungs["2b"].spec.model.parts == {"unmasked", "authors_init", "random_order"}
    assert rungs["2"].previous == "2b" and rungs["2"].spec.computation == "reference"


def test_compute_spent_sums_each_label_and_all(tmp_path):
    """Core-hours = the records' wall seconds / 3600, per label and in all; a damaged
    record does not count (it is moved aside)."""

    def record(folder, name, label, seconds):
        base = {"key": folder, "spec": {}, "label": label, "run": 0, "fold": 0, "seed": 0, "seeding": "distinct",
                "data": "d", "synthetic": True, "fold_actors": {}, "parameters": 1, "device": "cpu", "threads": 1,
                "versions": {}, "wall_seconds": seconds, "best_epoch": 1, "best_val_uar": 0.5, "history": {},
                "test_uar": 0.5, "test_wa": 0.5, "confusion": [], "test": {"ids": [], "labels": [], "preds": []},
                "complete": True}
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / name).write_text(json.dumps(base))

    record("a", "run00-fold0.json", "ResLSTM-SA-h64 [clean]", 1800)
    record("a", "run00-fold1.json", "ResLSTM-SA-h64 [clean]", 3600)
    record("b", "run01-fold0.json", "LSTM-SA-h64 [paper, reference]", 900)
    record("c", "run00-fold0.json", "RNN-l2-h64-last [clean]", 7200)  # another notebook's
    (tmp_path / "b" / "run01-fold1.json").write_text("{broken")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedRecordWarning)
        spent = fidelity.compute_spent(tmp_path, keys={"a", "b"}).set_index("records")
    assert spent.loc["ResLSTM-SA-h64 [clean]"].tolist() == [2, 1.5]
    assert spent.loc["LSTM-SA-h64 [paper, reference]"].tolist() == [1, 0.25]
    assert spent.loc["all"].tolist() == [3, 1.75] and "RNN-l2-h64-last [clean]" not in spent.index
    assert fidelity.compute_spent(tmp_path).set_index("records").loc["all"].tolist() == [4, 3.75]


def test_committed_winners_fresh_agree_with_the_ladder():
    """results/full: each model's best clean and paper-style winners re-run with fresh
    seeds are the ladder's rungs 1 and 5b (same spec, same runs), computed two ways."""

    tables = project_dir() / "results" / "full" / "tables"
    if not (tables / "fidelity_winners_fresh.csv").exists():
        pytest.skip("results/full/tables/fidelity_winners_fresh.csv not in this checkout")
    fresh = pd.read_csv(tables / "fidelity_winners_fresh.csv")
    ladder = pd.read_csv(tables / "fidelity_ladder.csv", dtype={"rung": str}).set_index(["model", "rung"])
    studies = pd.read_csv(tables / "fidelity_studies.csv")
    for model, g in studies.groupby("model"):
        clean = g.loc[g["clean_val_uar"].idxmax()]
        paper = g.loc[g["paper_test_uar"].idxmax()]
        for sel, row, rung in (("clean", clean, "1"), ("paper", paper, "5b")):
            f = fresh[(fresh.model == model) & (fresh.space == row.space) & (fresh.selection == sel)].iloc[0]
            assert f["fresh_runs"] == ladder.loc[(model, rung), "n_runs"]
            assert f["fresh_uar_mean"] == pytest.approx(ladder.loc[(model, rung), "uar_mean"], abs=1e-12)


def test_table_pairs_speakers_and_holm_adjusts_the_ladder():
    """Two rungs after rung 0, 6 speakers in one fold, 2 runs: each speaker's UAR averaged
    over the runs, the sign-flip test over the 6 speakers, Holm over the 2 comparisons."""
    def recs(correct_by_speaker, runs=(0, 1)):
        out = []
        for run in runs:
            ids, labels, preds = [], [], []
            for spk, right in correct_by_speaker.items():
                for i, y in enumerate((0, 1, 0, 1)):
                    ids.append(f"03-01-0{y + 1}-01-01-0{i + 1}-{spk:02d}")
                    labels.append(y)
                    preds.append(y if i < right else 1 - y)
            out.append(SimpleNamespace(run=run, fold=0, test_uar=0.0,
                                       test=SimpleNamespace(ids=ids, labels=labels, preds=preds)))
        return out

    base = recs({s: 2 for s in range(1, 7)})            # every speaker UAR 0.5
    better = recs({s: 4 for s in range(1, 7)})          # every speaker UAR 1.0
    mixed = recs({1: 4, 2: 4, 3: 4, 4: 0, 5: 4, 6: 4})  # one speaker worse than before
    rungs = [fidelity.Rung("M", "0", "a", None, (0, 1)), fidelity.Rung("M", "1", "b", None, (0, 1), previous="0"),
             fidelity.Rung("M", "2", "c", None, (0, 1), previous="1")]
    frame = fidelity.table(rungs, {("M", "0"): base, ("M", "1"): better, ("M", "2"): mixed})
    one, two = frame.iloc[1], frame.iloc[2]
    assert one.unit == "speaker" and one.pairs == 6 and one.p_value == pytest.approx(2 / 64)
    # rung 2 against rung 1: differences 0, 0, 0, -1, 0, 0 -> one non-zero difference, smallest p 1: blank
    assert np.isnan(two.p_value)
    # Holm over the one p in the family: unchanged
    assert one.p_holm == pytest.approx(2 / 64)
