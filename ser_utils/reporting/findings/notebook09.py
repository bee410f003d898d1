"""Notebook 09's "What we found", computed from the tables it wrote."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.experiments.what_helps.levers import GOAL_MODEL_MS, GOAL_PARAMETERS, GOAL_UAR
from ser_utils.experiments.what_helps.recipe import SINGLE_EXPLORATORY, single_claim
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    Finding,
    and_join,
    holm_phrase,
    num,
    pvalue,
    signed,
    test_phrase,
)
from ser_utils.training.metrics import VERDICT, holm_floor


def goal_size(row) -> bool:
    """Whether a ``what_helps`` row is within the goal's size: parameters and model CPU ms."""
    return bool(row[col.PARAMETERS] <= GOAL_PARAMETERS and row[col.MODEL_CPU_MS] <= GOAL_MODEL_MS)


def _over_goal(row) -> list[str]:
    """What puts a ``what_helps`` row outside the goal's size: ``["146,920 parameters", "4.97 ms"]``."""
    return ([f"{int(row[col.PARAMETERS]):,} parameters"] if row[col.PARAMETERS] > GOAL_PARAMETERS else []) + (
        [f"{num(row[col.MODEL_CPU_MS], 2)} ms for the model"] if row[col.MODEL_CPU_MS] > GOAL_MODEL_MS else [])


def goal_status(row) -> str:
    """Where a ``what_helps`` row stands to the goal: ``"outside"`` its size, ``"short"`` of its
    UAR (the mean below it), ``"one run"`` (the mean reaches it, no interval), ``"mean only"``
    (the mean reaches it, the interval reaches below) or ``"meets"`` (the whole interval at or
    above it)."""
    if not goal_size(row):
        return "outside"
    if row[col.UAR_MEAN] < GOAL_UAR:
        return "short"
    if pd.isna(row[col.UAR_CI95_LOW]):
        return "one run"
    return "mean only" if row[col.UAR_CI95_LOW] < GOAL_UAR else "meets"


def _lever_words(row, with_p: bool = False) -> str:
    """``speed +0.072 [+0.05, +0.09]``; ``with_p``: where the unadjusted CI excludes 0 but
    the Holm-adjusted verdict does not, the raw and adjusted p too (they are not a contradiction)."""
    low, high = row.get("delta_ci95_low", np.nan), row.get("delta_ci95_high", np.nan)
    ci = f" [{signed(low)}, {signed(high)}]" if not pd.isna(low) else ""
    flag = (" ([[transductive]]: kept out of the recipe)"
            if col.TRANSDUCTIVE in row and str(row[col.TRANSDUCTIVE]) == "True" else "")
    p = (f" (p = {pvalue(row[col.P])}, Holm-adjusted {pvalue(row[col.P_HOLM])})"
         if with_p and not pd.isna(low) and (low > 0 or high < 0) and col.P_HOLM in row else "")
    return f"{row[col.LEVER]}{flag} {signed(row[col.DELTA_VS_START])}{ci}{p}"


def _out_of_reach_words(table: pd.DataFrame, rows: str) -> str:
    """Where no row of a table's Holm family could have been shown whatever its data
    (``holm_floor`` above 0.05 in every row: too few speakers for so many comparisons), say
    so: its "not shown" verdicts are then [[underpowered]], not evidence of no effect."""
    if col.P not in table or col.MIN_P not in table:
        return ""
    floor = holm_floor(table[col.P], table[col.MIN_P])
    ok = ~np.isnan(floor)
    if not ok.any() or (floor[ok] <= 0.05).any():
        return ""
    return (f" With so few speakers with a difference and Holm over {int(ok.sum())} {rows}, no row could be shown "
            f"(smallest attainable adjusted p {pvalue(float(floor[ok].min()))}): [[underpowered]].")


