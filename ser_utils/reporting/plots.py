"""Figures of the study (matplotlib/seaborn); each function returns a Figure.

One look for every figure, set once when this module is imported (``set_theme``):
seaborn's ``whitegrid`` style and its ``colorblind`` palette (Wong's colour-blind-safe
palette, Nature Methods 8:441, 2011) for categories; sequential colour maps
(``cividis``/``Blues``) for quantities. Axes say their units."""

from __future__ import annotations

import base64
import io
import re

import librosa
import librosa.display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ser_utils.data.audio import read_audio
from ser_utils.data.corpus import EMOTION_NAMES
from ser_utils.data.features import extract

PALETTE = "colorblind"
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]
UAR_LABEL = "UAR (pooled out-of-fold; chance 0.125)"


def set_theme() -> None:
    """The study's one theme: whitegrid, the colour-blind-safe palette, notebook context."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=0.9)


def palette(n: int) -> list:
    """``n`` colour-blind-safe colours (seaborn's 10-colour ``colorblind``; beyond 10,
    evenly spaced hues, which no palette keeps distinguishable for every reader)."""
    return sns.color_palette(PALETTE, n) if n <= 10 else sns.color_palette("husl", n)


set_theme()


def plain_log_axis(ax) -> None:
    """A log x axis labelled with plain numbers, minor ticks unlabelled (matplotlib's
    labelled minor ticks of a narrow log range overlap). Call it after plotting: the
    labelled ticks depend on the range shown — 1, 2 and 5 of each decade over two decades
    or more, 1, 1.5, 2, 3, 5 and 7 below that — so that a narrow axis still carries several labels."""
    ax.set_xscale("log")
    ax.autoscale_view()
    low, high = ax.get_xlim()
    decades = np.log10(high / low) if low > 0 and high > low else 3.0
    subs = (1.0, 2.0, 5.0) if decades >= 2 else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.6g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def utterance_panels(examples, config) -> plt.Figure:
    """For each (title, path): waveform, log spectrogram, MFCC and chroma, one row each.
    Every column has one scale for all rows, so loudness differences stay visible: the
    waveforms share their amplitude axis, the spectrograms are in dB relative to the
    loudest example, the MFCCs share one colour range; each image has its colour bar."""

    signals = [read_audio(path) for _, path in examples]
    feats = [extract(y, sr, config) for y, sr in signals]
    specs = [np.abs(librosa.stft(y, n_fft=1024, hop_length=256)) for y, _ in signals]
    peak = max(float(np.abs(y).max()) for y, _ in signals) * 1.05
    ref = max(float(sp.max()) for sp in specs)
    mfcc = np.concatenate([f[:, 1: config.n_mfcc].ravel() for f in feats])
    mfcc_lim = float(np.percentile(np.abs(mfcc), 95))  # MFCC-1 saturates; the others keep contrast
    mfcc_ticks = [k for k in (1, 5, 10, 15, 20, 25, 30) if k < config.n_mfcc] + [config.n_mfcc - 1]

    fig, axes = plt.subplots(len(examples), 4, figsize=(19, 2.4 * len(examples)), squeeze=False)
    for row, (title, _), (y, sr), f, sp in zip(axes, examples, signals, feats, specs):
        librosa.display.waveshow(y, sr=sr, ax=row[0])
        row[0].set_ylim(-peak, peak)
        img = librosa.display.specshow(librosa.amplitude_to_db(sp, ref=ref, top_db=80), sr=sr, hop_length=256,
                                       x_axis="time", y_axis="log", ax=row[1], vmin=-80, vmax=0)
        fig.colorbar(img, ax=row[1], pad=0.01, label="dB (re loudest)")
        img = librosa.display.specshow(f[:, 1: config.n_mfcc].T, sr=sr, hop_length=config.hop_length,
                                       x_axis="time", y_coords=np.arange(1, config.n_mfcc), ax=row[2],
                                       cmap="coolwarm", vmin=-mfcc_lim, vmax=mfcc_lim)
        row[2].set_yticks(mfcc_ticks, [str(k) for k in mfcc_ticks])
        fig.colorbar(img, ax=row[2], pad=0.01, label="coefficient value")
        img = librosa.display.specshow(f[:, config.n_mfcc:].T, sr=sr, hop_length=config.hop_length, x_axis="time",
                                       y_axis="chroma", ax=row[3], vmin=0, vmax=1)
        fig.colorbar(img, ax=row[3], pad=0.01, label="energy (frame max = 1)")
        row[0].set_ylabel(f"{title}\namplitude")
        row[1].set_ylabel("frequency (Hz)")
        row[2].set_ylabel("MFCC coefficient")
        row[3].set_ylabel("pitch class")
        for ax in row:
            ax.set_xlabel("")
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    for ax, name in zip(axes[0], ["waveform (one amplitude scale for all rows)",
                                  "spectrogram (log-frequency axis)",
                                  f"MFCC 1-{config.n_mfcc - 1} (MFCC-0, loudness, omitted)", "chroma-12"]):
        ax.set_title(name)
    fig.tight_layout()
    return fig


def inline_png(fig, dpi: int = 72) -> str:
    """The figure as an ``<img>`` tag with an embedded PNG (for HTML tables); closes it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"/>'


