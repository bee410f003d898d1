# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 — What helps: what a small model can honestly reach, and at what cost
#
# Notebooks 03–07 measured where the seed papers' models (seed 000: LSTM-SA and ResLSTM-SA)
# stand under an honest protocol. This
# notebook asks what moves them, and what each step costs:
#
# 1. **The field's standard baselines** on the same folds: openSMILE's eGeMAPS (88
#    functionals, Eyben et al. 2016) and ComParE 2016 (6373 functionals) with a linear SVM,
#    the scaler fitted on training speakers and C chosen on validation speakers (nested);
#    the profile's `standard_baselines` says which (`quick`: eGeMAPS only, to stay cheap).
# 2. **One lever at a time.** Each h64 family of `families` (`full`: LSTM-SA and ResLSTM-SA;
#    `quick`: LSTM-SA only) starts from its [nested](GLOSSARY.md#nested-selection) tuned
#    setting under the clean protocol (notebook 03's spec: its records are reused) and takes
#    one lever; each rung is compared with the start by a [paired test](GLOSSARY.md#paired-test)
#    with the **speakers** as the unit (each speaker's UAR, averaged over the runs when there
#    are several).
# 3. **The recipe**: every lever whose validation gain is above `min_gain`, combined, chosen
#    for each test fold on [validation speakers](GLOSSARY.md#validation-speakers) outside it:
#    no test speaker's score enters (the *voting folds*, those whose validation speakers are
#    all outside the test fold, did train their models on that fold's speakers; see below). A lever can join
#    on a small validation gain although its test gain is not shown. The seed ensemble and
#    its distillation are rungs, not recipe ingredients (`COMBINABLE`: an ensemble multiplies
#    the cost).
# 4. **Does combining pay?** (secondary) The recipe against its best single lever, chosen the
#    same way on validation speakers.
#
# Every row carries UAR, WA, parameters, CPU ms per utterance end to end (feature
# extraction included) and train minutes; a Pareto figure sets them beside the models of
# 03 and 06 (where their tables are in this profile's results) and the published points
# (labelled *reported*). The goal the issue sets: an
# honest, nested, speaker-independent UAR ≥ 0.60 with at most 110 k parameters and at most
# 2 CPU ms per utterance for the model. Per-speaker normalisation is **transductive** (it
# normalises each test speaker by their own unlabelled audio): a deployment needs enrolment
# audio of each new speaker, so it is labelled and left out of the honest recipe unless
# `allow_transductive` is set. Terms: [glossary](GLOSSARY.md) (UAR, WA, baselines, paired test).

# %% tags=["parameters"]
profile = "smoke"
corpus = "synthetic"
synthetic_speakers = 8
cache_dir = None
out_dir = "results/smoke"
families = ["lstm_sa"]      # h64 families
epochs = 3                  # 03's epochs make the start and capacity rungs 03's records (quick, full)
runs = [1]                  # runs of every rung (03's clean runs are 1..runs)
levers = ["specaugment", "mfcc+egemaps", "speaker_norm", "label_smoothing", "mixup", "ensemble", "distilled",
          "capacity"]       # of: speed, specaugment, noise, egemaps, mfcc+egemaps, logmel+deltas, speaker_norm,
#                             label_smoothing, mixup, ensemble, distilled, capacity
settings = {"ensemble_k": 2}  # lever settings over ser_utils.experiments.what_helps.DEFAULT_SETTINGS
tuned = {}                  # the profile's tuned block (03's): the start where `nested` lacks the family
nested = {}                 # the profile's nested block (03's): {family: [setting per test fold]}
allow_transductive = False  # may the recipe use per-speaker normalisation?
min_gain = 0.0              # a lever helps a fold when its validation gain is above this
standard_baselines = ["egemaps"]   # openSMILE functionals: egemaps, compare
shift_check = ["intensity"]  # 08's shifts inside RAVDESS the recipe is tried on: intensity, statement ([]: none)
shift_runs = None            # their runs (None: runs[:1])
timing_repeats = 5
pareto_from = None           # results whose 03 / 06 tables the Pareto figure borrows where out_dir has none
n_jobs = None

# %%
from pathlib import Path

import pandas as pd
from IPython.display import display