def _travel_words(travel: pd.DataFrame) -> str:
    """09's "does the recipe travel?": per direction the recipe's lead over its start at home
    (the test speakers' takes of the trained kind) and away (the shifted takes), the paired
    test of the lead away, and what each loses to the shift."""
    diff = next(c for c in travel.columns if c.startswith("recipe − start"))
    parts = []
    for _, r in travel.iterrows():
        worse, better = (int(x) for x in r[col.SPEAKERS_WORSE_BETTER].split(" / "))
        home = r["recipe UAR same condition"] - r["start UAR same condition"]
        classes = (f" ({int(r[col.CLASSES_SCORED])} classes scored, those both kinds of take have)"
                   if col.CLASSES_SCORED in r and not pd.isna(r[col.CLASSES_SCORED]) else "")
        parts.append(
            f"{r[col.FAMILY]} trained on {r[col.TRAINED_ON]}{classes}: recipe − start {signed(home)} "
            f"UAR on the test speakers' {r[col.TRAINED_ON]} takes (not tested) and {signed(r[diff])} per speaker "
            "on their "
            f"{r[col.TESTED_ON_SHIFTED]} takes ({better} of {int(r[col.PAIRS])} speakers better; {test_phrase(r)}: "
            f"**{r[VERDICT]}**); the shift changes the recipe's UAR by {signed(r['recipe shift cost'])} and the "
            f"start's by {signed(r['start shift cost'])}")
    helped = travel[travel[VERDICT].eq("shown") & (travel[diff] > 0)]
    ahead = int((travel[diff] > 0).sum())
    rows = "directions" if travel[col.FAMILY].nunique() == 1 else "rows (directions × model families)"
    if len(helped):
        verdict = f"The recipe is shown better on the shifted takes in {len(helped)} of {len(travel)} {rows}."
    else:
        verdict = (f"On the shifted takes the recipe is ahead on average in {ahead} of {len(travel)} {rows}, "
                   "but no lead is shown." + _out_of_reach_words(travel, "rows"))
    # the recipe's lead on the shifted takes minus at home is the recipe's shift change minus the start's
    shrinks = all(r["recipe shift cost"] < r["start shift cost"] for _, r in travel.iterrows())
    return ("Does the recipe travel? On notebook 08's shift inside RAVDESS (trained on one kind of take, new "
            "speakers tested on both kinds; a model's shift change is its UAR on the other kind minus on the trained "
            "kind, negative where the shift costs UAR; verdicts on p Holm-adjusted over this table's "
            f"{len(travel)} {rows}, a family of comparisons of its own): "
            + "; ".join(parts) + ". " + verdict
            + (" In every row the recipe's lead over its start is smaller on the shifted takes than at home (its "
               "shift change is below the start's), so part of its gain stays at home (a reading of the means, not "
               "tested)." if shrinks else ""))


def _per_fold(text) -> list[str]:
    """The per-fold parts of a table's "fold 0: a + b; fold 1: ..." text."""
    return [f.split(": ", 1)[1] for f in str(text).split("; ") if f.startswith("fold ") and ": " in f]


def _fold_recipes(r) -> list[str]:
    """A recipe row's per-fold recipes, read from its ``levers`` text."""
    return _per_fold(r.get(col.LEVERS, ""))


def _recipe_cost_words(what: pd.DataFrame, r) -> str:
    """Where a recipe's end-to-end cost is several times its start's: which folds' features
    make it (eGeMAPS frames, openSMILE), read from the recipe's ``levers`` text."""
    start = what[(what[col.FAMILY] == r[col.FAMILY]) & (what[col.LEVER] == "start")]
    if not len(start) or r[col.CPU_MS] < 3 * start[col.CPU_MS].iloc[0]:
        return ""
    folds = _fold_recipes(r)
    with_egemaps = sum("egemaps" in f for f in folds)
    return (f". End to end it costs {num(r[col.CPU_MS] / start[col.CPU_MS].iloc[0], 0)}× its start's "
            f"{num(start[col.CPU_MS].iloc[0], 1)} ms: "
            + (f"{with_egemaps} of its {len(folds)} folds {'uses' if with_egemaps == 1 else 'use'} eGeMAPS frames "
               "(openSMILE), which dominate the cost"
               if with_egemaps else "its features dominate the cost")
            + "; the goal bounds the model alone")


def _wider_words(r) -> str:
    """Where the capacity lever is in a recipe: its model is wider than the h64 start's."""
    folds = _fold_recipes(r)
    wide = sum("capacity" in f.split(" + ") for f in folds)
    return (f" (with the capacity lever in {wide} of its {len(folds)} folds: a wider model than the h64 start)"
            if wide else "")


