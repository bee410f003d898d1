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
# # 05 — What the network learned: embeddings, attention, confusions
#
# Seed 000 shows a PCA of raw MFCC + chroma against ResLSTM-SA-h64 embeddings and says (a
# quotation of the slides, not our finding): raw features overlap, embeddings form
# *"compact emotion clusters"*. Here we redo the comparison with three
# projections (PCA, t-SNE, UMAP), colour the points by emotion **and** by actor and gender
# (what else do the vectors hold?), and put a number on separability: a k-nearest-neighbour
# classifier fitted on training speakers and scored on **held-out speakers**.
#
# * raw features: the mean over frames of the normalised 46 features;
# * embedding: the vector the classifier reads (context vector after BatchNorm) of
#   ResLSTM-SA-h64 as notebook 03 trained it (the checkpoint's spec: the profile's tuned
#   setting, clean protocol), one model per fold and run — each fold's model embeds the
#   speakers it never heard — on **every clean run of 03** (`runs`), the same records 03's
#   tables read.
#
# The kNN on the embedding is compared, speaker by speaker, with the kNN on the raw
# feature means *and* with notebook 03's logistic-regression baseline on the same folds: a
# gain over raw feature means alone says nothing about whether the network beats a simple
# classifier on the same inputs.
#
# Terms: [glossary](GLOSSARY.md) (kNN, silhouette, attention, confusion matrix, UAR, WA).

# %% tags=["parameters"]
profile = "smoke"
corpus = "synthetic"
synthetic_speakers = 8
cache_dir = None
out_dir = "results/smoke"
model_file = None        # None: <out_dir>/models/reslstm_sa_h64_clean.pt (written by notebook 03)
runs = [1, 2]            # 03's clean runs of the checkpoint model (its records; 03 keeps their weights)
knn_k = 10
n_jobs = None

# %%
from pathlib import Path

import librosa
import numpy as np
from IPython.display import display

from ser_utils import reporting
from ser_utils.data import project_data
from ser_utils.data.audio import read_audio
from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.inference import checkpoint
from ser_utils.reporting import embedding_tables, plots, summaries
from ser_utils.reporting import embeddings as E
from ser_utils.reporting.source import show_source
from ser_utils.training import cross_validate, experiment_key, record_path

out_dir = Path(out_dir)
data, folds = project_data.load(corpus, synthetic_speakers=synthetic_speakers, cache_dir=cache_dir)
summaries.notice(data, profile)
ckpt = checkpoint.load(model_file or checkpoint.model_path(out_dir))
spec, run = checkpoint.spec_of(ckpt), ckpt["provenance"]["run"]
print(f"{spec.label()} from notebook {ckpt['provenance'].get('notebook', '03')}, "
      f"{ckpt['provenance'].get('setting', '')}: {ckpt['train']}")
records = cross_validate(spec, data, folds, runs=tuple(runs), runs_dir=out_dir / "runs", save_weights=True,
                         n_jobs=n_jobs)
key = experiment_key(spec, data, folds)
weights = {r: [record_path(out_dir / "runs", key, r, k).with_suffix(".pt") for k in range(len(folds))] for r in runs}
embedded_runs = [r for r in runs if all(w.exists() for w in weights[r])]
print(f"pooled UAR over runs {list(runs)}: {summaries.summary_row(records)['uar_mean']:.4f}; "
      f"weights kept for runs {embedded_runs}" + ("" if embedded_runs == list(runs) else
                                                  " (re-run notebook 03 to keep the others')"))

# %% [markdown]
# ## Separability on held-out speakers
# For each run and fold: the fold's model embeds every utterance; a kNN (k above) fitted on
# the training speakers predicts the emotion and the gender of the test speakers. The raw
# feature means need no model, so their kNN runs once per fold. The
# [silhouette](GLOSSARY.md#silhouette) (−1…1) measures how compact the emotion clusters of
# the test speakers are: near 1 compact and apart, near 0 overlapping. Numbers are means
# over the folds, the unit (each fold's runs averaged first, never a mean over (run, fold)
# rows as if they were units); `tables/embedding_separability_by_fold` keeps each one's.

# %%
show_source(embedding_tables.fold_separability)

# %%
RAW, EMB = embedding_tables.RAW, embedding_tables.EMB
draw_run = run if run in embedded_runs else embedded_runs[0]   # the projections below draw this run
per_fold, fold_views, knn_records = embedding_tables.fold_separability(data, folds, weights, embedded_runs, knn_k,
                                                                       draw_run)
reporting.save_table(per_fold, "embedding_separability_by_fold", out_dir)
separability = embedding_tables.separability(per_fold, {EMB: len(embedded_runs)})
reporting.save_table(separability, "embedding_separability", out_dir)
separability

# %% [markdown]
# ## Is the embedding's kNN better? Paired tests over the speakers
# Speaker by speaker (each test speaker's kNN UAR over its own utterances, averaged over the
# runs), the embedding's kNN against the kNN on raw feature means, and against notebook
# 03's logistic regression on each utterance's feature means and stds, fitted on the same
# folds' training speakers (`training.baselines`), and against the field's standard
# reference, openSMILE's eGeMAPS functionals with a linear SVM (C chosen on validation
# speakers): exact sign-flip tests over the speakers, Holm-adjusted together (the
# notebook's family of claims).

# %%
from ser_utils.training.baselines import EGEMAPS_SVM, LOGREG, all_baselines