from ser_utils import reporting
from ser_utils.data import project_data
from ser_utils.data.audio import read_audio
from ser_utils.data.corpus import closest_duration
from ser_utils.experiments import what_helps as W
from ser_utils.paths import project_dir
from ser_utils.reporting import plots, summaries
from ser_utils.reporting.source import show_source
from ser_utils.training import augment, metrics
from ser_utils.training.baselines import STANDARD, baseline_records, standard_baseline_records

out_dir = Path(out_dir)
runs_dir = out_dir / "runs"
S = W.settings_with(settings)
frames, folds = project_data.load(corpus, synthetic_speakers=synthetic_speakers, cache_dir=cache_dir)
summaries.notice(frames, profile)
_loaded = {"mfcc+chroma": frames}


def load(feature_set):
    if feature_set not in _loaded:
        _loaded[feature_set] = project_data.load(corpus, feature_set, synthetic_speakers=synthetic_speakers, cache_dir=cache_dir)[0]
    return _loaded[feature_set]


speaker_of = W.speaker_lookup(frames)
ref = closest_duration(frames.index.path, 3.7)
samples, sr = read_audio(frames.index.path.iloc[ref])
print(f"{len(frames)} utterances, {len(folds)} folds, runs {runs}, families {families}; levers: {', '.join(levers)}")

# %% [markdown]
# ## The field's standard baselines
# Per utterance, openSMILE's functionals; per fold, a linear SVM whose C is chosen on the
# fold's validation speakers, then refitted on training + validation speakers and scored on
# the test speakers. Beside them the study's own [baselines](GLOSSARY.md#baselines) (majority
# class, logistic regression on MFCC + chroma statistics). Cost: openSMILE's extraction and
# the SVM's prediction for one utterance, one thread.

# %%
wanted = [label for label, which in STANDARD.items() if which in standard_baselines]
standard, chosen_C = standard_baseline_records(frames, folds, cache_root=cache_dir, which=wanted)
ours = baseline_records(frames, folds)
mfcc_ms = W.feature_ms(samples, sr, "mfcc+chroma", repeats=W.feature_repeats(timing_repeats))
baseline_table = W.baseline_table(frames, folds, {**standard, **ours}, chosen_C, samples, sr, mfcc_ms, cache_dir,
                                  timing_repeats)
reporting.save_table(baseline_table[baseline_table["standard"]].drop(columns="standard"), "standard_baselines", out_dir)
display(baseline_table)

# %% [markdown]
# ## The levers, as they run
# Inside `train_fold` only when a spec enables them, with the fold's own seeded generator,
# on the training speakers' batches only (`ser_utils/training/augment.py`; the audio-level
# copies in `ser_utils/data/perturb.py`).

# %%
show_source(augment.spec_masks, augment.mixup, augment.distillation_loss, augment.train_epoch)

# %% [markdown]
# ## One lever at a time
# The start and each lever on the same runs (the same seeds per run and fold). Speed and
# noise copies are extracted once (cached) and drawn per epoch; the ensemble's members are
# runs of the start that keep their test probabilities (and weights, for the distillation
# teacher: the members of ensemble run `runs[0]`).

# %%
show_source(W.lever_rungs, W.ensemble_rungs)

# %%
rungs, costs, specs_of = [], {}, {}
for family in families:
    starts = W.start_specs(family, tuned, nested, epochs, len(folds))  # one spec per test fold
    print(f"{family}: start = {'the nested setting of each test fold' if W.is_nested(starts) else 'the global tuned setting (not nested)'}")
    trained, cost, specs = W.lever_rungs(family, starts, levers, S, load, folds, runs, runs_dir, ref, samples, sr,
                                         n_jobs, timing_repeats)
    rungs += trained
    costs.update(cost)
    specs_of.update(specs)
    built, cost = W.ensemble_rungs(family, starts, levers, S, load, frames, folds, runs, runs_dir,
                                   costs[(family, "start")], n_jobs)
    rungs += built
    costs.update(cost)