def _chosen_not_shown_words(what: pd.DataFrame, r) -> str:
    """Levers a recipe took on their validation gain whose own test difference against the start
    is not above zero: validation and test can disagree, and the choice stays the validation one."""
    folds = _fold_recipes(r)
    rows = what[what[col.FAMILY] == r[col.FAMILY]].set_index(col.LEVER)
    words = [f"{lever} (in {n} of {len(folds)} folds' recipes; alone {signed(rows.loc[lever, col.DELTA_VS_START])} "
             "against the start on test)"
             for lever in rows.index if lever not in ("start", "recipe")
             and not pd.isna(rows.loc[lever, col.DELTA_VS_START]) and rows.loc[lever, col.DELTA_VS_START] <= 0
             for n in [sum(lever in f.split(" + ") for f in folds)] if n]
    return (" Taken on a validation gain although, alone, not ahead of the start on test: " + ", ".join(words)
            + " — the choice stays the one made on validation speakers." if words else "")


def _left_out_words(choices: pd.DataFrame | None, family: str) -> str:
    """The folds where a lever that helped on validation was left out of the recipe for size
    (``what_helps_recipe``'s ``left out for size``: capacity with a wider feature set)."""
    if choices is None or col.LEFT_OUT not in choices:
        return ""
    rows = choices[(choices[col.FAMILY] == family) & choices[col.LEFT_OUT].astype("string").fillna("").ne("")]
    if not len(rows):
        return ""
    groups = [(f"test fold{'s' if len(g) > 1 else ''} {and_join([str(int(f)) for f in g['test fold']])}: {why}")
              for why, g in rows.groupby(col.LEFT_OUT, sort=False)]   # each reason with its own folds
    return (f" Left out for size in {'; in '.join(groups)} — it gained on validation, but with that fold's feature "
            "set the model would exceed the goal's parameters (a count, the same on every machine).")


def best_single_levers(single_row) -> list[str]:
    """A ``what_helps_recipe_vs_single`` row's lever per fold, read from its text ("fold 0: speed; ...")."""
    return _per_fold(single_row[col.BEST_SINGLE])


def single_lever_words(levers: list[str]) -> str:
    """``speed in 4, mixup in 1 of 5 folds``; ``start`` (no lever had a gain) said as such."""
    named = [f"{lever} in {levers.count(lever)}" for lever in dict.fromkeys(levers) if lever != "start"]
    none = levers.count("start")
    return (", ".join(named) + (f" of {len(levers)} folds" if named else "")
            + (f"{'; ' if named else ''}no lever (the start) in {none} of {len(levers)} folds" if none else ""))


def combines_nothing(recipe_row, single_row) -> bool:
    """Whether a recipe (its ``what_helps`` row) is, in every fold, the single lever validation picked."""
    return _fold_recipes(recipe_row) == best_single_levers(single_row)


