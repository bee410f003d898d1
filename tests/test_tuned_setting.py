"""The quick and full profiles' ``tuned`` block is what the committed 100-epoch studies
(``results/full/optuna.db``) chose on validation speakers, and notebooks 03 and 06 use it."""

import json
import sqlite3

import numpy as np
import optuna
import pytest
import yaml
from optuna.distributions import FloatDistribution

from ser_utils.data.folds import REFERENCE_FOLDS
from ser_utils.experiments import tuned_setting
from ser_utils.paths import project_dir
from ser_utils.training import nested

DB = project_dir() / "results" / "full" / "optuna.db"


def _profile(name):
    return yaml.safe_load((project_dir() / "profiles" / f"{name}.yaml").read_text())


@pytest.mark.skipif(not DB.exists(), reason="results/full/optuna.db is not in this checkout")
@pytest.mark.parametrize("profile", ["quick", "full"])
def test_profile_quotes_the_validation_chosen_setting(profile):
    conf = _profile(profile)
    assert conf["03_lstm_sa_vs_reslstm_sa"]["tuned"] == tuned_setting.from_profile("full")
    assert conf["06_sota_comparison"]["tuned"] == conf["03_lstm_sa_vs_reslstm_sa"]["tuned"]


@pytest.mark.skipif(not DB.exists(), reason="results/full/optuna.db is not in this checkout")
def test_chosen_is_the_best_validation_trial_found_independently():
    # an independent reading of the same database: plain SQL over Optuna's tables
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    rows = con.execute("""
        SELECT s.study_name, t.number, v.value FROM trials t
        JOIN studies s ON s.study_id = t.study_id
        JOIN trial_values v ON v.trial_id = t.trial_id
        WHERE t.state = 'COMPLETE' AND s.study_name LIKE '%-clean-mfcc+chroma-e100-median-s0-%'""").fetchall()
    con.close()
    expected = {}
    for name, number, value in rows:
        family = name.partition("-h")[0]
        if family not in expected or value > expected[family][2]:
            expected[family] = (name, number, value)
    got = tuned_setting.from_profile("full")
    assert set(got) == set(expected)
    for family, (name, number, value) in expected.items():
        params = {t.number: t.params for t in optuna.load_study(study_name=name, storage=f"sqlite:///{DB}").trials}
        assert {k: got[family][k] for k in tuned_setting.HYPERPARAMETERS} == params[number]
        assert f"trial #{number}," in got[family]["source"] and f"{value:.4f}" in got[family]["source"]


def test_chosen_on_a_hand_made_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    prefix = tuned_setting.study_prefix("lstm_sa-h64", "reference", epochs=100)
    assert prefix == "lstm_sa-h64-reference-clean-mfcc+chroma-e100-median-s0"
    study = optuna.create_study(study_name=prefix + "-abc", storage=url, direction="maximize")
    for value, lr in [(0.5, 1e-3), (0.7, 2e-3), (0.6, 3e-3)]:
        t = optuna.trial.create_trial(params={"lr": lr, "weight_decay": 1e-4, "dropout": 0.1, "T_0": 5,
                                              "batch_size": 16},
                                      distributions={"lr": optuna.distributions.FloatDistribution(1e-5, 1),
                                                     "weight_decay": optuna.distributions.FloatDistribution(0, 1),
                                                     "dropout": optuna.distributions.FloatDistribution(0, 1),
                                                     "T_0": optuna.distributions.CategoricalDistribution([5]),
                                                     "batch_size": optuna.distributions.CategoricalDistribution([16])},
                                      value=value, user_attrs={"test_uar": value - 0.1})
        study.add_trial(t)
    got = tuned_setting.chosen(url, [["lstm_sa-h64", "reference"], ["reslstm_sa-h64", "reference"]], epochs=100)
    assert list(got) == ["lstm_sa"]
    assert got["lstm_sa"]["lr"] == 2e-3 and "trial #1," in got["lstm_sa"]["source"]
    assert tuned_setting.train_kwargs(got, "reslstm_sa") == tuned_setting.default_hyperparameters()
    assert tuned_setting.train_kwargs(got, "lstm_sa")["lr"] == 2e-3


# Worked out by hand from DESIGN.md's folds: test fold j may be steered only by the folds whose
# validation speakers are outside it. Validation: [3,6] [10,11] [8,17] [1,14] [2,5]; test fold 0
# (2,5,14,15,16) excludes fold 3 (14) and fold 4 (2,5); fold 1 (3,6,...) excludes fold 0; fold 2
# (10,11,...) excludes fold 1; fold 3 (8,17,...) excludes fold 2; fold 4 (1,4,9,22) excludes fold 3.
VOTERS = [[0, 1, 2], [1, 2, 3, 4], [0, 2, 3, 4], [0, 1, 3, 4], [0, 1, 2, 4]]


