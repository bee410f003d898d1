"""The cost columns of notebook 09: parameters and CPU ms per utterance, one thread — the
model, its features, an openSMILE baseline end to end.

Each distinct model (its architecture and input shape) and each feature set is timed once
per process and reused: rows that differ only in how the model was trained (a lever such as
mixup or label smoothing) have the same model on the same features, so they cost the same
by construction and read the same, instead of differing by the timing noise of a busy
machine."""

from __future__ import annotations

import dataclasses
import hashlib

import librosa
import numpy as np
import torch

from ser_utils.data.dataset import EGEMAPS, LOGMEL40
from ser_utils.data.features import extract
from ser_utils.data.opensmile_features import functionals_of
from ser_utils.experiments.what_helps.levers import BASE_CONFIG
from ser_utils.models import build_model, cost, count_parameters
from ser_utils.training.loop import Spec

_MODEL_MS: dict = {}
_FEATURE_MS: dict = {}


def model_ms(spec: Spec, feats: np.ndarray, repeats: int = 30) -> tuple[int, float]:
    """Parameters and CPU ms (one thread, batch 1, median) of ``spec``'s model on one
    utterance's features (a freshly built model: time does not depend on the weights).
    Timed once per architecture and input shape (dropout aside: it is off at inference)."""
    key = (dataclasses.replace(spec.model, dropout=0.0), np.shape(feats), repeats)
    if key not in _MODEL_MS:
        torch.manual_seed(0)
        model = build_model(spec.model)
        x = torch.from_numpy(np.asarray(feats, np.float32)[None])
        _MODEL_MS[key] = count_parameters(model), cost.cpu_ms(model, x, torch.tensor([len(feats)]), repeats)
    return _MODEL_MS[key]


def feature_ms(samples, sr, feature_set: str, repeats: int = 5) -> float:
    """CPU ms (one thread, median) to compute ``feature_set`` from one utterance's samples;
    timed once per feature set, utterance and ``repeats``."""
    key = (feature_set, hashlib.sha1(np.ascontiguousarray(samples).tobytes()).hexdigest(), sr, repeats)
    if key not in _FEATURE_MS:
        _FEATURE_MS[key] = _time_features(samples, sr, feature_set, repeats)
    return _FEATURE_MS[key]


def feature_repeats(timing_repeats: int) -> int:
    """The repeats of a feature timing for a notebook's ``timing_repeats`` (features cost
    tens of ms where a model costs one: fewer repeats reach the same precision), one number
    for every row, so that every row with a feature set reads its one timing."""
    return max(3, timing_repeats // 2)


def _time_features(samples, sr, feature_set: str, repeats: int) -> float:
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