baselines = all_baselines(data, folds, cache_root=cache_dir, which=(EGEMAPS_SVM,))
logreg, egemaps_svm = baselines[LOGREG], baselines[EGEMAPS_SVM]
knn_tests = embedding_tables.knn_paired_tests(EMB, knn_records[EMB], {f"{RAW} kNN": knn_records[RAW], LOGREG: logreg,
                                                                     EGEMAPS_SVM: egemaps_svm}, len(embedded_runs))
reporting.save_table(knn_tests, "embedding_paired_tests", out_dir)
knn_tests

# %% [markdown]
# ## Projections of the held-out speakers of fold 0
# Only fold 0's *test* speakers are drawn, each embedded by the checkpoint run's model that
# never heard them — drawing training speakers would show how well the model memorised them
# instead. Same points, three projections, two representations; coloured three ways.

# %%
views, out0 = fold_views[0]
te0 = np.isin(data.speakers, folds[0].test)
projections = {(rep, method): E.project(X[te0], method) for rep, X in views.items()
               for method in ("pca", "tsne", "umap")}
meta = data.index[te0]
for hue, name in ((meta.emotion.astype(str).values, "emotion"), (meta["actor"].values, "actor"),
                  (meta.gender.values, "gender")):
    fig = plots.embedding_grid(projections, hue, name, title=f"held-out speakers of fold 0, coloured by {name}")
    reporting.save_figure(fig, f"embeddings_by_{name}", out_dir)

# %% [markdown]
# ## Where the model listens
# Attention weights α_t of fold 0's model over the mel spectrogram of test utterances of
# four emotions (weights sum to 1 over the real frames). Read them with care: the LSTM state
# at frame t has already read frames 1…t, so a late frame — even one in the trailing
# silence — can summarise the whole phrase. Attention on the end of an utterance means
# "this state is informative", not "the model listens to silence".

# %%
test_ids = np.flatnonzero(te0)
examples = []
for emotion in ("angry", "sad", "happy", "neutral"):
    i = next(j for j in test_ids if EMOTION_NAMES[data.labels[j]] == emotion)
    y, sr = read_audio(data.index.path.iloc[i])
    mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=512), ref=np.max)
    alpha = out0["attention"][i]
    pred = EMOTION_NAMES[int(out0["logits"][i].argmax())]
    examples.append((f"{data.ids[i]}: {emotion} (predicted {pred})", mel, sr, 512, alpha, 2048))
fig = plots.attention_panels(examples)
_ = reporting.save_figure(fig, "attention_over_spectrograms", out_dir)

# %% [markdown]
# ## Confusions
# Row-normalised confusion matrix of the pooled out-of-fold predictions. Seed 000 reports for
# its tuned ResLSTM-SA-h64 that *happy* has the lowest recall (44.8 %), often confused with
# *neutral*, and that 18.8 % of *neutral* is predicted *happy* (reported values, quoted; ours
# are in the table below and under *What we found*).

# %%
cm = summaries.pooled_confusion(records)
fig = plots.confusion_heatmap(cm, title=f"{spec.label()}, pooled out-of-fold")
reporting.save_figure(fig, "confusion_reslstm_sa_h64", out_dir)
claims = embedding_tables.confusion_claims(records)          # ser_utils.reporting.embedding_tables
class_recall = embedding_tables.class_recall(records)
reporting.save_table(claims, "confusion_claims", out_dir)
reporting.save_table(class_recall, "per_class_recall_reslstm_sa_h64", out_dir)
recall = class_recall.set_index("emotion")["recall"]
display(claims)
print("lowest recall:", recall.idxmin(), f"{recall.min():.3f}")

# %% [markdown]
# ## What we found
# Generated from this run's tables (`ser_utils.reporting.findings.notebook05`); each line links its table or figure.

# %%
from ser_utils.reporting import findings

findings.show("05", out_dir)

# %% [markdown]
# ## Exercises

# %%
findings.show_exercises("""
1. **One parameter** (a minute, any profile). Set `knn_k = 1` and then `knn_k = 50` and re-run from the
   separability cell: how do the [[kNN]] UARs of both representations move? What does a large k measure that a
   small one does not? *Check:* the `silhouette by emotion` column of `tables/embedding_separability` does not
   move (it does not depend on k).
2. **Read the projections** (no compute). In `figures/embeddings_by_actor`, are the held-out speakers' points
   grouped by actor? Compare with the gender UARs of `tables/embedding_separability`: what does the emotion
   model keep that it was never asked to learn? *Check:* both gender UARs are above 0.5 (chance for two classes).
3. **Silhouette by hand** (a minute). Compute `E.silhouette` on fold 0's test embeddings with the *actor* as the
   label instead of the emotion: `te0 = np.isin(data.speakers, folds[0].test)` is fold 0's test mask, so use `E.silhouette(fold_views[0][0]["ResLSTM-SA-h64 embedding"][te0], data.speakers[te0])`. Is the [[silhouette]] by actor higher than by emotion?
   *Check:* with `data.labels[te0]` in place of `data.speakers[te0]` you get back fold 0's `silhouette by emotion
   (test speakers)` in `tables/embedding_separability_by_fold` (the row of the run the projections draw); a silhouette lies in [−1, 1].
4. **Design an experiment** (10 minutes, `smoke`). Seed 000 draws a PCA of *training* speakers. Write the
   projection of fold 0's training speakers next to its test speakers' and compute both silhouettes: how much
   of a "compact cluster" picture can memorisation alone produce? *Check:* your test-speaker silhouette equals
   fold 0's in `tables/embedding_separability_by_fold`; run it on `quick` (03's records, minutes) for numbers
   that mean something.
""", out_dir)
