"""The tuned setting of each model family: the hyperparameters the 100-epoch fidelity
studies (notebook 07, ``results/full/optuna.db``) chose on *validation* speakers.

For each family (``lstm_sa``, ``reslstm_sa``) the complete trial of best mean
validation UAR over all of that family's studies wins. That choice is **not nested**:
the mean runs over the five folds' validation speakers, and each of them is a test
speaker of another fold (``nested``), so test speakers' labels steered the setting later
applied to them. ``nested_chosen`` makes the choice per test fold from the validation
folds outside it; notebook 03 trains fresh seeds of both and measures the difference
(``sa_nested``). The quick profile quotes the global choice as its ``tuned`` block
(``python -m ser_utils tuned --profile full`` prints it; ``--nested`` the per-fold
choice), and notebooks 03 and 06 train with it: a setting chosen for one hidden size
(64) applied to every size of the family.
"""

from __future__ import annotations

from dataclasses import replace

import optuna
import yaml

from ser_utils.data.folds import REFERENCE_FOLDS
from ser_utils.models import ModelConfig
from ser_utils.paths import project_dir, results_dir
from ser_utils.training import nested, tuning
from ser_utils.training.loop import AUTHORS_SEEDING, DISTINCT_SEEDING, Spec, TrainConfig

HYPERPARAMETERS = ("lr", "weight_decay", "dropout", "T_0", "batch_size")


def study_prefix(model: str, space: str, epochs: int, pruner: str = "median", sampler_seed: int = 0,
                 protocol: str = "clean", feature_set: str = "mfcc+chroma") -> str:
    """A study's name without its data fingerprint (``tuning.Plan.study_name``)."""
    name, hidden = tuning.parse_model(model)
    plan = tuning.Plan(name, hidden, space=space, protocol=protocol, epochs=epochs, pruner=pruner,
                       sampler_seed=sampler_seed, feature_set=feature_set)
    return plan.study_name(_NoData()).removesuffix("-")


class _NoData:
    fingerprint = ""


def complete_trials(storage: str, studies, epochs: int, pruner: str = "median", sampler_seed: int = 0):
    """Every complete trial of the studies ``[[model-hH, space], ...]`` found in ``storage``,
    as ``(family, model, space, trial)``: the studies in the order listed (each model and
    space's studies by name), then the trial number."""
    names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
    for model, space in studies:
        prefix = study_prefix(model, space, epochs, pruner, sampler_seed) + "-"
        for name in sorted(n for n in names if n.startswith(prefix)):
            for t in optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False):
                if t.state.name == "COMPLETE":
                    yield model.partition("-h")[0], model, space, t


def chosen(storage: str, studies, epochs: int, pruner: str = "median", sampler_seed: int = 0,
           source: str = "results/full/optuna.db") -> dict:
    """``{family: {lr, weight_decay, dropout, T_0, batch_size, source}}`` over the
    studies ``[[model-hH, space], ...]`` found in ``storage`` (an Optuna URL); a family
    whose studies hold no complete trial is left out."""
    best: dict = {}
    for family, model, space, t in complete_trials(storage, studies, epochs, pruner, sampler_seed):
        here = best.get(family)
        if here is None or t.value > here[0]:
            best[family] = (t.value, model, space, t)
    out = {}
    for family, (value, model, space, t) in sorted(best.items()):
        out[family] = {k: t.params[k] for k in HYPERPARAMETERS}
        out[family]["source"] = (f"{source}: {model} {space} space, trial #{t.number}, validation UAR "
                                 f"{value:.4f} (test {t.user_attrs['test_uar']:.4f})")
    return out


def _profile_studies(profile: str):
    """(storage URL, 07 section) of ``profile``, or None when it has no studies or database."""

    db = results_dir() / profile / "optuna.db"
    if not db.exists():
        return None
    conf = yaml.safe_load((project_dir() / "profiles" / f"{profile}.yaml").read_text()) or {}
    params = conf.get("07_fidelity") or {}
    if "studies" not in params:
        return None
    return f"sqlite:///{db}", params


def nested_from_profile(profile: str = "full") -> dict:
    """The ``nested`` block: ``{family: [setting per test fold]}`` (``nested_chosen`` over
    ``profile``'s 100-epoch studies, the reference folds), each setting with its source."""
    found = _profile_studies(profile)
    if found is None:
        return {}
    url, params = found
    chosen_ = nested_chosen(url, params["studies"], params.get("epochs", 100), list(REFERENCE_FOLDS),
                            params.get("pruner", "median"), params.get("sampler_seed", 0))
    out = {}
    for family, per_fold in sorted(chosen_.items()):
        out[family] = [{**{k: c.params[k] for k in HYPERPARAMETERS},
                        "source": (f"results/{profile}/optuna.db: {c.params['model']} {c.params['space']} space, trial "
                                   f"#{c.params['trial']}, chosen for test fold {j} by the validation folds "
                                   f"{nested.voters(REFERENCE_FOLDS)[j]}")}
                       for j, c in enumerate(per_fold)]
    return out


def nested_specs(nested_block: dict, name: str, hidden: int, defaults: dict | None, epochs: int) -> list:
    """One clean-protocol spec per test fold from a ``nested`` block (``nested_from_profile``)."""
    return [spec(name, hidden, {name: setting}, defaults, epochs) for setting in nested_block[name]]


