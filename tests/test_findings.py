"""The generated findings and README answers, on small hand-made tables whose expected
sentences are worked out by hand; the glossary anchors they link to; the paired tests and
baselines they rest on."""

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon

from conftest import REPO
from ser_utils.reporting import findings, readme, study
from ser_utils.training import baselines, metrics


def write(out, name, rows):
    (out / "tables").mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(out / "tables" / f"{name}.csv", index=False)


# ---------------------------------------------------------------- paired tests

def test_sign_flip_p_by_hand():
    # [1, 2, 3]: of the 8 sign patterns only +++ and --- reach |sum| 6 -> 2/8
    assert metrics.sign_flip_p([1, 2, 3]) == pytest.approx(0.25)
    # [1, -1, 2]: |sum| >= 2 for 6 of the 8 patterns (sums 4, 0, 2, -2, 2, -2, 0, -4)
    assert metrics.sign_flip_p([1, -1, 2]) == pytest.approx(0.75)


def test_paired_test_says_underpowered_with_five_pairs():
    out = metrics.paired_test([0.01, 0.02, 0.03, 0.04, 0.05])
    assert out == {"test": "exact sign-flip", "p": pytest.approx(2 / 32), "min_p": 2 / 32, "underpowered": True}
    assert metrics.verdict(out["p"], out["underpowered"]) == "underpowered"
    assert metrics.min_attainable_p(15) == pytest.approx(2 / 2 ** 15)


def test_paired_test_uses_wilcoxon_beyond_sixteen_pairs():
    diff = np.linspace(-0.01, 0.05, 20)
    out = metrics.paired_test(diff)
    assert out["test"] == "Wilcoxon signed-rank" and out["p"] == pytest.approx(wilcoxon(diff).pvalue)
    assert not out["underpowered"]


def test_paired_comparison_carries_the_verdict():
    a = {(0, f): 0.5 + 0.01 * f for f in range(6)}
    b = {(0, f): 0.4 for f in range(6)}
    out = metrics.paired_comparison(a, b)
    # 6 positive differences: only the all-plus / all-minus patterns reach the mean -> 2/64
    assert out["p"] == pytest.approx(2 / 64) and out["verdict"] == "shown" and out["pairs"] == 6


# ---------------------------------------------------------------- baselines

def test_baselines_on_a_tiny_corpus():
    # 3 actors x 4 utterances; features constant per utterance so mean = value, std = 0
    labels = np.array([0, 1, 1, 2] * 3)
    actors = np.repeat([1, 2, 3], 4)
    feats = [np.full((5, 2), [float(c), -float(c)], dtype=np.float32) for c in labels]
    data = SimpleNamespace(features=feats, labels=labels, actors=actors, ids=[f"u{i}" for i in range(12)])
    folds = [SimpleNamespace(test=[a]) for a in (1, 2, 3)]
    out = baselines.baseline_records(data, folds)
    majority = out[baselines.MAJORITY]
    # training class counts are always (2, 4, 2): class 1 wins; on a test actor (0, 1, 1, 2) recalls are 0, 1, 0
    assert [r.test.preds for r in majority] == [[1, 1, 1, 1]] * 3
    assert majority[0].test_uar == pytest.approx(1 / 3) and majority[0].test_wa == pytest.approx(0.5)
    logreg = out[baselines.LOGREG]
    assert logreg[0].parameters == (4 + 1) * 3            # 2 means + 2 stds, + bias, per class
    assert all(r.test.preds == r.test.labels for r in logreg)   # the feature is the class
    s = study.summary_row(majority)
    assert s["uar_mean"] == pytest.approx(1 / 3) and s["wa_mean"] == pytest.approx(0.5)


def test_recall_table_averages_runs():
    P = SimpleNamespace
    recs = [P(run=0, fold=0, test=P(labels=[0, 0, 1, 1], preds=[0, 0, 1, 0])),
            P(run=1, fold=0, test=P(labels=[0, 0, 1, 1], preds=[0, 1, 1, 1]))]
    row = study.recall_table({"m": recs}).iloc[0]
    # run 0: recalls (1, 0.5); run 1: (0.5, 1) -> mean (0.75, 0.75); WA (0.75 + 0.75) / 2
    assert row["neutral"] == pytest.approx(0.75) and row["calm"] == pytest.approx(0.75)
    assert row["WA"] == pytest.approx(0.75) and row["runs"] == 2
    assert np.isnan(row["happy"]) and row["UAR"] == pytest.approx(0.75)


