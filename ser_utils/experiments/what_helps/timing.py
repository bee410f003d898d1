"""The cost columns of notebook 09: parameters and CPU ms per utterance, one thread — the
model, its features, an openSMILE baseline end to end."""

from __future__ import annotations

import librosa
import numpy as np
import torch

from ser_utils.data.dataset import EGEMAPS, LOGMEL40
from ser_utils.data.features import extract
from ser_utils.data.opensmile_features import functionals_of
from ser_utils.experiments.what_helps.levers import BASE_CONFIG
from ser_utils.models import build_model, cost, count_parameters
from ser_utils.training.loop import Spec


def model_ms(spec: Spec, feats: np.ndarray, repeats: int = 30) -> tuple[int, float]:
    """Parameters and CPU ms (one thread, batch 1, median) of ``spec``'s model on one
    utterance's features (a freshly built model: time does not depend on the weights)."""
    torch.manual_seed(0)
    model = build_model(spec.model)
    x = torch.from_numpy(np.asarray(feats, np.float32)[None])
    return count_parameters(model), cost.cpu_ms(model, x, torch.tensor([len(feats)]), repeats)


def feature_ms(samples, sr, feature_set: str, repeats: int = 5) -> float:
    """CPU ms (one thread, median) to compute ``feature_set`` from one utterance's samples."""

    def compute():
        if feature_set == "egemaps":
            return extract(samples, sr, EGEMAPS)
        if feature_set == "logmel+deltas":
            m = extract(samples, sr, LOGMEL40)
            return librosa.feature.delta(m, width=9, axis=0, mode="nearest")
        out = extract(samples, sr, BASE_CONFIG)
        if feature_set == "mfcc+chroma+egemaps":
            extract(samples, sr, EGEMAPS)
        return out

    return cost.time_call(compute, repeats=repeats)


def baseline_ms(samples, sr, which: str, model, repeats: int = 5) -> float:
    """CPU ms of an openSMILE baseline end to end: functionals plus the SVM's prediction."""
    return cost.time_call(lambda: model.predict(functionals_of(samples, sr, which)[None]), repeats=repeats)
