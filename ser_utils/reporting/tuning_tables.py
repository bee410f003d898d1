"""Tables of tuning results: trials, studies, and the fresh-seed evaluation of both
winners in the shape of paper 000's results table (Krasnoproshin & Vashkevich,
DSPA 2026), with the slides' values beside ours, labelled as reported."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils import literature
from ser_utils.models import ModelConfig
from ser_utils.reporting import summaries
from ser_utils.reporting.summaries import fmt_mean_std, paired, summary_row
from ser_utils.training import TrainConfig, metrics, tuning

# trials_frame's columns that are not the trial's parameters
TRIAL_COLUMNS = ("number", "state", "val_uar", "test_uar", "folds_run", "train_seconds", "key")


def trials_frame(study):
    """One row per finished trial: state, parameters, objective, test UAR, seconds."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state.name not in ("COMPLETE", "PRUNED"):
            continue
        rows.append({"number": t.number, "state": t.state.name.lower(), **t.params,
                     "val_uar": t.value if t.state.name == "COMPLETE" else np.nan,
                     col.TEST_UAR: t.user_attrs.get("test_uar", np.nan),
                     "folds_run": len(t.user_attrs.get("fold_val_uar", [])),
                     "train_seconds": t.user_attrs.get("train_seconds", np.nan), "key": t.user_attrs.get("key")})
    return pd.DataFrame(rows)


def study_summary(plan, study) -> dict:
    """A study in one row: trials by state, both winners, cost per hour of training on
    one core (fold wall times summed). ``trials_per_core_hour`` counts every finished
    trial, pruned ones included; ``complete_per_core_hour`` only the complete ones —
    the trials that can win, so the number to compare a pruned study with an unpruned
    one."""
    frame = trials_frame(study)
    win = tuning.winners(study)
    core_hours = frame["train_seconds"].sum() / 3600
    complete = int((frame["state"] == "complete").sum())
    return {col.MODEL: plan.label, col.SPACE: plan.space, col.PRUNER: plan.pruner, col.EPOCHS: plan.epochs,
            col.COMPLETE: complete, col.PRUNED: int((frame["state"] == "pruned").sum()),
            col.CLEAN_TRIAL: win["clean"].number, col.CLEAN_VAL_UAR: win["clean"].value,
            "clean_test_uar": win["clean"].user_attrs["test_uar"],
            "paper_trial": win["paper"].number, "paper_val_uar": win["paper"].value,
            "paper_test_uar": win["paper"].user_attrs["test_uar"],
            col.CORE_HOURS: core_hours, col.TRIALS_PER_CORE_HOUR: len(frame) / core_hours if core_hours else np.nan,
            col.COMPLETE_PER_CORE_HOUR: complete / core_hours if core_hours else np.nan,
            "study": study.study_name}


def evaluation_frame(winner_list, records) -> pd.DataFrame:
    """One row per (study, selection): the winner's fresh-seed pooled UAR (mean, std,
    max over runs) and its test UAR in the trial that selected it. ``winner_list``:
    ``tuning.study_winners``; ``records``: each winner's run records."""
    rows = []
    for w, recs in zip(winner_list, records):
        row = summary_row(recs)
        rows.append({col.MODEL: w.plan.label, col.SPACE: w.plan.space, col.SELECTION: w.selection, col.TRIAL: w.trial,
                     col.PARAMETERS: row["parameters"], col.UAR_MEAN: row["uar_mean"], col.UAR_STD: row["uar_std"],
                     col.UAR_MAX: row["uar_max"], col.WA_MEAN: row["wa_mean"], col.WA_STD: row["wa_std"],
                     "selected_test_uar": w.test_uar, col.RUNS: row["runs"]})
    return pd.DataFrame(rows)


def nested_row(winner, choice, nested_records, clean_records) -> dict:
    """One row of notebook 04's ``tuning_nested_winners``: a study's nested winner (``choice``:
    the trial chosen for each test fold, trained into ``nested_records``) against its clean
    winner (``clean_records``), speakers as the unit (``summaries.paired``), with each side's
    mean and std over runs and the trials each fold chose."""
    s_n, s_c = summary_row(nested_records), summary_row(clean_records)
    return summaries.paired_row(
        f"{winner.plan.label} {winner.plan.space}: nested vs clean (not nested)", paired(nested_records, clean_records),
        model=winner.plan.label, space=winner.plan.space, clean_trial=winner.trial,
        nested_trials=", ".join(f"fold {k}: {c.name}" for k, c in enumerate(choice)),
        distinct_trials=len({c.name for c in choice}), runs=s_n["runs"],
        nested_uar_mean=s_n["uar_mean"], nested_uar_std=s_n["uar_std"],
        clean_uar_mean=s_c["uar_mean"], clean_uar_std=s_c["uar_std"])


