""""What we found", generated: each notebook's findings computed from the tables the
same run wrote (``<out_dir>/tables/*.csv``), never typed by hand, so they stay true when
a profile is re-run with other epochs or runs. Each finding is one sentence with its
numbers and their uncertainty (std over runs, a 95 % interval, a paired test and
whether it could reach p < 0.05) and a link to the table or figure it comes from.
Published values appear only as labelled quotations (*reported*).

``markdown(findings_01(out_dir), out_dir)`` gives the Markdown a notebook displays;
``link_terms(text, out_dir)`` turns ``[[UAR]]`` into a link to ``GLOSSARY.md#uar``, which
resolves beside the source notebook and beside the executed one in ``<out_dir>/notebooks``
(the pipeline copies the glossary there)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from ser_utils import columns as col
from ser_utils import literature
from ser_utils.reporting import summaries
from ser_utils.reporting.summaries import SCHEDULE_ENDED
from ser_utils.training.baselines import LOGREG, MAJORITY, STANDARD
from ser_utils.training.metrics import VERDICT, min_attainable_p, paired_test, wilson_interval
from ser_utils.training.metrics import verdict as verdict_of

ALPHA = 0.05
# notebook 07's rungs where no test speaker's score steers a choice (rung 1 and those built on it use
# the global validation choice, which is not nested: their validation speakers are other folds' test speakers)
HONEST_RUNGS = ("0", "1n")
NOT_NESTED_RUNGS = ("1", "2", "2a", "2b", "3")
HEADLINE_RUNG, FALLBACK_RUNG = "1n", "1"   # fixed before the ladder's numbers were seen (training.fidelity)
TERM_PATTERN = r"\[\[([A-Za-z][A-Za-z \-]*)\]\]"   # [[term]]

# glossary term (as written between [[ ]]) -> anchor in notebooks/GLOSSARY.md
TERMS = {
    "UAR": "uar", "WA": "wa", "MFCC": "mfcc", "chroma": "chroma",
    "speaker-independent": "speaker-independent-evaluation", "fold": "fold",
    "validation speakers": "validation-speakers",
    "attention": "attention", "residual connection": "residual-connection",
    "BatchNorm over padding": "batchnorm-over-padding",
    "TPE": "tpe", "pruning": "pruning", "optimism": "optimism", "paired test": "paired-test",
    "underpowered": "underpowered", "confidence interval": "confidence-interval", "baseline": "baselines",
    "silhouette": "silhouette", "kNN": "knn", "confusion matrix": "confusion-matrix",
    "nested selection": "nested-selection", "Holm correction": "holm-correction", "transductive": "transductive",
}


@dataclass(frozen=True)
class Finding:
    """One sentence of results and where it comes from (``tables/x`` or ``figures/x``)."""

    text: str
    source: str


GLOSSARY = "GLOSSARY.md"   # beside the notebook: notebooks/ has it, the pipeline copies it to <out_dir>/notebooks


def glossary_path(out_dir=None) -> str:
    """The glossary as a link from a notebook: ``GLOSSARY.md``, the same relative path from
    ``notebooks/`` and from ``<out_dir>/notebooks/`` (``pipeline.copy_glossary`` puts a
    copy there), so generated and hand-written links agree."""
    return GLOSSARY


def link_terms(text: str, out_dir) -> str:
    """Replace each ``[[term]]`` by a link to its glossary entry; an unknown term is an
    error naming it."""
    path = glossary_path(out_dir)

    def link(m):
        term = m.group(1)
        if term not in TERMS:
            raise KeyError(f"glossary term {term!r} is not in findings.TERMS (known: {', '.join(TERMS)})")
        return f"[{term}]({path}#{TERMS[term]})"

    return re.sub(TERM_PATTERN, link, text)


def source_link(source: str) -> str:
    """``tables/x`` -> a link to ``../tables/x.md``; ``figures/x`` -> ``../figures/x.png``."""
    kind, name = source.split("/", 1)
    ext = {"tables": "md", "figures": "png"}[kind]
    return f"[{kind[:-1]} `{name}`](../{kind}/{name}.{ext})"


def markdown(findings: list[Finding], out_dir) -> str:
    """A numbered list, each finding followed by the link to its table or figure."""
    if not findings:
        return "_No tables found: nothing to report._"
    return "\n".join(f"{i}. {link_terms(f.text, out_dir)} ({', '.join(source_link(s) for s in f.source.split(' '))})"
                     for i, f in enumerate(findings, 1))


# ---------------------------------------------------------------- formatting helpers

def num(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}f}"


def signed(x: float, digits: int = 3) -> str:
    """``+0.012`` / ``-0.012``; a value that rounds to zero prints ``0.000`` (no ``-0.000``)."""
    if np.isnan(x):
        return "n/a"
    text = f"{x:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def pm(mean: float, std: float, digits: int = 3) -> str:
    """``0.472 ± 0.023`` (std over runs), or ``0.472 (one run)`` without a std; a std of 0 (runs
    with the same pooled UAR by coincidence) says so, since ``± 0.000`` reads as a precision."""
    if np.isnan(std):
        return f"{num(mean, digits)} (one run)"
    if std < 1e-12:   # identical values (a float std of them is 0 or ~1e-17), not a small spread
        return f"{num(mean, digits)} ± {num(0.0, digits)} ({ZERO_SPREAD})"
    return f"{num(mean, digits)} ± {num(std, digits)}"


ZERO_SPREAD = ("all equal by coincidence, not a precision: a pooled UAR takes few distinct values, and a zero "
               "spread or a zero-width interval is one of them repeated")


def interval(low: float, high: float, digits: int = 3, sign: bool = True) -> str:
    """``95 % CI [+0.010, +0.030]`` (a difference) or, with ``sign=False``, ``[0.410, 0.430]``.
    A bound that is not 0 but rounds to it gets the digits that show its sign
    (``[-0.0004, +0.042]``): whether an interval holds 0 must not be lost to rounding."""
    f = signed if sign else num

    def bound(x):
        d = digits
        while not np.isnan(x) and x != 0 and round(abs(x), d) == 0 and d < 6:
            d += 1
        return f(x, d)

    return f"95 % CI [{bound(low)}, {bound(high)}]"


def trial_counts(counts) -> str:
    """``4–8 trials``, or ``100 trials each`` when every study has the same number."""
    lo, hi = int(min(counts)), int(max(counts))
    return f"{lo} trials each" if lo == hi else f"{lo}–{hi} trials"


def span(low: float, high: float, fmt=num) -> str:
    """``from 0.12 to 0.34``, or ``0.12 in each`` when both ends print alike (no degenerate range)."""
    a, b = fmt(low), fmt(high)
    return f"{a} in each" if a == b else f"from {a} to {b}"


def pvalue(p: float) -> str:
    return "n/a" if np.isnan(p) else (f"{p:.3g}" if p >= 1e-3 else f"{p:.1e}")


def units(row) -> str:
    """``24 speakers`` (or ``5 folds``, ``15 pairs`` for an older table without a ``unit``)."""
    unit = row[col.UNIT] if "unit" in row and isinstance(row[col.UNIT], str) and row[col.UNIT] else "pair"
    n = int(row[col.PAIRS])
    return f"{n} {unit}{'s' if n != 1 else ''}"


def holm_phrase(row) -> str:
    """``, Holm-adjusted 0.51`` when the row has a ``p (Holm)`` (empty otherwise)."""
    if col.P_HOLM not in row or pd.isna(row[col.P_HOLM]):
        return ""
    return f", Holm-adjusted {pvalue(row[col.P_HOLM])}"


def test_phrase(row) -> str:
    """``exact sign-flip p = 0.13, Holm-adjusted 0.38, over 24 speakers`` plus, when
    p < 0.05 was out of reach, why the comparison is underpowered."""
    adj = holm_phrase(row)
    text = f"{row[col.TEST]} p = {pvalue(row[col.P])}{adj}{',' if adj else ''} over {units(row)}"
    if row[VERDICT] == "underpowered":
        text += (f"; **underpowered**: with {units(row)} the smallest attainable p is "
                 f"{pvalue(row[col.MIN_P])} > {ALPHA}, so no data could show a difference")
    return text


def test_phrase_plain(row) -> str:
    """``test_phrase`` for a table without a verdict column."""
    adj = holm_phrase(row)
    return f"{row[col.TEST]} p = {pvalue(row[col.P])}{adj}{',' if adj else ''} over {units(row)}"


def t_half(row) -> str:
    """``95 % t-interval over runs ± 0.045;`` from a table row's ``ci95_low``/``ci95_high``
    (empty when there is no interval: one run)."""
    if "ci95_low" not in row or np.isnan(row[col.CI95_LOW]):
        return ""
    return f"95 % t-interval of the mean ± {num((row[col.CI95_HIGH] - row[col.CI95_LOW]) / 2)};"


def within_noise(mean_a: float, std_a: float, mean_b: float, std_b: float) -> bool:
    """Two means over runs whose difference is below the larger of their stds: no
    ranking between them is supported (one run, no std: never)."""
    spread = np.nanmax([std_a, std_b]) if not (np.isnan(std_a) and np.isnan(std_b)) else np.nan
    return bool(not np.isnan(spread) and abs(mean_a - mean_b) < spread)


def below_baseline(nets: pd.DataFrame, baseline_uar: float, what: str = "networks",
                   baseline: str = "the logistic regression") -> str:
    """How many of ``nets`` (``model``, ``uar_mean``, optionally ``uar_std``) do not reach the
    baseline's mean UAR, named; those above it by less than their own std over runs are named
    too (no ranking is supported: ``within_noise`` against a deterministic baseline);
    grammatical for one."""
    below = nets[nets[col.UAR_MEAN] <= baseline_uar]
    n, total = len(below), len(nets)
    one = what[:-1] if what.endswith("s") else what
    if total == 1:
        r = nets.iloc[0]
        text = (f"The one {one}, {r[col.MODEL]}, {'does not clear' if n else 'has a higher mean UAR than'} {baseline}"
                + (" on mean UAR" if n else ""))
    elif n == 0:
        text = f"All {total} {what} have a higher mean UAR than {baseline}"
    elif n == total:
        text = f"None of the {total} {what} clears {baseline} on mean UAR ({', '.join(below[col.MODEL])})"
    else:
        names = ", ".join(below[col.MODEL])
        verb = "does" if n == 1 else "do"
        text = (f"{n} of the {total} {what} {verb} not clear {baseline} on mean UAR ({names}); "
                f"{total - n} {'has' if total - n == 1 else 'have'} a higher mean")
    above = nets[nets[col.UAR_MEAN] > baseline_uar]
    if col.UAR_STD in nets:
        close = above[[within_noise(m, sd, baseline_uar, np.nan)
                       for m, sd in zip(above[col.UAR_MEAN], above[col.UAR_STD])]]
        if len(close):
            parts = ", ".join(f"{r[col.MODEL]} ({signed(r[col.UAR_MEAN] - baseline_uar)}, std over runs "
                              f"{num(r[col.UAR_STD])})"
                              for _, r in close.iterrows())
            text += (f", but by less than the spread over runs for {parts}: "
                     f"{'that margin is' if len(close) == 1 else 'those margins are'} within noise")
    return text + "."


def _load(out_dir, name: str, dtype=None) -> pd.DataFrame | None:
    path = Path(out_dir) / "tables" / f"{name}.csv"
    return pd.read_csv(path, dtype=dtype) if path.exists() else None


TIE_SHARE = 0.02   # medians closer than this share of their range are named together


def extreme(values: pd.Series, which: str) -> str:
    """The emotion with the largest (``max``) or smallest (``min``) value and its value,
    ``calm (-646.2) and neutral (-645.1)`` when others are within ``TIE_SHARE`` of the
    range of the values."""
    best = values.max() if which == "max" else values.min()
    tol = TIE_SHARE * (values.max() - values.min())
    near = values[(values - best).abs() <= tol].sort_values(ascending=which == "min")
    return " and ".join(f"{k} ({num(v, 1)})" for k, v in near.items())


# ---------------------------------------------------------------- 01

def findings_01(out_dir) -> list[Finding]:
    out = []
    counts = _load(out_dir, "corpus_counts_by_emotion")
    if counts is not None:
        total = int(counts[col.TOTAL].sum())
        small = counts.loc[counts[col.TOTAL].idxmin()]
        big = counts.loc[counts[col.TOTAL].idxmax()]
        out.append(Finding(
            f"The corpus has {total} utterances in {len(counts)} emotions; the rarest, {small[col.EMOTION]}, has "
            f"{int(small[col.TOTAL])}, the largest {int(big[col.TOTAL])}. Always answering the largest class scores a "
            f"[[WA]] of {num(big[col.TOTAL] / total)} but a [[UAR]] of {num(1 / len(counts))}: UAR does not reward "
            "guessing the frequent classes.", "tables/corpus_counts_by_emotion"))
    frames = _load(out_dir, "frames_by_emotion")
    if frames is not None:
        longest = frames.loc[frames[col.FRAMES_MEAN].idxmax()]
        shortest = frames.loc[frames[col.FRAMES_MEAN].idxmin()]
        overlap = frames[col.FRAMES_MIN].max() <= frames[col.FRAMES_MAX].min()
        out.append(Finding(
            f"Utterances last {int(frames[col.FRAMES_MIN].min())}–{int(frames[col.FRAMES_MAX].max())} frames; on "
            "average "
            f"{longest[col.EMOTION]} is the longest ({num(longest[col.FRAMES_MEAN], 1)} frames) and "
            f"{shortest[col.EMOTION]} the "
            f"shortest ({num(shortest[col.FRAMES_MEAN], 1)}), "
            + ("but every emotion's range overlaps every other's: length alone cannot tell them apart."
               if overlap else "and some emotions' ranges do not overlap."), "tables/frames_by_emotion"))
    medians = _load(out_dir, "feature_medians_by_emotion")
    if medians is not None:
        loud, tilt = "MFCC-0 mean (loudness)", "MFCC-1 mean (tilt)"
        m = medians.set_index("emotion")
        out.append(Finding(
            f"By the median of MFCC-0 (loudness) the loudest emotion is {extreme(m[loud], 'max')} and the quietest "
            f"{extreme(m[loud], 'min')}; by MFCC-1 (tilt) the brightest is {extreme(m[tilt], 'min')} and the darkest "
            f"{extreme(m[tilt], 'max')} (names within {int(TIE_SHARE * 100)} % of the emotions' range of medians "
            "count as tied). How far each box overlaps the others is in the figure.",
            "tables/feature_medians_by_emotion figures/feature_distributions_by_emotion"))
    leak = _load(out_dir, "speaker_leakage_logreg")
    if leak is not None:
        emo = leak[leak[col.TASK] == "emotion"].set_index("split")
        rnd = emo.loc["random utterances (speakers shared)"]
        ind = emo.loc["speaker-independent folds"]
        spread = "fold_uar_std" in leak
        r_txt = pm(rnd[col.UAR_VALUE], rnd[col.FOLD_UAR_STD]) if spread else num(rnd[col.UAR_VALUE])
        i_txt = pm(ind[col.UAR_VALUE], ind[col.FOLD_UAR_STD]) if spread else num(ind[col.UAR_VALUE])
        out.append(Finding(
            f"A logistic regression on utterance statistics reaches a UAR of {r_txt} when speakers are shared "
            f"between training and test, and {i_txt} on [[speaker-independent]] folds"
            + (" (± the std over the splits)" if spread else "")
            + f": sharing speakers inflates UAR by {signed(rnd[col.UAR_VALUE] - ind[col.UAR_VALUE])}.",
            "tables/speaker_leakage_logreg"))
        identity = leak[leak[col.TASK] == "actor identity"].iloc[0]
        out.append(Finding(
            f"The same features name the actor with a UAR of {num(identity[col.UAR_VALUE])}, "
            f"{num(identity[col.UAR_VALUE] / identity[col.CHANCE], 1)}"
            f" times chance ({num(identity[col.CHANCE])}): they carry the speaker, which is why every later number is "
            "speaker-independent.", "tables/speaker_leakage_logreg"))
    return out


# ---------------------------------------------------------------- 02

def and_join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def convergence_finding(conv: pd.DataFrame | None, source: str, what: str = "models") -> list[Finding]:
    """One finding from a convergence table (``summaries.convergence`` rows): how many models
    plateaued, which were still rising (their ranking could change with more epochs)."""
    if conv is None or not len(conv) or "verdict" not in conv:
        return []
    rising = conv[conv[col.CONVERGENCE_VERDICT] == "still rising"]
    flat = conv[conv[col.CONVERGENCE_VERDICT] == "plateaued"]
    short = conv[conv[col.CONVERGENCE_VERDICT] == "too short to tell"]
    ended = conv[conv[col.CONVERGENCE_VERDICT] == "schedule-ended, cannot tell"]
    epochs = sorted({int(e) for e in conv[col.EPOCHS].dropna()}) if "epochs" in conv else []
    at = f" at {and_join([str(e) for e in epochs])} epochs" if epochs else ""
    noun = what[:-1] if len(conv) == 1 and what.endswith("s") else what
    text = (f"Did training converge? Of {len(conv)} {noun}{at}, {len(flat)} plateaued (validation UAR gained at most "
            f"0.01 in the last fifth of the epochs"
            + (f" while the learning rate there still averaged at least {num(SCHEDULE_ENDED, 2)} of its "
               "peak)" if "lr_last_fifth_share" in conv else ")"))
    if len(rising):
        text += (f" and {len(rising)} {'was' if len(rising) == 1 else 'were'} still rising "
                 f"({', '.join(rising[col.MODEL])}; up to "
                 f"{signed(float(rising[col.LAST_FIFTH_GAIN].max()))}): their numbers may understate what more epochs "
                 "would give, so rankings that involve them are provisional")
    if len(ended):
        share = (f"; the learning rate there averaged at most {num(float(ended[col.LR_LAST_FIFTH_SHARE].max()))} of "
                 "its peak" if "lr_last_fifth_share" in ended else "")
        text += (f"; {len(ended)} cannot be told ({', '.join(ended[col.MODEL])}): their validation UAR was flat in the "
                 f"last fifth, but their schedule had annealed the learning rate by then{share}, so the flat tail is "
                 "the schedule's — whether more training would help is unknown")
    if len(short):
        text += f"; {len(short)} trained too few epochs to tell"
    return [Finding(text + ".", source)]


def family_settings(table: pd.DataFrame) -> str:
    """How the networks of a table were set (its ``setting`` column): one phrase."""
    if "setting" not in table:
        return "at the default hyperparameters"
    kinds = {"tuned" if str(v).startswith("tuned") else "defaults" for v in table[col.SETTING]}
    if kinds == {"tuned"}:
        return "with each family's tuned setting (chosen on validation speakers for h64)"
    if kinds == {"defaults"}:
        return "at the default hyperparameters"
    return ("with mixed settings (one family tuned, the other at the defaults), so a difference between the "
            "families may be one of settings rather than of architectures")


def findings_02(out_dir) -> list[Finding]:
    out = []
    table = _load(out_dir, "baseline_sweep_long")
    if table is not None:
        distinct = table[~((table[col.LAYERS] == 1) & (table[col.POOLING] == "concat"))]
        lo, hi = distinct.loc[distinct[col.UAR_MEAN].idxmin()], distinct.loc[distinct[col.UAR_MEAN].idxmax()]
        rep = distinct.dropna(subset=[col.REPORTED_UAR])
        gain = rep[col.UAR_MEAN] - rep[col.REPORTED_UAR]
        runs = "one run each" if distinct[col.UAR_STD].isna().all() else "mean over runs"
        out.append(Finding(
            f"Our {len(distinct)} distinct configurations reach a [[UAR]] of {num(lo[col.UAR_MEAN])} "
            f"({lo[col.NAME]}, {lo[col.POOLING]}) to {num(hi[col.UAR_MEAN])} ({hi[col.NAME]}, {hi[col.POOLING]}), "
            f"{runs}; "
            f"seed 001 reported (quotation) {num(rep[col.REPORTED_UAR].min())}–{num(rep[col.REPORTED_UAR].max())}. "
            f"Ours are higher in {int((gain > 0).sum())} of {len(rep)} configurations (median "
            f"{signed(float(gain.median()))}).", "tables/baseline_table1 figures/baseline_uar_vs_parameters"))
        refs = _load(out_dir, "sweep_reference_baselines")
        if refs is not None and len(refs):
            parts = [f"{r[col.MODEL]} {num(r[col.UAR_MEAN])} "
                     f"({'below' if hi[col.UAR_MEAN] > r[col.UAR_MEAN] else 'not below'} "
                     f"the best LSTM's {num(hi[col.UAR_MEAN])})" for _, r in refs.iterrows()]
            out.append(Finding("The [[baseline]]s on the same folds, UAR: " + "; ".join(parts) + ".",
                               "tables/sweep_reference_baselines"))
    claims = _load(out_dir, "baseline_claims")
    if claims is not None:
        c = claims.set_index("key")
        if "size" in c.index:
            r = c.loc["size"]
            text = (f"Bigger is better (seed 001's second conclusion)? UAR rises with the parameter count in rank: "
                    f"Spearman ρ = {num(r[col.VALUE], 2)}, p = {pvalue(r[col.P])}{holm_phrase(r)} over "
                    f"{int(r[col.PAIRS])} "
                    "models"
                    + (f" ({runs})" if table is not None else "")
                    + f" — **{r[VERDICT]}** at α = {ALPHA}")
            if table is not None:
                text += f"; but {depth_comparison(table)}"
            out.append(Finding(text + ".", "tables/baseline_claims tables/baseline_sweep_long"))
        if "concat_pooled" in c.index:
            r = c.loc["concat_pooled"]
            out.append(Finding(
                "Concatenating the layers' states against the last state, speaker by speaker (each speaker's UAR "
                "averaged over the 2- and 3-layer configurations and the runs): "
                f"{signed(r[col.VALUE])} UAR ({interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}; "
                f"{test_phrase(r)}) — "
                f"**{r[VERDICT]}**.", "tables/baseline_claims tables/baseline_concat_vs_last"))
        if "concat_any" in c.index:
            r = c.loc["concat_any"]
            more = ("(a [[paired test]] needs more pairs here: more speakers, or folds where speakers cannot be "
                    "told apart)" if r[VERDICT] == "underpowered" else
                    f"(a [[paired test]] per configuration over {units(r)}, Holm-adjusted with the family's other "
                    "claims)")
            out.append(Finding(
                f"Per configuration, concat against last: {r[col.DETAIL]} — **{r[VERDICT]}** {more}.",
                "tables/baseline_concat_vs_last"))
        if "one_layer" in c.index:
            r = c.loc["one_layer"]
            out.append(Finding(f"Consistency check: a 1-layer `concat` model equals its `last` twin "
                               f"(same parameters, same seeds): **{r[VERDICT]}**.",
                               "tables/baseline_sweep_long"))
    out += convergence_finding(_load(out_dir, "baseline_convergence"),
                               "tables/baseline_convergence figures/baseline_val_curves", "configurations")
    return out


def depth_comparison(table: pd.DataFrame) -> str:
    """Whether the deepest models beat the next-deepest at equal width, per pooling, and
    which configuration is best (``baseline_sweep_long``: name, layers, hidden, pooling,
    uar_mean)."""
    best = table.loc[table[col.UAR_MEAN].idxmax()]
    head = f"the best configuration is {best[col.NAME]} ({best[col.POOLING]}, {int(best[col.PARAMETERS]):,} parameters)"
    if table[col.LAYERS].nunique() < 2:
        return head
    deep, prev = int(table[col.LAYERS].max()), int(sorted(table[col.LAYERS].unique())[-2])
    parts = []
    for pooling, g in table.groupby("pooling", sort=False):
        w = g.pivot_table(index=col.HIDDEN, columns=col.LAYERS, values=col.UAR_MEAN)
        if deep in w and prev in w:
            below = int((w[deep] < w[prev]).sum())
            parts.append(f"{below} of {len(w)} widths with `{pooling}`")
    below_all = sum(int(x.split(" of ")[0]) for x in parts)
    widths_all = sum(int(x.split(" of ")[1].split()[0]) for x in parts)
    verdict = (": the extra layer did not help at any width" if widths_all and below_all == widths_all else
               ": the extra layer helped at every width" if widths_all and below_all == 0 else "")
    return f"{head}, and {deep} layers score below {prev} at equal width in {' and '.join(parts)}{verdict}"


# ---------------------------------------------------------------- 03

def residual_verdict(rows) -> str:
    """Which sizes show ResLSTM-SA better, which LSTM-SA, which neither, from paired-test
    rows (``comparison`` "ResLSTM-SA-hH vs LSTM-SA-hH")."""
    def size(r):
        return r[col.COMPARISON].split(" vs ")[0].rsplit("-", 1)[1]

    shown = rows[VERDICT] == "shown"
    better = [size(r) for _, r in rows[shown & (rows[col.MEAN_DIFF] > 0)].iterrows()]
    worse = [size(r) for _, r in rows[shown & (rows[col.MEAN_DIFF] < 0)].iterrows()]
    neither = [size(r) for _, r in rows[~shown].iterrows()]
    parts = ([f"ResLSTM-SA shown better at {', '.join(better)}"] if better else []) + \
            ([f"LSTM-SA shown better at {', '.join(worse)}"] if worse else []) + \
            ([f"no difference shown at {', '.join(neither)}"] if neither else [])
    return "; ".join(parts)[:1].upper() + "; ".join(parts)[1:]


def nested_findings(out_dir) -> list[Finding]:
    """03's nested choice against the global (not nested) tuned setting (``tables/sa_nested``)."""
    table = _load(out_dir, "sa_nested")
    if table is None or not len(table):
        return []
    parts = []
    for _, r in table.iterrows():
        runs = int(r[col.RUNS])
        parts.append(f"{r[col.MODEL]} {r[col.NESTED_UAR]} nested against {r[col.GLOBAL_UAR]} not nested "
                     f"({signed(r[col.MEAN_DIFF])} per speaker, "
                     f"{interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}, "
                     f"{int(r[col.PAIRS])} {r[col.UNIT]}s, {r[col.TEST]} p = {pvalue(r[col.P])}, Holm "
                     f"{pvalue(r[col.P_HOLM])}: {r[VERDICT]}; {int(r[col.DISTINCT_SETTINGS])} distinct "
                     f"setting{'s' if int(r[col.DISTINCT_SETTINGS]) != 1 else ''} over the folds)")
    runs = int(table[col.RUNS].iloc[0])
    edge = table[((table[col.DIFF_CI95_LOW] > 0) | (table[col.DIFF_CI95_HIGH] < 0)) & (table[VERDICT] != "shown")]
    note = (f" For {', '.join(edge[col.MODEL])} the bootstrap interval leaves out 0 while the test does not show a "
            "difference: the two disagree at the edge (the percentile bootstrap over few speakers is narrower than "
            "the exact test allows, and a speaker who ties carries no sign in it); the verdict rests on the test."
            if len(edge) else "")
    return [Finding(
        "The tuned setting is not nested (each fold's validation speakers are another fold's test speakers: "
        "[[nested selection]]). Choosing it per test fold from the validation folds outside it, pooled UAR "
        f"(mean ± std over {runs} run{'s' if runs != 1 else ''}): " + "; ".join(parts) + "." + note,
        "tables/sa_nested")]