# %% [markdown]
# ## The recipe, chosen on validation speakers
# For each outer test fold, a lever's gain is taken in each fold whose **validation speakers are
# all outside that test fold** (the *voting folds*; with the [reference folds](GLOSSARY.md#fold)
# a fold's validation speakers are test speakers of other folds): the lever's best validation
# UAR averaged over the runs it shares with the start, minus the start's over the same runs.
# The gain is the mean of the voting folds' gains: the fold is the unit. A lever whose gain is
# above `min_gain` by more than `TIE` (1e-9) joins that fold's recipe (one feature set at most:
# the one of largest gain, compared unrounded — the table shows 6 decimals; gains within `TIE`
# of each other are a tie, won by the first in `LEVERS`), except capacity where, with that fold's feature set, the model would exceed `max_parameters`
# (the goal's 110 k). ResLSTM-SA-h128 fits on MFCC + chroma (108,916 parameters) and on eGeMAPS
# (86,026), not on log-mel + deltas (160,936) nor on MFCC + chroma + eGeMAPS (145,366); the
# table's `left out for size` names the folds where it was left out. Size is a count of parameters, never a
# timing, so every machine trains the same recipe. The recipe is then trained for that fold and predicts its test
# speakers. No test speaker's validation score steers its own fold's choice (the start's
# and the levers' models of the voting folds did train on them: see `training.nested`).

# %%
show_source(W.validation_gain, W.recipe_per_fold)

# %%
print("validation folds allowed per test fold:", {f: W.allowed_validation_folds(folds, f) for f in range(len(folds))})
candidates = [lv for lv in W.COMBINABLE if allow_transductive or lv not in W.TRANSDUCTIVE]
choices, recipes = [], {}
for family in families:
    recipes[family], rows = W.recipe_choices(rungs, family, folds, candidates, min_gain,
                                             starts=specs_of[(family, "start")], settings=S)
    choices += rows
    rung, costs[(family, "recipe")] = W.recipe_rung(family, recipes[family], specs_of[(family, "start")], S, load,
                                                    folds, runs, runs_dir, ref, samples, sr, n_jobs, timing_repeats)
    rungs.append(rung)
recipe_choices = pd.DataFrame(choices)
reporting.save_table(recipe_choices, "what_helps_recipe", out_dir, floatfmt=".6f")
display(recipe_choices)

# %% [markdown]
# ## What each lever is worth
# One row per family and rung: UAR (pooled out-of-fold, mean and 95 % t-interval over runs:
# none with one run, as in `quick`),
# WA, the paired test against the start with speakers as the unit (`delta_vs_start`, its
# bootstrap interval, the exact sign-flip test up to 32 speakers, Wilcoxon above; the verdict
# on p [Holm](GLOSSARY.md#holm-correction)-adjusted over all the rows, one family of claims: a
# bootstrap interval that excludes 0 is not a claim when the adjusted p is above 0.05; the
# verdict is; the next section's comparison is a family of its own), the parameters, CPU ms per
# utterance for the model alone and end to end (features included; the ensemble: k models),
# and the minutes its records took to train. Each distinct model and each feature set is timed
# once and reused (`W.model_ms`, `W.feature_ms`): rows that differ only in training (mixup,
# label smoothing, SpecAugment, speed, noise, the distillation) have the same model on the same
# features and the same cost; the seed ensemble's model cost is k times its start's (derived,
# not timed). The recipe's cost is its dearest fold's, column by column (the most parameters,
# the slowest model, the slowest features, the slowest end to end: its folds may differ in
# features and width). The
# times are medians on one thread of a machine that may be busy with training, so two
# *different* models' times a few tenths of a ms apart are within the noise: read costs by
# their order of magnitude (MFCC + chroma: a few ms; with eGeMAPS frames, which openSMILE
# computes: over a hundred ms on this study's machines), not digit by digit.
#
# A verdict is not a ranking of means: a lever with a slightly higher `uar_mean` can be "not
# shown" where one with a lower mean is "shown". The test reads how the 24 per-speaker
# differences spread (many speakers a little better beats a few a lot), and Holm's adjustment
# depends on each row's rank among the p-values.

# %%
what = W.table(rungs, speaker_of, costs)
reporting.save_table(what, "what_helps", out_dir)
display(what[["family", "lever", "transductive", "runs", "uar_mean", "uar_ci95_low", "uar_ci95_high", "wa_mean",
              "delta_vs_start", "speakers", "p", "smallest attainable p", "p (Holm)", "verdict (alpha 0.05)",
              "parameters", "model CPU ms/utt", "CPU ms/utt", "train minutes"]])