# ---------------------------------------------------------------- findings

def test_findings_01_from_hand_made_tables(tmp_path):
    write(tmp_path, "corpus_counts_by_emotion", [{"emotion": "neutral", "total": 96}, {"emotion": "calm", "total": 192},
                                                 {"emotion": "happy", "total": 192}])
    write(tmp_path, "speaker_leakage_logreg", [
        {"task": "emotion", "split": "random utterances (speakers shared)", "uar": 0.6, "wa": 0.61,
         "fold_uar_std": 0.02, "chance": 0.125},
        {"task": "emotion", "split": "speaker-independent folds", "uar": 0.45, "wa": 0.46, "fold_uar_std": 0.05,
         "chance": 0.125},
        {"task": "actor identity", "split": "random utterances", "uar": 0.9, "wa": 0.9, "fold_uar_std": 0.01,
         "chance": 1 / 24}])
    out = findings.findings_01(tmp_path)
    assert len(out) == 3
    # 480 utterances; always-calm WA 192/480 = 0.4, UAR 1/3
    assert "has 480 utterances in 3 emotions; the rarest, neutral, has 96, the largest 192" in out[0].text
    assert "[[WA]] of 0.400 but a [[UAR]] of 0.333" in out[0].text
    assert "0.600 ± 0.020 when speakers are shared" in out[1].text and "0.450 ± 0.050 on" in out[1].text
    assert "inflates UAR by +0.150" in out[1].text
    assert "UAR of 0.900, 21.6 times chance (0.042)" in out[2].text and out[2].source == "tables/speaker_leakage_logreg"


def sa_tables(out):
    net = dict(protocol="clean", kind="network", runs=3, wa_std=0.01)
    write(out, "sa_models_table", [
        {**net, "model": "LSTM-SA-h64", "uar_mean": 0.44, "uar_std": 0.02, "ci95_low": 0.42, "ci95_high": 0.46,
         "wa_mean": 0.45, "slides UAR mean ± std (reported)": "0.5751 ± 0.0108"},
        {**net, "model": "ResLSTM-SA-h64", "uar_mean": 0.47, "uar_std": 0.01, "ci95_low": 0.46, "ci95_high": 0.48,
         "wa_mean": 0.48, "slides UAR mean ± std (reported)": "0.6232 ± 0.0119"},
        {"model": baselines.MAJORITY, "protocol": "clean", "kind": "baseline", "runs": 1, "uar_mean": 0.125,
         "uar_std": np.nan, "wa_mean": 0.1333, "wa_std": np.nan},
        {"model": baselines.LOGREG, "protocol": "clean", "kind": "baseline", "runs": 1, "uar_mean": 0.45,
         "uar_std": np.nan, "wa_mean": 0.46, "wa_std": np.nan}])
    row = {"pairs": 15, "test": "exact sign-flip", "smallest attainable p": 2 / 2 ** 15}
    write(out, "sa_paired_tests", [
        {**row, "comparison": "ResLSTM-SA-h64 vs LSTM-SA-h64", "protocol": "clean", "mean UAR diff": 0.03,
         "ci95 low": 0.01, "ci95 high": 0.05, "p": 0.002, "verdict (alpha 0.05)": "shown"},
        {**row, "comparison": "ResLSTM-SA-h32 vs LSTM-SA-h128 (the slides' claim)", "protocol": "clean",
         "mean UAR diff": -0.04, "ci95 low": -0.06, "ci95 high": -0.02, "p": 0.0004, "verdict (alpha 0.05)": "shown"},
        {"comparison": "ResLSTM-SA-h64 vs LSTM-SA-h64", "protocol": "paper", "pairs": 5, "mean UAR diff": 0.01,
         "ci95 low": -0.02, "ci95 high": 0.03, "test": "exact sign-flip", "p": 0.3125,
         "smallest attainable p": 0.0625, "verdict (alpha 0.05)": "underpowered"}])
    write(out, "sa_protocol_gap", [{"model": "a", "paper - clean": 0.01}, {"model": "b", "paper - clean": 0.03},
                                   {"model": "c", "paper - clean": -0.01}])