def distributions(frame: pd.DataFrame, columns, by: str = "emotion") -> plt.Figure:
    """Box plots of per-utterance statistics by emotion."""
    fig, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3.8), squeeze=False)
    for ax, col in zip(axes[0], columns):
        sns.boxplot(data=frame, x=col, y=by, ax=ax, fliersize=1.5, hue=by, legend=False,
                    palette=palette(frame[by].nunique()))
        ax.set_title(col)
        ax.set_xlabel("")
        ax.set_ylabel("" if ax is not axes[0][0] else by)
    fig.tight_layout()
    return fig


def uar_vs_parameters(frame: pd.DataFrame, x="parameters", y="uar_mean", hue="layers", style="pooling",
                      reported: str | None = "reported_uar") -> plt.Figure:
    """Paper 001's sweep: one panel per pooling (``last``, ``concat``); per number of
    layers a line over the hidden sizes, ours solid, paper 001's reported values dotted
    with open markers (literature)."""
    styles = list(dict.fromkeys(frame[style]))
    levels = sorted(frame[hue].unique())
    colours = dict(zip(levels, palette(len(levels))))
    fig, axes = plt.subplots(1, len(styles), figsize=(5.2 * len(styles), 4.2), squeeze=False, sharey=True)
    for ax, st in zip(axes[0], styles):
        part = frame[frame[style] == st]
        for level in levels:
            g = part[part[hue] == level].sort_values(x)
            if g.empty:
                continue
            ax.plot(g[x], g[y], marker="o", color=colours[level], label=f"{hue} = {level}, ours")
            if reported and reported in g and g[reported].notna().any():
                ok = g[reported].notna()
                ax.plot(g.loc[ok, x], g.loc[ok, reported], ls=":", marker="o", mfc="white", color=colours[level],
                        label=f"{hue} = {level}, seed 001 (reported)")
        ax.axhline(0.125, color="grey", lw=0.8, ls="--")
        plain_log_axis(ax)
        ax.set(title=f"{style}: {st}", xlabel="trainable parameters (count, log scale)")
    axes[0][0].set_ylabel(UAR_LABEL)
    legend = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    order = sorted(legend, key=lambda k: ("reported" in k, k))
    axes[0][-1].legend([legend[k] for k in order], order, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
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
    axes[0].text(0.0, -0.3, "Validation loss can rise while validation UAR holds: the model grows over-confident,\n"
                 "and cross-entropy punishes a confident mistake heavily. UAR, not loss, chooses the kept epoch.",
                 transform=axes[0].transAxes, fontsize=8, va="top")
    axes[1].set_title("UAR, validation speakers (selects the epoch)")
    axes[2].set_title("UAR, test speakers (never used for selection)")
    axes[0].set_ylabel("cross-entropy (nats per utterance)")
    axes[1].set_ylabel("UAR (chance 0.125)")
    axes[2].set_ylabel("UAR (chance 0.125)")
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    return fig


_SWEEP_LABEL = r"RNN-l(\d+)-h(\d+)-(\w+)"


def val_curves(curves: dict) -> plt.Figure:
    """``curves``: label -> mean validation UAR per epoch; one line each, so that a
    reader sees whether each has flattened before training stopped. Paper 001's sweep
    (labels ``RNN-l<layers>-h<hidden>-<pooling>``) is drawn as one panel per pooling,
    colour by width and dash by depth; other models get one panel, a colour each, and
    the legend beside it."""
    parsed = {label: re.fullmatch(_SWEEP_LABEL, label) for label in curves}
    if curves and all(parsed.values()):
        return _sweep_val_curves(curves, {k: m.groups() for k, m in parsed.items()})
    fig, ax = plt.subplots(figsize=(9.5, 4))
    for (label, c), colour in zip(curves.items(), palette(len(curves))):
        ax.plot(np.arange(1, len(c) + 1), c, label=label, color=colour)
    ax.set(xlabel="epoch", ylabel="UAR, validation speakers (chance 0.125)",
           title="mean validation UAR over folds and runs")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.tight_layout()
    return fig


def _sweep_val_curves(curves: dict, keys: dict) -> plt.Figure:
    poolings = list(dict.fromkeys(k[2] for k in keys.values()))
    widths = sorted({int(k[1]) for k in keys.values()})
    depths = sorted({int(k[0]) for k in keys.values()})
    colours = dict(zip(widths, palette(len(widths))))
    dashes = dict(zip(depths, ["-", "--", ":", "-."] * 3))
    fig, axes = plt.subplots(1, len(poolings), figsize=(5.4 * len(poolings) + 1.6, 4), squeeze=False, sharey=True)
    for ax, pooling in zip(axes[0], poolings):
        for label, c in curves.items():
            layers, hidden, pool = keys[label]
            if pool == pooling:
                ax.plot(np.arange(1, len(c) + 1), c, color=colours[int(hidden)], ls=dashes[int(layers)], lw=1.4)
        ax.set(xlabel="epoch", title=f"pooling: {pooling}")
    axes[0][0].set_ylabel("UAR, validation speakers (chance 0.125)")
    handles = ([Line2D([], [], color=colours[w], label=f"h{w} (width)") for w in widths]
               + [Line2D([], [], color="black", ls=dashes[d], label=f"{d} layer{'s' if d > 1 else ''} (depth)")
                  for d in depths])
    axes[0][-1].legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.suptitle("mean validation UAR over folds and runs")
    fig.tight_layout()
    return fig


def confusion_heatmap(cm: np.ndarray, title: str = "", labels=EMOTION_NAMES, ax=None) -> plt.Figure:
    """Row-normalised confusion matrix: the share of each true emotion (row) predicted
    as each emotion (column); the diagonal holds the per-class recalls."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5)) if ax is None else (ax.figure, ax)
    sns.heatmap(cm, annot=True, fmt=".2f", cmap="Blues", xticklabels=labels, yticklabels=labels, ax=ax,
                vmin=0, vmax=1, cbar=False, annot_kws={"fontsize": 7})
    ax.set_xlabel("predicted emotion")
    ax.set_ylabel("true emotion (row shares sum to 1)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def confusion_grid(matrices: dict, cols: int = 3) -> plt.Figure:
    """``{title: row-normalised confusion matrix}``, one panel each."""
    rows = (len(matrices) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.6 * rows), squeeze=False)
    for ax, (title, cm) in zip(axes.flat, matrices.items()):
        confusion_heatmap(cm, title, ax=ax)
    for ax in list(axes.flat)[len(matrices):]:
        ax.axis("off")
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
                            palette=palette(hue.nunique()) if categorical else "cividis",
                            legend=(i == 0 and j == len(methods) - 1), linewidth=0)
            ax.set_title(f"{rep} — {method}")
            ax.set(xlabel=f"{method} 1 (no unit)", ylabel=f"{method} 2 (no unit)")
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


def val_vs_test(done: pd.DataFrame) -> plt.Figure:
    """Each complete trial's objective (mean validation UAR) against its recorded pooled
    test UAR, coloured by search space, with the diagonal."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for space, g in done.groupby("space"):
        ax.scatter(g.val_uar, g.test_uar, s=14, label=space)
    lim = [min(done.val_uar.min(), done.test_uar.min()), max(done.val_uar.max(), done.test_uar.max())]
    ax.plot(lim, lim, color="grey", lw=0.8)
    ax.set(xlabel="mean validation UAR over folds (objective; chance 0.125)",
           ylabel="pooled test UAR (recorded; chance 0.125)")
    ax.legend(title="space")
    return fig


def tuning_histories(frames: dict) -> plt.Figure:
    """``frames``: title -> trials frame (``tuning_tables.trials_frame``). Per study:
    validation UAR (the objective) and recorded test UAR per complete trial, the best
    validation so far, and where trials were pruned."""
    cols = min(len(frames), 3) or 1
    rows = (len(frames) + cols - 1) // cols or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows + 0.4), squeeze=False)
    for ax, (title, t) in zip(axes.flat, frames.items()):
        done = t[t.state == "complete"]
        ax.scatter(done.number, done.val_uar, s=14, label="validation UAR (objective)")
        ax.scatter(done.number, done.test_uar, s=14, marker="x", label="test UAR (recorded)")
        ax.plot(done.number, done.val_uar.cummax(), lw=1)
        pr = t[t.state == "pruned"]
        ax.scatter(pr.number, np.full(len(pr), ax.get_ylim()[0]), marker="|", color="grey", label="pruned")
        ax.set(title=title, xlabel="trial number", ylabel="UAR (chance 0.125)")
    for ax in list(axes.flat)[len(frames):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def attention_panels(examples) -> plt.Figure:
    """``examples``: list of (title, mel_db (n_mels, frames_fine), sr, hop_fine, attention (frames), hop)."""
    fig, axes = plt.subplots(len(examples), 1, figsize=(10, 2.4 * len(examples)), squeeze=False)
    for ax, (title, mel_db, sr, hop_fine, alpha, hop) in zip(axes[:, 0], examples):
        librosa.display.specshow(mel_db, sr=sr, hop_length=hop_fine, x_axis="time", y_axis="mel", ax=ax)
        twin = ax.twinx()
        t = (np.arange(len(alpha)) * hop) / sr
        twin.plot(t, alpha, color="#E69F00", lw=2)
        twin.set_ylabel("attention α_t (sums to 1)", color="#E69F00")
        twin.grid(False)
        ax.set_ylabel("frequency (Hz, mel scale)")
        twin.set_ylim(0, max(alpha.max() * 1.1, 1e-3))
        ax.set_title(title)
        ax.set_xlabel("")
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


BASELINE_DASHES = ["--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 4))]
BASELINE_GREYS = ["0.45", "0.15", "0.6", "0.3", "0.7"]


def uar_vs_cost(table: pd.DataFrame) -> plt.Figure:
    """UAR (mean ± std over runs) against parameters and against CPU ms per utterance
    (notebook 06). Each model has its own colour and marker, named in one legend beside
    the panels, so no label can overlap a point or another label."""
    lines = table[table["CPU ms/utt"].isna()].reset_index(drop=True)   # baselines: no model to time
    table = table[table["CPU ms/utt"].notna()].reset_index(drop=True)
    colours = palette(len(table))
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, (x, xlabel) in zip(axes, (("parameters", "trainable parameters (count, log axis)"),
                                      ("CPU ms/utt", "CPU time per utterance (ms; 1 thread, log axis)"))):
        for i, r in table.iterrows():
            ax.errorbar(r[x], r["uar_mean"], yerr=0 if np.isnan(r["uar_std"]) else r["uar_std"], capsize=3, ms=8,
                        fmt=MARKERS[i % len(MARKERS)], color=colours[i], label=r["model"])
        for j, r in lines.iterrows():   # one grey and dash pattern per baseline: four are told apart
            ax.axhline(r["uar_mean"], color=BASELINE_GREYS[j % len(BASELINE_GREYS)], lw=1.2,
                       ls=BASELINE_DASHES[j % len(BASELINE_DASHES)], label=f"{r['model']} (baseline)")
        plain_log_axis(ax)
        ax.set_xlabel(xlabel)
    axes[0].set_ylabel("UAR (pooled out-of-fold, mean ± std over runs)")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1), title="model")
    fig.suptitle("accuracy against cost, one protocol")
    fig.tight_layout()
    return fig


def fidelity_waterfall(ladder: pd.DataFrame, slides: dict | None = None, top: float = 0.75) -> plt.Figure:
    """One panel per model: each rung a bar from its ``previous`` rung's mean UAR to its
    own, with the 95 % CI of its mean clipped to the axes (an arrow marks a clipped end)
    and its number of runs; rungs with no previous one start at 0. A dashed line marks
    the slides' reported value (literature); the legend sits below the panels."""
    models = list(dict.fromkeys(ladder["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(6.5 * len(models), 4.6), squeeze=False, sharey=True)
    for ax, model in zip(axes[0], models):
        rows = ladder[ladder["model"] == model].reset_index(drop=True)
        mean = dict(zip(rows["rung"], rows["uar_mean"]))
        for i, r in rows.iterrows():
            if np.isnan(r["uar_mean"]):
                ax.text(i, 0.02, "pending", rotation=90, ha="center", va="bottom", fontsize=8, color="grey")
                continue
            base = mean.get(r["previous"], np.nan) if isinstance(r["previous"], str) else np.nan
            base = 0.0 if np.isnan(base) else base
            colour = "#0072B2" if r["uar_mean"] >= base else "#D55E00"  # colour-blind-safe blue / vermillion
            ax.bar(i, r["uar_mean"] - base, bottom=base, color=colour, width=0.6)
            if not np.isnan(r["ci95"]):
                lo, hi = max(0.0, r["uar_mean"] - r["ci95"]), min(top, r["uar_mean"] + r["ci95"])
                ax.errorbar(i, r["uar_mean"], yerr=[[r["uar_mean"] - lo], [hi - r["uar_mean"]]], color="black",
                            capsize=3, lw=1)
                for end, clipped, marker in ((hi, r["uar_mean"] + r["ci95"] > top, "^"),
                                             (lo, r["uar_mean"] - r["ci95"] < 0, "v")):
                    if clipped:
                        ax.plot(i, end, marker=marker, color="black", ms=5, clip_on=False)

        handles = [Patch(color="#0072B2", label="rise: bar from the previous rung's mean up to this rung's (from 0 "
                                                "for a rung with no previous one)"),
                   Patch(color="#D55E00", label="fall: bar from the previous rung's mean down to this rung's")]
        if slides and model in slides:
            handles.append(ax.axhline(slides[model], ls="--", color="#009E73",
                                      label=f"slides (literature): {slides[model]:.4f}"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=8, frameon=False)
        ticks = [f"{r['rung']}" + ("" if np.isnan(r["uar_mean"]) else f"\n{r['uar_mean']:.3f}"
                                   + (f"\nn={int(r['n_runs'])}" if "n_runs" in r else ""))
                 for _, r in rows.iterrows()]
        ax.set_xticks(range(len(rows)), ticks, fontsize=7)
        ax.set_xlabel("rung, mean UAR, n = runs (▲▼: interval clipped)", fontsize=8)
        ax.set_title(model)
        ax.set_ylim(0, top)
    axes[0][0].set_ylabel("pooled test UAR (mean over runs, 95 % CI)")
    fig.tight_layout()
    return fig


def best_of_n_curve(curves: dict) -> plt.Figure:
    """``{label: best_of_n frame}``: expected test UAR of the selected trial against the
    number of trials searched, one panel per curve with its 5-95 % band (the other
    curves in grey behind it, for comparison), so no band hides another."""
    cols = min(len(curves), 3) or 1
    rows = (len(curves) + cols - 1) // cols or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.4 * rows + 0.3), squeeze=False, sharex=True,
                             sharey=True)
    colours = palette(len(curves))
    for ax, (label, frame), colour in zip(axes.flat, curves.items(), colours):
        for other, f in curves.items():
            if other != label:
                ax.plot(f["n_trials"], f["expected"], color="lightgrey", lw=1)
        ax.fill_between(frame["n_trials"], frame["q05"], frame["q95"], alpha=0.25, color=colour,
                        label="5-95 % of the selected trial's test UAR")
        ax.plot(frame["n_trials"], frame["expected"], marker="o", ms=3, color=colour, label="expected")
        ax.set_title(label, fontsize=9)
    for ax in list(axes.flat)[len(curves):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("trials searched (N, count)")
    for ax in axes[:, 0]:
        ax.set_ylabel("test UAR of the selected trial")
    axes.flat[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def pareto_front(points: pd.DataFrame) -> pd.DataFrame:
    """The measured, not transductive points that no other such point beats on both axes
    (cheaper and at least as accurate), by cost: the front ``pareto`` draws."""
    inductive = points[points["kind"] == "measured"].sort_values(["CPU ms/utt", "uar"], ascending=[True, False])
    return inductive[inductive["uar"] > inductive["uar"].cummax().shift(fill_value=-np.inf)]


def pareto(points: pd.DataFrame) -> plt.Figure:
    """UAR against CPU ms per utterance end to end (log axis), one marker per source
    (notebook 03, 06, each family of 09, baselines; filled: measured here), published points hollow and
    named by what they report (UAR, or accuracy, which is not UAR), transductive models
    ringed. The Pareto front joins the measured points that need nothing of the test
    speaker (no measured inductive point is both cheaper and more accurate); its points are
    named, every other point is a row of the table the figure is drawn from."""
    fig, ax = plt.subplots(figsize=(10, 5.5))
    measured = points[points["kind"].str.startswith("measured")]
    reported = points[points["kind"].str.startswith("reported")]
    sources = list(dict.fromkeys(measured["source"]))
    colours = palette(len(sources) + 2)
    for i, source in enumerate(sources):
        sel = measured[measured["source"] == source]
        ax.scatter(sel["CPU ms/utt"], sel["uar"], s=45, marker=MARKERS[i % len(MARKERS)], color=colours[i],
                   label=f"notebook {source}" if source[:1].isdigit() else source)
    ring = measured[measured["kind"].str.contains("transductive")]
    if len(ring):
        ax.scatter(ring["CPU ms/utt"], ring["uar"], s=160, facecolors="none", edgecolors="black", lw=1.2,
                   label="transductive (uses the test speaker's unlabelled audio)")
    for j, kind in enumerate(dict.fromkeys(reported["kind"])):
        sel = reported[reported["kind"] == kind]
        colour = colours[len(sources) + j]
        ax.scatter(sel["CPU ms/utt"], sel["uar"], s=45, marker="D" if "not UAR" in kind else "o",
                   facecolors="none", edgecolors=colour, label=f"published: {kind.removeprefix('reported (')[:-1]}")
        if "not UAR" in kind:
            for _, r in sel.iterrows():
                ax.annotate(f"{r['model'].split(' (')[0]}: accuracy, not UAR", (r["CPU ms/utt"], r["uar"]),
                            textcoords="offset points", xytext=(-8, -14), ha="right", fontsize=7, color=colour)
    front = pareto_front(points)
    ax.step(front["CPU ms/utt"], front["uar"], where="post", color="grey", lw=1, ls="--",
            label="Pareto front (measured, not transductive)")
    # the front's models named (every point is a row of the table), labels stacked apart, led by a line;
    # right of a point in the plot's left half, left of it in the right half (inside the axes)
    plain_log_axis(ax)
    low, high = np.log10(ax.get_xlim())
    y_label = -np.inf
    for _, r in front.sort_values("uar").iterrows():
        y_label = max(r["uar"] + 0.012, y_label + 0.022)   # above the front's level line
        source = str(r["source"])   # "09 lstm_sa" -> "09" (the model names its family); "03 (quick)" kept
        where = f"{source.split()[0] if source.startswith('09') else source}: " if source[:1].isdigit() else ""
        left = np.log10(r["CPU ms/utt"]) > (low + high) / 2
        ax.annotate(f"{where}{r['model']} ({r['uar']:.3f})", (r["CPU ms/utt"], r["uar"]),
                    xytext=(r["CPU ms/utt"] / 2.5 if left else r["CPU ms/utt"] * 2.5, y_label), fontsize=7,
                    color="dimgrey", va="center", ha="right" if left else "left",
                    arrowprops={"arrowstyle": "-", "color": "lightgrey", "lw": 0.8})
    ax.set_xlabel("CPU ms per utterance, end to end: features + model (1 thread, log axis)")
    ax.text(1.02, 0.0, "x is features + model; notebook 09's goal\n(≤ 2 ms) is the model's alone: see\n"
            "the table's `model CPU ms/utt`", transform=ax.transAxes, fontsize=8, va="bottom", color="dimgrey")
    ax.set_ylabel("UAR (mean over runs; published points as published)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1))
    notebooks = sorted({str(x).split()[0] for x in points["source"] if str(x)[:2].isdigit()})
    fig.suptitle(f"UAR against cost: notebook{'s' if len(notebooks) != 1 else ''} {', '.join(notebooks)}, "
                 "baselines and published points")
    fig.tight_layout()
    return fig
