"""Notebook 02's check of paper 001's two conclusions, the speaker as the unit (tables
``baseline_concat_vs_last`` and ``baseline_claims``):

(i) *concatenating the layers' outputs does not help*: ``concat`` against ``last`` per 2-
and 3-layer model (``summaries.paired``) and over all of them together (``summaries.paired_pooled``:
each speaker's UAR averaged over the models first, so a speaker counts once);
(ii) *bigger is better*: Spearman's rank correlation of parameters and UAR over the distinct
models.

Every p of this family is Holm-adjusted together, and each verdict reads the adjusted p
(``metrics.verdict``; "underpowered" where even the unadjusted test could not reach 0.05).
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import spearmanr

from ser_utils import columns as col
from ser_utils.reporting import summaries
from ser_utils.training import metrics
from ser_utils.training.metrics import MIN_P, P_HOLM, VERDICT

CLAIM_COLUMNS = ("key", "claim", "value", "ci95 low", "ci95 high", "unit", "test", "p", P_HOLM, MIN_P, "pairs",
                 VERDICT, "detail")


def paper001_claims(by_label: dict, concat: pd.DataFrame, distinct: pd.DataFrame,
                   sweep: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(checks, claims)``. ``by_label``: each sweep model's records by label
    (``RNN-L{layers}-H{hidden}-concat``); ``concat``: the sweep's concat rows indexed by
    name (``LSTM-L2-H32`` …, with ``layers``); ``distinct``: one row per distinct model
    (``parameters``, ``uar_mean``); ``sweep``: every row (``layers``, ``hidden``,
    ``uar_mean``), for the 1-layer consistency check (with one layer, concat is last)."""
    rows, deep_pairs = [], []
    for name in concat.index[concat.layers > 1]:
        a, b = by_label[f"RNN-{name[4:]}-concat"], by_label[f"RNN-{name[4:]}-last"]
        rows.append(summaries.paired_row(name, summaries.paired(a, b)))
        deep_pairs.append((a, b))
    checks = pd.DataFrame(rows)
    both = summaries.paired_pooled(deep_pairs)
    rho, p = spearmanr(distinct.parameters, distinct.uar_mean)
    family = metrics.holm(list(checks["p"]) + [both["p"], p])
    checks[P_HOLM] = family[:len(checks)]
    checks[VERDICT] = [metrics.verdict(q, m > 0.05) for q, m in zip(checks[P_HOLM], checks[MIN_P])]
    both_holm, p_holm = family[len(checks)], family[len(checks) + 1]

    shown = checks[(checks[VERDICT] == "shown") & (checks["mean UAR diff"] > 0)]
    underpowered = int((checks[VERDICT] == "underpowered").sum())
    any_verdict = "shown" if len(shown) else "underpowered" if underpowered == len(checks) else "not shown"
    # the claim's p: the smallest among the models where concat is ahead (a small p where concat is behind
    # says the opposite); none ahead: no p
    ahead = checks[checks["mean UAR diff"] > 0]
    one_layer_same = bool((sweep[sweep.layers == 1].groupby("hidden").uar_mean.nunique() == 1).all())
    nan = float("nan")
    claims = pd.DataFrame([
        {"key": "concat_any", "claim": "concat beats last in some 2-3 layer model (p (Holm) < 0.05; the smallest p "
         "among the models where concat is ahead)", col.VALUE: nan,
         col.DIFF_CI95_LOW: nan, col.DIFF_CI95_HIGH: nan, col.UNIT: checks["unit"].iloc[0],
         col.TEST: checks["test"].iloc[0],
         col.P: ahead["p"].min() if len(ahead) else nan, P_HOLM: ahead[P_HOLM].min() if len(ahead) else nan,
         MIN_P: checks[MIN_P].min(), col.PAIRS: int(checks["pairs"].min()), VERDICT: any_verdict,
         col.DETAIL: f"{len(ahead)} of {len(checks)} ahead, {len(shown)} shown better, {underpowered} underpowered"},
        {"key": "concat_pooled", "claim": "concat differs from last (each speaker's UAR averaged over the 2-3 layer "
         "models and runs)", col.VALUE: both["mean_diff"],
         col.DIFF_CI95_LOW: both["ci95_low"], col.DIFF_CI95_HIGH: both["ci95_high"],
         col.UNIT: both["unit"], col.TEST: both["test"], col.P: both["p"], P_HOLM: both_holm, MIN_P: both["min_p"],
         col.PAIRS: both["pairs"], VERDICT: metrics.verdict(both_holm, both["underpowered"]),
         col.DETAIL: f"{both['a_better']} better / {both['b_better']} worse"},
        {"key": "size", "claim": f"UAR rises with parameters (Spearman rank correlation, {len(distinct)} distinct "
         "models)", col.VALUE: rho, col.DIFF_CI95_LOW: nan, col.DIFF_CI95_HIGH: nan,
         col.UNIT: "model", col.TEST: "Spearman", col.P: p,
         P_HOLM: p_holm, MIN_P: nan, col.PAIRS: len(distinct),
         # one-sided: a correlation shown in the wrong direction does not support "bigger is better"
         VERDICT: metrics.verdict(p_holm, False) if rho > 0 else "not shown", col.DETAIL: ""},
        {"key": "one_layer", "claim": "1-layer concat equals 1-layer last (consistency check)", col.VALUE: nan,
         col.DIFF_CI95_LOW: nan, col.DIFF_CI95_HIGH: nan, col.UNIT: "model", col.TEST: "equality",
         col.P: nan, P_HOLM: nan, MIN_P: nan,
         col.PAIRS: int((sweep.layers == 1).sum() // 2), VERDICT: "holds" if one_layer_same else "fails",
         col.DETAIL: ""},
    ], columns=list(CLAIM_COLUMNS))
    return checks, claims