def test_findings_03_from_hand_made_tables(tmp_path):
    sa_tables(tmp_path)
    texts = [f.text for f in findings.findings_03(tmp_path)]
    assert texts[0].startswith("Best model under the clean protocol: ResLSTM-SA-h64 at a [[UAR]] of 0.470 ± 0.010 "
                               "over 3 runs (bootstrap 95 % CI [0.460, 0.480]), [[WA]] 0.480 ± 0.010; the slides "
                               "report (quotation) 0.6232 ± 0.0119")
    # LR at 0.45: LSTM-SA 0.44 - 0.02 is below, ResLSTM-SA 0.47 - 0.01 above -> 1 of 2
    assert "logistic regression on utterance statistics UAR 0.450 (WA 0.460). 1 of the 2 clean networks" in texts[1]
    assert "h64: +0.030 [+0.010, +0.050], p = 0.002 (shown)" in texts[2]
    assert "(exact sign-flip test, 95 % bootstrap CI). ResLSTM-SA shown better at h64. The paper protocol's 1 " \
           "comparisons rest on 5 pairs each" in texts[2]
    assert "smallest attainable p 0.0625 > 0.05, so they are [[underpowered]]" in texts[2]
    assert "-0.040 UAR (95 % CI [-0.060, -0.020]; exact sign-flip p = 4.0e-04 over 15 pairs): the opposite" in texts[3]
    # gap: mean 0.01 over 3 models; 3 non-zero differences -> smallest p 2/8 = 0.25: underpowered
    assert "+0.010 on average over 3 models (from -0.010 to +0.030; exact sign-flip p = " in texts[4]
    assert "over the models): a protocol effect is **underpowered**" in texts[4]
    assert len(texts) == 5


def test_findings_02_reports_underpowered_not_false(tmp_path):
    write(tmp_path, "baseline_claims", [
        {"key": "concat_any", "claim": "x", "value": np.nan, "ci95 low": np.nan, "ci95 high": np.nan,
         "test": "exact sign-flip", "p": 0.0625, "smallest attainable p": 0.0625, "pairs": 5,
         "verdict (alpha 0.05)": "underpowered", "detail": "0 of 6 shown better, 6 underpowered"},
        {"key": "concat_pooled", "claim": "y", "value": -0.01, "ci95 low": -0.02, "ci95 high": 0.005,
         "test": "Wilcoxon signed-rank", "p": 0.2, "smallest attainable p": 2 / 2 ** 30, "pairs": 30,
         "verdict (alpha 0.05)": "not shown", "detail": ""},
        {"key": "size", "claim": "z", "value": 0.62, "ci95 low": np.nan, "ci95 high": np.nan, "test": "Spearman",
         "p": 0.014, "smallest attainable p": np.nan, "pairs": 15, "verdict (alpha 0.05)": "shown", "detail": ""}])
    texts = [f.text for f in findings.findings_02(tmp_path)]
    assert "Spearman ρ between parameters and UAR = 0.62, p = 0.014 over 15 models — **shown**" in texts[0]
    assert "-0.010 UAR (95 % CI [-0.020, +0.005]; Wilcoxon signed-rank p = 0.2 over 30 pairs) — **not shown**" in texts[1]
    assert "0 of 6 shown better, 6 underpowered — **underpowered**" in texts[2]