# %% [markdown]
# ## Does combining pay? The recipe against its best single lever
# A secondary comparison: the headline stays the recipe against its start. This comparison
# (not the headline) was fixed on 2026-12-04, after `quick`'s table and `full`'s LSTM-SA-h64 rungs had been seen and before
# `full`'s ResLSTM-SA-h64 table existed: for `full`'s ResLSTM-SA-h64 it was fixed before
# looking; for LSTM-SA-h64 (in `quick` and in `full`) **this table is exploratory**.
#
# The rival is one lever, chosen like the recipe: the same validation gains, voting folds and
# `min_gain`, among the levers a recipe can combine (`COMBINABLE`: not the ensemble nor its
# distillation, nor per-speaker normalisation unless `allow_transductive`), keeping for each
# test fold only the lever of **largest** gain (the start where none has a gain). That fold's
# records of that lever predict its test speakers; the recipe is paired with it speaker by
# speaker: each speaker's UAR is averaged over the runs both sides have, so the speaker is the
# unit of the test, never a (run, fold). (Where a fold's recipe is that one lever alone, the two
# are the same model there and differ by nothing; a family whose recipe is its best single
# lever in every fold has nothing to test: no p.) The p-values are Holm-adjusted over this
# table's rows with a test, one per model family (with one, as in `quick`, the adjusted p is
# the raw p), apart from `what_helps`'s comparisons with the start. "Not shown" means the data do
# not let us claim that combining beats that one lever; it does not mean combining does not
# help: read the interval.

# %%
show_source(W.best_single_per_fold, W.recipe_vs_single)

# %%
vs_single = metrics.with_holm(pd.DataFrame([W.recipe_vs_single(rungs, family, folds, speaker_of, candidates, min_gain)
                                            for family in families]))
reporting.save_table(vs_single, "what_helps_recipe_vs_single", out_dir)
display(vs_single)

# %% [markdown]
# ## Against the model `predict` uses today
# `predict` loads notebook 03's checkpoint: one fold's model of a cross-validation (ResLSTM-SA-h64,
# clean protocol, the global tuned setting) whose run records are in this profile. Each family's
# recipe is set against that cross-validation, speakers as the unit (each side averaged over its
# own runs: the seeds differ). A recipe replaces the checkpoint only if it is *shown* better; the
# verdict is this notebook's, taken before anything is switched. Where it is, the recipe's
# model of fold 0 in run `runs[0]` becomes `models/what_helps_recipe.pt`, which `predict` then
# loads by default, as 03's model is one fold's model too (where both families' recipes are
# shown better, the one of higher *validation* UAR). Its cost per utterance is at most its row's `CPU ms/utt`
# (the dearest fold's): with
# eGeMAPS frames, openSMILE runs on every utterance. Its weights come from training that one
# model once more, which must give its record's history to the last digit. Where no recipe is shown better, that file is
# removed and `predict` keeps 03's model.

# %%
from ser_utils.inference import checkpoint

checkpoint_file = checkpoint.model_path(out_dir)
recipe_file = checkpoint.recipe_path(out_dir)
if checkpoint_file.exists():
    checkpoint_label, checkpoint_runs = W.checkpoint_records(checkpoint_file, out_dir / "runs")
    vs_checkpoint = W.against_checkpoint(rungs, checkpoint_label, checkpoint_runs)
    reporting.save_table(vs_checkpoint, "what_helps_vs_checkpoint", out_dir)
    display(vs_checkpoint)
    switch = W.switch_family(vs_checkpoint, rungs)
    if switch is None:
        recipe_file.unlink(missing_ok=True)
        print(f"no recipe is shown better than {checkpoint_label}: predict keeps {checkpoint_file}")
    else:
        spec0 = W.combined_spec(specs_of[(switch, "start")][0], recipes[switch][0], S)
        W.recipe_checkpoint(spec0, load, folds, runs_dir, runs[0], recipe_file,
                            sample_rate=int(sr),
                            notebook="09_what_helps", recipe=W.recipe_words(recipes[switch][0]),
                            synthetic=frames.synthetic)
        print(f"{recipe_file}: {spec0.label()} (run {runs[0]}, fold 0); predict now loads it by default")