def spread_findings(out_dir) -> list[Finding]:
    """03's one (run, fold) under several numerics, machines and seeds (``tables/sa_numerics_spread``)."""
    table = _load(out_dir, "sa_numerics_spread")
    if table is None or not len(table):
        return []
    parts = []
    groups = ((summaries.SPREAD_NUMERICS, "the same seed and data under {n} numerics setting{s}"),
              (summaries.SPREAD_MIXED, "{n} mixed run{s} (pinned training on native features)"),
              (summaries.SPREAD_MACHINE, "as committed from {n} machine{s} nobody recorded"),
              (summaries.SPREAD_SEED, "the fold's {n} committed run{s} (each its own seed)"))
    for varies, what in groups:
        rows = table[table[col.VARIES] == varies][col.TEST_UAR]
        if len(rows):
            parts.append(what.format(n=len(rows), s="s" if len(rows) != 1 else "")
                         + f": {num(rows.min()) if len(rows) == 1 else span(rows.min(), rows.max())}")
    machine = table[table[col.VARIES].isin([summaries.SPREAD_NUMERICS, summaries.SPREAD_MIXED,
                                             summaries.SPREAD_MACHINE])][col.TEST_UAR]
    seeds = table[table[col.VARIES] == summaries.SPREAD_SEED][col.TEST_UAR]
    compare = ""
    if len(machine) > 1 and len(seeds) > 1:
        ratio = (machine.max() - machine.min()) / max(seeds.max() - seeds.min(), 1e-12)
        compare = (" The rounding of one machine against another moves it "
                   + ("about as much as" if 0.5 <= ratio <= 2 else "more than" if ratio > 2 else "less than")
                   + f" a new seed does (range {num(machine.max() - machine.min())} against "
                   f"{num(seeds.max() - seeds.min())}).")
    fold = int(table[col.FOLD].iloc[0])
    return [Finding(f"One fold's test [[UAR]] is a draw (ResLSTM-SA-h64 at batch 4, fold {fold}): "
                    + "; ".join(parts) + "." + compare + " Only pinned numerics make a record replay elsewhere.",
                    "tables/sa_numerics_spread")]


