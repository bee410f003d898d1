"""Notebook 05's "What we found", computed from the tables it wrote."""

from __future__ import annotations

import pandas as pd

from ser_utils import columns as col
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    Finding,
    interval,
    num,
    pm,
    signed,
    test_phrase,
)
from ser_utils.training.metrics import VERDICT


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
    folds = read_table(out_dir, "embedding_separability_by_fold")
    tests = read_table(out_dir, "embedding_paired_tests")
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
    claims = read_table(out_dir, "confusion_claims")
    recall = read_table(out_dir, "per_class_recall_reslstm_sa_h64")
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