def _single_words(single: pd.DataFrame | None, what: pd.DataFrame, recipe) -> str:
    """The secondary comparison of ``tables/what_helps_recipe_vs_single``: the recipe (its
    ``what_helps`` row) against its best single lever, chosen per test fold on validation
    speakers, paired over speakers; what the recipe costs beside that lever's dearest row."""
    family = recipe[col.FAMILY]
    if single is None or not len(single) or family not in set(single[col.FAMILY]):
        return ""
    r = single[single[col.FAMILY] == family].iloc[0]
    chosen = best_single_levers(r)
    counts = single_lever_words(chosen)
    if combines_nothing(recipe, r):
        return (f" Does combining pay? Here the recipe combines nothing: in every fold it is its best single lever "
                f"({counts}), the same models, so there is nothing to compare.")
    rows = what[(what[col.FAMILY] == family) & what[col.LEVER].isin(chosen)]
    cost = ""
    if len(rows):
        # the rival costed as the recipe is: its dearest fold, column by column
        params, ms = rows[col.PARAMETERS].max(), rows[col.CPU_MS].max()
        ratio = recipe[col.CPU_MS] / ms
        cost = (f", at {num(recipe[col.PARAMETERS] / params, 1)}× its parameters "
                f"({int(recipe[col.PARAMETERS]):,} against {int(params):,}; each side its dearest fold) and "
                + (f"{num(ratio, 0 if ratio >= 10 else 1)}× its CPU ms end to end" if round(ratio, 1) != 1 else
                   f"about its CPU ms end to end ({num(recipe[col.CPU_MS], 1)} against {num(ms, 1)})"))
    shown = r[VERDICT] == "shown"
    lead_only = shown and family in SINGLE_EXPLORATORY   # p < 0.05 where nothing was fixed in advance: no claim
    verdict = "below 0.05, in an exploratory comparison" if lead_only else f"**{r[VERDICT]}**"
    lever = chosen[0] if len(set(chosen)) == 1 else "each fold's single lever"
    flag = " ([[transductive]])" if any(lv in ("speaker_norm",) for lv in chosen) else ""
    when = single_claim(family)
    return (f" Does combining pay? Against its best single lever{flag} (chosen per test fold on validation speakers: "
            f"{counts}; UAR {num(r[col.BEST_SINGLE_UAR])}) the recipe is "
            f"{signed(r[col.MEAN_DIFF])} per speaker [{signed(r[col.DIFF_CI95_LOW])}, {signed(r[col.DIFF_CI95_HIGH])}] "
            f"({test_phrase(r)}: {verdict}; {r[col.BETTER_WORSE]} speakers better / worse){cost}. "
            + ((f"Combining is shown to pay beyond {lever}." if not lead_only else
                f"That combining pays beyond {lever} is a lead to confirm with a comparison fixed in advance, "
                "not a claim.") if shown and r[col.MEAN_DIFF] > 0 else
               (f"{lever.capitalize()} alone is shown better than the recipe: combining costs here."
                if not lead_only else
                f"That {lever} alone beats the recipe is a lead to confirm, not a claim.") if shown else
               (f"So the recipe is shown better than its start, not than {lever} alone: that "
                if recipe[VERDICT] == "shown" and recipe[col.DELTA_VS_START] > 0 else "That ")
               + f"combining pays beyond {lever} is not claimed.")
            + (" One run: seed variation untested." if recipe[col.RUNS] == 1 else "")
            + f" (A secondary comparison, {when}.)")


def _switch_cost_words(heads: pd.DataFrame, beats: pd.DataFrame) -> str:
    """What the switch costs per utterance: the shown recipe's end-to-end CPU ms, and how many
    runs stand behind it (one run: its seed variation is untested)."""
    rows = heads[heads[col.FAMILY].isin(set(beats[col.FAMILY]))]
    return "".join(f" ({r[col.FAMILY]}'s recipe: {num(r[col.CPU_MS], 1)} CPU ms per utterance end to end"
                   + ("; one run, its seed variation untested" if r[col.RUNS] == 1 else "") + ")"
                   for _, r in rows.iterrows())


def _against_baselines_words(what: pd.DataFrame, heads: pd.DataFrame, base: pd.DataFrame) -> str:
    """The recipes and the rows beside the field's baselines: means only (a baseline is one
    deterministic fit, no per-speaker comparison is made here), so not tested."""
    strongest = base.sort_values(col.UAR_MEAN).iloc[-1]
    parts = [f"{r[col.FAMILY]}'s recipe {num(r[col.UAR_MEAN])}: "
             + ", ".join(f"{signed(r[col.UAR_MEAN] - b[col.UAR_MEAN])} against the {b[col.MODEL]}"
                         for _, b in base.iterrows()) for _, r in heads.iterrows()]
    below = int((what[col.UAR_MEAN] < strongest[col.UAR_MEAN]).sum())
    return ("Beside the field's baselines (differences of means, not tested): " + "; ".join(parts)
            + f". {below} of the table's {len(what)} rows have a mean below the strongest baseline's "
            f"({strongest[col.MODEL]}, {num(strongest[col.UAR_MEAN])}).")