def findings_03(out_dir) -> list[Finding]:
    out = []
    table = _load(out_dir, "sa_models_table")
    tests = _load(out_dir, "sa_paired_tests")
    if table is not None:
        nets = table[(table[col.PROTOCOL] == "clean") & (table[col.KIND] == "network")]
        best = nets.loc[nets[col.UAR_MEAN].idxmax()]
        out.append(Finding(
            f"Best model under the clean protocol: {best[col.MODEL]} at a [[UAR]] of "
            f"{pm(best[col.UAR_MEAN], best[col.UAR_STD])} "
            f"(mean ± std) over {int(best[col.RUNS])} runs, {t_half(best)} [[WA]] "
            f"{pm(best[col.WA_MEAN], best[col.WA_STD])}, {int(best[col.EPOCHS])} epochs {family_settings(nets)}; the "
            "slides "
            f"report (quotation) {best[col.SLIDES_UAR_TEXT]} for the model tuned on the test folds.",
            "tables/sa_models_table"))
        base = table[table[col.KIND] == "baseline"].set_index("model")
        if len(base):
            lr = base.loc[LOGREG]
            text = (f"The [[baseline]]s on the same folds: majority class UAR {num(base.loc[MAJORITY, 'uar_mean'])} "
                    f"(WA {num(base.loc[MAJORITY, 'wa_mean'])}); logistic regression on utterance statistics UAR "
                    f"{num(lr[col.UAR_MEAN])} (WA {num(lr[col.WA_MEAN])}). "
                    f"{below_baseline(nets, lr[col.UAR_MEAN], 'clean networks')}")
            for label in [x for x in STANDARD if x in base.index]:
                text += (f" The field's standard reference {label}: UAR {num(base.loc[label, 'uar_mean'])} "
                         f"(WA {num(base.loc[label, 'wa_mean'])}). "
                         + below_baseline(nets, base.loc[label, col.UAR_MEAN], "clean networks", "it")[:-1] + ".")
            out.append(Finding(text, "tables/sa_models_table"))
    if tests is not None:
        clean = tests[tests[col.PROTOCOL] == "clean"]
        same = clean[~clean[col.COMPARISON].str.contains("claim")]
        def part(r) -> str:
            adj = f"; Holm {pvalue(r[col.P_HOLM])}" if col.P_HOLM in r and not pd.isna(r[col.P_HOLM]) else ""
            return (f"{r[col.COMPARISON].split(' vs ')[0].rsplit('-', 1)[1]}: {signed(r[col.MEAN_DIFF])} "
                    f"[{signed(r[col.DIFF_CI95_LOW])}, {signed(r[col.DIFF_CI95_HIGH])}], p = {pvalue(r[col.P])}{adj} "
                    f"({r[VERDICT]})")

        parts = [part(r) for _, r in same.iterrows()]
        paper_rows = tests[tests[col.PROTOCOL] == "paper"]
        paper = paper_rows[paper_rows[VERDICT] == "underpowered"]
        tail = ""
        if len(paper):
            r = paper.iloc[0]
            tail = (f" The paper protocol's {len(paper)} comparisons rest on {units(r)} each (only its "
                    f"first run counts: its reseeding repeats the same seeds): smallest attainable p "
                    f"{pvalue(r[col.MIN_P])} > {ALPHA}, so they are [[underpowered]] — no evidence "
                    "either way.")
        elif len(paper_rows):
            tail = (" Paper protocol (its first run only: its reseeding repeats the same seeds): "
                    + "; ".join(part(r) for _, r in paper_rows.iterrows()) + ".")
        holm = (f", Holm-adjusted over the table's {len(tests)} comparisons (one family)" if col.P_HOLM in tests
                else "")
        out.append(Finding(
            "Does the [[residual connection]] help? ResLSTM-SA minus LSTM-SA, clean protocol, speaker by speaker "
            f"(each of the {units(same.iloc[0])}' UAR averaged over the runs): {'; '.join(parts)} "
            f"({same[col.TEST].iloc[0]} test over the speakers{holm}; 95 % bootstrap CI over the speakers). "
            f"{residual_verdict(same)}.{tail}", "tables/sa_paired_tests"))
        claim = clean[clean[col.COMPARISON].str.contains("claim")]
        if len(claim):
            r = claim.iloc[0]
            direction = ("the opposite of the slides' claim is shown" if r[VERDICT] == "shown"
                         and r[col.MEAN_DIFF] < 0 else "the slides' claim is shown"
                         if r[VERDICT] == "shown" else f"the claim is {r[VERDICT]}")
            setting = ""
            if table is not None:
                row = table[(table[col.PROTOCOL] == "clean") & (table[col.MODEL] == "LSTM-SA-h128")]
                if len(row):
                    n_runs = int(row[col.RUNS].iloc[0])
                    setting = (f" {family_settings(table[table[col.KIND] == 'network'])}"
                               + (f", {int(row[col.EPOCHS].iloc[0])} epochs" if "epochs" in row else "")
                               + f"; the {units(r)} are the pairs, each one's UAR averaged over {n_runs} runs "
                               "(runs on the same speakers are not independent samples of speakers)")
            out.append(Finding(
                f"The slides' claim ResLSTM-SA-h32 > LSTM-SA-h128: {signed(r[col.MEAN_DIFF])} UAR "
                f"({interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}; {test_phrase(r)}): {direction}{setting}.",
                "tables/sa_paired_tests"))
    gap = _load(out_dir, "sa_protocol_gap")
    if gap is not None and gap[col.PAPER_MINUS_CLEAN].notna().sum() > 1:
        d = gap[col.PAPER_MINUS_CLEAN].dropna().to_numpy()  # models trained under both protocols
        out.append(Finding(
            f"Paper minus clean protocol (leaky normalisation, shared reseeding), mean pooled UAR per model: "
            f"{signed(float(d.mean()))} on average over {len(d)} models ("
            + (f"from {signed(float(d.min()))} to {signed(float(d.max()))}"
               if signed(float(d.min())) != signed(float(d.max()))
               else "the same for each")
            + "), untested: the models are not a sample of anything, and a test over "
            f"{len(d)} models could not give p < 0.05 anyway (the smallest attainable p is "
            f"{pvalue(min_attainable_p(len(d)))}); no paired test compares the protocols speaker by speaker "
            "(the paper row of the paired tests compares the two families within the paper protocol) "
            f"{family_settings(table[table[col.KIND] == 'network']) if table is not None else ''}.",
            "tables/sa_protocol_gap"))
    recall = _load(out_dir, "sa_per_class_recall")
    if recall is not None and table is not None and out:
        r = recall.set_index("model").loc[best[col.MODEL]]
        emotions = [c for c in recall.columns if c not in ("model", "runs", "UAR", "WA")]
        values = r[emotions].astype(float)
        out[0] = Finding(f"{out[0].text} Its recall per emotion (mean over runs) runs from {num(values.min())} "
                         f"({values.idxmin()}) to {num(values.max())} ({values.idxmax()}).",
                         f"{out[0].source} tables/sa_per_class_recall figures/sa_confusions")
    out += nested_findings(out_dir)
    out += spread_findings(out_dir)
    out += convergence_finding(_load(out_dir, "sa_convergence"), "tables/sa_convergence figures/sa_learning_curves")
    return out