def test_nested_voters_of_the_reference_folds():
    assert nested.voters(REFERENCE_FOLDS) == VOTERS


def test_nested_choice_on_hand_made_candidates():
    # a is best on average (0.6) thanks to folds 3 and 4; b is best on folds 0-2
    a = nested.Candidate("a", {}, (0.5, 0.5, 0.5, 0.8, 0.7), 0)
    b = nested.Candidate("b", {}, (0.6, 0.6, 0.6, 0.4, 0.4), 1)
    assert nested.choose_global([a, b]).name == "a"
    # fold 0 votes with folds 0-2 only: b (0.6 > 0.5); fold 1 with 1-4: a (0.625 > 0.5);
    # fold 2 with 0,2,3,4: a (0.625 > 0.5); fold 3 with 0,1,3,4: a (0.625 > 0.5); fold 4 with 0,1,2,4:
    # a = (0.5+0.5+0.5+0.7)/4 = 0.55, b = (0.6+0.6+0.6+0.4)/4 = 0.55: a tie, the lower order wins: a)
    assert [c.name for c in nested.choose([a, b], REFERENCE_FOLDS)] == ["b", "a", "a", "a", "a"]


@pytest.mark.skipif(not DB.exists(), reason="results/full/optuna.db is not in this checkout")
@pytest.mark.parametrize("profile", ["quick", "full"])
def test_profile_quotes_the_nested_choice_found_independently(profile):
    block = _profile(profile)["03_lstm_sa_vs_reslstm_sa"]["nested"]
    assert block == tuned_setting.nested_from_profile("full")
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    rows = con.execute("""
        SELECT s.study_name, t.number, a.value_json FROM trials t
        JOIN studies s ON s.study_id = t.study_id
        JOIN trial_user_attributes a ON a.trial_id = t.trial_id AND a.key = 'fold_val_uar'
        WHERE t.state = 'COMPLETE' AND s.study_name LIKE '%-clean-mfcc+chroma-e100-median-s0-%'
        ORDER BY s.study_name, t.number""").fetchall()
    con.close()
    for family, settings in block.items():
        mine = [(name, number, json.loads(v)) for name, number, v in rows if name.startswith(family + "-h")]
        for j, setting in enumerate(settings):
            best = max(sum(v[k] for k in VOTERS[j]) / len(VOTERS[j]) for _, _, v in mine)
            winners = [(n, t) for n, t, v in mine if sum(v[k] for k in VOTERS[j]) / len(VOTERS[j]) == best]
            assert any(f"trial #{t}," in setting["source"] and n.split("-")[2] in setting["source"]
                       for n, t in winners), (family, j, setting["source"], winners)


def test_nested_winners_of_one_study_by_hand():
    """Voters of the reference folds: fold 0 by folds 0-2, fold 1 by 1-4, fold 2 by 0, 2-4,
    fold 3 by 0, 1, 3, 4, fold 4 by 0-2, 4. Trial 0 is best on folds 0-2, trial 1 on folds 3-4;
    each test fold's choice is the larger mean over its voters (worked out below); a pruned
    trial never wins."""

    study = optuna.create_study(direction="maximize")
    dist = {"lr": FloatDistribution(1e-5, 1e-1, log=True)}
    for lr, folds_uar in ((1e-3, [0.6, 0.6, 0.6, 0.1, 0.1]), (2e-3, [0.4, 0.4, 0.4, 0.9, 0.9])):
        study.add_trial(optuna.trial.create_trial(params={"lr": lr}, distributions=dist,
                                                  value=float(np.mean(folds_uar)),
                                                  user_attrs={"fold_val_uar": folds_uar}))
    study.add_trial(optuna.trial.create_trial(params={"lr": 5e-3}, distributions=dist,
                                              state=optuna.trial.TrialState.PRUNED, user_attrs={}))
    chosen = tuned_setting.nested_winners(study, REFERENCE_FOLDS)
    # fold 0: folds 0-2 -> 0.6 vs 0.4: trial 0; fold 1: folds 1-4 -> 0.35 vs 0.65: trial 1;
    # fold 2: folds 0,2,3,4 -> 0.35 vs 0.65: trial 1; fold 3: folds 0,1,3,4 -> 0.35 vs 0.65: trial 1;
    # fold 4: folds 0,1,2,4 -> 0.475 vs 0.525: trial 1
    assert [c.name for c in chosen] == ["trial 0", "trial 1", "trial 1", "trial 1", "trial 1"]
    assert chosen[0].params == {"lr": 1e-3}
