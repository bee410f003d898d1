"""What every notebook's findings share: the ``Finding`` record, glossary links
(``[[term]]``), the phrasing of numbers and tests, and table loading."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ser_utils import columns as col
from ser_utils.reporting.summaries import SCHEDULE_ENDED
from ser_utils.training.metrics import VERDICT

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


TIE_SHARE = 0.02   # medians closer than this share of their range are named together


def extreme(values: pd.Series, which: str) -> str:
    """The emotion with the largest (``max``) or smallest (``min``) value and its value,
    ``calm (-646.2) and neutral (-645.1)`` when others are within ``TIE_SHARE`` of the
    range of the values."""
    best = values.max() if which == "max" else values.min()
    tol = TIE_SHARE * (values.max() - values.min())
    near = values[(values - best).abs() <= tol].sort_values(ascending=which == "min")
    return " and ".join(f"{k} ({num(v, 1)})" for k, v in near.items())


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
