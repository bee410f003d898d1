"""Figures of the study (matplotlib/seaborn); each function returns a Figure."""

from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ser_utils.data.corpus import EMOTION_NAMES


def utterance_panels(examples, config) -> plt.Figure:
    """For each (title, path): waveform, log spectrogram, MFCC and chroma."""
    import librosa
    import librosa.display

    from ser_utils.data.audio import read_audio
    from ser_utils.data.features import extract

    fig, axes = plt.subplots(len(examples), 4, figsize=(17, 2.3 * len(examples)), squeeze=False)
    for row, (title, path) in zip(axes, examples):
        y, sr = read_audio(path)
        feats = extract(y, sr, config)
        librosa.display.waveshow(y, sr=sr, ax=row[0])
        spec = librosa.amplitude_to_db(np.abs(librosa.stft(y, n_fft=1024, hop_length=256)), ref=np.max)
        librosa.display.specshow(spec, sr=sr, hop_length=256, x_axis="time", y_axis="log", ax=row[1])
        librosa.display.specshow(feats[:, 1: config.n_mfcc].T, sr=sr, hop_length=config.hop_length, x_axis="time",
                                 ax=row[2])
        librosa.display.specshow(feats[:, config.n_mfcc:].T, sr=sr, hop_length=config.hop_length, x_axis="time",
                                 y_axis="chroma", ax=row[3])
        row[0].set_ylabel(title)
        for ax in row:
            ax.set_xlabel("")
    for ax, name in zip(axes[0], ["waveform", "spectrogram (dB)", f"MFCC 1-{config.n_mfcc - 1} (MFCC-0 omitted)", "chroma-12"]):
        ax.set_title(name)
    fig.tight_layout()
    return fig


def distributions(frame: pd.DataFrame, columns, by: str = "emotion") -> plt.Figure:
    """Box plots of per-utterance statistics by emotion."""
    fig, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3.8), squeeze=False)
    for ax, col in zip(axes[0], columns):
        sns.boxplot(data=frame, x=col, y=by, ax=ax, fliersize=1.5, hue=by, legend=False, palette="tab10")
        ax.set_title(col)
        ax.set_xlabel("")
        ax.set_ylabel("" if ax is not axes[0][0] else by)
    fig.tight_layout()
    return fig


