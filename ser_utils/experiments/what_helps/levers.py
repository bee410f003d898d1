"""The rungs of notebook 09 (issue 27): each h64 family's nested start, one lever at a time
(``LEVERS``, ``lever_spec``, their ``DEFAULT_SETTINGS``) and a recipe of several
(``combined_spec``); ``Rung``, one row of the ladder with its records."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ser_utils.data.dataset import feature_dim
from ser_utils.data.features import FeatureConfig
from ser_utils.experiments import tuned_setting
from ser_utils.training.loop import Spec

LEVERS = ("speed", "specaugment", "noise", "egemaps", "mfcc+egemaps", "logmel+deltas", "speaker_norm",
          "label_smoothing", "mixup", "ensemble", "distilled", "capacity")
DESCRIPTION = {
    "start": "start: tuned setting, clean protocol (nested: chosen per test fold, when the profile has one)",
    "speed": "speed perturbation", "specaugment": "SpecAugment time + feature masks",
    "noise": "additive noise, random SNR", "egemaps": "eGeMAPS descriptors instead of MFCC + chroma",
    "mfcc+egemaps": "eGeMAPS descriptors beside MFCC + chroma", "logmel+deltas": "log-mel 40 + deltas",
    "speaker_norm": "per-speaker normalisation (transductive: needs enrolment audio)",
    "label_smoothing": "label smoothing", "mixup": "mixup", "ensemble": "seed ensemble (mean of probabilities)",
    "distilled": "ensemble distilled into one model", "capacity": "more capacity",
    "recipe": "recipe: the levers with a validation gain, chosen per test fold on validation speakers",
}
FEATURE_LEVERS = {"egemaps": "egemaps", "mfcc+egemaps": "mfcc+chroma+egemaps", "logmel+deltas": "logmel+deltas"}
TRANSDUCTIVE = ("speaker_norm",)
# levers a recipe can combine (one feature set at most); the ensemble multiplies the cost
COMBINABLE = ("speed", "specaugment", "noise", "label_smoothing", "mixup", "capacity", "speaker_norm",
              *FEATURE_LEVERS)
# The goal (issue 27): UAR >= 0.60 with at most 110 k parameters and 2 CPU ms per utterance
# for the model alone (features aside), nothing transductive. What is trained depends only on
# the parameter count (``max_parameters``); the ms is reported and the goal checked on it.
GOAL_UAR, GOAL_PARAMETERS, GOAL_MODEL_MS = 0.60, 110_000, 2.0
DEFAULT_SETTINGS = {"speed": [0.9, 1.1], "specaugment": [2, 10, 2, 6], "noise": [5.0, 20.0],
                    "label_smoothing": 0.1, "mixup": 0.2, "ensemble_k": 5, "distill_alpha": 0.5,
                    "distill_T": 2.0, "capacity_hidden": 128, "max_parameters": GOAL_PARAMETERS}
BASE_CONFIG = FeatureConfig()   # MFCC-34 + chroma-12, the study's frames


def settings_with(given: dict | None) -> dict:
    """``DEFAULT_SETTINGS`` overridden by ``given``; an unknown key is an error naming it."""
    unknown = sorted(set(given or {}) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ValueError(f"unknown lever settings {unknown} (known: {sorted(DEFAULT_SETTINGS)})")
    return {**DEFAULT_SETTINGS, **(given or {})}


def start_spec(family: str, tuned: dict, epochs: int, hidden: int = 64) -> Spec:
    """The family's global start: its tuned setting (the profile's ``tuned`` block; the
    study's defaults without one), clean protocol, distinct seeds — 03's spec, so 03's records."""
    return tuned_setting.spec(family, hidden, tuned, None, epochs)


def start_specs(family: str, tuned: dict, nested: dict | None, epochs: int, n_folds: int, hidden: int = 64) -> list:
    """The family's start for each test fold: its **nested** setting (the profile's ``nested``
    block, issue 26: chosen by validation folds whose speakers are outside that test fold)
    when the block has the family, else the global ``tuned`` setting (not nested) on every
    fold. 03's specs either way, so 03's records (its ``sa_nested`` rows, its clean rows)."""
    if nested and family in nested:
        specs = tuned_setting.nested_specs(nested, family, hidden, None, epochs)
        if len(specs) != n_folds:
            raise ValueError(f"the nested block has {len(specs)} settings for {family}, the corpus {n_folds} folds")
        return specs
    return [start_spec(family, tuned, epochs, hidden)] * n_folds


def is_nested(specs) -> bool:
    """Whether a rung's per-fold specs differ between folds (a nested choice)."""
    return len(set(specs)) > 1


def lever_spec(start: Spec, lever: str, settings: dict) -> Spec:
    """``start`` with one lever (not ``ensemble`` / ``distilled``, which are built from
    records)."""
    s, t = settings, start.train
    if lever in FEATURE_LEVERS:
        fs = FEATURE_LEVERS[lever]
        return replace(start, feature_set=fs, model=replace(start.model, input_dim=feature_dim(BASE_CONFIG, fs)))
    if lever == "speaker_norm":
        return replace(start, speaker_norm=True)
    if lever == "capacity":
        return replace(start, model=replace(start.model, hidden=int(s["capacity_hidden"])))
    changes = {"speed": {"speed": tuple(s["speed"])}, "noise": {"noise_snr": tuple(s["noise"])},
               "specaugment": {"specaugment": tuple(int(v) for v in s["specaugment"])},
               "label_smoothing": {"label_smoothing": float(s["label_smoothing"])},
               "mixup": {"mixup": float(s["mixup"])}}
    if lever not in changes:
        raise ValueError(f"lever must be one of {LEVERS}, not {lever!r}")
    return replace(start, train=replace(t, **changes[lever]))


def recipe_words(levers) -> str:
    """A combination of levers in words: ``"speed + mixup"``, or ``"start"`` for none."""
    return " + ".join(levers) or "start"


def combined_spec(start: Spec, levers, settings: dict) -> Spec:
    """``start`` with every lever of ``levers`` (at most one feature set)."""
    features = [lv for lv in levers if lv in FEATURE_LEVERS]
    if len(features) > 1:
        raise ValueError(f"one feature set at most, not {features}")
    spec = start
    for lever in levers:
        one = lever_spec(start, lever, settings)
        if lever in FEATURE_LEVERS:
            spec = replace(spec, feature_set=one.feature_set, model=replace(spec.model, input_dim=one.model.input_dim))
        elif lever == "speaker_norm":
            spec = replace(spec, speaker_norm=True)
        elif lever == "capacity":
            spec = replace(spec, model=replace(spec.model, hidden=one.model.hidden))
        else:
            changed = {k: v for k, v in one.train.to_dict().items() if getattr(start.train, k) != getattr(one.train, k)}
            spec = replace(spec, train=replace(spec.train, **{k: getattr(one.train, k) for k in changed}))
    return spec


@dataclass
class Rung:
    """One row of notebook 09's ladder: a family's start, one lever on it, or its recipe, with its records."""

    family: str
    lever: str                # "start", a lever of LEVERS, or "recipe"
    records: list
    spec: Spec | None = None  # None: built from records (ensemble), or a recipe that varies by fold
    levers: str = ""          # the recipe's levers per fold, in words
    k: int = 1                # models per prediction (the ensemble's k)