def test_findings_04_counts_complete_trials(tmp_path):
    write(tmp_path, "tuning_pruning", [
        {"pruner": "median", "complete": 4, "pruned": 8, "core_hours": 0.1, "complete_per_core_hour": 40.2,
         "trials_per_core_hour": 120.1, "clean_val_uar": 0.41},
        {"pruner": "none", "complete": 12, "pruned": 0, "core_hours": 0.15, "complete_per_core_hour": 80.4,
         "trials_per_core_hour": 80.4, "clean_val_uar": 0.42}])
    write(tmp_path, "tuning_seed000_table", [{"optimism (paper-style − clean)": 0.0, "selected − clean": 0.01},
                                             {"optimism (paper-style − clean)": 0.02, "selected − clean": 0.03}])
    texts = [f.text for f in findings.findings_04(tmp_path)]
    assert "+0.010 on average (from +0.000 to +0.020, 2 studies; in 1 both selections picked the same trial)" in texts[0]
    # selected - clean: mean 0.02, std of (0.01, 0.03) = 0.01414
    assert "by +0.020 ± 0.014 (mean ± std over 2 studies)" in texts[1]
    assert "40 complete trials per core-hour with the pruner against 80 without (0.50×; counting pruned trials " \
           "too: 120 against 80)" in texts[2]


def test_findings_05_reads_a_silhouette_near_zero_as_no_clusters(tmp_path):
    rows = []
    for fold, (e, r) in enumerate([(0.45, 0.30), (0.50, 0.28), (0.40, 0.33)]):
        rows += [{"fold": fold, "representation": "ResLSTM-SA-h64 embedding", "kNN emotion UAR (held-out speakers)": e,
                  "kNN gender UAR (held-out speakers)": 0.8, "silhouette by emotion (test speakers)": -0.01},
                 {"fold": fold, "representation": "raw features (mean over frames)",
                  "kNN emotion UAR (held-out speakers)": r, "kNN gender UAR (held-out speakers)": 0.9,
                  "silhouette by emotion (test speakers)": -0.06}]
    write(tmp_path, "embedding_separability_by_fold", rows)
    texts = [f.text for f in findings.findings_05(tmp_path)]
    # embedding mean 0.45, std 0.05; raw mean 0.3033, std 0.0252; diff mean 0.1467, 3 folds -> min p 0.25
    assert "0.450 ± 0.050 from the learned embedding against 0.303 ± 0.025" in texts[0]
    assert "difference +0.147, exact sign-flip p = 0.25, [[underpowered]]: smallest attainable p 0.25" in texts[0]
    assert "higher in 3 of 3 folds" in texts[0]
    assert "-0.010 ± 0.000 (embedding)" in texts[2] and "no cluster structure" in texts[2]
    assert findings.silhouette_words(0.6) == "compact clusters"


def test_markdown_links_tables_figures_and_glossary(tmp_path):
    out = tmp_path / "results" / "x"
    text = findings.markdown([findings.Finding("a [[UAR]] of 0.5", "tables/t figures/f")], out)
    glossary = findings.glossary_path(out)
    assert text == f"1. a [UAR]({glossary}#uar) of 0.5 ([table `t`](../tables/t.md), [figure `f`](../figures/f.png))"
    assert (out / "notebooks" / glossary).resolve() == (REPO / "notebooks" / "GLOSSARY.md").resolve()
    with pytest.raises(KeyError, match="'nope'"):
        findings.link_terms("[[nope]]", out)


def test_every_glossary_term_has_its_anchor():
    text = (REPO / "notebooks" / "GLOSSARY.md").read_text()
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    assert set(findings.TERMS.values()) <= anchors
    for nb in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.py")):
        for term in re.findall(findings.TERM_PATTERN, nb.read_text()):
            assert term in findings.TERMS, (nb.name, term)
        for anchor in re.findall(r"GLOSSARY\.md#([\w-]+)", nb.read_text()):
            assert anchor in anchors, (nb.name, anchor)


@pytest.mark.parametrize("nb", sorted((REPO / "notebooks").glob("[0-9][0-9]_*.py")), ids=lambda p: p.stem)
def test_each_notebook_ends_with_findings_and_exercises(nb):
    text = nb.read_text()
    assert text.index("## What we found") < text.index("## Exercises")
    exercises = text[text.index("## Exercises"):]
    assert 3 <= len(re.findall(r"^\d\. \*\*", exercises, flags=re.M)) <= 5


# ---------------------------------------------------------------- README answers