def paper000_table(evaluation: pd.DataFrame) -> pd.DataFrame:
    """Clean and paper-style winners side by side with the slides' reported values, and
    three differences, each with its own name ([[optimism]] means only the first):

    - ``optimism``: the paper-style winner's own test UAR (the trial that selected it)
      minus the same configuration's fresh-seed mean — what selecting on test adds to
      the number reported;
    - ``fresh-seed gap (paper-style − clean)``: the two winners' fresh-seed means;
    - ``selected − clean``: the number a paper-style study reports minus the clean
      winner's fresh-seed mean."""
    wide = evaluation.pivot_table(index=["model", "space", "parameters"], columns="selection",
                                  values=["uar_mean", "uar_std", "uar_max", "wa_mean", "wa_std",
                                          "selected_test_uar"]).reset_index()
    wide.columns = [" ".join(c).strip() if isinstance(c, tuple) else c for c in wide.columns]
    table = pd.DataFrame({
        col.MODEL: wide["model"], col.SPACE: wide["space"], col.PARAMETERS: wide["parameters"],
        "clean UAR": [fmt_mean_std(m, s) for m, s in zip(wide["uar_mean clean"], wide["uar_std clean"])],
        "clean max": wide["uar_max clean"],
        "clean WA": [fmt_mean_std(m, s) for m, s in zip(wide["wa_mean clean"], wide["wa_std clean"])],
        "paper-style UAR": [fmt_mean_std(m, s) for m, s in zip(wide["uar_mean paper"], wide["uar_std paper"])],
        "paper-style max": wide["uar_max paper"],
        "paper-style WA": [fmt_mean_std(m, s) for m, s in zip(wide["wa_mean paper"], wide["wa_std paper"])],
        "paper-style selected": wide["selected_test_uar paper"],
        col.OPTIMISM: wide["selected_test_uar paper"] - wide["uar_mean paper"],
        col.FRESH_SEED_GAP: wide["uar_mean paper"] - wide["uar_mean clean"],
        col.SELECTED_MINUS_CLEAN: wide["selected_test_uar paper"] - wide["uar_mean clean"],
    })
    rep = literature.paper000_reported().set_index("model")
    table["slides UAR (reported)"] = [fmt_mean_std(rep.reported_uar_mean[m], rep.reported_uar_std[m])
                                      if m in rep.index else "" for m in table.model]
    table["slides max (reported)"] = [rep.reported_uar_max.get(m, np.nan) for m in table.model]
    return table


def defaults_outside(space: str) -> str:
    """The study's default hyperparameters (``experiments.tuned_setting.defaults_spec``) that lie outside the
    searched ``space`` (``tuning.SPACES``), in words (``lr 0.001 outside [3e-05, 0.0002]``;
    empty when every default could have been drawn). A search cannot find a default it
    could never draw."""
    if space not in tuning.SPACES:
        return ""
    train, model = TrainConfig(), ModelConfig("lstm_sa")
    values = {"lr": train.lr, "weight_decay": train.weight_decay, "dropout": model.dropout, "T_0": train.T_0,
              "batch_size": train.batch_size}
    out = []
    for name, allowed in tuning.SPACES[space].items():
        v = values[name]
        if isinstance(allowed, tuple) and not allowed[0] <= v <= allowed[1]:
            out.append(f"{name} {v:g} outside [{allowed[0]:g}, {allowed[1]:g}]")
        elif isinstance(allowed, list) and v not in allowed:
            out.append(f"{name} {v:g} not in {{{', '.join(f'{a:g}' for a in allowed)}}}")
    return "; ".join(out)


def _mean_val(records) -> float:
    return float(np.mean([r.best_val_uar for r in records if r.best_val_uar is not None]))