def findings_09(out_dir) -> list[Finding]:
    out = []
    base = read_table(out_dir, "standard_baselines")
    if base is not None and len(base):
        parts = [f"{r[col.MODEL]}: [[UAR]] {num(r[col.UAR_MEAN])} (WA {num(r[col.WA_MEAN])}, C per fold "
                 f"{r[col.C_PER_FOLD]}, "
                 f"{num(r[col.CPU_MS], 1)} CPU ms per utterance with the extraction)" for _, r in base.iterrows()]
        out.append(Finding("The field's standard [[baseline]]s on the same folds, C chosen on [[validation speakers]]: "
                           + "; ".join(parts) + ".", "tables/standard_baselines"))
    what = read_table(out_dir, "what_helps")
    if what is None or not len(what):
        return out
    texts = []
    for family, rows in what.groupby("family", sort=False):
        start = rows[rows[col.LEVER] == "start"]
        if not len(start):
            continue
        s = start.iloc[0]
        levers = rows[~rows[col.LEVER].isin(["start", "recipe"])]
        shown = levers[levers[VERDICT].eq("shown")]
        up = [_lever_words(r) for _, r in shown.iterrows() if r[col.DELTA_VS_START] > 0]
        down = [_lever_words(r) for _, r in shown.iterrows() if r[col.DELTA_VS_START] < 0]
        rest = levers[~levers.index.isin(shown.index)]
        pairs = int(levers[col.SPEAKERS].max()) if len(levers) else 0
        underpowered = [str(x) for x in levers[levers[VERDICT].eq("underpowered")][col.LEVER]]
        texts.append(
            f"**{family}** starts at UAR {num(s[col.UAR_MEAN])} over {int(s[col.RUNS])} "
            f"run{'s' if s[col.RUNS] != 1 else ''}. "
            f"Against it ([[paired test]] over {pairs} speakers; UAR difference and its unadjusted 95 % bootstrap CI "
            f"over speakers; verdicts on p adjusted over the table's {int(what[col.P].notna().sum())} comparisons by "
            "[[Holm correction]]): shown better: "
            f"{', '.join(up) or 'none'}; shown worse: {', '.join(down) or 'none'}; no difference shown after Holm: "
            f"{', '.join(_lever_words(r, with_p=True) for _, r in rest.iterrows()) or 'none'}"
            + (f" ([[underpowered]] — too few speakers with a difference for p < 0.05: {', '.join(underpowered)})"
               if underpowered else "") + ".")
    if texts:
        out.append(Finding(" ".join(texts) + _out_of_reach_words(what, "comparisons"), "tables/what_helps"))
    recipe = what[what[col.LEVER] == "recipe"]
    honest = what[~what[col.TRANSDUCTIVE].astype(bool)]
    light = honest.apply(goal_size, axis=1).astype(bool) if len(honest) else pd.Series(dtype=bool)
    heads = recipe[~recipe[col.TRANSDUCTIVE].astype(bool)]
    best_words = ""
    if len(honest[light]):
        # on a tie the recipe is the best row: the headline is not displaced by a lever of equal UAR
        ranked = honest[light].assign(_recipe=honest[light][col.LEVER].eq("recipe"))
        best = ranked.sort_values([col.UAR_MEAN, "_recipe"], kind="stable").iloc[-1]
        best_words = (
            "The table's highest honest lightweight row by test UAR is one of the recipes, so the headline fixed "
            "in advance is not beaten by a row picked on test." if best[col.LEVER] == "recipe" and len(heads) > 1 else
            f"The table's highest honest lightweight row by test UAR is the recipe itself ({best[col.FAMILY]}, "
            f"{num(best[col.UAR_MEAN])}): the headline fixed in advance is also the best row, so no row had to be "
            "picked on test." if best[col.LEVER] == "recipe" else
            f"For orientation only: the table's highest honest lightweight row by test UAR is {best[col.FAMILY]} "
            f"{best[col.LEVER]} at {num(best[col.UAR_MEAN])}. Picking it by its test UAR is a choice on test "
            "that flatters the best of several rows, so it is an optimistic reference, not the study's result.")
    if len(heads):
        # the headline, fixed before the table was seen: each family's recipe, chosen on validation speakers
        parts = []
        for _, r in heads.iterrows():
            ci = (f", 95 % t-interval [{num(r[col.UAR_CI95_LOW])}, {num(r[col.UAR_CI95_HIGH])}] over its "
                  f"{int(r[col.RUNS])} runs (seed spread only; speaker sampling is in the paired tests)"
                  if not pd.isna(r[col.UAR_CI95_LOW]) else " (one run: no interval)")
            status = goal_status(r)
            below = not pd.isna(r[col.UAR_CI95_HIGH]) and r[col.UAR_CI95_HIGH] < GOAL_UAR
            size = (f"at most {GOAL_PARAMETERS // 1000} k parameters and {GOAL_MODEL_MS:g} CPU ms for the model, "
                    "features aside")
            reaches_in_ci = not pd.isna(r[col.UAR_CI95_HIGH]) and r[col.UAR_CI95_HIGH] >= GOAL_UAR
            goal = ((f"reaches the goal on its mean (UAR ≥ {GOAL_UAR:.2f} with {size})"
                     + {"mean only": f"; its interval does not exclude values below {GOAL_UAR:.2f}",
                        "one run": "; but that is one run, with no interval, so that the goal is reached is **not** "
                                   "shown (the `full` profile's runs answer it)",
                        "meets": ""}[status])
                    if status in ("meets", "mean only", "one run") else
                    (f"does **not** reach the goal's UAR of {GOAL_UAR:.2f}"
                     + (" (its whole interval lies below it)" if below else
                        f" on its mean (its interval does not exclude {GOAL_UAR:.2f})" if reaches_in_ci else "")
                     + f", although its size is within the goal ({size})") if status == "short" else
                    f"is outside the goal's size ({size})")
            parts.append(f"{r[col.FAMILY]}'s recipe: UAR {num(r[col.UAR_MEAN])}{ci}, {int(r[col.PARAMETERS]):,} "
                         f"parameters{_wider_words(r)}, {num(r[col.MODEL_CPU_MS], 2)} ms for the model and "
                         f"{num(r[col.CPU_MS], 1)} ms "
                         f"end to end (the dearest of its folds, column by column); it {goal}"
                         + _recipe_cost_words(what, r)
                         + ("" if r[VERDICT] == "shown" and r[col.DELTA_VS_START] > 0 else
                            f"; it is shown **worse** than its start (Holm-adjusted p = {pvalue(r[col.P_HOLM])}, "
                            "below)" if r[VERDICT] == "shown" else
                            f"; it is **not** shown better than its start (Holm-adjusted p = {pvalue(r[col.P_HOLM])}, "
                            "below)"))
        several = (" No winner is named between the families: picking the higher test UAR would be a choice on "
                   "test." if len(heads) > 1 else "")
        without = [f for f in what[col.FAMILY].unique() if f not in set(heads[col.FAMILY])]
        whose = (f"In this run (one family only: {heads[col.FAMILY].iloc[0]}) the best" if len(heads) == 1
                 and not without else
                 f"In this run ({', '.join(without)} has no recipe yet) the best" if without else "The study's best")
        light_words = ("lightweight (within the goal's size for the model; the features add to the end-to-end "
                       "ms) " if all(goal_size(r) for _, r in heads.iterrows()) else "")
        which = "each family's" if len(heads) > 1 else "the"
        out.append(Finding(
            f"{whose} honest {light_words}model is {which} "
            "recipe by design — the headline fixed in advance (a choice "
            "of method, not the winner of a test), its levers "
            "chosen for each test fold on [[validation speakers]] outside it, nothing [[transductive]]: "
            + "; ".join(parts) + "." + several + (" " + best_words if best_words else ""),
            "tables/what_helps tables/what_helps_recipe" + (" figures/what_helps_pareto" if best_words else "")))
        if base is not None and len(base):
            out.append(Finding(_against_baselines_words(what, heads, base),
                               "tables/what_helps tables/standard_baselines"))
    elif best_words:
        out.append(Finding(best_words, "tables/what_helps figures/what_helps_pareto"))
    if len(recipe):
        parts = []
        single = read_table(out_dir, "what_helps_recipe_vs_single")
        choices = read_table(out_dir, "what_helps_recipe")
        for _, r in recipe.iterrows():
            test = (f", {signed(r[col.DELTA_VS_START])} against the start, {r[col.TEST]} p = {pvalue(r[col.P])}"
                    f"{holm_phrase(r)} over {int(r[col.SPEAKERS])} speakers ({r[VERDICT]})"
                    ) if not pd.isna(r.get("p", np.nan)) else ""
            parts.append(f"{r[col.FAMILY]}: UAR {num(r[col.UAR_MEAN])}{test}; levers chosen per test fold — "
                         f"{r[col.LEVERS]}.{_left_out_words(choices, r[col.FAMILY])}"
                         f"{_chosen_not_shown_words(what, r)}{_single_words(single, what, r)}")
        out.append(Finding("The recipe, its levers chosen for each test fold on validation speakers outside it: "
                           + " ".join(parts), "tables/what_helps tables/what_helps_recipe"
                           + (" tables/what_helps_recipe_vs_single" if single is not None and len(single) else "")))
    vs = read_table(out_dir, "what_helps_vs_checkpoint")
    if vs is None and len(recipe):
        out.append(Finding("Not compared with the model `predict` loads: notebook 03 has written no checkpoint in "
                           "this profile's results, so `predict` is not switched here.", "tables/what_helps"))
    if vs is not None and len(vs):
        parts = [f"{r[col.FAMILY]}'s recipe {num(r[col.RECIPE_UAR])} against {num(r[col.CHECKPOINT_UAR])} "
                 f"({signed(r[col.MEAN_DIFF])} per speaker, {test_phrase(r)})" for _, r in vs.iterrows()]
        beats = vs[vs[col.BEATS_CHECKPOINT].astype(bool)]
        out.append(Finding(
            f"Against the model `predict` loads today ({vs[col.CHECKPOINT_MODEL].iloc[0]}, notebook 03's "
            f"{int(vs[col.CHECKPOINT_RUNS].iloc[0])}-run cross-validation): " + "; ".join(parts) + ". "
            + ("No recipe is shown better, so `predict` keeps its checkpoint." if beats.empty else
               f"{', '.join(beats[col.FAMILY])}'s recipe is shown better, so its model of run 1, fold 0 "
               "(`models/what_helps_recipe.pt`) replaces that checkpoint as `predict`'s default"
               + (" (two shown recipes: the one of higher validation UAR)" if len(beats) > 1 else "")
               + _switch_cost_words(heads, beats) + "; `predict --stream` keeps 03's, which streams."),
            "tables/what_helps_vs_checkpoint"))
    travel = read_table(out_dir, "what_helps_shift")
    if travel is not None and len(travel):
        out.append(Finding(_travel_words(travel), "tables/what_helps_shift"))
    parts = []
    several_runs = False
    for family, rows in what.groupby(col.FAMILY, sort=False):
        ens, dist = rows[rows[col.LEVER] == "ensemble"], rows[rows[col.LEVER] == "distilled"]
        if not (len(ens) and len(dist)):
            continue
        e, d = ens.iloc[0], dist.iloc[0]
        several_runs = several_runs or d[col.RUNS] > 1
        parts.append(
            f"{family}: the seed ensemble reaches UAR {num(e[col.UAR_MEAN])} at {num(e[col.MODEL_CPU_MS], 2)} ms "
            f"for its models; distilled into one model, {num(d[col.UAR_MEAN])} at {num(d[col.MODEL_CPU_MS], 2)} ms "
            f"({signed(d[col.UAR_MEAN] - e[col.UAR_MEAN])}, not tested; the ensemble runs "
            f"{round(e[col.PARAMETERS] / d[col.PARAMETERS])} models, so its model cost is derived as that many "
            f"times the single model's, not timed); the ensemble is "
            + ("within the goal's size" if goal_size(e) else f"outside the goal's size with {and_join(_over_goal(e))}")
            + f" (at most {GOAL_PARAMETERS // 1000} k parameters and {GOAL_MODEL_MS:g} ms for the model)")
    if parts:
        out.append(Finding(
            "; ".join(parts) + (". Each family's distilled runs learn from one teacher (that family's ensemble of its "
                                "first run)" if len(parts) > 1 else
                                ". Every distilled run learns from the same teacher (the ensemble of the first run)")
            + (", so the distilled row's spread over runs leaves the teacher's own seed noise out." if several_runs
               else "; with one run, this is one teacher and one student: their seed noise is not measured."),
            "tables/what_helps"))
    return out