else:
    recipe_file.unlink(missing_ok=True)  # no comparison made: an older switch does not stand, nor its table
    reporting.drop_table("what_helps_vs_checkpoint", out_dir)
    print(f"{checkpoint_file}: no checkpoint here (notebook 03 writes it): nothing to compare")

# %% [markdown]
# ## Does the recipe travel? Notebook 08's shift inside RAVDESS
# (`full` and `smoke` run this check; `quick` leaves it out to stay within its half hour.)
# Notebook 08 trains on one kind of take only — normal-intensity takes, or one of the two
# statements — and tests the fold's new speakers on both kinds. Here the recipe and its start
# are trained that way and compared speaker by speaker on the **shifted** takes: is what
# helped on the usual folds still worth it when the test takes differ from the training
# takes? These are 09's own models — each family's start (LSTM-SA-h64 or ResLSTM-SA-h64 at
# its nested setting per fold, `epochs` epochs) and its recipe — not 08's (a ResLSTM-SA-h64
# trained 15 epochs, untuned), so the
# numbers differ from 08's table; the shifts are `shift_check` (full: both, runs 1–2 as
# `shift_runs`; quick: none, to keep 09 within its half hour; smoke: intensity, run 1). The
# levers were chosen on the usual folds, never on these takes. The intensity rows score the seven emotions other
# than *neutral*, which has no strong takes (notebook 08 explains why). A model's `shift cost`
# is its UAR on the test speakers' shifted takes minus its UAR on their takes of the kind it
# was trained on (negative: the shift costs UAR; positive: the shifted takes are easier);
# `speakers worse / better` here counts the speakers for whom the recipe is
# worse / better than the start on the shifted takes (in 08 it compares the two conditions).

# %%
show_source(W.shift_check)

# %%
if shift_check:
    recipe_shift = metrics.with_holm(pd.concat(
        [W.shift_check(family, specs_of[(family, "start")], recipes[family], S, frames, load, folds, shift_check,
                       shift_runs or runs[:1], runs_dir, n_jobs) for family in families], ignore_index=True))
    reporting.save_table(recipe_shift, "what_helps_shift", out_dir)
    display(recipe_shift)
else:
    reporting.drop_table("what_helps_shift", out_dir)  # an older run's table does not stand for this one
    print("shift_check = []: the recipe is not tried on 08's shift in this profile")

# %% [markdown]
# ## UAR against cost
# Every model of this notebook (one marker per family), of 03 and 06 (from this profile's
# results, else from `pareto_from`'s: `results/full` has no 03 or 06 tables (`make what-helps`
# runs 09 alone), so its figure borrows `quick`'s 03 and 06 rows, their source marked
# `(quick)`; none where neither has them), the
# openSMILE baselines, and the published points
# (hollow): the slides' LSTM-SA / ResLSTM-SA (seed 000's slides, Krasnoproshin & Vashkevich,
# DSPA 2026, whose numbers notebook 07 does not reproduce: their UAR, at the cost we measure
# for the same architecture) and wav2vec 2.0 (its reported *accuracy*, which is not UAR, at the cost 06
# measured on random weights; only where 06's cost table is there). Cost is CPU ms per utterance end to end on one thread (log
# axis). A ringed point is transductive (it needs the test speaker's unlabelled audio), so
# the Pareto front leaves it out, as it leaves out the published points.

# %%
points = W.pareto_points(what, baseline_table, out_dir, samples, sr, timing_repeats,
                         borrowed=project_dir() / pareto_from if pareto_from else None, feats=frames.features[ref])
reporting.save_table(points, "what_helps_pareto", out_dir)
print("points from:", ", ".join(map(str, points["source"].unique())))
fig = plots.pareto(points)
_ = reporting.save_figure(fig, "what_helps_pareto", out_dir)

# %% [markdown]
# ## What we found
# Generated from this run's tables (`ser_utils.reporting.findings.notebook09`); each line links its table or figure.

# %%
from ser_utils.reporting import findings

findings.show("09", out_dir)

