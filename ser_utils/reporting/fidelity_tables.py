"""Notebook 07's tables about its Optuna studies (the fidelity ladder's rung 5: the
slides' tuning, paper 000, seeds/000): each study's state and winners, the optimism of
selecting on test, and the selection gap of a best-of-N search. Columns are ``columns``'
constants; the ladder itself is ``experiments.fidelity.table``."""

from __future__ import annotations

import pandas as pd

from ser_utils.columns import (
    BEST_BY_TEST,
    BEST_BY_VALIDATION,
    COMPLETE,
    COMPLETE_TRIALS,
    EPOCHS,
    FRESH_CI95,
    FRESH_RUNS,
    FRESH_UAR_MEAN,
    MODEL,
    OPTIMISM,
    PRUNED,
    SELECTION_GAP,
    SPACE,
    TRIAL,
    TRIAL_TEST_UAR,
)
from ser_utils.experiments import fidelity
from ser_utils.training import tuning

BEST_OF = (1, 2, 3, 5, 10, 20, 30, 50, 100)   # the search sizes N of the best-of-N curves (and all trials)


def studies_table(plans, url: str, data) -> pd.DataFrame:
    """One row per study: trials complete and pruned against its goal, and where it has
    complete trials its two winners — *clean* (best validation UAR) and *paper-style*
    (best test UAR, what the slides' tuning did) — with their trial numbers and UARs."""
    rows = []
    for plan in plans:
        state = fidelity.study_state(plan, url, data)
        row = {MODEL: plan.label, SPACE: plan.space, EPOCHS: plan.epochs, COMPLETE: state["complete"],
               PRUNED: state["pruned"], "goal (complete)": plan.min_complete, "done": state["done"]}
        if state["complete"]:
            win = tuning.winners(state["study"])
            row.update(clean_trial=win["clean"].number, clean_val_uar=win["clean"].value,
                       clean_test_uar=win["clean"].user_attrs["test_uar"], paper_trial=win["paper"].number,
                       paper_test_uar=win["paper"].user_attrs["test_uar"])
        rows.append(row)
    return pd.DataFrame(rows)


def optimism(winners: pd.DataFrame) -> pd.DataFrame:
    """The [optimism] of each study's paper-style winner (``experiments.fidelity.
    winners_fresh``' rows with selection "paper"): its own pooled test UAR — the number a
    paper-style study reports — minus the mean of the same configuration re-run with fresh
    seeds."""
    paper = winners[winners["selection"] == "paper"]
    return pd.DataFrame({MODEL: paper[MODEL], SPACE: paper[SPACE], TRIAL: paper[TRIAL],
                         TRIAL_TEST_UAR: paper[TRIAL_TEST_UAR], FRESH_RUNS: paper[FRESH_RUNS],
                         FRESH_UAR_MEAN: paper[FRESH_UAR_MEAN], FRESH_CI95: paper[FRESH_CI95],
                         OPTIMISM: paper["trial - fresh"]})


def selection_gap(plans, url: str, data) -> tuple[pd.DataFrame, dict]:
    """Per study with at least 2 complete trials: the expected test UAR of the trial a
    search over N of its trials would pick by test UAR (paper-style) and by validation
    UAR (clean), N = ``BEST_OF`` and all trials (``experiments.fidelity.best_of_n``), and
    their difference at all trials, the *selection gap* (the trials' own numbers: not the
    optimism). Returns the table and the curves ({label: frame}) for the figure."""
    curves, rows = {}, []
    for plan in plans:
        state = fidelity.study_state(plan, url, data)
        done = [t for t in (state["study"].get_trials(deepcopy=False) if state["study"] else [])
                if t.state.name == "COMPLETE"]
        if len(done) < 2:
            continue
        val = [t.value for t in done]
        test = [t.user_attrs["test_uar"] for t in done]
        ns = sorted(set(BEST_OF + (len(done),)) & set(range(1, len(done) + 1)))
        paper_curve = fidelity.best_of_n(test, test, ns)
        clean_curve = fidelity.best_of_n(val, test, ns)
        curves[f"{plan.label} {plan.space}: best by test"] = paper_curve
        curves[f"{plan.label} {plan.space}: best by validation"] = clean_curve
        rows.append({MODEL: plan.label, SPACE: plan.space, COMPLETE_TRIALS: len(done),
                     BEST_BY_TEST: paper_curve["expected"].iloc[-1],
                     BEST_BY_VALIDATION: clean_curve["expected"].iloc[-1],
                     SELECTION_GAP: paper_curve["expected"].iloc[-1] - clean_curve["expected"].iloc[-1]})
    return pd.DataFrame(rows), curves
