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

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from ser_utils import literature
from ser_utils.training.baselines import LOGREG, MAJORITY, STANDARD
from ser_utils.training.metrics import VERDICT, paired_test, wilson_interval
from ser_utils.training.metrics import verdict as verdict_of

ALPHA = 0.05
# notebook 07's rungs where no test speaker steers anything (rung 1 and those built on it use
# the global validation choice, which is not nested: their validation speakers are other folds' test speakers)
HONEST_RUNGS = ("0", "1n")
NOT_NESTED_RUNGS = ("1", "2", "2a", "2b", "3")
HEADLINE_RUNG, FALLBACK_RUNG = "1n", "1"   # fixed before the ladder's numbers were seen (training.fidelity)
TERM_PATTERN = r"\[\[([A-Za-z][A-Za-z \-]*)\]\]"   # [[term]]

# glossary term (as written between [[ ]]) -> anchor in notebooks/GLOSSARY.md
TERMS = {
    "UAR": "uar", "WA": "wa", "MFCC": "mfcc", "chroma": "chroma",
    "speaker-independent": "speaker-independent-evaluation", "fold": "fold", "validation speakers": "validation-speakers",
    "attention": "attention", "residual connection": "residual-connection", "BatchNorm over padding": "batchnorm-over-padding",
    "TPE": "tpe", "pruning": "pruning", "optimism": "optimism", "paired test": "paired-test",
    "underpowered": "underpowered", "confidence interval": "confidence-interval", "baseline": "baselines",
    "silhouette": "silhouette", "kNN": "knn", "confusion matrix": "confusion-matrix",
    "nested selection": "nested-selection",
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
    return "n/a" if np.isnan(x) else f"{x:+.{digits}f}"


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
    """``95 % CI [+0.010, +0.030]`` (a difference) or, with ``sign=False``, ``[0.410, 0.430]``."""
    f = signed if sign else num
    return f"95 % CI [{f(low, digits)}, {f(high, digits)}]"


def pvalue(p: float) -> str:
    return "n/a" if np.isnan(p) else (f"{p:.3g}" if p >= 1e-3 else f"{p:.1e}")


def units(row) -> str:
    """``24 speakers`` (or ``5 folds``, ``15 pairs`` for an older table without a ``unit``)."""
    unit = row["unit"] if "unit" in row and isinstance(row["unit"], str) and row["unit"] else "pair"
    n = int(row["pairs"])
    return f"{n} {unit}{'s' if n != 1 else ''}"


def holm_phrase(row) -> str:
    """``, Holm-adjusted 0.51`` when the row has a ``p (Holm)`` (empty otherwise)."""
    if "p (Holm)" not in row or pd.isna(row["p (Holm)"]):
        return ""
    return f", Holm-adjusted {pvalue(row['p (Holm)'])}"


def test_phrase(row) -> str:
    """``exact sign-flip p = 0.13, Holm-adjusted 0.38, over 24 speakers`` plus, when
    p < 0.05 was out of reach, why the comparison is underpowered."""
    adj = holm_phrase(row)
    text = f"{row['test']} p = {pvalue(row['p'])}{adj}{',' if adj else ''} over {units(row)}"
    if row[VERDICT] == "underpowered":
        text += (f"; **underpowered**: with {units(row)} the smallest attainable p is "
                 f"{pvalue(row['smallest attainable p'])} > {ALPHA}, so no data could show a difference")
    return text


def test_phrase_plain(row) -> str:
    """``test_phrase`` for a table without a verdict column."""
    adj = holm_phrase(row)
    return f"{row['test']} p = {pvalue(row['p'])}{adj}{',' if adj else ''} over {units(row)}"


def t_half(row) -> str:
    """``95 % t-interval over runs ± 0.045;`` from a table row's ``ci95_low``/``ci95_high``
    (empty when there is no interval: one run)."""
    if "ci95_low" not in row or np.isnan(row["ci95_low"]):
        return ""
    return f"95 % t-interval of the mean ± {num((row['ci95_high'] - row['ci95_low']) / 2)};"


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
    below = nets[nets["uar_mean"] <= baseline_uar]
    n, total = len(below), len(nets)
    one = what[:-1] if what.endswith("s") else what
    if total == 1:
        r = nets.iloc[0]
        text = (f"The one {one}, {r['model']}, {'does not clear' if n else 'has a higher mean UAR than'} {baseline}"
                + (" on mean UAR" if n else ""))
    elif n == 0:
        text = f"All {total} {what} have a higher mean UAR than {baseline}"
    elif n == total:
        text = f"None of the {total} {what} clears {baseline} on mean UAR ({', '.join(below['model'])})"
    else:
        names = ", ".join(below["model"])
        verb = "does" if n == 1 else "do"
        text = (f"{n} of the {total} {what} {verb} not clear {baseline} on mean UAR ({names}); "
                f"{total - n} {'has' if total - n == 1 else 'have'} a higher mean")
    above = nets[nets["uar_mean"] > baseline_uar]
    if "uar_std" in nets:
        close = above[[within_noise(m, sd, baseline_uar, np.nan) for m, sd in zip(above["uar_mean"], above["uar_std"])]]
        if len(close):
            parts = ", ".join(f"{r['model']} ({signed(r['uar_mean'] - baseline_uar)}, std over runs {num(r['uar_std'])})"
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
        total = int(counts["total"].sum())
        small = counts.loc[counts["total"].idxmin()]
        big = counts.loc[counts["total"].idxmax()]
        out.append(Finding(
            f"The corpus has {total} utterances in {len(counts)} emotions; the rarest, {small['emotion']}, has "
            f"{int(small['total'])}, the largest {int(big['total'])}. Always answering the largest class scores a "
            f"[[WA]] of {num(big['total'] / total)} but a [[UAR]] of {num(1 / len(counts))}: UAR does not reward "
            "guessing the frequent classes.", "tables/corpus_counts_by_emotion"))
    frames = _load(out_dir, "frames_by_emotion")
    if frames is not None:
        longest = frames.loc[frames["mean"].idxmax()]
        shortest = frames.loc[frames["mean"].idxmin()]
        overlap = frames["min"].max() <= frames["max"].min()
        out.append(Finding(
            f"Utterances last {int(frames['min'].min())}–{int(frames['max'].max())} frames; on average "
            f"{longest['emotion']} is the longest ({num(longest['mean'], 1)} frames) and {shortest['emotion']} the "
            f"shortest ({num(shortest['mean'], 1)}), "
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
        emo = leak[leak["task"] == "emotion"].set_index("split")
        rnd = emo.loc["random utterances (speakers shared)"]
        ind = emo.loc["speaker-independent folds"]
        spread = "fold_uar_std" in leak
        r_txt = pm(rnd["uar"], rnd["fold_uar_std"]) if spread else num(rnd["uar"])
        i_txt = pm(ind["uar"], ind["fold_uar_std"]) if spread else num(ind["uar"])
        out.append(Finding(
            f"A logistic regression on utterance statistics reaches a UAR of {r_txt} when speakers are shared "
            f"between training and test, and {i_txt} on [[speaker-independent]] folds"
            + (" (± the std over the splits)" if spread else "")
            + f": sharing speakers inflates UAR by {signed(rnd['uar'] - ind['uar'])}.",
            "tables/speaker_leakage_logreg"))
        identity = leak[leak["task"] == "actor identity"].iloc[0]
        out.append(Finding(
            f"The same features name the actor with a UAR of {num(identity['uar'])}, {num(identity['uar'] / identity['chance'], 1)}"
            f" times chance ({num(identity['chance'])}): they carry the speaker, which is why every later number is "
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
    rising = conv[conv["verdict"] == "still rising"]
    flat = conv[conv["verdict"] == "plateaued"]
    short = conv[conv["verdict"] == "too short to tell"]
    ended = conv[conv["verdict"] == "schedule-ended, cannot tell"]
    epochs = sorted({int(e) for e in conv["epochs"].dropna()}) if "epochs" in conv else []
    at = f" at {and_join([str(e) for e in epochs])} epochs" if epochs else ""
    noun = what[:-1] if len(conv) == 1 and what.endswith("s") else what
    text = (f"Did training converge? Of {len(conv)} {noun}{at}, {len(flat)} plateaued (validation UAR gained at most "
            f"0.01 in the last fifth of the epochs"
            + (" while the learning rate was still high)" if "lr_last_fifth_share" in conv else ")"))
    if len(rising):
        text += (f" and {len(rising)} {'was' if len(rising) == 1 else 'were'} still rising ({', '.join(rising['model'])}; up to "
                 f"{signed(float(rising['last_fifth_gain'].max()))}): their numbers may understate what more epochs "
                 "would give, so rankings that involve them are provisional")
    if len(ended):
        share = (f"; the learning rate averaged {num(float(ended['lr_last_fifth_share'].max()), 2)} of its peak or "
                 "less there" if "lr_last_fifth_share" in ended else "")
        text += (f"; {len(ended)} cannot be told ({', '.join(ended['model'])}): their validation UAR was flat in the "
                 f"last fifth, but their schedule had annealed the learning rate by then{share}, so the flat tail is "
                 "the schedule's — whether more training would help is unknown")
    if len(short):
        text += f"; {len(short)} trained too few epochs to tell"
    return [Finding(text + ".", source)]


def family_settings(table: pd.DataFrame) -> str:
    """How the networks of a table were set (its ``setting`` column): one phrase."""
    if "setting" not in table:
        return "at the default hyperparameters"
    kinds = {"tuned" if str(v).startswith("tuned") else "defaults" for v in table["setting"]}
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
        distinct = table[~((table["layers"] == 1) & (table["pooling"] == "concat"))]
        lo, hi = distinct.loc[distinct["uar_mean"].idxmin()], distinct.loc[distinct["uar_mean"].idxmax()]
        rep = distinct.dropna(subset=["reported_uar"])
        gain = rep["uar_mean"] - rep["reported_uar"]
        runs = "one run each" if distinct["uar_std"].isna().all() else "mean over runs"
        out.append(Finding(
            f"Our {len(distinct)} distinct configurations reach a [[UAR]] of {num(lo['uar_mean'])} "
            f"({lo['name']}, {lo['pooling']}) to {num(hi['uar_mean'])} ({hi['name']}, {hi['pooling']}), {runs}; "
            f"seed 001 reported (quotation) {num(rep['reported_uar'].min())}–{num(rep['reported_uar'].max())}. "
            f"Ours are higher in {int((gain > 0).sum())} of {len(rep)} configurations (median "
            f"{signed(float(gain.median()))}).", "tables/baseline_table1 figures/baseline_uar_vs_parameters"))
        refs = _load(out_dir, "sweep_reference_baselines")
        if refs is not None and len(refs):
            parts = [f"{r['model']} {num(r['uar_mean'])} ({'below' if hi['uar_mean'] > r['uar_mean'] else 'not below'} "
                     f"the best LSTM's {num(hi['uar_mean'])})" for _, r in refs.iterrows()]
            out.append(Finding("The [[baseline]]s on the same folds, UAR: " + "; ".join(parts) + ".",
                               "tables/sweep_reference_baselines"))
    claims = _load(out_dir, "baseline_claims")
    if claims is not None:
        c = claims.set_index("key")
        if "size" in c.index:
            r = c.loc["size"]
            text = (f"Bigger is better (seed 001's second conclusion)? UAR rises with the parameter count in rank: "
                    f"Spearman ρ = {num(r['value'], 2)}, p = {pvalue(r['p'])}{holm_phrase(r)} over {int(r['pairs'])} "
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
                f"{signed(r['value'])} UAR ({interval(r['ci95 low'], r['ci95 high'])}; {test_phrase(r)}) — "
                f"**{r[VERDICT]}**.", "tables/baseline_claims tables/baseline_concat_vs_last"))
        if "concat_any" in c.index:
            r = c.loc["concat_any"]
            more = ("(a [[paired test]] needs more pairs here: more speakers, or folds where speakers cannot be "
                    "told apart)" if r[VERDICT] == "underpowered" else
                    f"(a [[paired test]] per configuration over {units(r)}, Holm-adjusted with the family's other "
                    "claims)")
            out.append(Finding(
                f"Per configuration, concat against last: {r['detail']} — **{r[VERDICT]}** {more}.",
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
    best = table.loc[table["uar_mean"].idxmax()]
    head = f"the best configuration is {best['name']} ({best['pooling']}, {int(best['parameters']):,} parameters)"
    if table["layers"].nunique() < 2:
        return head
    deep, prev = int(table["layers"].max()), int(sorted(table["layers"].unique())[-2])
    parts = []
    for pooling, g in table.groupby("pooling", sort=False):
        w = g.pivot_table(index="hidden", columns="layers", values="uar_mean")
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
        return r["comparison"].split(" vs ")[0].rsplit("-", 1)[1]

    shown = rows[VERDICT] == "shown"
    better = [size(r) for _, r in rows[shown & (rows["mean UAR diff"] > 0)].iterrows()]
    worse = [size(r) for _, r in rows[shown & (rows["mean UAR diff"] < 0)].iterrows()]
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
        runs = int(r["runs"])
        parts.append(f"{r['model']} {r['nested_uar']} nested against {r['global_uar']} not nested "
                     f"({signed(r['mean UAR diff'])} per speaker, {interval(r['ci95 low'], r['ci95 high'])}, "
                     f"{int(r['pairs'])} {r['unit']}s, {r['test']} p = {pvalue(r['p'])}, Holm "
                     f"{pvalue(r['p (Holm)'])}: {r[VERDICT]}; {int(r['distinct_settings'])} distinct "
                     f"setting{'s' if int(r['distinct_settings']) != 1 else ''} over the folds)")
    runs = int(table["runs"].iloc[0])
    return [Finding(
        "The tuned setting is not nested (each fold's validation speakers are another fold's test speakers: "
        "[[nested selection]]). Choosing it per test fold from the validation folds outside it, pooled UAR "
        f"(mean ± std over {runs} run{'s' if runs != 1 else ''}): " + "; ".join(parts) + ".", "tables/sa_nested")]


def spread_findings(out_dir) -> list[Finding]:
    """03's one (run, fold) under several numerics, machines and seeds (``tables/sa_numerics_spread``)."""
    table = _load(out_dir, "sa_numerics_spread")
    if table is None or not len(table):
        return []
    parts = []
    for varies, what in (("numerics only", "the same seed and data under {n} numerics settings on one machine"),
                         ("machine (CPU unrecorded, native numerics)", "as committed from {n} other machine{s}"),
                         ("seed", "under {n} other seed{s}")):
        rows = table[table["varies"] == varies]["test_uar"]
        if len(rows):
            span = (f"{num(rows.min())}" if len(rows) == 1 or rows.min() == rows.max()
                    else f"from {num(rows.min())} to {num(rows.max())}")
            parts.append(what.format(n=len(rows), s="s" if len(rows) != 1 else "") + f": {span}")
    fold = int(table["fold"].iloc[0])
    return [Finding(f"One fold's test [[UAR]] is a draw (ResLSTM-SA-h64 at batch 4, fold {fold}): "
                    + "; ".join(parts) + ". The rounding of one machine against another moves it about as much as a "
                    "new seed; only pinned numerics make a record replay elsewhere.", "tables/sa_numerics_spread")]


def findings_03(out_dir) -> list[Finding]:
    out = []
    table = _load(out_dir, "sa_models_table")
    tests = _load(out_dir, "sa_paired_tests")
    if table is not None:
        nets = table[(table["protocol"] == "clean") & (table["kind"] == "network")]
        best = nets.loc[nets["uar_mean"].idxmax()]
        out.append(Finding(
            f"Best model under the clean protocol: {best['model']} at a [[UAR]] of {pm(best['uar_mean'], best['uar_std'])} "
            f"(mean ± std) over {int(best['runs'])} runs, {t_half(best)} [[WA]] "
            f"{pm(best['wa_mean'], best['wa_std'])}, {int(best['epochs'])} epochs {family_settings(nets)}; the slides "
            f"report (quotation) {best['slides UAR mean ± std (reported)']} for the model tuned on the test folds.",
            "tables/sa_models_table"))
        base = table[table["kind"] == "baseline"].set_index("model")
        if len(base):
            lr = base.loc[LOGREG]
            text = (f"The [[baseline]]s on the same folds: majority class UAR {num(base.loc[MAJORITY, 'uar_mean'])} "
                    f"(WA {num(base.loc[MAJORITY, 'wa_mean'])}); logistic regression on utterance statistics UAR "
                    f"{num(lr['uar_mean'])} (WA {num(lr['wa_mean'])}). {below_baseline(nets, lr['uar_mean'], 'clean networks')}")
            for label in [x for x in STANDARD if x in base.index]:
                text += (f" The field's standard reference {label}: UAR {num(base.loc[label, 'uar_mean'])} "
                         f"(WA {num(base.loc[label, 'wa_mean'])}); "
                         + below_baseline(nets, base.loc[label, "uar_mean"], "clean networks", "it")[:-1] + ".")
            out.append(Finding(text, "tables/sa_models_table"))
    if tests is not None:
        clean = tests[tests["protocol"] == "clean"]
        same = clean[~clean["comparison"].str.contains("claim")]
        def part(r) -> str:
            adj = f"; Holm {pvalue(r['p (Holm)'])}" if "p (Holm)" in r and not pd.isna(r["p (Holm)"]) else ""
            return (f"{r['comparison'].split(' vs ')[0].rsplit('-', 1)[1]}: {signed(r['mean UAR diff'])} "
                    f"[{signed(r['ci95 low'])}, {signed(r['ci95 high'])}], p = {pvalue(r['p'])}{adj} "
                    f"({r[VERDICT]})")

        parts = [part(r) for _, r in same.iterrows()]
        paper_rows = tests[tests["protocol"] == "paper"]
        paper = paper_rows[paper_rows[VERDICT] == "underpowered"]
        tail = ""
        if len(paper):
            r = paper.iloc[0]
            tail = (f" The paper protocol's {len(paper)} comparisons rest on {units(r)} each (only its "
                    f"first run counts: its reseeding repeats the same seeds): smallest attainable p "
                    f"{pvalue(r['smallest attainable p'])} > {ALPHA}, so they are [[underpowered]] — no evidence "
                    "either way.")
        elif len(paper_rows):
            tail = (" Paper protocol (its first run only: its reseeding repeats the same seeds): "
                    + "; ".join(part(r) for _, r in paper_rows.iterrows()) + ".")
        holm = (f", Holm-adjusted over the table's {len(tests)} comparisons (one family)" if "p (Holm)" in tests
                else "")
        out.append(Finding(
            "Does the [[residual connection]] help? ResLSTM-SA minus LSTM-SA, clean protocol, speaker by speaker "
            f"(each of the {units(same.iloc[0])}' UAR averaged over the runs): {'; '.join(parts)} "
            f"({same['test'].iloc[0]} test over the speakers{holm}; 95 % bootstrap CI over the speakers). "
            f"{residual_verdict(same)}.{tail}", "tables/sa_paired_tests"))
        claim = clean[clean["comparison"].str.contains("claim")]
        if len(claim):
            r = claim.iloc[0]
            direction = ("the opposite of the slides' claim is shown" if r[VERDICT] == "shown"
                         and r["mean UAR diff"] < 0 else "the slides' claim is shown"
                         if r[VERDICT] == "shown" else f"the claim is {r[VERDICT]}")
            setting = ""
            if table is not None:
                row = table[(table["protocol"] == "clean") & (table["model"] == "LSTM-SA-h128")]
                if len(row):
                    n_runs = int(row["runs"].iloc[0])
                    setting = (f" {family_settings(table[table['kind'] == 'network'])}"
                               + (f", {int(row['epochs'].iloc[0])} epochs" if "epochs" in row else "")
                               + f"; the {units(r)} are the pairs, each one's UAR averaged over {n_runs} runs "
                               "(runs on the same speakers are not independent samples of speakers)")
            out.append(Finding(
                f"The slides' claim ResLSTM-SA-h32 > LSTM-SA-h128: {signed(r['mean UAR diff'])} UAR "
                f"({interval(r['ci95 low'], r['ci95 high'])}; {test_phrase(r)}): {direction}{setting}.",
                "tables/sa_paired_tests"))
    gap = _load(out_dir, "sa_protocol_gap")
    if gap is not None and gap["paper - clean"].notna().sum() > 1:
        d = gap["paper - clean"].dropna().to_numpy()  # models trained under both protocols
        out.append(Finding(
            f"Paper minus clean protocol (leaky normalisation, shared reseeding), mean pooled UAR per model: "
            f"{signed(float(d.mean()))} on average over {len(d)} models ("
            + (f"from {signed(float(d.min()))} to {signed(float(d.max()))}" if signed(float(d.min())) != signed(float(d.max()))
               else "the same for each")
            + f"), untested: models are not a sample of anything, and {len(d)} of them could "
            "not reach significance anyway; the paper-protocol rows of the paired tests compare the protocols "
            f"speaker by speaker {family_settings(table[table['kind'] == 'network']) if table is not None else ''}.",
            "tables/sa_protocol_gap"))
    recall = _load(out_dir, "sa_per_class_recall")
    if recall is not None and table is not None and out:
        r = recall.set_index("model").loc[best["model"]]
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
    val = studies[studies["pruner"] != "none"][["model", "space", "clean_val_uar"]]
    clean = evaluation[evaluation["selection"] == "clean"].merge(val, on=["model", "space"])
    return clean.loc[clean.groupby("model", sort=False)["clean_val_uar"].idxmax()]


def findings_04(out_dir) -> list[Finding]:
    out = []
    table = _load(out_dir, "tuning_seed000_table")
    studies = _load(out_dir, "tuning_studies")
    if table is not None:
        opt = table["optimism"]
        gap = table["fresh-seed gap (paper-style − clean)"]
        same = int((gap == 0).sum())
        sel = table["selected − clean"]
        n = len(opt)
        what = (f"{signed(float(opt.iloc[0]))} in the one study" if n == 1 else
                f"{signed(float(opt.mean()))} on average (from {signed(float(opt.min()))} to {signed(float(opt.max()))}, "
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
            v = verdict_of(t["p"], t["underpowered"], ALPHA)
            out.append(Finding(
                head + f"{signed(float(sel.mean()))} ± {num(float(sel.std(ddof=1)))} "
                f"(mean ± std over {len(sel)} studies; higher in {int((sel > 0).sum())} of them; {t['test']} p = "
                f"{pvalue(t['p'])} over the studies): that it over-reports is **{v}** at α = {ALPHA}.",
                "tables/tuning_seed000_table"))
        ev = _load(out_dir, "tuning_winners_evaluation")
        if ev is not None and studies is not None:
            chosen = validation_choice(ev, studies)
            spaces = ev.groupby("model")["space"].nunique()
            several = chosen[chosen["model"].map(spaces) > 1]
            shown = several if len(several) else chosen
            parts = []
            for _, b in shown.iterrows():
                slides = literature.PAPER000_TABLE.get(b["model"])
                parts.append(f"{b['model']} ({b['space']} space, trial {int(b['trial'])}): "
                             f"{pm(b['uar_mean'], b['uar_std'])} (mean ± std over {int(b['runs'])} fresh-seed runs; [[WA]] "
                             f"{num(b['wa_mean'])})" + (f", slides (reported) {num(slides[1], 4)}" if slides else ""))
            out.append(Finding(
                "Clean-tuned winners as 04 chooses them — per model, the space whose clean winner has the best "
                f"validation UAR, never the test: {'; '.join(parts)}.",
                "tables/tuning_winners_evaluation tables/tuning_studies"))
    nw = _load(out_dir, "tuning_nested_winners")
    if nw is not None and len(nw):
        out.append(Finding("The nested winner — for each test fold, the trial of best validation UAR over the folds "
                           "whose validation speakers are outside it — against the clean winner, on the same fresh "
                           "seeds: " + "; ".join(nested_winner_phrase(r) for _, r in nw.iterrows()) + ".",
                           "tables/tuning_nested_winners"))
    vs = _load(out_dir, "tuning_vs_defaults")
    if vs is not None and len(vs):
        parts = [f"{r['model']} trial {int(r['trial'])}: {signed(r['winner - defaults'])} UAR against the study's "
                 f"defaults ({num(r['winner_uar'])} vs {num(r['defaults_uar'])}, {test_phrase_plain(r)}; "
                 f"{r['verdict']})" for _, r in vs.iterrows()]
        out.append(Finding(
            f"What the search bought, at {int(vs['epochs'].iloc[0])} epochs on the same fresh seeds: "
            + "; ".join(parts) + ". The validation columns of the table, on the same fresh folds, say whether a "
            "loss was one on validation speakers too (the search found nothing better) or only on test.",
            "tables/tuning_vs_defaults"))
    corr = _load(out_dir, "tuning_val_vs_test")
    if corr is not None and len(corr):
        r = corr.iloc[0]
        within = _load(out_dir, "tuning_val_vs_test_by_study")
        w = within.dropna(subset=["spearman_rho"]) if within is not None else None
        pooled = " pooled over the studies" if w is None or len(w) != 1 else " (one study)"
        text = (f"Rank correlation of validation UAR (the objective) with the recorded test UAR: Spearman ρ = "
                f"{num(r['spearman_rho'], 2)} over {int(r['complete_trials'])} complete trials{pooled} "
                f"(p = {pvalue(r['p'])})")
        if w is not None:
            if len(w) > 1:
                text += (f"; within each study (≥ 3 complete trials), where the studies' different levels do not count: "
                         f"median ρ {num(float(w['spearman_rho'].median()), 2)}, from "
                         f"{num(float(w['spearman_rho'].min()), 2)} to {num(float(w['spearman_rho'].max()), 2)} over "
                         f"{len(w)} studies of {int(w['complete_trials'].min())}–{int(w['complete_trials'].max())} "
                         "trials")
        out.append(Finding(text + ".", "tables/tuning_val_vs_test tables/tuning_val_vs_test_by_study "
                                       "figures/tuning_val_vs_test"))
    pruning = _load(out_dir, "tuning_pruning")
    if pruning is not None and len(pruning) == 2 and "complete_per_core_hour" in pruning:
        p = pruning.set_index("pruner")
        with_p = p.loc[[i for i in p.index if i != "none"][0]]
        without = p.loc["none"]
        ratio = with_p["complete_per_core_hour"] / without["complete_per_core_hour"]
        out.append(Finding(
            f"[[pruning]]: {num(with_p['complete_per_core_hour'], 0)} complete trials per core-hour with the "
            f"pruner against {num(without['complete_per_core_hour'], 0)} without ({num(ratio, 2)}×; counting pruned "
            f"trials too: {num(with_p['trials_per_core_hour'], 0)} against {num(without['trials_per_core_hour'], 0)}); "
            f"the winner's validation UAR {num(with_p['clean_val_uar'])} against {num(without['clean_val_uar'])} "
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
        col = "kNN emotion UAR (held-out speakers)"
        embedded = folds["representation"].str.contains("embedding")
        runs = folds.loc[embedded, "run"].nunique() if "run" in folds else 1
        # the unit is the fold (its test speakers): a fold's runs are averaged first, never counted as units
        by_fold = folds.groupby(["representation", "fold"], sort=False).mean(numeric_only=True).reset_index()
        emb = by_fold[by_fold["representation"].str.contains("embedding")].sort_values("fold")
        raw = by_fold[by_fold["representation"].str.startswith("raw")].sort_values("fold")
        over = (f"mean ± std over {len(emb)} folds, each fold's {runs} runs averaged first" if runs > 1 else
                f"mean ± std over {len(emb)} folds")
        text = (f"[[kNN]] emotion UAR on held-out speakers: {pm(emb[col].mean(), emb[col].std(ddof=1))} from the "
                f"learned embedding ({over}) against {pm(raw[col].mean(), raw[col].std(ddof=1))} from raw feature "
                f"means (over {len(raw)} folds)")
        if tests is not None and len(tests):
            parts = []
            for _, r in tests.iterrows():
                against = r["comparison"].split(" vs ", 1)[1]
                ref = f" (UAR {num(r['reference UAR'])})" if "reference UAR" in r else ""
                parts.append(f"against {against}{ref}: {signed(r['mean UAR diff'])} "
                             f"({interval(r['ci95 low'], r['ci95 high'])}; {test_phrase(r)}; "
                             f"{r['better / worse']} speakers better / worse) — **{r[VERDICT]}**")
            text += (". Speaker by speaker (each speaker's kNN UAR averaged over the runs; Holm-adjusted over the "
                     f"{len(tests)} comparisons), the embedding's gain " + "; ".join(parts))
        out.append(Finding(text + ".", "tables/embedding_separability tables/embedding_paired_tests"))
        g = "kNN gender UAR (held-out speakers)"
        out.append(Finding(
            f"Gender is read from the raw features at a UAR of {pm(raw[g].mean(), raw[g].std(ddof=1))} and from the "
            f"embedding at {pm(emb[g].mean(), emb[g].std(ddof=1))} (chance 0.5): the emotion model was never "
            "trained on gender; whatever it keeps of it is a by-product.",
            "tables/embedding_separability figures/embeddings_by_gender"))
        s = "silhouette by emotion (test speakers)"
        se, sr = emb[s].mean(), raw[s].mean()
        out.append(Finding(
            f"[[silhouette]] by emotion on the test speakers: {pm(se, emb[s].std(ddof=1))} (embedding) and "
            f"{pm(sr, raw[s].std(ddof=1))} (raw): {silhouette_words(se)}."
            + (" Seed 000's \"compact emotion clusters\" (quotation) are not what this measure sees on held-out "
               "speakers." if se < 0.25 else ""), "tables/embedding_separability figures/embeddings_by_emotion"))
    claims = _load(out_dir, "confusion_claims")
    recall = _load(out_dir, "per_class_recall_reslstm_sa_h64")
    if claims is not None and recall is not None:
        c = claims.set_index("quantity")
        low = recall.loc[recall["recall"].idxmin()]
        def ci(row) -> str:
            return f" [{num(row['wilson low'])}, {num(row['wilson high'])}]" if "wilson low" in row else ""

        happy, n_h = c.loc["recall of happy"], c.loc["neutral predicted as happy"]
        runs = (f"{int(happy['runs'])} run{'s' if int(happy['runs']) != 1 else ''} pooled; 95 % Wilson intervals "
                "over each class's utterances, run-to-run variation not included"
                if "wilson low" in happy else "no interval")
        out.append(Finding(
            f"[[confusion matrix]] of the pooled out-of-fold predictions ({runs}): the lowest recall is "
            f"{low['emotion']}'s ({num(low['recall'])}{ci(low)}); happy's recall is {num(happy['ours'])}{ci(happy)} "
            f"(seed 000 reported {num(happy['seed 000 (reported)'])}), and {num(n_h['ours'])}{ci(n_h)} of neutral "
            f"is predicted happy (reported {num(n_h['seed 000 (reported)'])}).",
            "tables/confusion_claims figures/confusion_reslstm_sa_h64"))
    return out


# ---------------------------------------------------------------- 06

def findings_06(out_dir) -> list[Finding]:
    out = []
    table = _load(out_dir, "sota_our_models")
    if table is not None:
        nets = table[table["seed"] != "baseline"]
        seeds = nets[~nets["seed"].eq("seed 000")]
        ours = nets[nets["seed"].eq("seed 000")]
        if len(seeds) and len(ours):
            bs, bo = seeds.loc[seeds["uar_mean"].idxmax()], ours.loc[ours["uar_mean"].idxmax()]
            ties = [r for _, r in seeds.iterrows() if r["model"] != bs["model"]
                    and within_noise(bs["uar_mean"], bs["uar_std"], r["uar_mean"], r["uar_std"])]
            tie = (" — within noise of " + ", ".join(f"{r['model']} ({pm(r['uar_mean'], r['uar_std'])})" for r in ties)
                   + " (difference below the larger std): no single best") if ties else ""
            out.append(Finding(
                f"Highest mean of the seeds' other architectures: {bs['model']} ({bs['seed']}, untuned) at a [[UAR]] "
                f"of {pm(bs['uar_mean'], bs['uar_std'])} with {int(bs['parameters']):,} parameters and "
                f"{num(bs['CPU ms/utt'], 2)} CPU ms per utterance{tie}; the tuned {bo['model']}: "
                f"{pm(bo['uar_mean'], bo['uar_std'])} with {int(bo['parameters']):,} parameters and "
                f"{num(bo['CPU ms/utt'], 2)} ms (mean ± std over {int(bo['runs'])} runs against {int(bs['runs'])}). "
                "Not an equal budget: the seed-000 rows were tuned, the others were not"
                + (f"; they trained {int(bo['epochs'])} epochs, the others {int(bs['epochs'])}"
                   if "epochs" in bo and bo["epochs"] != bs["epochs"] else "")
                + (f"; schedules: {bs['schedule']} against {bo['schedule']}"
                   if "schedule" in bo and bo["schedule"] != bs["schedule"] else "")
                + ".", "tables/sota_our_models figures/sota_uar_vs_cost"))
            cheap = nets.loc[nets["CPU ms/utt"].idxmin()]
            dear = nets.loc[nets["CPU ms/utt"].idxmax()]
            out.append(Finding(
                f"Cost spans {num(dear['CPU ms/utt'] / cheap['CPU ms/utt'], 1)}× in CPU time: {cheap['model']} is the "
                f"cheapest ({num(cheap['CPU ms/utt'], 2)} ms, UAR {num(cheap['uar_mean'])}), {dear['model']} the "
                f"dearest ({num(dear['CPU ms/utt'], 2)} ms, UAR {num(dear['uar_mean'])}; "
                f"{signed(dear['uar_mean'] - cheap['uar_mean'])}). They differ in architecture, input and tuning "
                f"({cheap['setting']} against {dear['setting']}), so the difference is not an effect of compute.",
                "tables/sota_our_models figures/sota_uar_vs_cost"))
        base = table[table["seed"] == "baseline"]
        if len(base):
            lr = base.loc[base["uar_mean"].idxmax()]
            out.append(Finding(
                f"The [[baseline]]s: the best of them, {lr['model']}, reaches UAR {num(lr['uar_mean'])} "
                f"(WA {num(lr['wa_mean'])}). {below_baseline(nets, lr['uar_mean'], baseline='it')}",
                "tables/sota_our_models"))
    w2v = _load(out_dir, "sota_wav2vec2_cost")
    if w2v is not None and "× ResLSTM-SA end to end" in w2v:
        big = w2v.iloc[-1]
        out.append(Finding(
            f"{big['model']} with random weights needs {num(big['CPU ms/utt'], 0)} CPU ms per utterance from the "
            f"waveform, {num(big['× ResLSTM-SA end to end'], 0)}× ResLSTM-SA end to end (its feature extraction "
            f"plus the model, {num(big['ResLSTM-SA CPU ms/utt (features + model)'], 2)} ms; "
            f"{num(big['× ResLSTM-SA model only'], 0)}× the model alone), for the literature's best accuracies "
            "(reported, not measured here).", "tables/sota_wav2vec2_cost tables/sota_feature_cost"))
    out += convergence_finding(_load(out_dir, "sota_convergence"), "tables/sota_convergence figures/sota_val_curves",
                               "rows")
    weight = _load(out_dir, "sota_loss_weightings")
    if weight is not None and len(weight) > 1:
        best = weight.loc[weight["uar_mean"].idxmax()]
        runs = int(weight["runs"].min())
        out.append(Finding(
            f"Seed 003's loss weightings: UAR from {num(weight['uar_mean'].min())} to {num(weight['uar_mean'].max())} "
            f"(best {best['loss weighting']}), on {runs} run{'s' if runs > 1 else ''} each"
            + (": too few to rank them." if runs < 3 else "."), "tables/sota_loss_weightings"))
    return out


# ---------------------------------------------------------------- 07

# rung -> the rung whose configuration and seeds it repeats (``training.fidelity.ladder``:
# rung 6b is ``authors_spec`` with distinct seeds, rung 4's spec; its first runs are rung 4's records)
SAME_RECORDS = {"6b": "4"}


def _runs(row) -> str:
    planned = int(row["runs_planned"]) if "runs_planned" in row and not pd.isna(row["runs_planned"]) else None
    n = int(row["n_runs"])
    return f"{n} of {planned} runs" if planned is not None and planned != n else f"{n} run{'s' if n != 1 else ''}"


def _complete(row) -> bool:
    return bool(row["complete"]) if "complete" in row and not pd.isna(row["complete"]) else True


def ladder_summary(model: str, rows: pd.DataFrame) -> str:
    """One model's ladder in a few sentences: the headline rung, fixed before its numbers
    were seen (``HEADLINE_RUNG``, the nested choice; while it is incomplete, rung 1 stands
    in, labelled not nested), with its interval and paired test; which rungs are
    incomplete or pending; selection on test; and which rungs share records."""
    slides = rows["slides_uar_literature"].iloc[0]
    done = rows.dropna(subset=["uar_mean"])
    text = f"**{model}** (slides, reported: {num(slides, 4)}; ours: mean UAR ± the 95 % t-interval over runs)."
    headline = done[(done["rung"] == HEADLINE_RUNG) & done.apply(_complete, axis=1)]
    fallback = done[(done["rung"] == FALLBACK_RUNG) & done.apply(_complete, axis=1)]
    if len(headline) or len(fallback):
        h = (headline if len(headline) else fallback).iloc[0]
        ci = "" if pd.isna(h["ci95"]) else f" ± {num(h['ci95'])}"
        what = (f"the headline rung {HEADLINE_RUNG} (fixed before its numbers were seen: hyperparameters chosen per "
                "test fold by validation speakers outside it, so no test speaker steers anything)" if len(headline)
                else f"rung {FALLBACK_RUNG} in place of the headline rung {HEADLINE_RUNG}, which is not complete yet "
                "(rung 1's setting is not nested: each fold's validation speakers are another fold's test speakers)")
        text += (f" {what[:1].upper() + what[1:]}: UAR {num(h['uar_mean'])}{ci} over {_runs(h)}, "
                 f"{num(slides - h['uar_mean'])} below the slides")
        if "delta_vs_previous" in h and not pd.isna(h["delta_vs_previous"]):
            test = "" if pd.isna(h["p_value"]) else \
                (f", exact sign-flip p = {pvalue(h['p_value'])}"
                 + (f" (Holm-adjusted over the ladder's comparisons {pvalue(h['p_holm'])})" if "p_holm" in h else "")
                 + f" over {int(h['pairs'])} {h['unit']}s" if "pairs" in h else
                 f", Wilcoxon p = {pvalue(h['p_value'])} over {int(h['paired_folds'])} paired folds")
            counts = str(h.get("better / worse / tied", "") or "")
            if counts.count("/") == 2 and not pd.isna(h["p_value"]):
                better, worse, tied = (int(x) for x in counts.split("/"))
                test += (f", {tied} of them tied (the folds where both rungs share records), {better} better, "
                         f"{worse} worse; smallest attainable p {pvalue(h['smallest attainable p'])}") if tied else ""
            text += f"; {signed(h['delta_vs_previous'])} against rung {h['previous']}{test}"
        text += "."
    else:
        text += f" Neither rung {HEADLINE_RUNG} nor rung {FALLBACK_RUNG} is complete yet."
    unfinished = [f"{r['rung']} ({_runs(r)})" for _, r in done.iterrows() if not _complete(r)]
    pending = list(rows[rows["uar_mean"].isna()]["rung"])
    if unfinished:
        text += f" Incomplete, so not ranked: rung {', '.join(unfinished)}."
    if pending:
        text += f" Pending: rung {', '.join(pending)}."
    sel = done[(done["rung"] == "5a")]
    if len(sel):
        text += (f" Selecting the trial on the test speakers (rung 5a, its own test UAR) gives "
                 f"{num(sel['uar_mean'].iloc[0])}: not an honest number.")
    for rung, same in SAME_RECORDS.items():
        a, b = rows[rows["rung"] == rung], rows[rows["rung"] == same]
        if len(a) and len(b) and not pd.isna(a["uar_mean"].iloc[0]):
            n_a, n_b = int(a["n_runs"].iloc[0]), int(b["n_runs"].iloc[0])
            which = "its runs so far are" if n_a <= n_b else f"its first {n_b} runs are"
            text += (f" Rung {rung} is rung {same}'s configuration with the same seeds: {which} rung {same}'s "
                     "records, not an independent confirmation.")
    return text


def trials_of(row) -> str:
    """``60 trials of two search spaces (seed000 30, reference 30)`` from an oracle row;
    ``30 trials`` for one space (or a table without ``trials_by_space``)."""
    n = f"{int(row['complete_trials'])} trials"
    by = str(row.get("trials_by_space", "") or "")
    if " + " not in by:
        return n
    parts = by.split(" + ")
    return f"{n} of {len(parts)} search spaces pooled ({', '.join(parts)})"


def nested_winner_phrase(r) -> str:
    """One row of ``tuning_nested_winners`` in words."""
    same = int(r["distinct_trials"]) == 1 and f"trial {int(r['clean_trial'])}" in str(r["nested_trials"])
    choice = ("every test fold chose the clean winner's trial" if same else
              f"{int(r['distinct_trials'])} distinct trial{'s' if int(r['distinct_trials']) != 1 else ''} "
              f"({r['nested_trials']})")
    return (f"{r['model']} ({r['space']} space; {choice}): {pm(r['nested_uar_mean'], r['nested_uar_std'])} against "
            f"{pm(r['clean_uar_mean'], r['clean_uar_std'])} (mean ± std over {int(r['runs'])} fresh-seed runs), "
            f"{signed(r['mean UAR diff'])} ({interval(r['ci95 low'], r['ci95 high'])}; {test_phrase(r)}) — "
            f"**{r[VERDICT]}**")


def findings_07(out_dir) -> list[Finding]:
    out = []
    ladder = _load(out_dir, "fidelity_ladder", dtype={"rung": str, "previous": str})
    if ladder is not None:
        for model, rows in ladder.groupby("model", sort=False):
            text = ladder_summary(model, rows)
            anchor = rows[rows["rung"] == "6a"]
            if len(anchor) and not np.isnan(anchor["uar_mean"].iloc[0]):
                a = anchor.iloc[0]
                text += (f" The authors' setting with their reseeding (rung 6a) gives {num(a['uar_mean'])}; their own "
                         f"code gave {num(a['authors_code_uar_measured'])} on this CPU (difference "
                         f"{signed(a['uar_mean'] - a['authors_code_uar_measured'])}).")
            text += " Every rung, with its interval and paired test, is in the table."
            out.append(Finding(text, "tables/fidelity_ladder figures/fidelity_waterfall"))
    oracle = _load(out_dir, "fidelity_oracle")
    if oracle is not None and len(oracle):
        parts = [f"{r['model']}: the best-by-test trial {num(r['paper_style_pooled_uar'])} pooled "
                 f"({num(r['paper_style_fold_mean_uar'])} as a mean over folds), and with each fold's epoch also picked "
                 f"on its test speakers {num(r['oracle_fold_mean_uar'])} (mean over folds, {trials_of(r)}), against the slides' {num(r['slides_uar_literature'], 4)} (reported) and the authors' own "
                 f"code's {num(r['authors_code_uar_measured'])} (measured on a CPU)"
                 for _, r in oracle.iterrows()]
        short = [r["model"] for _, r in oracle.iterrows() if r["oracle_fold_mean_uar"] < r["slides_uar_literature"]]
        out.insert(0, Finding(
            "How far even selection on the test set gets: " + "; ".join(parts) + ". "
            + (f"For {' and '.join(short)} not even the oracle — trial and epoch both chosen on the test speakers — "
               "reaches the slides' number: test-set selection alone does not explain it."
               if short else "The oracle reaches the slides' number: test-set selection could explain it."),
            "tables/fidelity_oracle"))
    optimism = _load(out_dir, "fidelity_optimism")
    if optimism is not None and len(optimism):
        parts = [f"{r['model']} {r['space']}: {signed(r['optimism'])} (trial #{int(r['trial'])}: "
                 f"{num(r['trial_test_uar'])} in the search, {num(r['fresh_uar_mean'])} over {int(r['fresh_runs'])} "
                 "fresh seeds)" for _, r in optimism.iterrows() if not np.isnan(r["optimism"])]
        if parts:
            out.append(Finding("[[optimism]] of selecting on test — each study's best-by-test trial's own UAR minus "
                               f"the same configuration's fresh-seed mean: {'; '.join(parts)}.",
                               "tables/fidelity_optimism tables/fidelity_winners_fresh"))
    gap = _load(out_dir, "fidelity_selection_gap")
    if gap is not None and len(gap):
        parts = [f"{r['model']} {r['space']}: {signed(r['selection gap'])} over {int(r['complete_trials'])} trials"
                 for _, r in gap.iterrows()]
        out.append(Finding("The selection gap — expected test UAR of the best-by-test trial minus that of the "
                           f"best-by-validation one, all trials searched (the end of each curve): {'; '.join(parts)}. "
                           "It is not the optimism: both terms are trials' own numbers, no fresh seeds.",
                           "tables/fidelity_selection_gap figures/fidelity_best_of_n"))
    spent = _load(out_dir, "fidelity_compute")
    if spent is not None and len(spent):
        total = spent[spent["records"] == "all"].iloc[0]
        out.append(Finding(f"Behind these numbers: {num(total['core_hours'], 1)} core-hours in "
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
             1: "one direction loses and the other gains: the conditions differ in how much they teach, "
                "not only in how hard they are",
             0: "both directions gain: each model does at least as well on the takes it was not trained on"}
    for name, rows in table.groupby("shift", sort=False):
        first = rows.iloc[0]
        runs = int(first["runs"])
        parts = []
        for _, r in rows.iterrows():
            worse, better = r["speakers worse / better"].split(" / ")
            parts.append(f"trained on {r['trained on']}, {num(r['UAR shifted'])} on {r['tested on (shifted)']} "
                         f"against {num(r['UAR same condition'])} on {r['trained on']} ({signed(r['UAR change'])}; "
                         f"{worse} speakers worse, {better} better, {test_phrase(r)})")
        verdict = f" By the means, {words[int((rows['UAR change'] < 0).sum())]}." if len(rows) == 2 else ""
        out.append(Finding(
            f"The {name} shift, new speakers' [[UAR]] over {first['classes scored']} classes (mean of {runs} "
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
        n = int(r["files scored"])
        low, high = wilson_interval(float(r["WA"]), n)
        notes = r["left out / merged"]
        notes = f" Classes: {notes}." if isinstance(notes, str) and notes else ""
        out.append(Finding(
            f"Trained on {r['trained on']}, tested on {r['tested on']} (one trained model, one seed): [[UAR]] "
            f"{num(r['UAR'])} against a chance UAR of {num(r['chance UAR'])} ({signed(r['UAR'] - r['chance UAR'])}) "
            f"over {r['shared classes']} shared classes; [[WA]] {num(r['WA'])}, {interval(low, high, sign=False)} "
            f"(Wilson, {n} of {int(r['files in corpus'])} files scored).{notes}", "tables/cross_corpus"))
    if recalls is not None:
        for (train, test), rows in recalls.groupby(["trained on", "tested on"], sort=False):
            rows = rows[rows["files"] > 0]
            if len(rows) < 2:
                continue
            best, worst = rows.loc[rows["recall"].idxmax()], rows.loc[rows["recall"].idxmin()]
            out.append(Finding(
                f"Per class, {train} → {test}: best recalled {best['class']} {num(best['recall'])} "
                f"({int(best['files'])} files), worst {worst['class']} {num(worst['recall'])} "
                f"({int(worst['files'])} files).", "tables/cross_corpus_recall"))
    return out


# ---------------------------------------------------------------- 09

def _lever_words(row) -> str:
    ci = (f" [{signed(row['delta_ci95_low'])}, {signed(row['delta_ci95_high'])}]"
          if not pd.isna(row.get("delta_ci95_low", np.nan)) else "")
    return f"{row['lever']} {signed(row['delta_vs_start'])}{ci}"


def findings_09(out_dir) -> list[Finding]:
    out = []
    base = _load(out_dir, "standard_baselines")
    if base is not None and len(base):
        parts = [f"{r['model']}: [[UAR]] {num(r['uar_mean'])} (WA {num(r['wa_mean'])}, C per fold {r['C per fold (validation speakers)']}, "
                 f"{num(r['CPU ms/utt'], 1)} CPU ms per utterance with the extraction)" for _, r in base.iterrows()]
        out.append(Finding("The field's standard [[baseline]]s on the same folds, C chosen on [[validation speakers]]: "
                           + "; ".join(parts) + ".", "tables/standard_baselines"))
    what = _load(out_dir, "what_helps")
    if what is None or not len(what):
        return out
    texts = []
    for family, rows in what.groupby("family", sort=False):
        start = rows[rows["lever"] == "start"]
        if not len(start):
            continue
        s = start.iloc[0]
        levers = rows[~rows["lever"].isin(["start", "recipe"])]
        shown = levers[levers[VERDICT].eq("shown")]
        up = [_lever_words(r) for _, r in shown.iterrows() if r["delta_vs_start"] > 0]
        down = [_lever_words(r) for _, r in shown.iterrows() if r["delta_vs_start"] < 0]
        rest = levers[~levers.index.isin(shown.index)]
        pairs = int(levers["speakers"].max()) if len(levers) else 0
        underpowered = bool(levers[VERDICT].eq("underpowered").any())
        texts.append(
            f"**{family}** starts at UAR {num(s['uar_mean'])} over {int(s['runs'])} run{'s' if s['runs'] != 1 else ''}. "
            f"Against it ([[paired test]] over {pairs} speakers, UAR difference and 95 % CI): shown better: "
            f"{', '.join(up) or 'none'}; shown worse: {', '.join(down) or 'none'}; no difference shown: "
            f"{', '.join(_lever_words(r) for _, r in rest.iterrows()) or 'none'}"
            + (" (some comparisons are [[underpowered]]: too few speakers for p < 0.05)" if underpowered else "") + ".")
    if texts:
        out.append(Finding(" ".join(texts), "tables/what_helps"))
    recipe = what[what["lever"] == "recipe"]
    honest = what[~what["transductive"].astype(bool)]
    if len(honest):
        ok = honest[(honest["parameters"] <= 110_000) & (honest["model CPU ms/utt"] <= 2.0)]
        best = (ok if len(ok) else honest).sort_values("uar_mean").iloc[-1]
        reached = best["uar_mean"] >= 0.60 and len(ok)
        ci = (f", 95 % t-interval [{num(best['uar_ci95_low'])}, {num(best['uar_ci95_high'])}]"
              if not pd.isna(best["uar_ci95_low"]) else " (one run: no interval)")
        out.append(Finding(
            f"The best honest lightweight row (not transductive, at most 110 k parameters and 2 CPU ms per utterance "
            f"for the model): {best['family']} {best['lever']}, UAR {num(best['uar_mean'])}{ci}, "
            f"{int(best['parameters']):,} parameters, {num(best['model CPU ms/utt'], 2)} ms for the model and "
            f"{num(best['CPU ms/utt'], 1)} ms end to end. "
            + ("It meets the goal of UAR ≥ 0.60." if reached else
               f"The goal of UAR ≥ 0.60 is not reached: {num(best['uar_mean'])} is the measured ceiling here."),
            "tables/what_helps figures/what_helps_pareto"))
    if len(recipe):
        parts = []
        for _, r in recipe.iterrows():
            test = (f"{signed(r['delta_vs_start'])} against the start, {r['test']} p = {pvalue(r['p'])} over "
                    f"{int(r['speakers'])} speakers ({r[VERDICT]})") if not pd.isna(r.get("p", np.nan)) else ""
            parts.append(f"{r['family']}: UAR {num(r['uar_mean'])} {test}; levers chosen per test fold — {r['levers']}")
        out.append(Finding("The recipe, its levers chosen for each test fold on validation speakers outside it: "
                           + "; ".join(parts) + ".", "tables/what_helps tables/what_helps_recipe"))
    ens, dist = what[what["lever"] == "ensemble"], what[what["lever"] == "distilled"]
    if len(ens) and len(dist):
        e, d = ens.iloc[0], dist.iloc[0]
        out.append(Finding(
            f"{e['family']}: the seed ensemble reaches UAR {num(e['uar_mean'])} at {num(e['model CPU ms/utt'], 2)} ms "
            f"for its models; distilled into one model, {num(d['uar_mean'])} at {num(d['model CPU ms/utt'], 2)} ms "
            f"({signed(d['uar_mean'] - e['uar_mean'])} for a {num(e['model CPU ms/utt'] / d['model CPU ms/utt'], 1)}× "
            "smaller model cost).", "tables/what_helps"))
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
