"""What a stored run record trained on, rebuilt for ``training.replay``: the dataset and
folds as the experiment that made the record built them — 08's shift inside RAVDESS
(``experiments.shift``), 09's perturbed copies, and a distilled model's teacher targets
from its members' checkpoints (``experiments.what_helps``). It lives here, above
``training``, because it knows the experiments; ``training.replay`` only retrains."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

from ser_utils.data.dataset import Dataset, variant_names, with_variants
from ser_utils.experiments import shift, what_helps
from ser_utils.training.loop import Spec
from ser_utils.training.records import RunRecord
from ser_utils.training.replay import Unreplayable


def data_for(record: RunRecord, data: Dataset, folds, runs_dir: str | Path | None = None,
             cache_root=None) -> tuple[Dataset, list]:
    """The dataset and folds ``record`` trained on, built from ``data`` (its feature set on
    this corpus): 08's shifted takes (matched by fingerprint), the perturbed copies its spec
    names, and a distilled model's teacher targets (from its members' checkpoints in
    ``runs_dir``). ``Unreplayable``, saying why, where that cannot be done here."""
    if data.fingerprint != record.data:
        found = [shift.shift_data(data, folds, name, source) for name, (_, sources, _) in shift.SHIFTS.items()
                 for source in sources]
        found = [(d, f) for d, f in found if d.fingerprint == record.data]
        if not found:
            raise Unreplayable(f"the record was trained on data {record.data}; this corpus and feature set give "
                               f"{data.fingerprint} (nor is it one of 08's shifts of it): point --root at the "
                               "corpus it was trained on")
        data, folds = found[0]
    spec = Spec.from_dict(record.spec)
    data = with_variants(data, variant_names(spec.train.speed, spec.train.noise_snr), cache_root=cache_root,
                         progress=False)
    if spec.train.teacher:
        data = _with_teacher(data, folds, spec, record.fold, Path(runs_dir) if runs_dir else None)
    return data, folds


def _with_teacher(data: Dataset, folds, spec: Spec, fold: int, runs_dir: Path | None) -> Dataset:
    """``data`` with the soft targets of ``spec``'s teacher (``what_helps.teacher_name``, read
    back by ``what_helps.parse_teacher``) for ``fold``, from its members' checkpoints."""
    name = spec.train.teacher
    parsed = what_helps.parse_teacher(name)
    if parsed is None:
        raise Unreplayable(f"distilled from {name!r}: not a teacher name this code writes")
    _, tag, members = parsed
    where = f"its members' checkpoints (runs {members[0]}-{members[-1]}, *.pt)"
    if runs_dir is None or not runs_dir.is_dir():
        raise Unreplayable(f"distilled from {name}: {where} are not here (no runs folder)")

    def keys_with(f):
        return sorted(d.name for d in runs_dir.iterdir()
                      if d.is_dir() and all((d / f"run{r:02d}-fold{f}.pt").exists() for r in members))

    per_fold = [keys_with(f) for f in range(len(folds))]
    chosen = None
    if all(any(k.startswith(tag) for k in c) for c in per_fold):
        chosen = [next(k for k in c if k.startswith(tag)) for c in per_fold]
    elif all(per_fold):
        chosen = next((list(ks) for ks in itertools.product(*per_fold)
                       if what_helps.teacher_tag(ks) == tag), None)
    if chosen is None:
        raise Unreplayable(f"distilled from {name}: {where} are not in {runs_dir} (they are not committed; "
                           "make reproduce trains them)")
    targets = what_helps.teacher_targets([runs_dir / chosen[fold] / f"run{r:02d}-fold{fold}.pt" for r in members],
                                         data, spec.train.distill_T)
    return replace(data, soft_targets={name: {fold: targets}})