def test_readme_answers_from_hand_made_tables(tmp_path):
    quick, full = tmp_path / "quick", tmp_path / "full"
    sa_tables(quick)
    write(quick, "tuning_winners_evaluation", [
        {"model": "LSTM-SA-h64", "space": "reference", "selection": "clean", "uar_mean": 0.50, "uar_std": 0.02},
        {"model": "LSTM-SA-h64", "space": "reference", "selection": "paper", "uar_mean": 0.55, "uar_std": 0.02}])
    write(quick, "tuning_seed000_table", [{"optimism (paper-style − clean)": 0.0, "selected − clean": 0.01},
                                          {"optimism (paper-style − clean)": 0.02, "selected − clean": 0.03}])
    text = readme.render_answers("quick", quick, full)
    assert text.startswith(readme.ANSWERS_START) and text.endswith(readme.ANSWERS_END)
    assert "ResLSTM-SA shown better at h64 (default hyperparameters): ResLSTM-SA − LSTM-SA UAR h64 +0.030 " \
           "[+0.010, +0.050]" in text
    # best clean: the tuned 0.50 (the paper-style 0.55 does not count); slides 0.6232 -> 0.123 below
    assert "LSTM-SA-h64 clean-tuned (reference space), UAR 0.500 ± 0.020, 0.123 below the slides' " \
           "ResLSTM-SA-h64 0.6232 (reported)" in text
    assert "fidelity ladder (notebook 07, `results/full`) is in progress" in text
    assert "paper-style minus clean winner: +0.010 UAR on average (+0.000 to +0.020, 2 studies" in text
    assert "| Can the slides' numbers be reached honestly (no test speaker steering anything)? | Not so far:" in text
    assert "| How do the seeds' other architectures compare at equal cost? | not computed yet (notebook 06). |" in text
    write(full, "fidelity_ladder", [
        {"model": "ResLSTM-SA-h64", "rung": "1", "uar_mean": 0.52, "ci95": 0.03},
        {"model": "ResLSTM-SA-h64", "rung": "5a", "uar_mean": 0.60, "ci95": 0.01}])
    text = readme.render_answers("quick", quick, full)
    # 5a selects on test: excluded
    assert "At 100 epochs the best honest rung (no test speaker steering anything) is ResLSTM-SA-h64 rung 1, " \
           "UAR 0.520 ± 0.030" in text


def test_findings_06_from_hand_made_tables(tmp_path):
    common = {"runs": 3, "uar_std": 0.01}
    write(tmp_path, "sota_our_models", [
        {**common, "model": "Dense", "seed": "seed 004", "uar_mean": 0.40, "parameters": 70000, "CPU ms/utt": 0.8},
        {**common, "model": "MT-CNN", "seed": "seed 003", "uar_mean": 0.35, "parameters": 160000, "CPU ms/utt": 2.0},
        {**common, "model": "LSTM-SA-h64", "seed": "seed 000", "uar_mean": 0.47, "parameters": 29384,
         "CPU ms/utt": 0.4},
        {"model": baselines.LOGREG, "seed": "baseline", "runs": 1, "uar_mean": 0.44, "uar_std": np.nan,
         "wa_mean": 0.45, "parameters": 744, "CPU ms/utt": np.nan}])
    texts = [f.text for f in findings.findings_06(tmp_path)]
    assert "Dense (seed 004, untuned) at a [[UAR]] of 0.400 ± 0.010 with 70,000 parameters and 0.80 CPU ms" in texts[0]
    assert "the tuned LSTM-SA-h64: 0.470 ± 0.010 with 29,384 parameters and 0.40 ms" in texts[0]
    # 2.0 / 0.4 = 5x; dearest minus cheapest 0.35 - 0.47
    assert "Cost spans 5.0× in CPU time: LSTM-SA-h64 is the cheapest (0.40 ms, UAR 0.470), MT-CNN the dearest " \
           "(2.00 ms, UAR 0.350): -0.120 UAR for the extra compute." in texts[1]
    # above 0.44 by more than one std: only 0.47 - 0.01
    assert "reaches UAR 0.440 (WA 0.450); 1 of the 3 networks exceed it by more than one std over runs, 1 on " \
           "average" in texts[2]