# ---------------------------------------------------------------- 04

def validation_choice(evaluation: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Per model, the clean winner of the space whose clean winner has the best
    *validation* UAR: rows of ``tuning_winners_evaluation`` joined with ``tuning_studies``' ``clean_val_uar``
    (the pruned studies; the no-pruning ablation is not a space)."""
    val = studies[studies[col.PRUNER] != "none"][["model", "space", "clean_val_uar"]]
    clean = evaluation[evaluation[col.SELECTION] == "clean"].merge(val, on=["model", "space"])
    return clean.loc[clean.groupby("model", sort=False)[col.CLEAN_VAL_UAR].idxmax()]


def findings_04(out_dir) -> list[Finding]:
    out = []
    table = _load(out_dir, "tuning_seed000_table")
    studies = _load(out_dir, "tuning_studies")
    if table is not None:
        opt = table[col.OPTIMISM]
        gap = table[col.FRESH_SEED_GAP]
        same = int((gap == 0).sum())
        sel = table[col.SELECTED_MINUS_CLEAN]
        n = len(opt)
        what = (f"{signed(float(opt.iloc[0]))} in the one study" if n == 1 else
                f"{signed(float(opt.mean()))} on average ({span(float(opt.min()), float(opt.max()), signed)}, "
                f"{n} studies)")
        gaps = (f"{signed(float(gap.iloc[0]))}" if n == 1 else f"{signed(float(gap.mean()))} on average")
        same_text = ("both selections picked the same trial" if same == n == 1 else
                     "the two selections picked different trials" if n == 1 else
                     f"in {same} of them both selections picked the same trial")
        out.append(Finding(
            f"[[optimism]] of selecting on the test folds — the paper-style winner's own test UAR (the trial that "
            f"selected it) minus the same configuration's fresh-seed mean: {what}. For comparison, the fresh-seed gap "
            f"between the paper-style and the clean winner is {gaps} ({same_text}).",
            "tables/tuning_seed000_table"))
        head = ("What a paper-style study would report — the winner's test UAR in the very trial that selected it — "
                "minus the clean winner's fresh-seed mean: ")
        if len(sel) < 2:
            out.append(Finding(head + f"{signed(float(sel.iloc[0]))} (one study: no spread, nothing to test).",
                               "tables/tuning_seed000_table"))
        else:
            t = paired_test(sel.to_numpy())
            v = verdict_of(t[col.P], t["underpowered"], ALPHA)
            out.append(Finding(
                head + f"{signed(float(sel.mean()))} ± {num(float(sel.std(ddof=1)))} "
                f"(mean ± std over {len(sel)} studies; higher in {int((sel > 0).sum())} of them; {t[col.TEST]} p = "
                f"{pvalue(t[col.P])} over the studies): that it over-reports is **{v}** at α = {ALPHA}.",
                "tables/tuning_seed000_table"))
        ev = _load(out_dir, "tuning_winners_evaluation")
        if ev is not None and studies is not None:
            chosen = validation_choice(ev, studies)
            spaces = ev.groupby("model")[col.SPACE].nunique()
            several = chosen[chosen[col.MODEL].map(spaces) > 1]
            shown = several if len(several) else chosen
            parts = []
            for _, b in shown.iterrows():
                slides = literature.PAPER000_TABLE.get(b[col.MODEL])
                parts.append(f"{b[col.MODEL]} ({b[col.SPACE]} space, trial {int(b[col.TRIAL])}): "
                             f"{pm(b[col.UAR_MEAN], b[col.UAR_STD])} (mean ± std over {int(b[col.RUNS])} fresh-seed "
                             "runs; [[WA]] "
                             f"{num(b[col.WA_MEAN])})" + (f", slides (reported) {num(slides[1], 4)}" if slides else ""))
            out.append(Finding(
                "Clean-tuned winners as 04 chooses them — per model, the space whose clean winner has the best "
                "validation UAR over all five folds (no test UAR, but not nested: each fold's validation speakers are "
                f"another fold's test speakers; the nested winner follows): {'; '.join(parts)}.",
                "tables/tuning_winners_evaluation tables/tuning_studies"))
    nw = _load(out_dir, "tuning_nested_winners")
    if nw is not None and len(nw):
        out.append(Finding("The nested winner — for each test fold, the trial of best validation UAR over the folds "
                           "whose validation speakers are outside it — against the clean winner, on the same fresh "
                           "seeds: " + "; ".join(nested_winner_phrase(r) for _, r in nw.iterrows()) + ".",
                           "tables/tuning_nested_winners"))
    vs = _load(out_dir, "tuning_vs_defaults")
    if vs is not None and len(vs):
        parts = [f"{r[col.MODEL]} trial {int(r[col.TRIAL])}: {signed(r[col.WINNER_MINUS_DEFAULTS])} UAR against the "
                 "study's "
                 f"defaults ({num(r[col.WINNER_UAR])} vs {num(r[col.DEFAULTS_UAR])}, {test_phrase_plain(r)}; "
                 f"{r[col.CONVERGENCE_VERDICT]})" for _, r in vs.iterrows()]
        out.append(Finding(
            f"What the search bought, at {int(vs[col.EPOCHS].iloc[0])} epochs on the same fresh seeds: "
            + "; ".join(parts) + ".",
            "tables/tuning_vs_defaults"))
    corr = _load(out_dir, "tuning_val_vs_test")
    if corr is not None and len(corr):
        r = corr.iloc[0]
        within = _load(out_dir, "tuning_val_vs_test_by_study")
        w = within.dropna(subset=[col.SPEARMAN_RHO]) if within is not None else None
        pooled = " pooled over the studies" if w is None or len(w) != 1 else " (one study)"
        text = (f"Rank correlation of validation UAR (the objective) with the recorded test UAR: Spearman ρ = "
                f"{num(r[col.SPEARMAN_RHO], 2)} over {int(r[col.COMPLETE_TRIALS])} complete trials{pooled} "
                f"(p = {pvalue(r[col.P])})")
        n = int(r[col.COMPLETE_TRIALS])
        if n <= 4:   # exact: only 2 of the n! orderings reach |rho| = 1
            text += (f"; with {n} trials no rank correlation can reach p < 0.05 (the exact smallest p is 2/{n}! = "
                     f"{pvalue(2 / math.factorial(n))}): **underpowered**")
        if w is not None:
            if len(w) > 1:
                text += ("; within each study (≥ 3 complete trials), where the studies' different levels do not "
                         "count: "
                         f"median ρ {num(float(w[col.SPEARMAN_RHO].median()), 2)}, "
                         f"{span(w[col.SPEARMAN_RHO].min(), w[col.SPEARMAN_RHO].max(), lambda x: num(float(x), 2))} "
                         f"over {len(w)} studies of {trial_counts(w[col.COMPLETE_TRIALS])}")
        out.append(Finding(text + ".", "tables/tuning_val_vs_test tables/tuning_val_vs_test_by_study "
                                       "figures/tuning_val_vs_test"))
    pruning = _load(out_dir, "tuning_pruning")
    if pruning is not None and len(pruning) == 2 and "complete_per_core_hour" in pruning:
        p = pruning.set_index("pruner")
        with_p = p.loc[[i for i in p.index if i != "none"][0]]
        without = p.loc["none"]
        ratio = with_p[col.COMPLETE_PER_CORE_HOUR] / without[col.COMPLETE_PER_CORE_HOUR]
        out.append(Finding(
            f"[[pruning]]: {num(with_p[col.COMPLETE_PER_CORE_HOUR], 0)} complete trials per core-hour with the "
            f"pruner against {num(without[col.COMPLETE_PER_CORE_HOUR], 0)} without ({num(ratio, 2)}×; counting pruned "
            f"trials too: {num(with_p[col.TRIALS_PER_CORE_HOUR], 0)} against "
            f"{num(without[col.TRIALS_PER_CORE_HOUR], 0)}); "
            f"the winner's validation UAR {num(with_p[col.CLEAN_VAL_UAR])} against {num(without[col.CLEAN_VAL_UAR])} "
            f"(one study each: no spread to test).", "tables/tuning_pruning"))
    return out


# ---------------------------------------------------------------- 05

def silhouette_words(s: float) -> str:
    """Rough reading of a silhouette (Rousseeuw 1987; Kaufman & Rousseeuw's bands)."""
    if s < 0.1:
        return "no cluster structure (about 0: points lie as close to other emotions as to their own)"
    if s < 0.25:
        return "weak structure"
    if s < 0.5:
        return "some structure"
    return "compact clusters"


def findings_05(out_dir) -> list[Finding]:
    out = []
    folds = _load(out_dir, "embedding_separability_by_fold")
    tests = _load(out_dir, "embedding_paired_tests")
    if folds is not None:
        knn = col.KNN_UAR
        embedded = folds[col.REPRESENTATION].str.contains("embedding")
        runs = folds.loc[embedded, col.RUN].nunique() if col.RUN in folds else 1
        # the unit is the fold (its test speakers): a fold's runs are averaged first, never counted as units
        by_fold = folds.groupby([col.REPRESENTATION, col.FOLD], sort=False).mean(numeric_only=True).reset_index()
        emb = by_fold[by_fold[col.REPRESENTATION].str.contains("embedding")].sort_values(col.FOLD)
        raw = by_fold[by_fold[col.REPRESENTATION].str.startswith("raw")].sort_values(col.FOLD)
        over = (f"mean ± std over {len(emb)} folds, each fold's {runs} runs averaged first" if runs > 1 else
                f"mean ± std over {len(emb)} folds")
        text = (f"[[kNN]] emotion UAR on held-out speakers: {pm(emb[knn].mean(), emb[knn].std(ddof=1))} from the "
                f"learned embedding ({over}) against {pm(raw[knn].mean(), raw[knn].std(ddof=1))} from raw feature "
                f"means (over {len(raw)} folds)")
        if tests is not None and len(tests):
            parts = []
            for _, r in tests.iterrows():
                against = r[col.COMPARISON].split(" vs ", 1)[1]
                ref = f" (pooled UAR {num(r[col.REFERENCE_UAR])})" if col.REFERENCE_UAR in r else ""
                parts.append(f"against {against}{ref}: {signed(r[col.MEAN_DIFF])} "
                             f"({interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}; {test_phrase(r)}; "
                             f"{r[col.BETTER_WORSE]} speakers better / worse) — **{r[VERDICT]}**")
            text += (". Speaker by speaker (each speaker's kNN UAR averaged over the runs; Holm-adjusted over the "
                     f"{len(tests)} comparisons; each reference's UAR in brackets is its pooled out-of-fold UAR, "
                     "not the mean over folds above), the embedding's gain " + "; ".join(parts))
        out.append(Finding(text + ".", "tables/embedding_separability tables/embedding_paired_tests"))
        g = col.KNN_GENDER_UAR
        out.append(Finding(
            f"Gender is read from the raw features at a UAR of {pm(raw[g].mean(), raw[g].std(ddof=1))} and from the "
            f"embedding at {pm(emb[g].mean(), emb[g].std(ddof=1))} (chance 0.5): the emotion model was never "
            "trained on gender; whatever it keeps of it is a by-product.",
            "tables/embedding_separability figures/embeddings_by_gender"))
        s = col.SILHOUETTE
        se, sr = emb[s].mean(), raw[s].mean()
        out.append(Finding(
            f"[[silhouette]] by emotion on the test speakers: {pm(se, emb[s].std(ddof=1))} (embedding) and "
            f"{pm(sr, raw[s].std(ddof=1))} (raw): {silhouette_words(se)}."
            + (" Seed 000's \"compact emotion clusters\" (quotation) are not what this measure sees on held-out "
               "speakers." if se < 0.25 else ""), "tables/embedding_separability figures/embeddings_by_emotion"))
    claims = _load(out_dir, "confusion_claims")
    recall = _load(out_dir, "per_class_recall_reslstm_sa_h64")
    if claims is not None and recall is not None:
        c = claims.set_index(col.QUANTITY)
        low = recall.loc[recall[col.RECALL].idxmin()]
        def ci(row) -> str:
            return f" [{num(row[col.WILSON_LOW])}, {num(row[col.WILSON_HIGH])}]" if col.WILSON_LOW in row else ""

        happy, n_h = c.loc["recall of happy"], c.loc["neutral predicted as happy"]
        runs = (f"{int(happy[col.RUNS])} run{'s' if int(happy[col.RUNS]) != 1 else ''} pooled; 95 % Wilson intervals "
                "over each class's utterances, run-to-run variation not included"
                if col.WILSON_LOW in happy else "no interval")
        inside = [r[col.EMOTION] for _, r in recall.iterrows() if r[col.EMOTION] != low[col.EMOTION]
                  and col.WILSON_HIGH in low and r[col.RECALL] <= low[col.WILSON_HIGH]]
        rank = (f" — but {', '.join(inside)} {'lies' if len(inside) == 1 else 'lie'} inside its interval: these data "
                "cannot rank the lowest classes" if inside else "")
        reported = n_h[col.PAPER000_REPORTED]
        agrees = ("" if col.WILSON_LOW not in n_h or pd.isna(reported) else
                  ", inside our interval" if n_h[col.WILSON_LOW] <= reported <= n_h[col.WILSON_HIGH] else
                  ", outside our interval")
        out.append(Finding(
            f"[[confusion matrix]] of the pooled out-of-fold predictions ({runs}): the lowest recall is "
            f"{low[col.EMOTION]}'s ({num(low[col.RECALL])}{ci(low)}){rank}; happy's recall is "
            f"{num(happy[col.OURS])}{ci(happy)} "
            f"(seed 000 reported {num(happy[col.PAPER000_REPORTED])}), and {num(n_h[col.OURS])}{ci(n_h)} of neutral "
            f"is predicted happy (reported {num(reported)}{agrees}){_happy_as_neutral(c, ci)}.",
            "tables/confusion_claims figures/confusion_reslstm_sa_h64"))
    return out


def _happy_as_neutral(claims: pd.DataFrame, ci) -> str:
    """The slides' "happy is often confused with neutral" (no number given) checked: the
    share of happy predicted neutral and happy's most frequent wrong answer; "" where the
    table has no such rows."""
    if "happy predicted as neutral" not in claims.index:
        return ""
    h_n = claims.loc["happy predicted as neutral"]
    top = [q for q in claims.index if q.startswith("neutral is happy's most frequent wrong answer")]
    if not top:
        return ""
    name = top[0].rsplit("ours: ", 1)[-1].rstrip(")")
    return (f"; the other way round, {num(h_n[col.OURS])}{ci(h_n)} of happy is predicted neutral, happy's most "
            f"frequent wrong answer being {name}. Of the slides' \"happy is often confused with neutral\", the "
            "direction they give a number for is neutral predicted happy"
            + ("" if claims.loc[top[0], col.OURS] == 1 else "; happy itself is seldom taken for neutral here"))


# ---------------------------------------------------------------- 06

def findings_06(out_dir) -> list[Finding]:
    out = []
    table = _load(out_dir, "sota_our_models")
    if table is not None:
        nets = table[table[col.SOURCE_PAPER] != "baseline"]
        seeds = nets[~nets[col.SOURCE_PAPER].eq("seed 000")]
        ours = nets[nets[col.SOURCE_PAPER].eq("seed 000")]
        if len(seeds) and len(ours):
            bs, bo = seeds.loc[seeds[col.UAR_MEAN].idxmax()], ours.loc[ours[col.UAR_MEAN].idxmax()]
            ties = [r for _, r in seeds.iterrows() if r[col.MODEL] != bs[col.MODEL]
                    and within_noise(bs[col.UAR_MEAN], bs[col.UAR_STD], r[col.UAR_MEAN], r[col.UAR_STD])]
            tie = (" — within noise of " + ", ".join(f"{r[col.MODEL]} ({pm(r[col.UAR_MEAN], r[col.UAR_STD])})"
                                                     for r in ties)
                   + " (difference below the larger std): no single best") if ties else ""
            out.append(Finding(
                f"Highest mean of the seeds' other architectures: {bs[col.MODEL]} ({bs[col.SOURCE_PAPER]}, untuned) "
                "at a [[UAR]] "
                f"of {pm(bs[col.UAR_MEAN], bs[col.UAR_STD])} with {int(bs[col.PARAMETERS]):,} parameters and "
                f"{num(bs[col.CPU_MS], 2)} CPU ms per utterance{tie}; the tuned {bo[col.MODEL]}: "
                f"{pm(bo[col.UAR_MEAN], bo[col.UAR_STD])} with {int(bo[col.PARAMETERS]):,} parameters and "
                f"{num(bo[col.CPU_MS], 2)} ms (mean ± std over {int(bo[col.RUNS])} runs against {int(bs[col.RUNS])}). "
                "Not an equal budget: the seed-000 rows were tuned, the others were not"
                + (f"; they trained {int(bo[col.EPOCHS])} epochs, the others {int(bs[col.EPOCHS])}"
                   if "epochs" in bo and bo[col.EPOCHS] != bs[col.EPOCHS] else "")
                + (f"; schedules: {bs[col.SCHEDULE]} against {bo[col.SCHEDULE]}"
                   if "schedule" in bo and bo[col.SCHEDULE] != bs[col.SCHEDULE] else "")
                + ".", "tables/sota_our_models figures/sota_uar_vs_cost"))
            cheap = nets.loc[nets[col.CPU_MS].idxmin()]
            dear = nets.loc[nets[col.CPU_MS].idxmax()]
            out.append(Finding(
                f"Cost spans {num(dear[col.CPU_MS] / cheap[col.CPU_MS], 1)}× in CPU time: {cheap[col.MODEL]} is the "
                f"cheapest ({num(cheap[col.CPU_MS], 2)} ms, UAR {num(cheap[col.UAR_MEAN])}), {dear[col.MODEL]} the "
                f"dearest ({num(dear[col.CPU_MS], 2)} ms, UAR {num(dear[col.UAR_MEAN])}; "
                f"{signed(dear[col.UAR_MEAN] - cheap[col.UAR_MEAN])}). They differ in architecture, input and tuning "
                f"({str(cheap[col.SETTING]).split(' (')[0]} against {str(dear[col.SETTING]).split(' (')[0]}), so the "
                "difference is not an effect of compute.",
                "tables/sota_our_models figures/sota_uar_vs_cost"))
        base = table[table[col.SOURCE_PAPER] == "baseline"]
        if len(base):
            lr = base.loc[base[col.UAR_MEAN].idxmax()]
            text = (f"The [[baseline]]s: the best of them, {lr[col.MODEL]}, reaches UAR {num(lr[col.UAR_MEAN])} "
                    f"(WA {num(lr[col.WA_MEAN])}). {below_baseline(nets, lr[col.UAR_MEAN], baseline='it')}")
            logreg = base[base[col.MODEL] == LOGREG]
            if len(logreg) and logreg.iloc[0][col.MODEL] != lr[col.MODEL]:
                text += (f" Against the logistic regression on the study's own features "
                         f"({num(logreg.iloc[0][col.UAR_MEAN])}): "
                         + below_baseline(nets, logreg.iloc[0][col.UAR_MEAN]))
            out.append(Finding(text, "tables/sota_our_models"))
    w2v = _load(out_dir, "sota_wav2vec2_cost")
    if w2v is not None and col.TIMES_END_TO_END in w2v:
        big = w2v.iloc[-1]
        out.append(Finding(
            f"{big[col.MODEL]} with random weights needs {num(big[col.CPU_MS], 0)} CPU ms per utterance from the "
            f"waveform, {num(big[col.TIMES_END_TO_END], 0)}× ResLSTM-SA end to end (its feature extraction "
            f"plus the model, {num(big[col.OURS_END_TO_END_MS], 2)} ms; "
            f"{num(big[col.TIMES_MODEL_ONLY], 0)}× the model alone), for the literature's best accuracies "
            "(reported, not measured here).", "tables/sota_wav2vec2_cost tables/sota_feature_cost"))
    out += convergence_finding(_load(out_dir, "sota_convergence"), "tables/sota_convergence figures/sota_val_curves",
                               "rows")
    weight = _load(out_dir, "sota_loss_weightings")
    if weight is not None and len(weight) > 1:
        best = weight.loc[weight[col.UAR_MEAN].idxmax()]
        runs = int(weight[col.RUNS].min())
        out.append(Finding(
            f"Seed 003's loss weightings: UAR from {num(weight[col.UAR_MEAN].min())} to "
            f"{num(weight[col.UAR_MEAN].max())} "
            f"(best {best[col.LOSS_WEIGHTING]}), on {runs} run{'s' if runs > 1 else ''} each"
            + (": too few to rank them." if runs < 3 else "."), "tables/sota_loss_weightings"))
    return out


# ---------------------------------------------------------------- 07

# rung -> the rung whose configuration and seeds it repeats (``training.fidelity.ladder``:
# rung 6b is ``authors_spec`` with distinct seeds, rung 4's spec; its first runs are rung 4's records)
SAME_RECORDS = {"6b": "4"}


def _runs(row) -> str:
    planned = int(row[col.RUNS_PLANNED]) if "runs_planned" in row and not pd.isna(row[col.RUNS_PLANNED]) else None
    n = int(row[col.N_RUNS])
    return f"{n} of {planned} runs" if planned is not None and planned != n else f"{n} run{'s' if n != 1 else ''}"


def _complete(row) -> bool:
    return bool(row[col.COMPLETE]) if "complete" in row and not pd.isna(row[col.COMPLETE]) else True


def ladder_summary(model: str, rows: pd.DataFrame) -> str:
    """One model's ladder in a few sentences: the headline rung, fixed before its numbers
    were seen (``HEADLINE_RUNG``, the nested choice; while it is incomplete, rung 1 stands
    in, labelled not nested), with its interval and paired test; which rungs are
    incomplete or pending; selection on test; and which rungs share records."""
    slides = rows[col.SLIDES_UAR_LITERATURE].iloc[0]
    done = rows.dropna(subset=[col.UAR_MEAN])
    text = f"**{model}** (slides, reported: {num(slides, 4)}; ours: mean UAR ± the 95 % t-interval over runs)."
    headline = done[(done[col.RUNG] == HEADLINE_RUNG) & done.apply(_complete, axis=1)]
    fallback = done[(done[col.RUNG] == FALLBACK_RUNG) & done.apply(_complete, axis=1)]
    if len(headline) or len(fallback):
        h = (headline if len(headline) else fallback).iloc[0]
        ci = "" if pd.isna(h[col.CI95]) else f" ± {num(h[col.CI95])}"
        what = (f"the headline rung {HEADLINE_RUNG} (fixed before its numbers were seen: hyperparameters chosen per "
                "test fold by validation speakers outside it, so no test speaker's score steers its own setting)"
                if len(headline)
                else f"rung {FALLBACK_RUNG} in place of the headline rung {HEADLINE_RUNG}, which is not complete yet "
                "(rung 1's setting is not nested: each fold's validation speakers are another fold's test speakers)")
        text += (f" {what[:1].upper() + what[1:]}: UAR {num(h[col.UAR_MEAN])}{ci} over {_runs(h)}, "
                 f"{num(slides - h[col.UAR_MEAN])} below the slides")
        if "delta_vs_previous" in h and not pd.isna(h[col.DELTA_VS_PREVIOUS]):
            test = "" if pd.isna(h[col.P_VALUE]) else \
                (f", exact sign-flip p = {pvalue(h[col.P_VALUE])}"
                 + (f" (Holm-adjusted over the ladder's comparisons {pvalue(h[col.P_HOLM_LADDER])})"
                    if col.P_HOLM_LADDER in h else "")
                 + f" over {int(h[col.PAIRS])} {h[col.UNIT]}s" if "pairs" in h else
                 f", Wilcoxon p = {pvalue(h[col.P_VALUE])} over {int(h[col.PAIRED_FOLDS])} paired folds")
            counts = str(h.get("better / worse / tied", "") or "")
            if counts.count("/") == 2 and not pd.isna(h[col.P_VALUE]):
                better, worse, tied = (int(x) for x in counts.split("/"))
                test += (f", {tied} of them tied (the folds where both rungs share records), {better} better, "
                         f"{worse} worse; smallest attainable p {pvalue(h[col.MIN_P])}") if tied else ""
            text += f"; {signed(h[col.DELTA_VS_PREVIOUS])} against rung {h[col.PREVIOUS]}{test}"
        text += "."
    else:
        text += f" Neither rung {HEADLINE_RUNG} nor rung {FALLBACK_RUNG} is complete yet."
    unfinished = [f"{r[col.RUNG]} ({_runs(r)})" for _, r in done.iterrows() if not _complete(r)]
    pending = list(rows[rows[col.UAR_MEAN].isna()][col.RUNG])
    if unfinished:
        text += f" Incomplete, so not ranked: rung {', '.join(unfinished)}."
    if pending:
        text += f" Pending: rung {', '.join(pending)}."
    sel = done[(done[col.RUNG] == "5a")]
    if len(sel):
        text += (f" Selecting the trial on the test speakers (rung 5a, its own test UAR) gives "
                 f"{num(sel[col.UAR_MEAN].iloc[0])}: not an honest number.")
    for rung, same in SAME_RECORDS.items():
        a, b = rows[rows[col.RUNG] == rung], rows[rows[col.RUNG] == same]
        if len(a) and len(b) and not pd.isna(a[col.UAR_MEAN].iloc[0]):
            n_a, n_b = int(a[col.N_RUNS].iloc[0]), int(b[col.N_RUNS].iloc[0])
            which = "its runs so far are" if n_a <= n_b else f"its first {n_b} runs are"
            text += (f" Rung {rung} is rung {same}'s configuration with the same seeds: {which} rung {same}'s "
                     "records, not an independent confirmation.")
    return text


def trials_of(row) -> str:
    """``60 trials of two search spaces (seed000 30, reference 30)`` from an oracle row;
    ``30 trials`` for one space (or a table without ``trials_by_space``)."""
    n = f"{int(row[col.COMPLETE_TRIALS])} trials"
    by = str(row.get("trials_by_space", "") or "")
    if " + " not in by:
        return n
    parts = by.split(" + ")
    return f"{n} of {len(parts)} search spaces pooled ({', '.join(parts)})"


def nested_winner_phrase(r) -> str:
    """One row of ``tuning_nested_winners`` in words."""
    same = int(r[col.DISTINCT_TRIALS]) == 1 and f"trial {int(r[col.CLEAN_TRIAL])}" in str(r[col.NESTED_TRIALS])
    choice = ("every test fold chose the clean winner's trial" if same else
              f"{int(r[col.DISTINCT_TRIALS])} distinct trial{'s' if int(r[col.DISTINCT_TRIALS]) != 1 else ''} "
              f"({r[col.NESTED_TRIALS]})")
    if same:
        return (f"{r[col.MODEL]} ({r[col.SPACE]} space): every test fold chose the clean winner's trial "
                f"{int(r[col.CLEAN_TRIAL])}, so the nested and the clean runs are the same records "
                f"({pm(r[col.CLEAN_UAR_MEAN], r[col.CLEAN_UAR_STD])}, mean ± std over {int(r[col.RUNS])} fresh-seed "
                "runs): nothing to test")
    return (f"{r[col.MODEL]} ({r[col.SPACE]} space; {choice}): {pm(r[col.NESTED_UAR_MEAN], r[col.NESTED_UAR_STD])} "
            "against "
            f"{pm(r[col.CLEAN_UAR_MEAN], r[col.CLEAN_UAR_STD])} (mean ± std over {int(r[col.RUNS])} fresh-seed runs), "
            f"{signed(r[col.MEAN_DIFF])} ({interval(r[col.DIFF_CI95_LOW], r[col.DIFF_CI95_HIGH])}; {test_phrase(r)}) — "
            f"**{r[VERDICT]}**")


def findings_07(out_dir) -> list[Finding]:
    out = []
    ladder = _load(out_dir, "fidelity_ladder", dtype={"rung": str, "previous": str})
    if ladder is not None:
        for model, rows in ladder.groupby("model", sort=False):
            text = ladder_summary(model, rows)
            anchor = rows[rows[col.RUNG] == "6a"]
            if len(anchor) and not np.isnan(anchor[col.UAR_MEAN].iloc[0]):
                a = anchor.iloc[0]
                text += (f" The authors' setting with their reseeding (rung 6a) gives {num(a[col.UAR_MEAN])}; their "
                         "own "
                         f"code gave {num(a[col.AUTHORS_CODE_UAR])} on this CPU (difference "
                         f"{signed(a[col.UAR_MEAN] - a[col.AUTHORS_CODE_UAR])}).")
            text += " Every rung, with its interval and paired test, is in the table."
            out.append(Finding(text, "tables/fidelity_ladder figures/fidelity_waterfall"))
    oracle = _load(out_dir, "fidelity_oracle")
    if oracle is not None and len(oracle):
        parts = [f"{r[col.MODEL]}: the best-by-test trial {num(r[col.PAPER_STYLE_POOLED_UAR])} pooled "
                 f"({num(r[col.PAPER_STYLE_FOLD_MEAN_UAR])} as a mean over folds), and with each fold's epoch also "
                 "picked "
                 f"on its test speakers {num(r[col.ORACLE_FOLD_MEAN_UAR])} (mean over folds, {trials_of(r)}), "
                 f"against the slides' {num(r[col.SLIDES_UAR_LITERATURE], 4)} (reported) and the authors' own "
                 f"code's {num(r[col.AUTHORS_CODE_UAR])} (measured on a CPU)"
                 for _, r in oracle.iterrows()]
        short = [r[col.MODEL] for _, r in oracle.iterrows()
                 if r[col.ORACLE_FOLD_MEAN_UAR] < r[col.SLIDES_UAR_LITERATURE]]
        out.insert(0, Finding(
            "How far even selection on the test set gets: " + "; ".join(parts) + ". "
            + (f"For {' and '.join(short)} not even the oracle — trial and epoch both chosen on the test speakers — "
               "reaches the slides' number: test-set selection alone does not explain it."
               if short else "The oracle reaches the slides' number: test-set selection could explain it."),
            "tables/fidelity_oracle"))
    optimism = _load(out_dir, "fidelity_optimism")
    if optimism is not None and len(optimism):
        parts = [f"{r[col.MODEL]} {r[col.SPACE]}: {signed(r[col.OPTIMISM])} (trial #{int(r[col.TRIAL])}: "
                 f"{num(r[col.TRIAL_TEST_UAR])} in the search, {num(r[col.FRESH_UAR_MEAN])} over "
                 f"{int(r[col.FRESH_RUNS])} "
                 "fresh seeds)" for _, r in optimism.iterrows() if not np.isnan(r[col.OPTIMISM])]
        if parts:
            out.append(Finding("[[optimism]] of selecting on test — each study's best-by-test trial's own UAR minus "
                               f"the same configuration's fresh-seed mean: {'; '.join(parts)}.",
                               "tables/fidelity_optimism tables/fidelity_winners_fresh"))
    gap = _load(out_dir, "fidelity_selection_gap")
    if gap is not None and len(gap):
        parts = [f"{r[col.MODEL]} {r[col.SPACE]}: {signed(r[col.SELECTION_GAP])} over {int(r[col.COMPLETE_TRIALS])} "
                 "trials"
                 for _, r in gap.iterrows()]
        out.append(Finding("The selection gap — expected test UAR of the best-by-test trial minus that of the "
                           f"best-by-validation one, all trials searched (the end of each curve): {'; '.join(parts)}. "
                           "It is not the optimism: both terms are trials' own numbers, no fresh seeds.",
                           "tables/fidelity_selection_gap figures/fidelity_best_of_n"))
    spent = _load(out_dir, "fidelity_compute")
    if spent is not None and len(spent):
        total = spent[spent["records"] == "all"].iloc[0]
        out.append(Finding(f"Behind these numbers: {num(total[col.CORE_HOURS], 1)} core-hours in "
                           f"{int(total['folds'])} trained folds.", "tables/fidelity_compute"))
    return out


# ---------------------------------------------------------------- 08

def shift_findings(out_dir) -> list[Finding]:
    """Notebook 08's shift inside the corpus (``tables/shift_within_corpus``), one finding
    per shift: each direction's UAR in the shifted and in the training condition, the
    speakers' paired test, and whether both directions lose."""
    table = _load(out_dir, "shift_within_corpus")
    if table is None:
        return []
    out = []
    words = {2: "both directions lose: each model does best on the kind of take it was trained on",
             1: "one direction loses and the other gains: one condition is easier to test on, whichever was "
                "trained on",
             0: "both directions gain: each model does at least as well on the takes it was not trained on"}
    for name, rows in table.groupby("shift", sort=False):
        first = rows.iloc[0]
        runs = int(first[col.RUNS])
        parts = []
        for _, r in rows.iterrows():
            worse, better = r[col.SPEAKERS_WORSE_BETTER].split(" / ")
            parts.append(f"trained on {r[col.TRAINED_ON]}, {num(r[col.UAR_SHIFTED])} on {r[col.TESTED_ON_SHIFTED]} "
                         f"against {num(r[col.UAR_SAME])} on {r[col.TRAINED_ON]} ({signed(r[col.UAR_CHANGE])}; "
                         f"{worse} speakers worse, {better} better, {test_phrase(r)})")
        shown = int((rows[VERDICT] == "shown").sum()) if VERDICT in rows else 0
        verdict = (f" By the means, {words[int((rows[col.UAR_CHANGE] < 0).sum())]}"
                   + (" (both changes shown)" if shown == 2 else
                      " — but only one of the two changes is shown; the other is within noise" if shown == 1 else
                      " — but neither change is shown: a reading of the means only") + "."
                   if len(rows) == 2 else "")
        out.append(Finding(
            f"The {name} shift, new speakers' [[UAR]] over {first[col.CLASSES_SCORED]} classes (mean of {runs} "
            f"run{'s' if runs != 1 else ''} over the study's speaker folds): " + "; ".join(parts) + "." + verdict,
            "tables/shift_within_corpus"))
    return out


def findings_08(out_dir) -> list[Finding]:
    out = shift_findings(out_dir)
    table = _load(out_dir, "cross_corpus")
    recalls = _load(out_dir, "cross_corpus_recall")
    if table is None:
        return out
    for _, r in table.iterrows():
        n = int(r[col.FILES_SCORED])
        low, high = wilson_interval(float(r[col.WA]), n)
        notes = r[col.LEFT_OUT_MERGED]
        notes = f" Classes: {notes}." if isinstance(notes, str) and notes else ""
        out.append(Finding(
            f"Trained on {r[col.TRAINED_ON]}, tested on {r[col.TESTED_ON]} (one trained model, one seed): [[UAR]] "
            f"{num(r[col.UAR])} against a chance UAR of {num(r[col.CHANCE_UAR])} "
            f"({signed(r[col.UAR] - r[col.CHANCE_UAR])}) "
            f"over {r[col.SHARED_CLASSES]} shared classes; [[WA]] {num(r[col.WA])}, {interval(low, high, sign=False)} "
            f"(Wilson, {n} of {int(r[col.FILES_IN_CORPUS])} files scored).{notes}", "tables/cross_corpus"))
    if recalls is not None:
        for (train, test), rows in recalls.groupby([col.TRAINED_ON, col.TESTED_ON], sort=False):
            rows = rows[rows[col.FILES] > 0]
            if len(rows) < 2:
                continue
            best, worst = rows.loc[rows[col.RECALL].idxmax()], rows.loc[rows[col.RECALL].idxmin()]
            out.append(Finding(
                f"Per class, {train} → {test}: best recalled {best[col.CLASS]} {num(best[col.RECALL])} "
                f"({int(best[col.FILES])} files), worst {worst[col.CLASS]} {num(worst[col.RECALL])} "
                f"({int(worst[col.FILES])} files).", "tables/cross_corpus_recall"))
    return out


# ---------------------------------------------------------------- 09

# Notebook 09's goal (issue 27): UAR >= 0.60 with at most 110 k parameters and 2 CPU ms per
# utterance for the model alone (features aside), nothing transductive.
GOAL_UAR, GOAL_PARAMETERS, GOAL_MODEL_MS = 0.60, 110_000, 2.0


def goal_size(row) -> bool:
    """Whether a ``what_helps`` row is within the goal's size: parameters and model CPU ms."""
    return bool(row[col.PARAMETERS] <= GOAL_PARAMETERS and row[col.MODEL_CPU_MS] <= GOAL_MODEL_MS)


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


def _travel_words(travel: pd.DataFrame) -> str:
    """09's "does the recipe travel?": per direction the recipe's lead over its start at home
    (the test speakers' takes of the trained kind) and away (the shifted takes), the paired
    test of the lead away, and what each loses to the shift."""
    diff = next(c for c in travel.columns if c.startswith("recipe − start"))
    n_runs = int(travel[col.RUNS].max()) if col.RUNS in travel else 0
    parts = []
    for _, r in travel.iterrows():
        worse, better = (int(x) for x in r[col.SPEAKERS_WORSE_BETTER].split(" / "))
        home = r["recipe UAR same condition"] - r["start UAR same condition"]
        classes = (f" ({int(r[col.CLASSES_SCORED])} classes scored, those both kinds of take have)"
                   if col.CLASSES_SCORED in r and not pd.isna(r[col.CLASSES_SCORED]) else "")
        parts.append(
            f"{r[col.FAMILY]} trained on {r[col.TRAINED_ON]}{classes}: the recipe leads its start by {signed(home)} "
            f"UAR on the test speakers' {r[col.TRAINED_ON]} takes (not tested) and by {signed(r[diff])} per speaker "
            "on their "
            f"{r[col.TESTED_ON_SHIFTED]} takes ({better} of {int(r[col.PAIRS])} speakers better; {test_phrase(r)}: "
            f"**{r[VERDICT]}**); the shift costs the recipe {signed(r['recipe shift cost'])} and the start "
            f"{signed(r['start shift cost'])}")
    helped = travel[travel[VERDICT].eq("shown") & (travel[diff] > 0)]
    ahead = int((travel[diff] > 0).sum())
    runs = f" with {n_runs} run{'s' if n_runs != 1 else ''} per direction" if n_runs else ""
    if len(helped):
        verdict = f"The recipe is shown better on the shifted takes in {len(helped)} of {len(travel)} directions{runs}."
    else:
        verdict = (f"On the shifted takes the recipe is ahead on average in {ahead} of {len(travel)} directions, "
                   f"but no lead is shown{runs}.")
    shrinks = all(r["recipe shift cost"] < r["start shift cost"] for _, r in travel.iterrows())
    return ("Does the recipe travel? On notebook 08's shift inside RAVDESS (trained on one kind of take, new "
            "speakers tested on both kinds; a shift cost is the UAR on the other kind minus on the trained kind; "
            f"verdicts on p Holm-adjusted over this table's {len(travel)} directions, a family of its own): "
            + "; ".join(parts) + ". " + verdict
            + (" In every direction the recipe loses more to the shift than its start, so part of its gain stays at "
               "home (a reading of the means, not tested)." if shrinks else ""))


def _recipe_cost_words(what: pd.DataFrame, r) -> str:
    """Where a recipe's end-to-end cost is several times its start's: which folds' features
    make it (eGeMAPS frames, openSMILE), read from the recipe's ``levers`` text."""
    start = what[(what[col.FAMILY] == r[col.FAMILY]) & (what[col.LEVER] == "start")]
    if not len(start) or r[col.CPU_MS] < 3 * start[col.CPU_MS].iloc[0]:
        return ""
    folds = [f for f in str(r[col.LEVERS]).split("; ") if f.startswith("fold ")]
    with_egemaps = sum("egemaps" in f for f in folds)
    return (f". End to end it costs {num(r[col.CPU_MS] / start[col.CPU_MS].iloc[0], 0)}× its start's "
            f"{num(start[col.CPU_MS].iloc[0], 1)} ms: "
            + (f"{with_egemaps} of its {len(folds)} folds use eGeMAPS frames (openSMILE), which dominate the cost"
               if with_egemaps else "its features dominate the cost")
            + "; the goal bounds the model alone")


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
    base = _load(out_dir, "standard_baselines")
    if base is not None and len(base):
        parts = [f"{r[col.MODEL]}: [[UAR]] {num(r[col.UAR_MEAN])} (WA {num(r[col.WA_MEAN])}, C per fold "
                 f"{r[col.C_PER_FOLD]}, "
                 f"{num(r[col.CPU_MS], 1)} CPU ms per utterance with the extraction)" for _, r in base.iterrows()]
        out.append(Finding("The field's standard [[baseline]]s on the same folds, C chosen on [[validation speakers]]: "
                           + "; ".join(parts) + ".", "tables/standard_baselines"))
    what = _load(out_dir, "what_helps")
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
        underpowered = bool(levers[VERDICT].eq("underpowered").any())
        texts.append(
            f"**{family}** starts at UAR {num(s[col.UAR_MEAN])} over {int(s[col.RUNS])} "
            f"run{'s' if s[col.RUNS] != 1 else ''}. "
            f"Against it ([[paired test]] over {pairs} speakers; UAR difference and its unadjusted 95 % bootstrap CI "
            f"over speakers; verdicts on p adjusted over the table's {int(what[col.P].notna().sum())} comparisons by "
            "[[Holm correction]]): shown better: "
            f"{', '.join(up) or 'none'}; shown worse: {', '.join(down) or 'none'}; no difference shown after Holm: "
            f"{', '.join(_lever_words(r, with_p=True) for _, r in rest.iterrows()) or 'none'}"
            + (" (some comparisons are [[underpowered]]: too few speakers for p < 0.05)" if underpowered else "") + ".")
    if texts:
        out.append(Finding(" ".join(texts), "tables/what_helps"))
    recipe = what[what[col.LEVER] == "recipe"]
    honest = what[~what[col.TRANSDUCTIVE].astype(bool)]
    light = (honest[col.PARAMETERS] <= GOAL_PARAMETERS) & (honest[col.MODEL_CPU_MS] <= GOAL_MODEL_MS)  # goal_size
    heads = recipe[~recipe[col.TRANSDUCTIVE].astype(bool)]
    best_words = ""
    if len(honest[light]):
        best = honest[light].sort_values(col.UAR_MEAN).iloc[-1]
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
            fits = goal_size(r)
            unsure = not pd.isna(r[col.UAR_CI95_LOW]) and r[col.UAR_CI95_LOW] < GOAL_UAR
            below = not pd.isna(r[col.UAR_CI95_HIGH]) and r[col.UAR_CI95_HIGH] < GOAL_UAR
            size = (f"at most {GOAL_PARAMETERS // 1000} k parameters and {GOAL_MODEL_MS:g} CPU ms for the model, "
                    "features aside")
            goal = ((f"reaches the goal on its mean (UAR ≥ {GOAL_UAR:.2f} with {size})"
                     + (f"; its interval does not exclude values below {GOAL_UAR:.2f}" if unsure else ""))
                    if fits and r[col.UAR_MEAN] >= GOAL_UAR else
                    (f"does **not** reach the goal's UAR of {GOAL_UAR:.2f}"
                     + (" (its whole interval lies below it)" if below else "")
                     + f", although its size is within the goal ({size})") if fits else
                    f"is outside the goal's size ({size})")
            parts.append(f"{r[col.FAMILY]}'s recipe: UAR {num(r[col.UAR_MEAN])}{ci}, {int(r[col.PARAMETERS]):,} "
                         f"parameters, {num(r[col.MODEL_CPU_MS], 2)} ms for the model and {num(r[col.CPU_MS], 1)} ms "
                         f"end to end (its dearest fold's model); it {goal}" + _recipe_cost_words(what, r))
        several = (" No winner is named between the families: picking the higher test UAR would be a choice on "
                   "test." if len(heads) > 1 else "")
        whose = ("The study's best" if what[col.FAMILY].nunique() > 1 else
                 f"In this run (one family only: {heads[col.FAMILY].iloc[0]}) the best")
        out.append(Finding(
            f"{whose} honest lightweight model is the recipe — the headline fixed in advance, its levers "
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
        for _, r in recipe.iterrows():
            test = (f"{signed(r[col.DELTA_VS_START])} against the start, {r[col.TEST]} p = {pvalue(r[col.P])}"
                    f"{holm_phrase(r)} over {int(r[col.SPEAKERS])} speakers ({r[VERDICT]})"
                    ) if not pd.isna(r.get("p", np.nan)) else ""
            parts.append(f"{r[col.FAMILY]}: UAR {num(r[col.UAR_MEAN])} {test}; levers chosen per test fold — "
                         f"{r[col.LEVERS]}")
        out.append(Finding("The recipe, its levers chosen for each test fold on validation speakers outside it: "
                           + "; ".join(parts) + ".", "tables/what_helps tables/what_helps_recipe"))
    vs = _load(out_dir, "what_helps_vs_checkpoint")
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
               "(`models/what_helps_recipe.pt`) replaces that checkpoint as `predict`'s default (two shown "
               "recipes: the one of higher validation UAR); `predict --stream` keeps 03's, which streams."),
            "tables/what_helps_vs_checkpoint"))
    travel = _load(out_dir, "what_helps_shift")
    if travel is not None and len(travel):
        out.append(Finding(_travel_words(travel), "tables/what_helps_shift"))
    parts = []
    for family, rows in what.groupby(col.FAMILY, sort=False):
        ens, dist = rows[rows[col.LEVER] == "ensemble"], rows[rows[col.LEVER] == "distilled"]
        if not (len(ens) and len(dist)):
            continue
        e, d = ens.iloc[0], dist.iloc[0]
        parts.append(
            f"{family}: the seed ensemble reaches UAR {num(e[col.UAR_MEAN])} at {num(e[col.MODEL_CPU_MS], 2)} ms "
            f"for its models; distilled into one model, {num(d[col.UAR_MEAN])} at {num(d[col.MODEL_CPU_MS], 2)} ms "
            f"({signed(d[col.UAR_MEAN] - e[col.UAR_MEAN])}, not tested, for a "
            f"{num(e[col.MODEL_CPU_MS] / d[col.MODEL_CPU_MS], 1)}× smaller model cost); the ensemble's "
            f"{int(e[col.PARAMETERS]):,} parameters are "
            + ("over" if e[col.PARAMETERS] > GOAL_PARAMETERS else "within") + " the goal's size")
    if parts:
        out.append(Finding(
            "; ".join(parts) + ". Every distilled run learns from the same teacher (the ensemble of the first run), "
            "so the distilled row's spread over runs leaves the teacher's own seed noise out.", "tables/what_helps"))
    return out


BY_NOTEBOOK = {"01": findings_01, "02": findings_02, "03": findings_03, "04": findings_04, "05": findings_05,
               "06": findings_06, "07": findings_07,
               "08": findings_08, "09": findings_09}


def show(notebook: str, out_dir) -> None:
    """Display a notebook's findings (``notebook``: ``"03"``) as Markdown."""
    display(Markdown(markdown(BY_NOTEBOOK[notebook](out_dir), out_dir)))


def show_exercises(text: str, out_dir) -> None:
    """Display a notebook's exercises with their ``[[term]]`` glossary links resolved."""
    display(Markdown(link_terms(text, out_dir)))