def from_profile(profile: str = "full") -> dict:
    """``chosen`` for the studies of ``profile``'s notebook-07 section
    (``profiles/<profile>.yaml``), read from ``results/<profile>/optuna.db`` (``{}`` when
    there is none)."""

    db = results_dir() / profile / "optuna.db"
    if not db.exists():
        return {}
    conf = yaml.safe_load((project_dir() / "profiles" / f"{profile}.yaml").read_text()) or {}
    params = conf.get("07_fidelity") or {}
    if "studies" not in params:
        return {}
    return chosen(f"sqlite:///{db}", params["studies"], params.get("epochs", 100), params.get("pruner", "median"),
                  params.get("sampler_seed", 0), source=f"results/{profile}/optuna.db")


def to_yaml(setting: dict) -> str:
    """The ``tuned`` block as the profile writes it (full float precision)."""
    return yaml.safe_dump({"tuned": setting}, sort_keys=False, width=200)


def default_hyperparameters() -> dict:
    """The study's default hyperparameters (``TrainConfig`` and ``ModelConfig`` defaults)."""
    t, m = TrainConfig(), ModelConfig("lstm_sa")
    return {"lr": t.lr, "weight_decay": t.weight_decay, "dropout": m.dropout, "T_0": t.T_0, "batch_size": t.batch_size}


def defaults_spec(winner):
    """The winner's model and epochs with the study's default hyperparameters
    (``ModelConfig`` and ``TrainConfig`` defaults), clean protocol, distinct seeds."""

    spec = winner.spec
    return replace(spec, model=ModelConfig(spec.model.name, hidden=spec.model.hidden),
                   train=TrainConfig(epochs=spec.train.epochs))


def train_kwargs(setting: dict, family: str, defaults: dict | None = None) -> dict:
    """``defaults`` (lr, weight_decay, dropout, T_0, batch_size) overridden by the tuned
    values of ``family`` where ``setting`` has them (``defaults``: ``default_hyperparameters()``)."""
    defaults = defaults or default_hyperparameters()
    tuned = setting.get(family, {})
    return {k: type(defaults[k])(tuned.get(k, defaults[k])) for k in HYPERPARAMETERS}


def spec(name: str, hidden: int, setting: dict, defaults: dict | None, epochs: int, protocol: str = "clean"):
    """The training spec of ``name``-h``hidden`` with its family's tuned setting (``defaults``
    where it has none): distinct seeds under the clean protocol, the authors' reseeding
    under the paper protocol. Notebooks 03 and 06 build their paper-000 models with it, so
    06 reuses 03's records."""
    v = train_kwargs(setting, name, defaults)
    train = TrainConfig(lr=v["lr"], weight_decay=v["weight_decay"], batch_size=v["batch_size"], T_0=v["T_0"],
                        epochs=epochs)
    return Spec(ModelConfig(name, hidden=hidden, dropout=v["dropout"]), train, protocol=protocol,
                seeding=AUTHORS_SEEDING if protocol == "paper" else DISTINCT_SEEDING)


def describe(setting: dict, family: str) -> str:
    """``tuned, not nested (source)`` or ``defaults`` — the ``setting`` column of a table
    (the global choice is not nested: ``nested``)."""
    return f"tuned, not nested ({setting[family]['source']})" if family in setting else "study defaults"



def candidates(storage: str, studies, epochs: int, pruner: str = "median", sampler_seed: int = 0) -> dict:
    """``{family: [nested.Candidate]}``: every complete trial of the family's studies with
    its per-fold validation UAR (params carry ``space``, ``study`` and the trial's run-record
    ``key``); ``order`` follows the studies as listed, then the trial number."""
    out: dict = {}
    for order, (family, model, space, t) in enumerate(complete_trials(storage, studies, epochs, pruner, sampler_seed)):
        params = {**{k: t.params[k] for k in HYPERPARAMETERS}, "model": model, "space": space,
                  "trial": t.number, "key": t.user_attrs.get("key"), "test_uar": t.user_attrs.get("test_uar")}
        out.setdefault(family, []).append(nested.Candidate(f"{model} {space} #{t.number}", params,
                                                           tuple(t.user_attrs["fold_val_uar"]), order))
    return out


def nested_chosen(storage: str, studies, epochs: int, folds, pruner: str = "median", sampler_seed: int = 0) -> dict:
    """``{family: [Candidate per test fold]}``: for each test fold, the complete trial of best
    mean validation UAR over the folds whose validation speakers are outside it."""
    return {family: nested.choose(cands, folds)
            for family, cands in candidates(storage, studies, epochs, pruner, sampler_seed).items()}


def nested_winners(study, folds) -> list:
    """One Optuna study's nested choice: for each test fold, its complete trial of best mean
    validation UAR over the folds whose validation speakers are outside that test fold
    (``nested.choose``; ties: the earlier trial). ``[nested.Candidate per test fold]``,
    each named ``trial N`` with the trial's parameters."""
    done = [t for t in study.get_trials(deepcopy=False)
            if t.state.name == "COMPLETE" and "fold_val_uar" in t.user_attrs]
    if not done:
        raise ValueError(f"study {study.study_name} has no complete trial with per-fold validation UARs")
    return nested.choose([nested.Candidate(f"trial {t.number}", dict(t.params), tuple(t.user_attrs["fold_val_uar"]),
                                           t.number) for t in done], folds)