def test_findings_07_from_a_hand_made_ladder(tmp_path):
    nan = np.nan
    write(tmp_path, "fidelity_ladder", [
        {"model": "ResLSTM-SA-h64", "rung": "0", "uar_mean": 0.45, "ci95": 0.02, "n_runs": 3, "previous": nan,
         "delta_vs_previous": nan, "p_value": nan, "paired_folds": 0, "slides_uar_literature": 0.6232,
         "authors_code_uar_measured": nan, "note": nan},
        {"model": "ResLSTM-SA-h64", "rung": "1", "uar_mean": 0.50, "ci95": 0.03, "n_runs": 3, "previous": "0",
         "delta_vs_previous": 0.05, "p_value": 0.001, "paired_folds": 15, "slides_uar_literature": 0.6232,
         "authors_code_uar_measured": nan, "note": nan},
        {"model": "ResLSTM-SA-h64", "rung": "5a", "uar_mean": nan, "ci95": nan, "n_runs": 0, "previous": "1",
         "delta_vs_previous": nan, "p_value": nan, "paired_folds": 0, "slides_uar_literature": 0.6232,
         "authors_code_uar_measured": nan, "note": "waiting for the study"}])
    text = findings.findings_07(tmp_path)[0].text
    assert text == ("**ResLSTM-SA-h64** (slides, reported: 0.6232; ours ± the 95 % t-interval): rung 0: UAR 0.450 "
                    "± 0.020 over 3 run(s); rung 1: UAR 0.500 ± 0.030 over 3 run(s); +0.050 against rung 0, "
                    "Wilcoxon p = 0.001 over 15 paired folds; rung 5a: pending (waiting for the study). Highest rung "
                    "so far: 1 at 0.500, 0.123 below the slides.")
    (tmp_path / "tables" / "fidelity_ladder.csv").write_text(
        (tmp_path / "tables" / "fidelity_ladder.csv").read_text().replace(
            "5a,,,0,1", "5a,0.55,0.01,3,1"))
    text = findings.findings_07(tmp_path)[0].text
    assert text.endswith("Highest rung so far: 5a at 0.550, 0.073 below the slides; highest honest rung (no test "
                         "speaker steering: 0, 1, 2, 2a, 2b): 1 at 0.500.")


# ---------------------------------------------------------------- 08

def test_wilson_interval_by_hand():
    # 50 of 100: centre 0.5, half-width 1.96*sqrt(0.25/100 + 1.96²/40000)/(1 + 1.96²/100) = 0.09617
    low, high = findings.wilson(50, 100)
    assert (low, high) == pytest.approx((0.40383, 0.59617), abs=1e-5)
    assert findings.wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12)


def test_findings_08_from_hand_made_tables(tmp_path):
    assert findings.findings_08(tmp_path) == []   # no second corpus: nothing to report
    write(tmp_path, "cross_corpus", [{"trained on": "ravdess", "tested on": "emodb", "shared classes": 6,
                                      "files scored": 100, "files in corpus": 120, "UAR": 0.30, "WA": 0.50,
                                      "chance UAR": 1 / 6, "left out / merged": "boredom left out"}])
    write(tmp_path, "cross_corpus_recall", [
        {"trained on": "ravdess", "tested on": "emodb", "class": "angry", "recall": 0.7, "files": 20},
        {"trained on": "ravdess", "tested on": "emodb", "class": "sad", "recall": 0.1, "files": 20},
        {"trained on": "ravdess", "tested on": "emodb", "class": "happy", "recall": 0.4, "files": 0}])
    texts = [f.text for f in findings.findings_08(tmp_path)]
    assert texts[0] == ("Trained on ravdess, tested on emodb (one trained model, one seed): [[UAR]] 0.300 against a "
                        "chance UAR of 0.167 (+0.133) over 6 shared classes; [[WA]] 0.500, 95 % CI [0.404, 0.596] "
                        "(Wilson, 100 of 120 files scored).")
    assert texts[1] == "Classes, ravdess → emodb: boredom left out."
    assert texts[2] == "Per class, ravdess → emodb: best recalled angry 0.700 (20 files), worst sad 0.100 (20 files)."
