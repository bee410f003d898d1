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
# # 02 — Multi-layer LSTM baselines (seed 001)
#
# Seed 001 asks whether the hidden states of the *lower* LSTM layers help: a
# unidirectional LSTM with 1–3 layers and 32/64/128 units reads MFCC-34 frames; the
# utterance vector is either the **last** layer's state at the final frame, or the
# **concatenation** of every layer's final state. Its Table 1 reports 22–32 % UAR and
# concludes that (i) concatenation does not help, slightly hurts, and adds parameters, and
# (ii) UAR grows with depth and width.
#
# We re-run all 18 configurations under one protocol: speaker-independent folds,
# normalisation fitted on training speakers only (`clean`), the epoch chosen on validation
# speakers, UAR of the pooled out-of-fold test predictions. Seed 001 does not state its
# optimiser settings; we use the study's defaults (Adam, cosine warm restarts), stated below.
# A 1-layer model has one state, so its `concat` variant *is* its `last` variant (same
# parameters, same seeds, same numbers: a built-in consistency check). See the
# [glossary](GLOSSARY.md) for UAR, WA, MFCC, folds and paired tests.

# %% tags=["parameters"]
profile = "smoke"
corpus = "synthetic"
synthetic_speakers = 8
cache_dir = None
standard_baselines = ["egemaps", "compare"]   # openSMILE functionals + linear SVM beside the LSTMs
out_dir = "results/smoke"
protocol = "clean"
epochs = 5
runs = 1
lr = 1e-3
weight_decay = 1.6e-3
batch_size = 16
dropout = 0.3
T_0 = 10
n_jobs = None

# %%
from pathlib import Path

import pandas as pd
from IPython.display import display

from ser_utils import reporting
from ser_utils.data import project_data
from ser_utils.models import LSTMBaseline, paper001_configs
from ser_utils.reporting import plots, summaries, sweep_tables
from ser_utils.reporting.source import show_source
from ser_utils.training import Spec, TrainConfig, cross_validate_many, metrics

out_dir = Path(out_dir)
data, folds = project_data.load(corpus, feature_set="mfcc", synthetic_speakers=synthetic_speakers, cache_dir=cache_dir)
summaries.notice(data, profile)
train = TrainConfig(lr=lr, weight_decay=weight_decay, batch_size=batch_size, T_0=T_0, epochs=epochs)
print(f"{len(data)} utterances, {data.dim} features (MFCC), {len(folds)} folds, {runs} run(s), {train}")

# %% [markdown]
# ## The model
# Seed 001's baseline as the package defines it (`ser_utils/models/baseline.py`): stacked
# LSTMs, the state at each utterance's last real frame, and a linear layer on the last
# layer's state (`last`) or on every layer's (`concat`).

# %%
show_source(LSTMBaseline)

# %%
from dataclasses import replace

specs = [Spec(replace(cfg, dropout=dropout), train, protocol=protocol, feature_set="mfcc")
         for cfg in paper001_configs()]
records = cross_validate_many(specs, data, folds, runs=range(runs), runs_dir=out_dir / "runs", n_jobs=n_jobs,
                              desc="seed-001 sweep")
by_label = {s.model.label(): r for s, r in zip(specs, records)}

# %% [markdown]
# ## Table 1, re-run
# Our parameter counts equal seed 001's to the unit (a test checks all 15). Beside each
# measured UAR (mean ± std over runs of the pooled out-of-fold UAR) stands the value seed 001
# **reported** — a literature value, not our output (`ser_utils.reporting.sweep_tables`).

# %%
sweep = sweep_tables.sweep_long(specs, records)
reporting.save_table(sweep, "baseline_sweep_long", out_dir)
table1 = sweep_tables.table1(sweep)
reporting.save_table(table1, "baseline_table1", out_dir)
table1