def vs_defaults(winner_list, winner_records, default_records) -> pd.DataFrame:
    """Each clean winner against the study's defaults on the same fresh seeds and test
    speakers: pooled UAR of both (mean over runs); the paired difference per speaker (each
    speaker's UAR averaged over the runs, ``summaries.paired``) with its exact sign-flip p,
    Holm-adjusted over the rows (the notebook's family of winner-against-defaults claims),
    the verdict on the adjusted p; and validation UARs like with like — the winner's and
    the defaults' mean best validation UAR over the same fresh folds — beside the
    winner's in the trial that chose it (the best of the study's trials, so an optimistic
    figure)."""
    rows, comparisons = [], []
    for w, wr, dr in zip(winner_list, winner_records, default_records):
        c = paired(wr, dr)
        comparisons.append(c)
        rows.append({col.MODEL: w.plan.label, col.SPACE: w.plan.space, col.TRIAL: w.trial, col.EPOCHS: w.plan.epochs,
                     col.RUNS: summary_row(wr)["runs"], col.WINNER_UAR: summary_row(wr)["uar_mean"],
                     col.DEFAULTS_UAR: summary_row(dr)["uar_mean"], col.UNIT: c["unit"], col.PAIRS: c["pairs"],
                     col.TEST: c["test"], col.P: c["p"], "winner_val_uar": _mean_val(wr),
                     "defaults_val_uar": _mean_val(dr),
                     "winner_trial_val_uar": w.value})
    adjusted = metrics.holm([c["p"] for c in comparisons])
    for row, c, q in zip(rows, comparisons, adjusted):
        win, base = row["winner_uar"], row["defaults_uar"]
        verdict = f"difference {metrics.verdict(q, c['underpowered']) if not np.isnan(q) else c['verdict']} " \
                  "(alpha 0.05, Holm)"
        outside = defaults_outside(row["space"])
        if win < base:
            verdict += ("; on validation speakers too the winner is below the defaults: the search did not find a "
                        "better setting than the defaults" if row["winner_val_uar"] < row["defaults_val_uar"] else
                        "; on validation speakers the winner is above the defaults: what it gained there did not "
                        "carry over to the test speakers")
            if outside:
                verdict += f" (the defaults lie outside the searched space — {outside} — so no trial could draw them)"
        row.update({col.WINNER_MINUS_DEFAULTS: win - base, col.P_HOLM: q, "defaults outside the space": outside,
                    col.CONVERGENCE_VERDICT: verdict})
    columns = ["model", "space", "trial", "epochs", "runs", "winner_uar", "defaults_uar", "winner - defaults", "unit",
               "pairs", "test", "p", "p (Holm)", "winner_val_uar", "defaults_val_uar", "winner_trial_val_uar",
               "defaults outside the space", "verdict"]
    return pd.DataFrame(rows, columns=columns)


def repeated_parameters(frames: dict) -> pd.DataFrame:
    """Parameter sets drawn by more than one study: ``frames`` maps a study's name to its
    ``trials_frame``. One row per repeated set, with the studies that drew it. Since
    each trial's sampler is seeded from its study's name and number (``tuning.trial_seed``)
    a repeat means the trials were drawn with a shared seed, or by chance (continuous
    values: practically never)."""
    seen: dict = {}
    for name, frame in frames.items():
        cols = sorted(c for c in frame.columns if c not in TRIAL_COLUMNS)
        for _, row in frame.iterrows():
            params = tuple((c, row[c]) for c in cols if pd.notna(row[c]))
            seen.setdefault(params, []).append(f"{name}#{int(row['number'])}")
    rows = [{col.PARAMETERS: ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in p),
             "studies": len({s.rpartition('#')[0] for s in where}), "trials": "; ".join(where)}
            for p, where in seen.items() if len({s.rpartition('#')[0] for s in where}) > 1]
    return pd.DataFrame(rows, columns=["parameters", "studies", "trials"])


def complete_trials(studies: dict, pruner: str) -> pd.DataFrame:
    """Every complete trial (``trials_frame``) of the studies run with ``pruner``, with its
    model and space: the points of notebook 04's validation-against-test comparison."""
    frames = [trials_frame(s).assign(model=p.label, space=p.space) for p, s in studies.items() if p.pruner == pruner]
    allt = pd.concat(frames)
    return allt[allt.state == "complete"]


def val_vs_test(done: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spearman's rank correlation of the objective (validation UAR) with the recorded test
    UAR: pooled over every complete trial (it then also counts the studies' different
    levels), and within each study, where it does not (NaN below 3 trials or when either
    UAR is constant). Returns ``(pooled, by_study)``."""
    from scipy.stats import spearmanr  # noqa: PLC0415 - heavy: scipy, one use

    rho, p = spearmanr(done.val_uar, done.test_uar)
    pooled = pd.DataFrame([{col.COMPLETE_TRIALS: len(done), col.SPEARMAN_RHO: rho, col.P: p}])
    rows = []
    for (model, space), g in done.groupby(["model", "space"], sort=False):
        enough = len(g) >= 3 and g.val_uar.nunique() > 1 and g.test_uar.nunique() > 1
        r, q = spearmanr(g.val_uar, g.test_uar) if enough else (np.nan, np.nan)
        rows.append({col.MODEL: model, col.SPACE: space, col.COMPLETE_TRIALS: len(g), col.SPEARMAN_RHO: r, col.P: q})
    return pooled, pd.DataFrame(rows)


def best_parameters(studies: dict) -> pd.DataFrame:
    """Per study ({plan: Optuna study}) and selection — *clean* (best validation UAR) and
    *paper* (best test UAR) — the winning trial, its parameters and both of its UARs."""
    rows = []
    for p, s in studies.items():
        for selection, t in tuning.winners(s).items():
            rows.append({col.MODEL: p.label, col.SPACE: p.space, col.PRUNER: p.pruner, col.SELECTION: selection,
                         col.TRIAL: t.number, **t.params, "val_uar": t.value, col.TEST_UAR: t.user_attrs["test_uar"]})
    return pd.DataFrame(rows)
