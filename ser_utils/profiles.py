"""Checking a profile (``profiles/<name>.yaml``) before anything runs.

Every key must be a parameter of the notebook whose section holds it (``common``:
of at least one notebook), of the type of that notebook's default in its
``parameters`` cell, and in range: counts positive, rates positive, dropout in
[0, 1), names among the known ones. A mistake is a ``ProfileError`` naming the
file, the key and what was expected — never a traceback from inside a notebook.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import nbformat
import yaml

from ser_utils.models.dense_lstm import DENSE_VARIANTS
from ser_utils.models.multitask_cnn import LOSS_WEIGHTINGS


class ProfileError(ValueError):
    """A profile file is malformed or holds a value of the wrong type or range."""


# Parameters whose default is None: the type a value must have instead.
NONE_DEFAULTS = {"cache_dir": str, "storage": str, "model_file": str, "workers": int, "n_jobs": int,
                 "reference_results": str, "pareto_from": str}
NULLABLE = {"pruning_ablation"}                     # may be set to null (none) though their default is not
EMPTY_LISTS = {"weighting_ablation", "shift_check"}  # may be an empty list
NON_NEGATIVE = {"sampler_seed", "startup_trials"}   # other integers must be >= 1
RUN_LISTS = {"runs", "ablation_runs"}               # lists of run indices (>= 0)
SIZE_LISTS = {"paper_sizes"}                        # lists of hidden sizes (>= 1)
SET_BY_PIPELINE = {"profile", "out_dir"}
MODEL_NAMES = {"models", "sa_models", "checkpoint_model", "focus_model", "pruning_ablation", "transfer_model"}
TUNED_FAMILIES = ("lstm_sa", "reslstm_sa")
# Notebook parameters renamed since profiles were written: the old name is still read (as the new).
RENAMED = {"synthetic_actors": "synthetic_speakers"}


def read_yaml(path: Path):
    """A YAML file's contents; a syntax error or a key given twice in one mapping (which
    YAML loaders silently resolve to the last value) is a ``ProfileError`` naming the file
    and the line."""
    class UniqueKeys(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise ProfileError(f"{path}: line {key_node.start_mark.line + 1}: key {key!r} given twice "
                                   f"(first on line {seen[key]})")
            seen[key] = key_node.start_mark.line + 1
        return loader.construct_mapping(node, deep=deep)

    UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(Path(path).read_text(), Loader=UniqueKeys)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None


def _choices() -> dict:
    from ser_utils.training.tuning import PRUNERS, SPACES  # noqa: PLC0415 - heavy: optuna, only when tuning

    return {"protocol": ("clean", "paper"), "space": tuple(SPACES), "pruner": PRUNERS,
            "size": ("quick", "paper", "seed"),
            "weighting": LOSS_WEIGHTINGS, "weighting_ablation": LOSS_WEIGHTINGS, "dense_variants": DENSE_VARIANTS}


@lru_cache(maxsize=32)
def notebook_defaults(path: Path) -> dict:
    """``{name: default}`` of a notebook's ``parameters`` cell."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    out = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def check_profile(conf, path: Path, notebooks: dict[str, Path]) -> dict:
    """Validate a loaded profile against the notebooks (``{name: .ipynb path}``); returns it."""
    if conf is None:
        return {}
    if not isinstance(conf, dict):
        raise ProfileError(f"{path}: expected sections (common, {', '.join(notebooks)}), found a {type(conf).__name__}")
    defaults = {name: notebook_defaults(nb) for name, nb in notebooks.items()}
    _rename_old_keys(conf, path)
    for section, values in conf.items():
        if section != "common" and section not in notebooks:
            raise ProfileError(f"{path}: unknown section {section!r} (known: common, {', '.join(notebooks)})")
        if values is None:
            continue
        if not isinstance(values, dict):
            raise ProfileError(f"{path}: section {section} must map parameter names to values, "
                               f"found {values!r}")
        for key, value in values.items():
            where = f"{path}: {section}.{key}"
            if key in SET_BY_PIPELINE:
                raise ProfileError(f"{where}: set by the pipeline, not by a profile")
            owners = [d for d in defaults.values() if key in d] if section == "common" else (
                [defaults[section]] if key in defaults[section] else [])
            if not owners:
                known = sorted(set().union(*defaults.values()) if section == "common" else defaults[section])
                raise ProfileError(f"{where}: unknown parameter (known: {', '.join(known)})")
            for d in owners:
                check_value(where, key, value, d[key])
    return conf


def _rename_old_keys(conf: dict, path: Path) -> None:
    """Each section's keys under their current names (``RENAMED``), in place; a key given
    under both names is a ``ProfileError``."""
    for section, values in conf.items():
        if not isinstance(values, dict) or not set(values) & set(RENAMED):
            continue
        for old, new in RENAMED.items():
            if old in values and new in values:
                raise ProfileError(f"{path}: {section}.{old}: given beside its new name {new}")
        conf[section] = {RENAMED.get(k, k): v for k, v in values.items()}