# %% [markdown]
# ## What the LSTMs must beat
# The [baselines](GLOSSARY.md#baselines) on the same folds, nothing trained by gradient
# descent (`ser_utils.training.baselines`): the training speakers' majority class, a
# logistic regression on each utterance's MFCC means and stds, and the field's standard
# references — openSMILE's eGeMAPS (88) and ComParE 2016 (6373) functionals with a linear
# SVM whose C is chosen on each fold's validation speakers (notebook 09 times them). A
# deeper LSTM is only interesting where it clears these.

# %%
from ser_utils.training.baselines import STANDARD, all_baselines

references = all_baselines(data, folds, cache_root=cache_dir,
                             which=[label for label, w in STANDARD.items() if w in standard_baselines])
reference_table = sweep_tables.reference_baselines(references, sweep)
reporting.save_table(reference_table, "sweep_reference_baselines", out_dir)
reference_table

# %% [markdown]
# ## UAR against parameters
# One panel per pooling; a line per depth over the three widths. Open markers on dotted
# lines are seed 001's **reported** values at the same parameter counts; the dashed line is
# chance (1/8).

# %%
fig = plots.uar_vs_parameters(sweep)
_ = reporting.save_figure(fig, "baseline_uar_vs_parameters", out_dir)

# %% [markdown]
# ## Did the sweep converge?
# The verdicts below compare models at `epochs` epochs; they say something about the
# architectures only if validation UAR had stopped rising by then. Per model, on its mean
# validation-UAR curve: `last_fifth_gain` is the best value in the last fifth of the epochs
# minus the best before it (at most 0.01: **plateaued**; more: **still rising**);
# `median_kept_epoch` the epoch the folds kept. The curves are in
# `figures/baseline_val_curves`.

# %%
convergence = pd.DataFrame([summaries.convergence(recs, s.model.label()) for s, recs in zip(specs, records)])
reporting.save_table(convergence, "baseline_convergence", out_dir)
fig = plots.val_curves({s.model.label(): summaries.mean_history(recs, "val_uar") for s, recs in zip(specs, records)})
_ = reporting.save_figure(fig, "baseline_val_curves", out_dir)
convergence.verdict.value_counts().rename("models")

# %% [markdown]
# ## The best configuration: per-class recall and confusions

# %%
distinct = sweep[~((sweep.layers == 1) & (sweep.pooling == "concat"))]
top = distinct.loc[distinct.uar_mean.idxmax()]
top_label = f"RNN-l{top.layers}-h{top.hidden}-{top.pooling}"
recall = summaries.recall_table({top_label: by_label[top_label]})
reporting.save_table(recall, "baseline_per_class_recall", out_dir)
display(recall)
fig = plots.confusion_heatmap(summaries.pooled_confusion(by_label[top_label]), title=f"{top_label}, pooled out-of-fold")
_ = reporting.save_figure(fig, "baseline_confusion_best", out_dir)

# %% [markdown]
# ## Do seed 001's conclusions hold here?
# (i) *Concatenation does not help*: a [paired test](GLOSSARY.md#paired-test) of `concat`
# against `last`, per 2- and 3-layer model and over all of them together. The unit is the
# **speaker**: the conclusion is about new speakers, so each of the 24 test speakers'
# UAR (averaged over runs — runs on the same speakers are not independent samples of
# speakers) is one pair; over all models together each speaker's UAR is averaged over the
# models first, so a speaker still counts once. The test is the exact sign-flip test over
# all 2²⁴ sign patterns (`metrics.speaker_paired_comparison`); a comparison whose smallest
# attainable p is above 0.05 would be reported as **underpowered**, not as "false".
# (ii) *Bigger is better*: the Spearman rank correlation between parameter count and UAR
# over the 15 distinct models. The p-values of this family of claims (every per-model
# test, the pooled one and the correlation) are Holm-adjusted together (`p (Holm)`), and
# the verdicts read the adjusted p.

# %%
from ser_utils.reporting import claims

show_source(claims.paper001_claims)

# %%
concat = sweep[sweep.pooling == "concat"].set_index("name")
checks, verdict = claims.paper001_claims(by_label, concat, distinct, sweep)
reporting.save_table(checks, "baseline_concat_vs_last", out_dir)
reporting.save_table(verdict, "baseline_claims", out_dir)
display(checks)
verdict

