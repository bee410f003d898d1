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
# # 01 — The corpus and its features
#
# RAVDESS speech (Livingstone & Russo 2018): 24 professional actors (odd numbers male)
# say two fixed sentences — *"Kids are talking by the door"*, *"Dogs are sitting by the
# door"* — in 8 emotions, at normal and strong intensity (neutral only normal), twice each:
# 60 utterances per actor, 1440 in all. Because the words never change, the emotion lives
# in *how* the sentence is said: pitch, loudness, tempo, voice quality.
#
# This notebook shows the corpus, checks it, and looks at the per-frame features every
# later model reads: **MFCC-34 + chroma-12**, 46 numbers per frame (seed 000's set-up). Each
# frame looks at a **window** of 4096 samples (85 ms at 48 kHz), and a new frame starts every
# 2048 samples (the **hop**, 43 ms), so neighbouring windows overlap by half. Speech work
# usually frames at 25 ms windows every 10 ms; the longer framing is the seed-000 authors'
# choice (`n_fft=4096`, `hop_length=2048` at the native rate). What it buys: short sequences
# (about 70–125 frames an utterance), cheap for a recurrent model. What it costs: an 85 ms
# window mixes neighbouring sounds and several pitch periods, and at 23 frames a second a
# short event (a plosive burst, a quick pitch movement) is smeared into one or two frames.
# Terms in bold are explained in the [glossary](GLOSSARY.md) (UAR, WA, MFCC, chroma,
# speaker-independent evaluation, fold, window and hop).

# %% tags=["parameters"]
profile = "smoke"
corpus = "synthetic"        # "synthetic", "ravdess", or a folder
synthetic_speakers = 8
cache_dir = None            # feature cache (default data/interim/features)
out_dir = "results/smoke"
audio = "embed"             # "embed": the players carry the sound (works anywhere, makes the notebook
                            # larger); "link": they point at the corpus files (results/ keep no audio)

# %%
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import display

from ser_utils import reporting
from ser_utils.data import project_data
from ser_utils.data.features import FeatureConfig
from ser_utils.data.verify import verify_corpus
from ser_utils.experiments import leakage
from ser_utils.reporting import plots, summaries

out_dir = Path(out_dir)
root = project_data.corpus_root(corpus, synthetic_speakers)
data, folds = project_data.load(corpus, synthetic_speakers=synthetic_speakers, cache_dir=cache_dir)
index = data.index
summaries.notice(data, profile)
print(f"{root}: {len(index)} files, {index['actor'].nunique()} actors")

# %% [markdown]
# ## What is in the corpus
# Counts by emotion, intensity, gender and statement. Neutral has half the files of the
# other emotions (no strong take), so plain accuracy would favour the frequent classes;
# the study therefore reports **UAR**, the mean of per-class recalls.

# %%
counts = (index.groupby(["emotion", "intensity"], observed=True).size().unstack(fill_value=0)
          .assign(total=lambda d: d.sum(axis=1)).reset_index())
reporting.save_table(counts, "corpus_counts_by_emotion", out_dir)
by_speaker = index.groupby(["actor", "gender"]).size().rename("files").reset_index()
by_statement = index.groupby(["statement", "gender"]).size().unstack().reset_index()
display(counts)
display(by_statement)
print("files per actor:", sorted(by_speaker.files.unique()))

# %% [markdown]
# ## The verify report: what is wrong with the corpus
# `python -m ser_utils verify` decodes every file and checks the full grid. The official
# distribution has known quirks: a few stereo files (identical channels; we average to
# mono) and one pair of byte-identical takes. They are warnings, not errors; a missing,
# extra, misnamed, empty or unreadable file would be an error naming the file. The feature
# cache is keyed by a file's content, so the identical pair is extracted once: a cold run's
# progress line counts 1439 files to extract for the 1440-file corpus, and both files get
# the same features. The pair (actor 7's two normal *happy* takes of statement 2) stays in
# the corpus: both belong to one actor, so no test speaker ever hears a copy of a training file.

# %%
report = verify_corpus(root, progress=False)
print(report.summary())
quirks = pd.DataFrame([{"kind": "stereo", "file": s} for s in report.stereo]
                      + [{"kind": "identical audio", "file": " == ".join(p)} for p in report.duplicates]
                      + [{"kind": "error", "file": e} for e in report.errors], columns=["kind", "file"])
reporting.save_table(quirks, "corpus_quirks", out_dir)
quirks

# %% [markdown]
# ## Durations and frame counts
# A new frame starts every 2048 samples (the hop, 43 ms at 48 kHz; each frame's window is
# 4096 samples, 85 ms); the table gives each emotion's range of frames. Recurrent models read every frame, so length drives training cost.

# %%
frames = np.array([len(f) for f in data.features])
index = index.assign(frames=frames)
dur = index.groupby("emotion", observed=True).frames.describe()[["mean", "min", "50%", "max"]].reset_index()
reporting.save_table(dur, "frames_by_emotion", out_dir)
display(dur)
print(f"frames: min {frames.min()}, median {np.median(frames):g}, max {frames.max()}")

# %% [markdown]
# ## One utterance per emotion: hear it, then see it
# For one actor's first statement, strong take: a player, then the waveform, the
# spectrogram, the 34 MFCCs (the spectral envelope: vocal tract and voice quality, with
# MFCC-0 carrying loudness) and the 12 chroma bins (energy per pitch class: a coarse view
# of the harmonic structure). Listen first: which emotions can you tell apart by ear, and
# which sound alike? Do the panels show what you heard? With `audio = "link"` the players
# point at the corpus files, so they play where the corpus is (after `make data`), and the
# executed notebook stores no audio. All eight rows are also saved as one figure
# (`figures/utterances_by_emotion`).

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML

