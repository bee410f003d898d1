"""Issue 27 (notebook 09, what helps): the levers' code, checked against hand-computed or
independent values, and the guarantee that no older experiment changes its key."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from conftest import REPO
from ser_utils.data.folds import Fold
from ser_utils.training.loop import Spec, TrainConfig, experiment_key

COMMITTED = sorted((REPO / "results").glob("*/runs/*/spec.json"))


class _Data:
    """What ``experiment_key`` reads of a dataset: its fingerprint and classes."""

    def __init__(self, fingerprint, n_classes):
        self.fingerprint, self.classes = fingerprint, tuple(range(n_classes))


@pytest.mark.skipif(not COMMITTED, reason="no committed run records")
def test_every_committed_experiment_keeps_its_key():
    """Each committed record folder's key, recomputed from its spec.json through
    Spec.from_dict / to_dict (the new optional fields at their defaults), is its folder's name."""
    for path in COMMITTED:
        saved = json.loads(path.read_text())
        spec = Spec.from_dict(saved["spec"])
        assert spec.to_dict() == saved["spec"], path
        assert not spec.levers(), path
        folds = [Fold(**{k: tuple(v) for k, v in f.items()}) for f in saved["folds"]]
        key = experiment_key(spec, _Data(saved["data"], spec.model.n_classes), folds)
        assert key == path.parent.name, path


def test_levers_enter_the_key_only_when_set():
    base = Spec()
    data, folds = _Data("abc", 8), [Fold((1,), (2,), (3, 4))]
    assert "speed" not in base.to_dict()["train"] and "speaker_norm" not in base.to_dict()
    same = replace(base, train=replace(base.train, speed=(), mixup=0.0))
    assert experiment_key(same, data, folds) == experiment_key(base, data, folds)
    for changed in (replace(base, train=replace(base.train, speed=(0.9, 1.1))),
                    replace(base, train=replace(base.train, label_smoothing=0.1)),
                    replace(base, speaker_norm=True)):
        assert experiment_key(changed, data, folds) != experiment_key(base, data, folds)
        assert Spec.from_dict(json.loads(json.dumps(changed.to_dict()))) == changed
        assert changed.label() != base.label()