# %% [markdown]
# Read the verdicts with the unit in mind: *underpowered* means no result of this size
# could have been significant; *not shown* means the test could have, and did not. More
# runs do not add pairs — the speakers stay 24 — but average each speaker's UAR over more
# seeds, so the training noise in each pair shrinks (the `full` profile runs every
# configuration 10 times).

# %% [markdown]
# ## What we found
# Generated from this run's tables (`ser_utils.reporting.findings.notebook02`); each line links its table or figure.

# %%
from ser_utils.reporting import findings

findings.show("02", out_dir)

# %% [markdown]
# ## Exercises

# %%
findings.show_exercises("""
1. **One parameter** (10–25 minutes, on RAVDESS). `smoke`'s synthetic corpus makes the code run, but its UARs
   mean nothing; on real speech, with 5 epochs instead of `quick`'s 25, run the sweep twice — the default dropout,
   then none — each into its own folder (each about 5 minutes on 2 idle cores: measured, 9.6 CPU-minutes, 11.4
   minutes wall with other training on the cores; `standard_baselines: [egemaps]` leaves out the ComParE SVM,
   tens of minutes on its first run):
   `.venv/bin/papermill notebooks/02_baseline_lstm_layer_sweep.ipynb /tmp/ex02a.ipynb -y "{profile: quick, corpus: ravdess, epochs: 5, standard_baselines: [egemaps], out_dir: results/ex02a}"`,
   then the same with `/tmp/ex02b.ipynb`, `out_dir: results/ex02b` and `dropout: 0.0`. Which configurations'
   [[UAR]] (`UAR last (ours)`, `UAR concat (ours)`) change most between the two `tables/baseline_table1`?
   *Check:* in both folders the `one_layer` row of `tables/baseline_claims` still says **holds** (a 1-layer
   `concat` model equals its `last` twin), and running the same command again trains nothing: the run records
   under `runs/` are reused.
2. **Power** (a minute, no training). Compute `metrics.min_attainable_p(n)` for n = 5 (the folds of one run)
   and n = 24 (RAVDESS's speakers): why does pairing the folds of one run leave every comparison
   *underpowered*, and why does pairing speakers not? Then take the smallest `p` in
   `tables/baseline_concat_vs_last` and multiply it by the size of the family (8 claims): does that reproduce
   its `p (Holm)`? Which rows of a family does Holm's procedure multiply by less than 8? *Check:* for the exact
   sign-flip test over n pairs the smallest attainable p is 2/2ⁿ (0.0625 for n = 5); Holm multiplies the
   smallest p of a family of m claims by m, the second-smallest by m − 1 and so on, never letting an adjusted p
   fall below the one before it (so a row's `p (Holm)` can be larger than its own p times its factor).
3. **WA against UAR** (no compute). In `results/quick/tables/baseline_table1`, compare the `WA last (ours)` and
   `UAR last (ours)` columns: is the ranking of the models the same under both metrics? Which class's size makes
   them differ ([[WA]])? *Check:* the class sizes are in notebook 01's `tables/corpus_counts_by_emotion`; a model
   whose WA is above its UAR does better on the large classes than on the small one.
4. **Design an experiment** (10 minutes, `smoke`). Seed 001 read MFCCs only; add chroma. Load the data with
   `project_data.load(corpus, feature_set="mfcc+chroma", ...)`, and since `paper001_configs()` fixes `input_dim=34` and
   the specs say `feature_set="mfcc"`, build the 2-layer specs as
   `Spec(replace(cfg, input_dim=data.dim, dropout=dropout), train, feature_set="mfcc+chroma")` before re-running the sweep.
   Which comparison would you pre-register, with how many pairs, before looking at the result? *Check:*
   `data.dim` is 46 (34 MFCC-based features + 12 chroma), and each new model has more parameters than its
   MFCC-only twin in `tables/baseline_sweep_long`.
""", out_dir)
