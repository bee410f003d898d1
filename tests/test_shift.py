"""Notebook 08's shift inside the corpus (``experiments.shift``): the stand-in speakers and
folds, and one direction's numbers, computed by hand on a made-up test fold."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ser_utils.data.dataset import Dataset
from ser_utils.data.folds import Fold
from ser_utils.experiments import shift


def _data(rows):
    """rows: (stem, actor, label, intensity, statement)."""
    stems, speakers, labels, intensity, statement = zip(*rows)
    index = pd.DataFrame({"stem": stems, "intensity": intensity, "statement": statement})
    return Dataset(features=[np.zeros((3, 2), np.float32)] * len(rows), labels=np.array(labels),
                   speakers=np.array(speakers), ids=list(stems), fingerprint="abc", index=index)


def test_shift_data_moves_the_other_condition_to_stand_in_speakers():
    data = _data([("a", 1, 0, "normal", 1), ("b", 1, 0, "strong", 2), ("c", 2, 1, "normal", 2),
                  ("d", 2, 1, "strong", 1)])
    shifted, folds = shift.shift_data(data, [Fold(test=(2,), validation=(), train=(1,))], "intensity", "normal")
    assert shifted.speakers.tolist() == [1, 1001, 2, 1002]
    assert folds == [Fold(test=(2, 1002), validation=(), train=(1,))]
    assert shifted.fingerprint != data.fingerprint
    by_statement, _ = shift.shift_data(data, [Fold(test=(2,), validation=(), train=(1,))], "statement", 2)
    assert by_statement.speakers.tolist() == [1001, 1, 2, 1002]


def test_summarise_by_hand():
    # two test speakers; class 2 has normal takes only (like neutral), so it is not scored
    rows, preds = [], []
    for speaker, strong_preds in ((5, (0, 0)), (6, (0, 1))):
        for label, pred in ((0, 0), (1, 1), (2, 2)):
            rows.append((f"n{speaker}{label}", speaker, label, "normal", 1))
            preds.append(pred)
        for label, pred in zip((0, 1), strong_preds):
            rows.append((f"s{speaker}{label}", speaker, label, "strong", 1))
            preds.append(pred)
    data = _data(rows)
    record = SimpleNamespace(run=0, test=SimpleNamespace(ids=list(data.ids), labels=data.labels.tolist(), preds=preds))
    row = shift.summarise(data, "intensity", "normal", [record])
    assert row["classes scored"] == 2
    assert row["UAR same condition"] == 1.0
    # strong: class 0 right twice (1.0), class 1 right once of twice (0.5) -> 0.75
    assert row["UAR shifted"] == 0.75
    assert row["UAR change"] == -0.25
    # speaker 5: 1.0 -> 0.5; speaker 6: 1.0 -> 1.0
    assert row["pairs"] == 2 and row["unit"] == "speaker" and row["speakers worse / better"] == "1 / 0"
    assert row["speaker mean change"] == -0.25
    assert row["tested on (shifted)"] == "strong intensity"


def test_compare_two_models_on_the_shifted_takes_by_hand():
    # two test speakers, two classes, one normal and one strong take per class and speaker
    rows = [(f"{c}{s}{k}", s, k, c, 1) for s in (5, 6) for c in ("normal", "strong") for k in (0, 1)]
    data = _data(rows)
    # model A: every normal take right; strong takes all predicted 0 (speaker UAR 0.5 each)
    a = [k if c == "normal" else 0 for _, _, k, c, _ in rows]
    # model B: every normal take right; strong takes right for speaker 5, all 0 for speaker 6
    b = [k if (c == "normal" or s == 5) else 0 for _, s, k, c, _ in rows]

    def record(preds):
        return SimpleNamespace(run=0, test=SimpleNamespace(ids=list(data.ids), labels=data.labels.tolist(),
                                                            preds=preds))

    row = shift.compare(data, "intensity", "normal", [record(a)], [record(b)], "start", "recipe")
    assert row["start UAR same condition"] == 1.0 and row["recipe UAR same condition"] == 1.0
    assert row["start UAR shifted"] == 0.5            # pooled strong takes: class 0 all right, class 1 none
    assert row["recipe UAR shifted"] == 0.75          # class 0 all right, class 1 right for speaker 5 only
    assert row["start shift cost"] == -0.5 and row["recipe shift cost"] == -0.25
    # per speaker on the strong takes: speaker 5 0.5 -> 1.0 (+0.5), speaker 6 0.5 -> 0.5 (0): mean +0.25
    assert row[shift.diff_column("start", "recipe")] == 0.25
    assert row["pairs"] == 2 and row["speakers worse / better"] == "0 / 1"
    # one non-zero pair: the exact sign-flip test gives p = 1 (2 of 2 sign patterns as extreme)
    assert row["p"] == 1.0 and row["verdict (alpha 0.05)"] == "underpowered"


def test_compare_refuses_models_scored_on_different_classes():
    # model A's records hold both classes; model B's hold class 0 only (a subset of the takes)
    rows = [(f"{c}{s}{k}", s, k, c, 1) for s in (5, 6) for c in ("normal", "strong") for k in (0, 1)]
    data = _data(rows)
    full = SimpleNamespace(run=0, test=SimpleNamespace(ids=list(data.ids), labels=data.labels.tolist(),
                                                       preds=data.labels.tolist()))
    keep = [i for i, (_, _, k, _, _) in enumerate(rows) if k == 0]
    part = SimpleNamespace(run=0, test=SimpleNamespace(ids=[data.ids[i] for i in keep], labels=[0] * len(keep),
                                                       preds=[0] * len(keep)))
    with pytest.raises(ValueError, match=r"start scores classes \[0, 1\], recipe \[0\]"):
        shift.compare(data, "intensity", "normal", [full], [part], "start", "recipe")
