"""Training one fold and cross-validating a spec over folds x seeds, resumably.

The protocol is paper 000's (Krasnoproshin & Vashkevich, DSPA 2026; the authors'
code Mak-Sim/ResLSTM-SER): Adam(lr, weight_decay), CosineAnnealingWarmRestarts
(T_0, T_mult=1, eta_min=lr/100) stepped once per epoch, cross-entropy, N epochs;
the epoch with the best validation-speaker UAR is kept (the earliest on ties) and
predicts the test fold; the metric is the UAR of the pooled out-of-fold predictions.

Speed on CPU: zero-padded batches with masks (never packed sequences), batches
drawn from length-sorted pools, tensors built once per fold, one thread per worker
process and independent (run, fold) jobs spread over the cores.
"""

from __future__ import annotations

import copy
import hashlib
import json
import platform
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import librosa
import numpy as np
import torch
import torch.nn.functional as F

import ser_utils
from ser_utils import numerics
from ser_utils.data.corpus import gender_labels
from ser_utils.data.dataset import Dataset, Split, prepare_fold, variant_names
from ser_utils.models import MASKED_COMPUTATION, ModelConfig, build_model, parameters_of
from ser_utils.paths import save_torch
from ser_utils.training import augment, metrics
from ser_utils.training.records import Predictions, RunRecord, read_record, record_path


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation hyperparameters (defaults: paper 000's stated training set-up
    with the issue's reference values)."""

    lr: float = 1e-3
    weight_decay: float = 1.6e-3
    batch_size: int = 16
    T_0: int = 10
    epochs: int = 100
    eval_batch: int = 512
    pool_batches: int = 8    # batches per length-sorted pool
    # The levers of notebook 09 (``training.augment``); at their defaults they are left out of
    # ``to_dict`` (``OPTIONAL_TRAIN_FIELDS``), so every older experiment keeps its key and result.
    speed: tuple = ()             # speed-perturbed copies of the training utterances (factors, e.g. (0.9, 1.1))
    noise_snr: tuple = ()         # (low, high) dB: noisy copies of the training utterances at a random SNR
    specaugment: tuple = ()       # (time masks, max width in frames, feature masks, max width in features)
    label_smoothing: float = 0.0
    mixup: float = 0.0            # Beta(alpha, alpha) mixing of two training utterances (0: off)
    teacher: str = ""             # distillation: the soft targets' name in ``Dataset.soft_targets``
    distill_alpha: float = 0.5    # weight of the distillation term (with a teacher)
    distill_T: float = 2.0        # its temperature (the teacher's targets are softened at the same T)
    keep_probs: bool = False      # records keep the test probabilities (for ensembles)

    def __post_init__(self):
        for name in ("speed", "noise_snr", "specaugment"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    def to_dict(self) -> dict:
        """The fields, the optional ones only where they differ from their defaults."""
        d = asdict(self)
        defaults = {f.name: f.default for f in fields(self)}
        for name in OPTIONAL_TRAIN_FIELDS:
            if d[name] == defaults[name]:
                del d[name]
            elif isinstance(d[name], tuple):
                d[name] = list(d[name])
        return d


OPTIONAL_TRAIN_FIELDS = ("speed", "noise_snr", "specaugment", "label_smoothing", "mixup", "teacher",
                         "distill_alpha", "distill_T", "keep_probs")


# The two seedings (``Spec.seeding``; the values are stored in run records and experiment keys).
DISTINCT_SEEDING = "distinct"   # one seed per (run, fold)
AUTHORS_SEEDING = "reference"   # paper 000's authors' reseeding, 42 + 100 * fold, the same for every run
SEEDINGS = (DISTINCT_SEEDING, AUTHORS_SEEDING)


@dataclass(frozen=True)
class Spec:
    """Everything that determines a run's result except the seed and the fold."""

    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    protocol: str = "clean"          # clean | paper (normalisation over all speakers)
    seeding: str = DISTINCT_SEEDING  # DISTINCT_SEEDING: seed = f(run, fold) | AUTHORS_SEEDING: 42 + 100 * fold
    feature_set: str = "mfcc+chroma"
    speaker_norm: bool = False       # per-speaker normalisation (transductive: a test speaker's unlabelled audio)

    def to_dict(self) -> dict:
        d = {"model": self.model.to_dict(), "train": self.train.to_dict(), "protocol": self.protocol,
             "seeding": self.seeding, "feature_set": self.feature_set}
        if self.speaker_norm:  # left out at its default: older keys unchanged
            d["speaker_norm"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Spec":
        return cls(ModelConfig(**d["model"]), TrainConfig(**d["train"]), d["protocol"], d["seeding"],
                   d["feature_set"], d.get("speaker_norm", False))

    @property
    def computation(self) -> str:
        """masked (default) or the parts of the authors' computation (``ModelConfig.computation``)."""
        return self.model.computation

    def label(self) -> str:
        extra = "" if self.computation == MASKED_COMPUTATION else f", {self.computation}"
        levers = "".join(f", {lever}" for lever in self.levers())
        return f"{self.model.label()} [{self.protocol}{extra}{levers}]"

    def levers(self) -> list[str]:
        """Notebook 09's levers this spec uses, in words (none for every older spec)."""
        t, out = self.train, []
        if self.feature_set not in ("mfcc+chroma", "mfcc", "logmel"):
            out.append(self.feature_set)
        if self.speaker_norm:
            out.append("per-speaker normalisation")
        if t.speed:
            out.append("speed " + "/".join(f"{f:g}" for f in t.speed))
        if t.noise_snr:
            out.append(f"noise {t.noise_snr[0]:g}-{t.noise_snr[1]:g} dB")
        if t.specaugment:
            out.append("SpecAugment " + "/".join(str(v) for v in t.specaugment))
        if t.label_smoothing:
            out.append(f"label smoothing {t.label_smoothing:g}")
        if t.mixup:
            out.append(f"mixup {t.mixup:g}")
        if t.teacher:
            out.append(f"distilled from {t.teacher} (alpha {t.distill_alpha:g}, T {t.distill_T:g})")
        if t.keep_probs:
            out.append("probabilities kept")
        return out


def run_seed(spec: Spec, run: int, fold: int) -> int:
    """``AUTHORS_SEEDING`` (stored as ``reference``): the authors' reseeding, 42 + 100 * fold,
    the same for every run (their 10 runs differ only by GPU nondeterminism);
    ``DISTINCT_SEEDING`` (``distinct``): one seed per (run, fold)."""
    if spec.seeding == AUTHORS_SEEDING:
        return 42 + 100 * fold
    if spec.seeding == DISTINCT_SEEDING:
        return 100_003 * (run + 1) + 7_919 * fold
    raise ValueError(f"seeding must be one of {SEEDINGS}, not {spec.seeding!r}")


# Bump when a change to the trainer or the models alters results: records made by an
# older trainer then no longer match and are recomputed.
TRAINER_VERSION = 1


def for_data(spec: Spec, data: Dataset) -> Spec:
    """The spec as trained on ``data``: its output layer sized to the corpus' classes
    (RAVDESS's 8, ``ModelConfig``'s default, leave the spec as it is)."""
    n = len(getattr(data, "classes", ()) or ()) or spec.model.n_classes
    return spec if spec.model.n_classes == n else replace(spec, model=replace(spec.model, n_classes=n))


def experiment_key(spec: Spec, data: Dataset, folds) -> str:
    """Hash of the spec (``for_data``), the dataset's content, the folds and the trainer
    version: the run records' folder."""
    spec = for_data(spec, data)
    content = {"spec": spec.to_dict(), "data": data.fingerprint, "folds": [asdict(f) for f in folds]}
    if TRAINER_VERSION > 1:  # version 1 keys carry no version field
        content["trainer"] = TRAINER_VERSION
    payload = json.dumps(content, sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def random_batches(n: int, batch: int, rng: np.random.Generator):
    """The authors' batches (a shuffled DataLoader): a random permutation cut into
    batches, lengths ignored."""
    order = rng.permutation(n)
    return [order[i:i + batch] for i in range(0, n, batch)]


def length_pooled_batches(lengths: np.ndarray, batch: int, pool: int, rng: np.random.Generator):
    """Shuffle, sort each pool of ``pool`` batches by length, cut into batches,
    shuffle the batches: little padding, random composition."""
    order = rng.permutation(len(lengths))
    size = batch * pool
    batches = []
    for start in range(0, len(order), size):
        chunk = order[start:start + size]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch] for i in range(0, len(chunk), batch)]
    return [batches[i] for i in rng.permutation(len(batches))]


class _Tensors:
    """A split as tensors on the device, built once per fold. ``speakers``: the
    training actors in speaker-head order (multitask models only)."""

    def __init__(self, split: Split, device, speakers=None):
        self.x = torch.from_numpy(split.x).to(device)
        self.lengths = torch.from_numpy(split.lengths).to(device)
        self.lengths_np = split.lengths
        self.labels = torch.from_numpy(split.labels).to(device)
        self.order = np.argsort(split.lengths, kind="stable")  # evaluation order: least padding
        self.aux = None  # gender and speaker targets; speaker indices mean something on the training split only
        if speakers is not None:
            speaker = np.searchsorted(speakers, split.speakers).astype(np.int64)
            if split.genders is None:
                genders = gender_labels(split.speakers)
            elif set(split.genders) <= {"male", "female"}:
                genders = (np.asarray(split.genders) == "female").astype(np.int64)
            else:
                raise ValueError("the multitask model's gender head needs every speaker's gender; the corpus has "
                                 f"{sorted(set(split.genders) - {'male', 'female'})}")
            self.aux = {"gender": torch.from_numpy(genders).to(device),
                        "speaker": torch.from_numpy(speaker).to(device)}

    def batch(self, idx):
        idx_t = torch.from_numpy(np.asarray(idx)).to(self.x.device)
        T = int(self.lengths_np[idx].max())
        return self.x[idx_t, :T], self.lengths[idx_t], self.labels[idx_t]

    def targets(self, idx, labels) -> dict:
        idx_t = torch.from_numpy(np.asarray(idx)).to(self.x.device)
        return {"emotion": labels, **{k: v[idx_t] for k, v in self.aux.items()}}


@torch.no_grad()
def predict_logits(model, data: _Tensors, batch: int = 512, packed: bool = False,
                   file_order: bool = False) -> torch.Tensor:
    """Logits of a split, in batches of ``batch`` taken in length order (least padding)
    or, ``file_order=True``, in the split's file order (the authors' evaluation)."""
    model.eval()
    out = torch.empty(len(data.lengths_np), model.cfg.n_classes, device=data.x.device)
    order = np.arange(len(data.lengths_np)) if file_order else data.order
    for s in range(0, len(order), batch):
        idx = order[s:s + batch]
        x, lengths, _ = data.batch(idx)
        out[torch.from_numpy(idx).to(out.device)] = model(x, lengths, packed=packed)
    return out


def train_epoch(model, opt, data: _Tensors, batches) -> float:
    """One pass over ``batches`` (index arrays into ``data``); the mean training loss."""
    model.train()
    total, seen = 0.0, 0
    for idx in batches:
        x, lengths, y = data.batch(idx)
        if getattr(model, "multitask", False):
            loss = model.training_loss(x, lengths, data.targets(idx, y))
        else:
            loss = F.cross_entropy(model(x, lengths), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += float(loss.detach()) * len(idx)
        seen += len(idx)
    return total / seen


@torch.no_grad()
def gender_accuracy(model, data: _Tensors, batch: int = 512) -> float:
    """Accuracy of a multitask model's gender head on a split."""
    model.eval()
    correct = 0
    for s in range(0, len(data.order), batch):
        idx = data.order[s:s + batch]
        x, lengths, _ = data.batch(idx)
        pred = model(x, lengths, details=True)["gender"].argmax(1)
        correct += int((pred == data.aux["gender"][torch.from_numpy(idx).to(pred.device)]).sum())
    return round(correct / len(data.order), 6)


def _evaluate(model, data: _Tensors, batch: int, file_order: bool = False) -> tuple[float, float]:
    """Cross-entropy and UAR of a split."""
    logits = predict_logits(model, data, batch, file_order=file_order)
    loss = float(F.cross_entropy(logits, data.labels))
    return loss, metrics.uar(data.labels.cpu().numpy(), logits.argmax(1).cpu().numpy(), model.cfg.n_classes)


def _stacked(parts: list) -> Split:
    """Splits with the same utterances (an original and its copies) stacked row-wise,
    zero-padded to the longest: rows ``v * n + i`` (``augment.choose_versions``)."""
    T = max(p.x.shape[1] for p in parts)
    x = np.zeros((sum(len(p.x) for p in parts), T, parts[0].x.shape[2]), np.float32)
    start = 0
    for p in parts:
        x[start:start + len(p.x), : p.x.shape[1]] = p.x
        start += len(p.x)
    return Split(x, np.concatenate([p.lengths for p in parts]), np.concatenate([p.labels for p in parts]),
                 [i for p in parts for i in p.ids], np.concatenate([p.speakers for p in parts]), None)


def train_fold(spec: Spec, splits: dict, seed: int, device=None, soft_targets=None) -> dict:
    """Train on ``splits['train']``, keep the epoch of best validation UAR (earliest
    on ties), predict ``splits['test']``. Returns history, best epoch, predictions
    and the best state (``state``). The test UAR of every epoch is recorded for
    learning curves only; it never steers anything. The parts of the authors'
    computation in ``spec.model.computation`` choose random-order training batches
    (``random_order``) and evaluation in training-size batches in file order
    (``eval_batches``). A fold without validation speakers (``splits['validation']`` None,
    a two-speaker corpus) keeps the last epoch; its validation history is None.

    Notebook 09's levers (``training.augment``), only where the spec enables them: roles
    ``train~NAME`` (``prepare_fold``'s copies of the training utterances) are stacked with
    ``train`` and each epoch draws one version of every utterance; SpecAugment, label
    smoothing, mixup and distillation (``soft_targets``: teacher probabilities per training
    utterance) change the training loss; ``keep_probs`` returns the test probabilities."""
    device = device or pick_device()
    cfg, tc = spec.model, spec.train
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    multitask = cfg.name == "multitask_cnn"
    copies = [role for role in splits if role.startswith("train~")]
    levers = augment.uses_levers(tc)
    if multitask and (copies or levers):
        raise ValueError("notebook 09's levers are for the single-task models, not multitask_cnn")
    n_train = len(splits["train"].labels)
    if copies:
        splits = {**{r: s for r, s in splits.items() if r not in copies},
                  "train": _stacked([splits["train"]] + [splits[r] for r in copies])}
    soft = None if soft_targets is None else torch.as_tensor(np.asarray(soft_targets), dtype=torch.float32,
                                                             device=device)
    speakers = np.unique(splits["train"].speakers) if multitask else None
    if multitask:  # the speaker head covers the fold's training speakers only
        cfg = replace(cfg, n_speakers=len(speakers))
    tensors = {role: _Tensors(s, device, speakers) for role, s in splits.items() if s is not None}
    model = build_model(cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=tc.T_0, T_mult=1, eta_min=tc.lr / 100)
    train = tensors["train"]
    shuffled = "random_order" in cfg.parts
    eval_batch, file_order = (tc.batch_size, True) if "eval_batches" in cfg.parts else (tc.eval_batch, False)
    history = {k: [] for k in ("lr", "train_loss", "val_loss", "val_uar", "test_uar")}
    best = (-1.0, -1, None)
    for epoch in range(tc.epochs):
        history["lr"].append(opt.param_groups[0]["lr"])
        rows = augment.choose_versions(n_train, 1 + len(copies), rng) if copies else None
        lengths = train.lengths_np if rows is None else train.lengths_np[rows]
        batches = (random_batches(len(lengths), tc.batch_size, rng) if shuffled else
                   length_pooled_batches(lengths, tc.batch_size, tc.pool_batches, rng))
        if rows is not None:
            batches = [rows[b] for b in batches]
        train_loss = (augment.train_epoch(model, opt, train, batches, tc, rng, soft) if levers or soft is not None
                      else train_epoch(model, opt, train, batches))
        sched.step()
        if "validation" in tensors:
            val_loss, val_uar = _evaluate(model, tensors["validation"], eval_batch, file_order)
        else:
            val_loss = val_uar = None
        _, test_uar = _evaluate(model, tensors["test"], eval_batch, file_order)
        for k, v in zip(("train_loss", "val_loss", "val_uar", "test_uar"), (train_loss, val_loss, val_uar, test_uar)):
            history[k].append(None if v is None else round(float(v), 6))
        if val_uar is None:
            if epoch == tc.epochs - 1:
                best = (None, epoch, copy.deepcopy(model.state_dict()))
        elif val_uar > best[0]:
            best = (val_uar, epoch, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[2])
    logits = predict_logits(model, tensors["test"], eval_batch, file_order=file_order)
    preds = logits.argmax(1).cpu().numpy()
    labels = splits["test"].labels
    extra = {"test_gender_accuracy": gender_accuracy(model, tensors["test"], tc.eval_batch)} if multitask else {}
    if tc.keep_probs:
        extra["test_probs"] = np.round(torch.softmax(logits, 1).cpu().numpy().astype(np.float64), 6).tolist()
    n = cfg.n_classes
    return {**extra, "best_epoch": best[1], "best_val_uar": None if best[0] is None else round(float(best[0]), 6),
            "history": history, "test_uar": metrics.uar(labels, preds, n),
            "test_wa": metrics.weighted_accuracy(labels, preds),
            "confusion": metrics.confusion(labels, preds, n).tolist(),
            "test": Predictions(splits["test"].ids, labels.tolist(), preds.tolist()),
            "state": {k: v.detach().cpu() for k, v in best[2].items()}, "model_config": cfg}


def versions() -> dict:

    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "librosa": librosa.__version__, "ser_utils": ser_utils.__version__}


def run_job(spec: Spec, data: Dataset, folds, key: str, run: int, fold: int, runs_dir: Path,
            save_weights: bool = False) -> RunRecord:
    """Train one (run, fold) and write its record atomically; a finished record
    is returned as it is, never recomputed (a damaged one is moved aside and the fold
    trained again: ``records.read_record``). On CPU a job uses one thread, so its
    numbers are the same however many jobs run side by side."""
    path = record_path(runs_dir, key, run, fold)
    found = read_record(path)
    if found is not None:
        return found
    record, weights = train_job(spec, data, folds, key, run, fold)
    save_job(path, record, weights if save_weights else None)
    return record


def save_job(path: Path, record: RunRecord, weights: dict | None = None) -> None:
    """Write a job's checkpoint (``weights``, when given, beside it as ``.pt``), then its
    record, each atomically: what ``run_job`` writes, and what a Dask cluster's client
    writes for its workers (``training.farm``)."""
    if weights is not None:
        save_torch(weights, path.with_suffix(".pt"))
    record.save(path)


def prepare_job(spec: Spec, data: Dataset, fold_speakers, fold: int) -> tuple[dict, object, np.ndarray | None]:
    """What one (run, fold) of ``spec`` trains on, the same for training and for ``replay``:
    the fold's splits (its speaker normalisation and perturbed copies as the spec asks), the
    normaliser, and the teacher's soft targets of its training utterances (None without a
    teacher). ``data`` must carry the copies (``data.with_variants``) and the teacher's
    targets (``Dataset.soft_targets``) the spec names."""
    tc = spec.train
    splits, norm = prepare_fold(data, fold_speakers, spec.protocol, speaker_norm=spec.speaker_norm,
                                variants=variant_names(tc.speed, tc.noise_snr))
    soft = data.soft_targets[tc.teacher][fold][splits["train"].rows] if tc.teacher else None
    return splits, norm, soft


def train_job(spec: Spec, data: Dataset, folds, key: str, run: int, fold: int) -> tuple[RunRecord, dict]:
    """Train one (run, fold), writing nothing: its record and its weights (the checkpoint
    ``run_job`` saves when asked: state_dict, model, normalisation mean and std). On CPU
    the job uses one thread. ``run_job`` and a Dask worker (``training.farm``) call it."""
    spec = for_data(spec, data)
    device = pick_device()
    seed = run_seed(spec, run, fold)
    start = time.perf_counter()
    threads = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(1)
    try:
        splits, norm, soft = prepare_job(spec, data, folds[fold], fold)
        result = train_fold(spec, splits, seed, device, soft_targets=soft)
        used_threads = torch.get_num_threads()
    finally:
        torch.set_num_threads(threads)
    state, trained = result.pop("state"), result.pop("model_config")
    record = RunRecord(key=key, spec=spec.to_dict(), label=spec.label(), run=run, fold=fold, seed=seed,
                       seeding=spec.seeding, data=data.fingerprint, synthetic=data.synthetic,
                       fold_speakers=asdict(folds[fold]), parameters=parameters_of(spec.model),
                       device=str(device), threads=used_threads, versions=versions(), machine=numerics.state(),
                       wall_seconds=round(time.perf_counter() - start, 2), **result)
    return record, {"state_dict": state, "model": trained.to_dict(), "mean": norm.mean, "std": norm.std}