def uar_vs_parameters(frame: pd.DataFrame, x="parameters", y="uar_mean", hue="layers", style="pooling",
                      reported: str | None = "reported_uar") -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    sns.scatterplot(data=frame, x=x, y=y, hue=hue, style=style, s=80, ax=ax, palette="viridis")
    if reported and reported in frame:
        ok = frame[reported].notna()
        ax.scatter(frame.loc[ok, x], frame.loc[ok, reported], marker="x", color="grey",
                   label="reported (seed 001)")
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters")
    ax.set_ylabel("pooled UAR")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def learning_curves(curves: dict) -> plt.Figure:
    """``curves``: label -> dict of per-epoch series (train_loss, val_loss, val_uar, test_uar)."""
    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
    for label, c in curves.items():
        epochs = np.arange(1, len(c["train_loss"]) + 1)
        line, = axes[0].plot(epochs, c["train_loss"], label=label)
        axes[0].plot(epochs, c["val_loss"], ls="--", color=line.get_color())
        axes[1].plot(epochs, c["val_uar"], color=line.get_color(), label=label)
        axes[2].plot(epochs, c["test_uar"], color=line.get_color(), label=label)
    axes[0].set_title("loss (solid: train, dashed: validation speakers)")
    axes[1].set_title("UAR, validation speakers (selects the epoch)")
    axes[2].set_title("UAR, test speakers (never used for selection)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    return fig


def confusion_heatmap(cm: np.ndarray, title: str = "", labels=EMOTION_NAMES) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    sns.heatmap(cm, annot=True, fmt=".2f", cmap="Blues", xticklabels=labels, yticklabels=labels, ax=ax,
                vmin=0, vmax=1, cbar=False)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def embedding_grid(projections: dict, hue, hue_name: str, title: str = "") -> plt.Figure:
    """``projections``: (representation, method) -> (N, 2) points, drawn in a grid."""
    reps = list(dict.fromkeys(k[0] for k in projections))
    methods = list(dict.fromkeys(k[1] for k in projections))
    fig, axes = plt.subplots(len(reps), len(methods), figsize=(4.6 * len(methods), 4.2 * len(reps)),
                             squeeze=False)
    hue = pd.Series(np.asarray(hue), name=hue_name)
    categorical = hue.dtype == object or isinstance(hue.dtype, pd.CategoricalDtype) or hue.nunique() <= 24
    for i, rep in enumerate(reps):
        for j, method in enumerate(methods):
            ax = axes[i][j]
            pts = projections[(rep, method)]
            sns.scatterplot(x=pts[:, 0], y=pts[:, 1], hue=hue.astype(str) if categorical else hue, s=12, ax=ax,
                            palette="tab10" if hue.nunique() <= 10 else "tab20", legend=(i == 0 and j == len(methods) - 1),
                            linewidth=0)
            ax.set_title(f"{rep} — {method}")
            ax.set_xticks([])
            ax.set_yticks([])
    leg = axes[0][-1].get_legend()
    if leg is not None:
        leg.set_title(hue_name)
        leg.set_bbox_to_anchor((1.02, 1))
        leg.set_loc("upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def tuning_histories(frames: dict) -> plt.Figure:
    """``frames``: title -> trials frame (``tuning_tables.trials_frame``). Per study:
    validation UAR (the objective) and recorded test UAR per complete trial, the best
    validation so far, and where trials were pruned."""
    cols = (len(frames) + 1) // 2
    fig, axes = plt.subplots(2, cols, figsize=(4.2 * cols, 7), squeeze=False)
    for ax, (title, t) in zip(axes.flat, frames.items()):
        done = t[t.state == "complete"]
        ax.scatter(done.number, done.val_uar, s=14, label="validation UAR (objective)")
        ax.scatter(done.number, done.test_uar, s=14, marker="x", label="test UAR (recorded)")
        ax.plot(done.number, done.val_uar.cummax(), lw=1)
        pr = t[t.state == "pruned"]
        ax.scatter(pr.number, np.full(len(pr), ax.get_ylim()[0]), marker="|", color="grey", label="pruned")
        ax.set(title=title, xlabel="trial", ylabel="UAR")
    for ax in list(axes.flat)[len(frames):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def attention_panels(examples) -> plt.Figure:
    """``examples``: list of (title, mel_db (n_mels, frames_fine), sr, hop_fine, attention (frames), hop)."""
    fig, axes = plt.subplots(len(examples), 1, figsize=(10, 2.4 * len(examples)), squeeze=False)
    for ax, (title, mel_db, sr, hop_fine, alpha, hop) in zip(axes[:, 0], examples):
        import librosa.display

        librosa.display.specshow(mel_db, sr=sr, hop_length=hop_fine, x_axis="time", y_axis="mel", ax=ax)
        twin = ax.twinx()
        t = (np.arange(len(alpha)) * hop) / sr
        twin.plot(t, alpha, color="orange", lw=2)
        twin.set_ylabel("attention α_t", color="orange")
        twin.set_ylim(0, max(alpha.max() * 1.1, 1e-3))
        ax.set_title(title)
        ax.set_xlabel("")
    fig.tight_layout()
    return fig


def uar_vs_cost(table: pd.DataFrame) -> plt.Figure:
    """UAR (mean ± std over runs) against parameters and against CPU ms per utterance,
    one labelled point per model (notebook 06)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, x in zip(axes, ("parameters", "CPU ms/utt")):
        ax.errorbar(table[x], table["uar_mean"], yerr=table["uar_std"].fillna(0), fmt="o", capsize=3)
        for _, r in table.iterrows():
            ax.annotate(r["model"], (r[x], r["uar_mean"]), fontsize=7, xytext=(4, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel(x + " (log scale)")
        ax.set_ylabel("UAR (pooled out-of-fold)")
    fig.suptitle("accuracy against cost, one protocol")
    fig.tight_layout()
    return fig


def fidelity_waterfall(ladder: pd.DataFrame, slides: dict | None = None) -> plt.Figure:
    """One panel per model: each rung a bar from its ``previous`` rung's mean UAR to its
    own, with the 95 % CI of its mean; rungs with no previous one start at 0. A dashed
    line marks the slides' reported value (literature)."""
    models = list(dict.fromkeys(ladder["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4.2), squeeze=False, sharey=True)
    for ax, model in zip(axes[0], models):
        rows = ladder[ladder["model"] == model].reset_index(drop=True)
        mean = dict(zip(rows["rung"], rows["uar_mean"]))
        for i, r in rows.iterrows():
            if np.isnan(r["uar_mean"]):
                ax.text(i, 0.02, "pending", rotation=90, ha="center", va="bottom", fontsize=8, color="grey")
                continue
            base = mean.get(r["previous"], np.nan) if isinstance(r["previous"], str) else np.nan
            base = 0.0 if np.isnan(base) else base
            colour = "#0072B2" if r["uar_mean"] >= base else "#D55E00"
            ax.bar(i, r["uar_mean"] - base, bottom=base, color=colour, width=0.6)
            if not np.isnan(r["ci95"]):
                ax.errorbar(i, r["uar_mean"], yerr=r["ci95"], color="black", capsize=3, lw=1)
            ax.text(i, max(r["uar_mean"] + (r["ci95"] if not np.isnan(r["ci95"]) else 0), base) + 0.005,
                    f"{r['uar_mean']:.3f}", ha="center", va="bottom", fontsize=8)
        if slides and model in slides:
            ax.axhline(slides[model], ls="--", color="#009E73",
                       label=f"slides (literature): {slides[model]:.4f}")
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xticks(range(len(rows)), rows["rung"])
        ax.set_xlabel("rung")
        ax.set_title(model)
        ax.set_ylim(0, 0.75)
    axes[0][0].set_ylabel("pooled test UAR (mean over runs, 95 % CI)")
    fig.tight_layout()
    return fig


def best_of_n_curve(curves: dict) -> plt.Figure:
    """``{label: best_of_n frame}``: expected test UAR of the selected trial against the
    number of trials searched, with the 5-95 % band."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, frame in curves.items():
        ax.plot(frame["n_trials"], frame["expected"], marker="o", ms=3, label=label)
        ax.fill_between(frame["n_trials"], frame["q05"], frame["q95"], alpha=0.15)
    ax.set_xlabel("trials searched (N)")
    ax.set_ylabel("test UAR of the selected trial")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