def check_value(where: str, key: str, value, default) -> None:
    """Raise ``ProfileError`` unless ``value`` fits the parameter ``key`` whose default is ``default``."""
    kind = NONE_DEFAULTS.get(key) if default is None else type(default)
    if value is None and (default is None or key in NULLABLE):
        return
    if kind is bool:
        _expect(where, isinstance(value, bool), "true or false", value)
    elif kind is int:
        low = 0 if key in NON_NEGATIVE else 1
        _expect(where, isinstance(value, int) and not isinstance(value, bool) and value >= low,
                "a non-negative integer" if low == 0 else "a positive integer", value)
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key == "dropout":
            _expect(where, ok and 0 <= value < 1, "a number in [0, 1)", value)
        elif key == "weight_decay":
            _expect(where, ok and value >= 0, "a non-negative number", value)
        else:
            _expect(where, ok and value > 0, "a positive number", value)
    elif kind is str:
        _expect(where, isinstance(value, str) and value != "", "a non-empty string", value)
    elif kind is list:
        if key in EMPTY_LISTS:
            _expect(where, isinstance(value, list), "a list", value)
        else:
            _expect(where, isinstance(value, list) and len(value) > 0, "a non-empty list", value)
        for i, item in enumerate(value):
            if key == "studies":  # 07: [[model-hH, space], ...]
                _expect(f"{where}[{i}]", isinstance(item, list) and len(item) == 2, "a [model, space] pair", item)
                _model_name(f"{where}[{i}]", item[0])
                if item[1] not in _choices()["space"]:
                    raise ProfileError(f"{where}[{i}]: unknown space {item[1]!r} "
                                       f"(known: {', '.join(_choices()['space'])})")
            elif key in SIZE_LISTS:
                _expect(f"{where}[{i}]", isinstance(item, int) and not isinstance(item, bool) and item >= 1,
                        "a hidden size (positive integer)", item)
            elif key in RUN_LISTS:
                _expect(f"{where}[{i}]", isinstance(item, int) and not isinstance(item, bool) and item >= 0,
                        "a run index (integer >= 0)", item)
            else:
                _expect(f"{where}[{i}]", isinstance(item, str), "a string", item)
    elif kind is dict:
        _expect(where, isinstance(value, dict), "a mapping", value)
    choices = _choices().get(key)
    for item in (value if isinstance(value, list) else [value]):
        if choices and item not in choices:
            raise ProfileError(f"{where}: {item!r} is not one of {', '.join(choices)}")
    if key in MODEL_NAMES:
        for item in (value if isinstance(value, list) else [value]):
            _model_name(where, item)
    if key == "tuned":
        _check_tuned(where, value)
    if key == "extra_spaces":
        for space, names in value.items():
            if space not in _choices()["space"]:
                raise ProfileError(f"{where}: unknown space {space!r} (known: {', '.join(_choices()['space'])})")
            _expect(f"{where}.{space}", isinstance(names, list), "a list of model names", names)
            for name in names:
                _model_name(f"{where}.{space}", name)


def _check_tuned(where: str, value: dict) -> None:
    """``tuned``: {family: {lr, weight_decay, dropout, T_0, batch_size, source}} (``experiments.tuned_setting``)."""
    from ser_utils.experiments.tuned_setting import HYPERPARAMETERS  # noqa: PLC0415 - heavy: optuna, only when tuning

    kinds = {"lr": 1e-3, "weight_decay": 1e-3, "dropout": 0.3, "T_0": 10, "batch_size": 16, "source": "x"}
    for family, setting in value.items():
        if family not in TUNED_FAMILIES:
            raise ProfileError(f"{where}: unknown model family {family!r} (known: {', '.join(TUNED_FAMILIES)})")
        _expect(f"{where}.{family}", isinstance(setting, dict), "a mapping of hyperparameters", setting)
        missing = [k for k in HYPERPARAMETERS if k not in setting]
        if missing:
            raise ProfileError(f"{where}.{family}: missing {', '.join(missing)}")
        for k, v in setting.items():
            if k not in kinds:
                raise ProfileError(f"{where}.{family}: unknown key {k!r} (known: {', '.join(kinds)})")
            check_value(f"{where}.{family}.{k}", k, v, kinds[k])


def _model_name(where: str, name) -> None:
    from ser_utils.training.tuning import parse_model  # noqa: PLC0415 - heavy: optuna, only when tuning

    try:
        parse_model(str(name))
    except ValueError as exc:
        raise ProfileError(f"{where}: {exc}") from None


def _expect(where: str, ok: bool, what: str, value) -> None:
    if not ok:
        raise ProfileError(f"{where}: expected {what}, found {value!r} ({type(value).__name__})")