from ser_utils.reporting import listening

speaker = int(index["actor"].iloc[0])
examples = listening.examples_by_emotion(index, speaker)   # [(emotion, path)], statement 1, strong take
fig = plots.utterance_panels(examples, FeatureConfig())
reporting.save_figure(fig, "utterances_by_emotion", out_dir)
plt.close(fig)
HTML(listening.table(examples, FeatureConfig(), audio, out_dir))   # a player and the panels per emotion

# %% [markdown]
# ## Per-emotion distributions of a few telling features
# Per utterance: the mean and spread of MFCC-0 (loudness), the mean of MFCC-1 (spectral
# tilt: positive for dark, steep spectra), and the length in frames (tempo). Which
# emotions are loud and bright, which quiet and dark, and how far do the boxes overlap?
# The per-emotion medians are saved as `tables/feature_medians_by_emotion`; *What we
# found* names the extremes.

# %%
stats = pd.DataFrame({
    "emotion": index.emotion.values,
    "MFCC-0 mean (loudness)": [f[:, 0].mean() for f in data.features],
    "MFCC-0 std": [f[:, 0].std() for f in data.features],
    "MFCC-1 mean (tilt)": [f[:, 1].mean() for f in data.features],
    "frames": frames,
})
fig = plots.distributions(stats, [c for c in stats.columns if c != "emotion"])
reporting.save_figure(fig, "feature_distributions_by_emotion", out_dir)
medians = stats.groupby("emotion", observed=True).median().reset_index()
_ = reporting.save_table(medians, "feature_medians_by_emotion", out_dir)

# %% [markdown]
# ## Why speaker-independent folds matter
# Features may carry the speaker as well as the emotion. If a classifier on utterance
# averages can tell the *actors* apart, then a model tested on an actor it trained on can
# lean on who is speaking. Below, one logistic regression on the
# mean and std of each feature per utterance (`ser_utils.training.baselines`, the same
# baseline notebooks 03 and 06 list beside the networks), scored two ways: random 5-fold
# splits of utterances (speakers shared) and the speaker-independent folds every later
# notebook uses. `uar` and `wa` are computed on the pooled out-of-fold predictions,
# `fold_uar_std` is the spread of the UAR over the five splits.

# %%
leak = leakage.speaker_leakage(data, folds)
reporting.save_table(leak, "speaker_leakage_logreg", out_dir)
leak

# %% [markdown]
# The gap between the two emotion rows is the *speaker-dependent gain*: what testing on seen
# speakers adds over unseen ones;
# the actor row shows how much identity the features hold (both are stated with their
# numbers under *What we found*). Every model in this study is therefore trained and tested
# on different speakers; the folds are those of the seed-000 authors (equal to
# Luna-Jiménez et al.'s subject-wise 5-fold CV) on RAVDESS.

# %%
fold_table = pd.DataFrame([{"fold": i, "test actors": list(f.test), "validation actors": list(f.validation),
                            "training actors": len(f.train)} for i, f in enumerate(folds)])
reporting.save_table(fold_table, "folds", out_dir)
fold_table

# %% [markdown]
# ## What we found
# Generated from this run's tables (`ser_utils.reporting.findings.notebook01`); each line links its table.

# %%
from ser_utils.reporting import findings

findings.show("01", out_dir)

# %% [markdown]
# ## Exercises

# %%
findings.show_exercises("""
1. **Listen, then look** (minutes, any profile). Set `speaker` in the player cell to a female actor (even number)
   and re-run the cell. Which two emotions sound most alike to you? Find them in the `MFCC-0 mean (loudness)`
   and `frames` boxes of `figures/feature_distributions_by_emotion`: do they overlap there too? *Check:* their
   rows in `tables/feature_medians_by_emotion` — the closer their `MFCC-0 mean (loudness)` medians, the more
   their loudness boxes overlap.
2. **WA against UAR by hand** (no compute). From `tables/corpus_counts_by_emotion`, work out the [[WA]] and the
   [[UAR]] of a classifier that always answers *calm*. Then check your numbers against the majority-class row of
   notebook 03's `tables/sa_models_table`. *Check:* the UAR is 1/8 for any constant answer; the WA is the
   answered class's share of the utterances.
3. **Change one input** (a minute, `smoke` or `quick`). Re-run the leakage cell on the MFCCs alone:
   `import dataclasses`, then
   `leakage.speaker_leakage(dataclasses.replace(data, features=[f[:, :34] for f in data.features]), folds)`.
   Does dropping [[chroma]] change the speaker-independent row more than the random-split row? *Check:* the
   rows with all 46 features are `tables/speaker_leakage_logreg` (column `uar`); every new row stays above the
   chance in its `chance` column, and the random split stays above the speaker-independent folds.
4. **Design an experiment** (a few minutes, `quick`). Is the emotion model also gender-independent? Build two
   splits with `ser_utils.training.baselines.out_of_fold` — train on male actors and test on female ones, and
   the reverse — and compare their UAR with the [[speaker-independent]] [[fold]]s' row. The features it needs are
   `ser_utils.training.baselines.utterance_stats(data.features)` (mean and std of each feature per utterance).
   What would a drop tell you? *Check:* each split tests 12 actors, so its pooled predictions cover 720 files.
""", out_dir)