# %% [markdown]
# ## Exercises

# %%
findings.show_exercises("""
1. **One lever, more runs** (minutes, `smoke`). Set `runs = [1, 2, 3]` and `levers = ["mixup"]`: does the
   [[paired test]] against the start in `tables/what_helps` change its verdict? How many speakers does it pair, and
   what is the smallest p it could reach ([[underpowered]])? (With one lever the Holm family is one row, so
   the adjusted p is the raw p: a verdict can change because fewer rows are adjusted, not only because of the
   runs; compare `p`, not only the verdict.) *Check:* `speakers` is 8 (`smoke`'s synthetic
   actors) however many runs, so `smallest attainable p` is never below 2/2⁸ ≈ 0.0078 (higher when speakers
   tie: a zero difference carries no sign). The synthetic UARs mean nothing: for real speech, edit
   `profiles/quick.yaml`'s `09_what_helps` section (`runs: [1, 2, 3]`, `levers: [mixup]`) and run
   `make reproduce PROFILE=quick` (the start reuses 03's runs 1–3; a few minutes per new run of a lever).
2. **Transductive or not** (a few minutes of reading, no compute). Per-speaker normalisation uses each test speaker's unlabelled audio. From
   `tables/what_helps`, how much [[UAR]] does it add, and what would a deployment need to record from a new speaker
   before the first prediction? *Check:* its rows are the ones with `transductive` True, one per family;
   `delta_vs_start` is each one's UAR minus its family's start row's `uar_mean`.
3. **Choose on test** (about 10 minutes, no compute, on `quick`'s committed tables). In `results/quick/tables/what_helps_recipe`
   the recipe of each test fold is chosen on [[validation speakers]] (the `gain …` columns). Choose instead,
   among the levers of those columns, the ones whose *test* UAR beat the start's (`delta_vs_start` > 0 in
   `results/quick/tables/what_helps`; one feature set at most): which levers join, and which of them did the
   validation choice leave out or add? Why could a recipe chosen this way not be reported as a result (the
   [[optimism]] of choosing on the speakers you then score)? *Check:* your list is those levers' rows
   with `delta_vs_start` > 0 (one feature set at most: where the profile has both `mfcc+egemaps` and `egemaps`,
   the larger); the validation choice is each fold's `recipe` column, made before any test UAR was seen.
4. **Cost against accuracy** (a few minutes of reading, no compute; the points are named in
   `tables/what_helps_pareto`). In `figures/what_helps_pareto`, which models lie on the Pareto front? Is
   the seed ensemble worth its k-times model cost against the distilled single model? And is the recipe worth its
   cost against the one lever validation picked for it (the lever per fold is in
   `tables/what_helps_recipe_vs_single`, the costs in the `recipe` and single-lever rows of `tables/what_helps`;
   that table's `claim` says whether the comparison was fixed in advance): which would you
   ship on a phone? *Check:* the ensemble's `model CPU ms/utt` is k times the start's
   (`settings["ensemble_k"]` models: derived, not timed), the distilled model's the start's; two different
   models a few tenths of a ms apart are within the timing noise the table's notes speak of, so the front is
   only settled where the costs differ by more than that. The recipe's lead over that lever is `mean UAR diff` with its interval; a verdict "not
   shown" with an interval reaching below 0 leaves "combining pays" unclaimed, and more runs (`full` has 5)
   only average out seed noise: the paired test never has more than RAVDESS's 24 speakers.
5. **Your own lever** (about 15 minutes to plan it; `quick` for real numbers). Pick one lever not tried here (e.g. pitch shift, or a
   second [[baseline]] feature set). Where in `ser_utils` would it go, which spec field keeps old experiment keys
   unchanged, and would more runs or more speakers help most to show a gain of 0.02 UAR, and why? *Check:* a new `TrainConfig` field
   listed in `OPTIONAL_TRAIN_FIELDS` (left out of the key at its default), so every committed experiment keeps its
   key (`test_what_helps.test_every_committed_experiment_keeps_its_key` pins them);
   more runs do not help past a point, because the paired test's unit is the speaker: with 24 speakers the
   smallest attainable p is 2/2²⁴, and what decides is the spread of the 24 per-speaker differences.
""", out_dir)
