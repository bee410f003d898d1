"""``python -m ser_utils``: corpus, synthetic data and features from the shell.

Each subcommand prints a readable summary, or with ``--json`` one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import yaml

from ser_utils import numerics
from ser_utils.data import corpus_registry, project_data
from ser_utils.data.audio import AudioError
from ser_utils.data.corpus import CorpusError, audio_files, closest_duration, index_corpus
from ser_utils.data.dataset import load_dataset
from ser_utils.data.download import DownloadError, default_location, get_corpus, link_corpus
from ser_utils.data.features import FeatureCache, FeatureConfig, load_features
from ser_utils.data.project_data import folds_for
from ser_utils.data.verify import require_complete, verify_corpus
from ser_utils.inference.checkpoint import CheckpointError
from ser_utils.inference.evaluate import evaluate
from ser_utils.inference.predict import Predictor, bench, default_model
from ser_utils.inference.stream import streamable
from ser_utils.inference.stream_bench import bench_stream
from ser_utils.models import (
    ModelConfig,
    canonical_computation,
    paper000_configs,
    paper001_configs,
    parameters_of,
)
from ser_utils.paths import WRITE_ERRNOS, StorageError, require_writable, results_dir
from ser_utils.pipeline import load_profile, parameters
from ser_utils.profiles import ProfileError
from ser_utils.training import Spec, TrainConfig, cross_validate, farm, metrics, numerics_probe, pooled_uar, replay
from ser_utils.training.loop import SEEDINGS
from ser_utils.training.records import RunRecord
from ser_utils.workers import isolated


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _number(text: str, ok, what: str) -> float:
    """``text`` as a float that satisfies ``ok``, else an argparse error saying ``what``."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not ok(value):  # NaN fails every comparison
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    return _number(text, lambda v: 0 < v < float("inf"), "a positive number")


def non_negative_float(text: str) -> float:
    return _number(text, lambda v: 0 <= v < float("inf"), "a number >= 0")


def fraction(text: str) -> float:
    return _number(text, lambda v: 0 <= v < 1, "a number in [0, 1)")


def existing_file(text: str) -> str:
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    return text


def folder(text: str) -> str:
    """A folder that exists or can be made: not an existing file."""
    if Path(text).exists() and not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text}: a file, not a folder")
    return text


def _emit(args, payload: dict, text: str) -> None:
    print(json.dumps(payload, indent=2) if args.json else text)


def _corpus_root(args) -> Path:
    return get_corpus(args.root, download=False)


def _reader_root(args):
    """``--corpus`` and ``--root`` -> ``(reader, folder)``: RAVDESS (default) as ever, a
    built-in corpus in ``--root`` (or ``$NAME_DIR``, ``data/raw/NAME``), a manifest's
    folder."""
    reader = corpus_registry.get(getattr(args, "corpus", None))
    if reader.is_ravdess:
        return reader, _corpus_root(args)
    if reader.manifest is not None:
        return reader, reader.manifest.parent
    return reader, corpus_registry.default_root(reader.name, args.root)


def cmd_verify(args) -> int:
    reader, root = _reader_root(args)
    report = verify_corpus(root, progress=not args.json, corpus=reader)
    _emit(args, report.to_dict(), report.summary())
    return 0 if report.ok else 1


def cmd_data(args) -> int:
    """Locate (or download) RAVDESS, verify it, and only then link it as data/raw/ravdess
    (a failing copy never replaces the link)."""
    root = get_corpus(args.root, download=not args.no_download)
    report = verify_corpus(root, progress=not args.json)
    _emit(args, report.to_dict(), report.summary())
    if not report.ok:
        print(f"error: {root} failed verification; data/raw/ravdess left as it was", file=sys.stderr)
        return 1
    if root.resolve() != default_location().resolve():
        link = link_corpus(root)
        print(f"{link} -> {root.resolve()}", file=sys.stderr)
    return 0


def cmd_synth(args) -> int:
    from ser_utils.data.synth import make_corpus  # noqa: PLC0415 - heavy: scipy (data.synth), one use

    start = time.perf_counter()
    speakers = list(range(1, args.speakers + 1))
    out = make_corpus(args.out_dir, speakers=speakers, seed=args.seed, sample_rate=args.sample_rate, fmt=args.format)
    files = sum(1 for _ in out.glob(f"Actor_*/*.{args.format}"))
    payload = {"out_dir": str(out), "actors": speakers, "files": files, "seed": args.seed,
               "sample_rate": args.sample_rate, "seconds": round(time.perf_counter() - start, 2)}
    _emit(args, payload, f"wrote {files} synthetic files for {len(speakers)} actors to {out} "
                         f"in {payload['seconds']} s")
    return 0


def _features_summary(root: Path, cache_root, n_jobs, progress: bool, corpus=None) -> dict:
    config = FeatureConfig()
    require_complete(root, corpus=corpus)
    index = corpus_registry.index(corpus, root)
    if index.empty:
        raise SystemExit(f"{root}: no audio files found")
    start = time.perf_counter()
    feats = load_features(index["path"], config, cache_root=cache_root, n_jobs=n_jobs, progress=progress)
    seconds = time.perf_counter() - start
    frames = np.array([len(f) for f in feats])
    return {"root": str(root), "utterances": len(feats), "dim": int(feats[0].shape[1]),
            "frames": {"min": int(frames.min()), "median": float(np.median(frames)), "max": int(frames.max())},
            "seconds": round(seconds, 2), "cache": str(FeatureCache(config, cache_root).folder)}


def cmd_features(args) -> int:
    reader, root = _reader_root(args)
    s = _features_summary(root, args.cache, args.jobs, progress=not args.json, corpus=reader)
    f = s["frames"]
    _emit(args, s, f"{s['utterances']} utterances x {s['dim']} features, frames {f['min']}/{f['median']:g}/"
                   f"{f['max']} (min/median/max), {s['seconds']} s; cache {s['cache']}")
    return 0


def cmd_bench_features(args) -> int:
    """Wall time of extracting a whole corpus into an empty cache, then from the cache."""
    root = _corpus_root(args)
    with tempfile.TemporaryDirectory(prefix="ser-bench-") as tmp:
        cold = _features_summary(root, tmp, args.jobs, progress=not args.json)
        cached = _features_summary(root, tmp, args.jobs, progress=False)
    payload = {"root": str(root), "utterances": cold["utterances"], "jobs": args.jobs or "auto",
               "cold_seconds": cold["seconds"], "cached_seconds": cached["seconds"]}
    _emit(args, payload, f"features of {cold['utterances']} files ({root}):\n"
                         f"  cold   {cold['seconds']:7.2f} s  (goal <= 30 s on 2 cores)\n"
                         f"  cached {cached['seconds']:7.2f} s  (goal <= 2 s)")
    return 0


def cmd_params(args) -> int:
    counts = {c.label(): parameters_of(c) for c in paper001_configs() + paper000_configs()}
    _emit(args, counts, "\n".join(f"{k:24s} {v:>9,d}" for k, v in counts.items()))
    return 0


def _dataset(args, feature_set="mfcc+chroma"):
    reader, root = _reader_root(args)
    return load_dataset(root, feature_set, progress=not args.json, corpus=reader)


def _folds_for(data):
    return folds_for(data)


def _given(args, **fields) -> dict:
    """``{field: args.option}`` for the options given on the command line (not None)."""
    return {f: getattr(args, o) for f, o in fields.items() if getattr(args, o) is not None}


def _scheduler(args) -> str | None:
    """``--scheduler`` (else ``$DASK_SCHEDULER``), connected to before any work, so that an
    unreachable scheduler is one line within seconds (``farm.SchedulerError``); None: local."""
    address = farm.scheduler_address(args.scheduler)
    if address:
        farm.connect(address)
    return address


def _check_folds(args) -> None:
    """Refuse, before any extraction, a RAVDESS-layout corpus too small to fold."""

    reader, root = _reader_root(args)
    if not reader.is_ravdess or not Path(root).is_dir():
        return
    try:
        speakers = sorted(set(int(a) for a in index_corpus(root, errors=[])["actor"]))
    except CorpusError:
        return  # the protocol check names it
    if speakers:
        try:
            folds_for(SimpleNamespace(corpus="ravdess", speakers=np.array(speakers)))
        except ValueError as exc:
            raise CorpusError(f"{root}: cannot make speaker folds of {len(speakers)} actors ({exc}); "
                              "`python -m ser_utils synth DIR` writes 8") from None


def cmd_cv(args) -> int:
    """Cross-validate one spec over the folds (reference folds on RAVDESS; another corpus:
    leave-speakers-out folds, written beside the records as folds.json)."""

    # options left out keep the dataclasses' defaults (ModelConfig, TrainConfig, Spec)
    model = ModelConfig(**_given(args, name="model", hidden="hidden", layers="layers", pooling="pooling",
                                 heads="heads", dropout="dropout", computation="computation"))
    feature_set = "mfcc" if model.name == "lstm_baseline" else "mfcc+chroma"
    scheduler = _scheduler(args)
    _check_folds(args)
    data = _dataset(args, feature_set)
    spec = Spec(replace(model, input_dim=data.dim, n_classes=len(data.classes)),
                TrainConfig(**_given(args, lr="lr", weight_decay="weight_decay", batch_size="batch_size", T_0="t0",
                                     epochs="epochs")),
                **_given(args, protocol="protocol", seeding="seeding"), feature_set=feature_set)
    start = time.perf_counter()
    records = cross_validate(spec, data, _folds_for(data), runs=range(args.runs), runs_dir=args.runs_dir,
                             n_jobs=args.jobs, progress=not args.json, scheduler=scheduler)
    pooled = pooled_uar(records)
    summary = metrics.summarize(list(pooled.values()))
    payload = {"spec": spec.to_dict(), "label": spec.label(), "runs": args.runs, "synthetic": data.synthetic,
               "corpus": data.corpus, "classes": list(data.classes),
               "pooled_uar": pooled, "summary": summary,
               "fold_uar": [round(r.test_uar, 4) for r in records],
               "best_epochs": [r.best_epoch for r in records],
               "train_seconds": round(sum(r.wall_seconds for r in records), 1),
               "wall_seconds": round(time.perf_counter() - start, 1), "parameters": records[0].parameters}
    _emit(args, payload, f"{spec.label()}: pooled UAR {summary['mean']:.4f}"
                         + (f" ± {summary['std']:.4f} over {args.runs} runs" if args.runs > 1 else "")
                         + f" ({payload['parameters']:,} parameters; folds {payload['fold_uar']}; "
                           f"{payload['wall_seconds']} s)")
    return 0


def cmd_evaluate(args) -> int:
    """A checkpoint tried on a corpus: UAR, WA, per-class recall and the confusion matrix
    on the classes the model and the corpus share."""
    reader, root = _reader_root(args)
    r = evaluate(args.model, reader, root, cache_root=args.cache, n_jobs=args.jobs, progress=not args.json)
    payload = {k: v for k, v in r.items() if k not in ("files_scored", "predicted")} if not args.files else r
    width = max(len(c) for c in r["classes"])
    lines = [f"{r['model']} on {'synthetic ' if r['synthetic'] else ''}{r['corpus']} {r['root']}: "
             f"{r['scored']} of {r['files']} files scored (features at {r['sample_rate']} Hz)",
             f"  UAR {r['uar']:.4f}  WA {r['wa']:.4f}  (chance UAR {r['chance_uar']:.4f}, {len(r['classes'])} classes)"]
    lines += [f"  {c:{width}s} recall {v:.4f} ({r['support'][c]} files)" if v is not None else f"  {c:{width}s} -"
              for c, v in r["per_class_recall"].items()]
    lines += [f"  note: {n}" for n in r["label_map"]["notes"]]
    lines.append("  confusion (rows true, columns predicted: " + ", ".join(r["classes"]) + ")")
    lines += ["    " + " ".join(f"{v:5d}" for v in row) for row in r["confusion"]]
    _emit(args, payload, "\n".join(lines))
    return 0


def cmd_bench_train(args) -> int:
    from ser_utils.training.bench import bench_parallel, bench_train  # noqa: PLC0415 - heavy: joblib (training.bench), one use

    data = _dataset(args)
    folds = _folds_for(data)
    rows = bench_train(data, folds[0], epochs=args.epochs, threads=args.threads)
    par = bench_parallel(data, folds, epochs=args.epochs)
    payload = {"synthetic": data.synthetic, "rows": rows, "parallel": par}
    lines = [f"{'model':16s} {'padded s/ep':>11s} {'packed s/ep':>11s} {'ratio':>6s} {'max |dp|':>9s} same"]
    lines += [f"{r['model']:16s} {r['padded_s_per_epoch']:11.3f} {r['packed_s_per_epoch']:11.3f} {r['speedup']:6.2f} "
              f"{r['max_prob_diff']:9.2e} {r['same_predictions']}" for r in rows]
    lines.append(f"{par['folds']} folds of {par['model']}, {par['epochs']} epochs: one process with {par['cores']} "
                 f"threads {par['sequential_s']} s, {par['parallel_processes']} processes x 1 thread "
                 f"{par['parallel_s']} s (speed-up {par['parallel_speedup']})")
    _emit(args, payload, ("synthetic corpus\n" if data.synthetic else "") + "\n".join(lines))
    return 0


def cmd_tune(args) -> int:
    """Run (or join) the tuning studies of a profile's notebook 04."""
    from ser_utils.reporting import tuning_tables  # noqa: PLC0415 - heavy: optuna, only when tuning
    from ser_utils.training import tuning  # noqa: PLC0415 - heavy: optuna, only when tuning

    out_dir = Path(args.out_dir) if args.out_dir else results_dir() / args.profile
    params = parameters(args.profile, "04_optuna_tuning", out_dir)
    require_writable(out_dir, create=False)
    if args.corpus:
        params["corpus"] = args.corpus
    url = tuning.storage_url(out_dir, args.storage or params.get("storage"))
    shown = url.split("@")[-1]
    try:
        from sqlalchemy.engine import make_url  # noqa: PLC0415 - heavy: sqlalchemy, one use

        make_url(url)
    except Exception as exc:
        print(f"error: storage {shown!r} is not a database URL ({exc}); e.g. "
              "postgresql://user:password@host/db or sqlite:///path/optuna.db", file=sys.stderr)
        return 2
    _check_storage(url)
    scheduler = _scheduler(args)
    data, folds = project_data.load(params.get("corpus", "synthetic"),
                                  synthetic_speakers=params.get("synthetic_speakers", 8),
                                  cache_dir=params.get("cache_dir"))
    try:
        tuning.make_storage(url)
    except Exception as exc:  # unreachable server, unknown driver, wrong password...
        print(f"error: cannot open the Optuna storage {shown} ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    plan_list = tuning.plans_from_params(params)
    workers = args.workers or os.cpu_count() or 1
    if not args.json:
        print(f"{len(plan_list)} studies on {shown}, " + (f"folds on the Dask cluster at {scheduler}" if scheduler
                                                           else f"{workers} worker(s) here"))
    start = time.perf_counter()
    ran = tuning.run_workers(plan_list, url, data, folds, out_dir / "runs", workers=workers, progress=not args.json,
                             scheduler=scheduler)
    rows = [tuning_tables.study_summary(p, tuning.load_study(p, url, data)) for p in plan_list]
    payload = {"storage": shown, "workers": workers, "trials_run_here": ran, "studies": rows,
               "wall_seconds": round(time.perf_counter() - start, 1)}
    lines = [f"{r['study']}: {r['complete']} complete, {r['pruned']} pruned; clean winner #{r['clean_trial']} "
             f"val {r['clean_val_uar']:.4f} (test {r['clean_test_uar']:.4f}); paper-style #{r['paper_trial']} "
             f"test {r['paper_test_uar']:.4f}" for r in rows]
    _emit(args, payload, "\n".join(lines) + f"\n{sum(ran.values())} trial(s) run here in {payload['wall_seconds']} s")
    return 0


def cmd_fidelity(args) -> int:
    """Compute the fidelity ladder of a profile (notebook 07), resumably."""
    from ser_utils.experiments import fidelity  # noqa: PLC0415 - heavy: optuna, only when tuning

    out_dir = Path(args.out_dir) if args.out_dir else results_dir() / args.profile
    params = parameters(args.profile, "07_fidelity", out_dir)
    require_writable(out_dir, create=False)
    scheduler = _scheduler(args)
    data, folds = project_data.load(params.get("corpus", "synthetic"),
                                  synthetic_speakers=params.get("synthetic_speakers", 8),
                                  cache_dir=params.get("cache_dir"))
    start = time.perf_counter()
    rungs = fidelity.run(params, data, folds, out_dir, stage=args.stage, workers=args.workers,
                         progress=not args.json, scheduler=scheduler)
    frame = fidelity.table(rungs, fidelity.collect(rungs, data, folds, out_dir / "runs"))
    payload = {"profile": args.profile, "stage": args.stage, "wall_seconds": round(time.perf_counter() - start, 1),
               "rungs": frame.drop(columns=["description", "note"]).to_dict(orient="records")}
    text = frame[["model", "rung", "n_runs", "runs_planned", "uar_mean", "ci95", "delta_vs_previous"]].to_string(
        index=False, float_format=lambda v: f"{v:.4f}")
    _emit(args, payload, text + f"\n{payload['wall_seconds']} s")
    return 0


def _check_storage(url: str, write: bool = True) -> None:
    """A damaged SQLite storage is an error naming it; a locked one is waited for, saying so."""
    from ser_utils.training.tuning import sqlite_state  # noqa: PLC0415 - heavy: optuna, only when tuning

    state = sqlite_state(url, write)
    if state == "locked":
        print(f"waiting: {url.removeprefix('sqlite:///')} is locked by another process; waiting up to 120 s "
              "for it to be released", file=sys.stderr, flush=True)
    elif state:
        raise StorageProblem(state)


class StorageProblem(ValueError):
    """An Optuna storage that cannot be used (damaged)."""


def cmd_numerics(args) -> int:
    """The numerics in force here (``ser_utils.numerics``); ``--probe``: which operations
    change their bits with each library's instruction set (``training.numerics_probe``)."""
    if args.env:
        print(numerics.exports())
        return 0
    if args.spread:
        paths = numerics_probe.spread(args.spread, args.profile, args.root, progress=not args.json)
        rows = [{"variant": v, "file": str(p), **{k: RunRecord.load(p).__dict__[k] for k in ("test_uar", "best_epoch")}}
                for v, p in zip(numerics_probe.SPREAD_VARIANTS, paths)]
        _emit(args, {"spread": rows}, "\n".join(f"{r['variant']:24s} test UAR {r['test_uar']:.4f}  best epoch "
                                                 f"{r['best_epoch'] + 1}" for r in rows))
        return 0
    state = numerics.state()
    payload = {"state": state, "pinned_env": numerics.PINNED_ENV}
    text = (f"numerics: {state['numerics']} (asked for: {numerics.requested()}; "
            "SER_NUMERICS=native turns pinning off)\n"
            f"CPU: {state['cpu']}\ntorch kernels: {state['torch_capability']}; "
            f"OpenBLAS kernel: {state['openblas_core']}; "
            f"numpy AVX-512 loops: {state['numpy_avx512_loops'] or 'none'}\nlibraries: {state['libraries']}")
    if args.probe:
        results = numerics_probe.probe()
        payload["probe"] = results
        text += "\n\n" + numerics_probe.table(results)
    _emit(args, payload, text)
    return 0


def cmd_replay(args) -> int:
    """Retrain the first epochs of stored (run, fold) records and compare their histories;
    exit 0 when every one agrees to the stored rounding, 1 otherwise. Each record is replayed
    under the numerics it was made under (``--numerics``: or as given): a process whose
    numerics differ re-runs this command in a child process with the right environment."""

    from ser_utils.experiments import record_data  # noqa: PLC0415 - heavy (the experiments), only for replay

    paths = [p for given in args.records for p in replay.records_in(given)]
    loaded = [(p, RunRecord.load(p)) for p in paths]
    wanted = {p: (replay.setting_of(r) if args.numerics == "record" else
                  numerics.NAME if args.numerics == "pinned" else numerics.NATIVE) for p, r in loaded}
    here = numerics.state()["numerics"]
    status, results = 0, []
    for setting in sorted(set(wanted.values()) - {here}):  # records that need other numerics: a child process
        group = [str(p) for p in paths if wanted[p] == setting]
        cmd = [sys.executable, "-m", "ser_utils", "replay", *group, "--epochs", str(args.epochs), "--numerics",
               "pinned" if setting == numerics.NAME else "native"] + (["--root", args.root] if args.root else []) \
            + (["--cache", args.cache] if args.cache else [])
        if os.environ.get("SER_REPLAY_CHILD"):
            print(f"error: could not put this process under {setting} numerics (it runs under {here})",
                  file=sys.stderr)
            return 2
        env = {**numerics.environment(setting), "SER_REPLAY_CHILD": "1"}
        if args.json:
            child = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True)
            if child.returncode not in (0, 1):
                sys.stderr.write(child.stderr)
                return child.returncode
            results += json.loads(child.stdout)["replays"]
        else:
            child = subprocess.run(cmd, env=env)
            if child.returncode not in (0, 1):
                return child.returncode
        status = max(status, child.returncode)
    datasets = {}
    for path, record in loaded:
        if wanted[path] != here:
            continue
        feature_set = record.spec.get("feature_set", "mfcc+chroma")
        if feature_set not in datasets:
            reader, root = _reader_root(args)
            data = load_dataset(root, feature_set, progress=not args.json, corpus=reader, cache_root=args.cache)
            datasets[feature_set] = (data, _folds_for(data))
        data, folds = datasets[feature_set]
        try:
            built, built_folds = record_data.data_for(record, data, folds, runs_dir=Path(path).parent.parent,
                                                      cache_root=args.cache)
            result = replay.replay(record, built, built_folds, epochs=args.epochs)
        except replay.Unreplayable as exc:  # named, counted as not agreeing, and the others still replayed
            result = {"record": f"{record.key}/run{record.run:02d}-fold{record.fold}", "label": record.label,
                      "agree": False, "unreplayable": str(exc)}
        result["path"] = str(path)
        results.append(result)
        status = max(status, 0 if result["agree"] else 1)
        if not args.json:
            text = (replay.describe(result) if "unreplayable" not in result else
                    f"{result['record']}  {result['label']}\nCANNOT BE REPLAYED HERE: {result['unreplayable']}")
            print(f"{path}\n{text}\n", flush=True)
    if args.json:
        print(json.dumps({"replays": results, "agree": all(r["agree"] for r in results)}, indent=2))
    elif len(results) > 1:
        stuck = [r for r in results if "unreplayable" in r]
        print(f"{len(results)} records replayed here; {sum(r['agree'] for r in results)} agree"
              + (f"; {len(stuck)} could not be replayed: {', '.join(r['record'] for r in stuck)}" if stuck else ""))
    return status


def cmd_tuned(args) -> int:
    """Print the ``tuned`` block: each family's validation-chosen hyperparameters from
    a profile's 100-epoch studies (what ``profiles/quick.yaml`` quotes)."""
    from ser_utils.experiments import tuned_setting  # noqa: PLC0415 - heavy: optuna, only when tuning

    load_profile(args.profile)  # unknown profile, bad YAML: named as such, not blamed on optuna.db
    db = results_dir() / args.profile / "optuna.db"
    if db.exists():
        _check_storage(f"sqlite:///{db}", write=False)
    setting = (tuned_setting.nested_from_profile(args.profile) if args.nested
               else tuned_setting.from_profile(args.profile))
    if not setting:
        print(f"error: results/{args.profile}/optuna.db holds no complete trial of the studies in "
              f"profiles/{args.profile}.yaml's 07_fidelity section (the 100-epoch studies are the full profile's: "
              "`python -m ser_utils tuned --profile full`, computed by `make fidelity PROFILE=full`)", file=sys.stderr)
        return 2
    if args.nested:
        _emit(args, {"nested": setting}, yaml.safe_dump({"nested": setting}, sort_keys=False, width=200).rstrip())
        return 0
    _emit(args, {"tuned": setting}, tuned_setting.to_yaml(setting).rstrip())
    return 0


def cmd_predict(args) -> int:
    """Top emotion and the 8 probabilities of each file (``--stream``: the running
    predictions). One entry per input, in order; a file that fails gets
    ``{"file", "error"}`` and the others are still predicted; exit 1 if any failed."""
    predictor = Predictor(args.model or (default_model(stream=True) if args.stream else None))
    if args.stream:
        try:
            streamable(predictor)
        except ValueError as exc:
            print(f"error: {predictor.path}: {exc}", file=sys.stderr)
            return 2

    # each file in a child process: a crash inside native code (a resampler's SIGSEGV) costs that file only
    results = list(isolated(lambda f: _predict_one(predictor, f, args), args.files,
                            lambda f, why: {"file": f, "error": f"{f}: {why} while it was analysed"}))
    failed = sum(isinstance(r, dict) and "error" in r for r in results)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            if isinstance(r, dict) and "error" in r:
                print(f"error: {r['error']}", file=sys.stderr)
            elif args.stream:
                _print_stream(r)
            else:
                probs = "  ".join(f"{k} {v:.2f}" for k, v in r["probabilities"].items())
                print(f"{r['file']}: {r['emotion']}  ({probs})" + (f"\n  warning: {r['warning']}" if "warning" in r
                                                                    else ""))
    return 1 if failed else 0


def _predict_one(predictor, path: str, args):
    """One file's answer, or ``{"file", "error"}``: a bad file never costs the others."""
    try:
        return predictor.stream(path, args.chunk) if args.stream else predictor.predict(path)
    except AudioError as exc:
        return {"file": path, "error": str(exc)}
    except Exception as exc:  # anything else about this file: name it, go on with the rest
        return {"file": path, "error": f"{path}: {type(exc).__name__}: {exc}"}


def _print_stream(steps) -> None:
    print(steps[0]["file"])
    for r in steps:
        top = r["probabilities"][r["emotion"]]
        note = " (final: whole file" + (", replayed)" if r["replayed"] else ")") if r["final"] else ""
        print(f"  {r['seconds']:6.2f} s  {r['frames']:4d} frames  {r['emotion']:9s} {top:.2f}{note}")
    if "warning" in steps[-1]:
        print(f"  warning: {steps[-1]['warning']}")


def cmd_bench_predict(args) -> int:
    """Median time to predict one file on one CPU thread."""
    predictor = Predictor(args.model)
    if args.file:
        path = args.file
    else:
        files = list(audio_files(_corpus_root(args)))
        path = files[closest_duration(files, 3.7)]
    result = bench(predictor, path, args.repeats)
    stages = ", ".join(f"{k} {v} ms" for k, v in result["stages_ms"].items())
    _emit(args, result, f"{result['file']} ({result['seconds_of_audio']} s): median {result['median_ms']} ms, "
                        f"min {result['min_ms']} ms over {result['repeats']} runs (1 thread, features included)\n"
                        f"  stages (medians): {stages}")
    return 0


def cmd_bench_stream(args) -> int:
    """Wall time and peak memory of streaming long recordings."""
    if args.file:
        source = args.file
    else:
        files = list(audio_files(_corpus_root(args)))
        source = files[closest_duration(files, 3.7)]
    rows = bench_stream(source, args.minutes, args.model, args.chunk)
    lines = [f"{r['minutes']:4g} min ({r['frames']} frames, {r['steps']} steps of {r['chunk_seconds']} s): "
             f"{r['wall_seconds']:7.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB "
             f"({r['rss_after_loading_mb']:.0f} MB after loading){' replayed' if r['replayed'] else ''}"
             for r in rows]
    _emit(args, {"source": str(source), "rows": rows}, f"{source} repeated, one thread:\n" + "\n".join(lines))
    return 0


def _computation(value: str) -> str:
    try:
        return canonical_computation(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ser_utils", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text, root=True):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        if root:
            p.add_argument("--root", help="corpus folder (default: $RAVDESS_DIR, then data/raw/ravdess)")
        p.set_defaults(func=func)
        return p

    def scheduler_option(p):
        p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="train on this Dask scheduler's workers, the records written here "
                            "(default: $DASK_SCHEDULER; neither: local processes)")

    def corpus_option(p):
        p.add_argument("--corpus", default=None,
                       help="ravdess (default), emodb, cremad, tess, savee, or a manifest PATH.csv "
                            "(columns path,label,speaker[,gender]); --root is then that corpus' folder")

    p = add("verify", cmd_verify, "check a corpus: RAVDESS 24 actors x 60 files, another by its naming "
                                  "convention; readable non-empty audio")
    corpus_option(p)
    p = add("data", cmd_data, "locate or download RAVDESS, link it as data/raw/ravdess, verify it")
    p.add_argument("--no-download", action="store_true", help="fail instead of downloading")
    p = add("synth", cmd_synth, "write a synthetic corpus in RAVDESS layout", root=False)
    p.add_argument("out_dir")
    p.add_argument("--speakers", "--actors", type=positive_int, default=8,
                   help="speakers (RAVDESS actors) 1..N (default 8, the fewest that `cv` can fold: 4 leave no "
                        "training speaker); --actors is the old name")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-rate", type=positive_int, default=16000)
    p.add_argument("--format", choices=["wav", "flac"], default="wav")
    for name, func, text in [("features", cmd_features, "extract and cache MFCC-34 + chroma-12 features"),
                             ("bench-features", cmd_bench_features, "time feature extraction cold and cached")]:
        p = add(name, func, text)
        p.add_argument("--jobs", type=positive_int, default=None, help="worker processes (default: all cores)")
        if name == "features":
            p.add_argument("--cache", default=None, type=folder, help="cache folder (default data/interim/features)")
            corpus_option(p)
    add("params", cmd_params, "parameter counts of the paper-001 and paper-000 models", root=False)
    p = add("cv", cmd_cv, "cross-validate one model spec (reference folds on RAVDESS)")
    p.description = "Options left out take ModelConfig's, TrainConfig's and Spec's defaults."
    p.add_argument("--model", choices=["lstm_baseline", "lstm_sa", "reslstm_sa"])
    p.add_argument("--hidden", type=positive_int)
    p.add_argument("--layers", type=positive_int)
    p.add_argument("--pooling", choices=["last", "concat"])
    p.add_argument("--heads", type=positive_int)
    p.add_argument("--dropout", type=fraction)
    p.add_argument("--lr", type=positive_float)
    p.add_argument("--weight-decay", type=non_negative_float)
    p.add_argument("--batch-size", type=positive_int)
    p.add_argument("--t0", type=positive_int)
    p.add_argument("--epochs", type=positive_int)
    p.add_argument("--protocol", choices=["clean", "paper"])
    p.add_argument("--computation", type=_computation,
                   help="masked (default), reference (paper 000's authors' computation) or its parts joined "
                        "by '+': unmasked, authors_init, random_order, eval_batches")
    p.add_argument("--seeding", choices=list(SEEDINGS),
                   help="distinct (default: a seed per run and fold) or reference (the authors' 42 + 100 * fold)")
    p.add_argument("--runs", type=positive_int, default=1)
    p.add_argument("--jobs", type=positive_int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--runs-dir", default=None, type=folder, help="run records (default results/runs)")
    scheduler_option(p)
    corpus_option(p)
    p = add("bench-train", cmd_bench_train, "seconds per epoch: padded+masked batches vs a packed-sequence loop")
    p.add_argument("--epochs", type=positive_int, default=3)
    p.add_argument("--threads", type=positive_int, default=1)
    p = add("tune", cmd_tune, "run or join the Optuna studies of a profile's notebook 04", root=False)
    p.add_argument("--profile", default="quick")
    p.add_argument("--workers", type=positive_int, default=None, help="local worker processes (default: one per core)")
    p.add_argument("--storage", default=None,
                   help="Optuna RDB URL (default: $OPTUNA_STORAGE, else sqlite:///results/<profile>/optuna.db)")
    p.add_argument("--corpus", default=None,
                   help="the profile's corpus instead: ravdess, synthetic, NAME (emodb, cremad, tess, savee; "
                        "$NAME_DIR or data/raw/NAME), NAME:DIR, or a manifest PATH.csv")
    p.add_argument("--out-dir", default=None, help="default: results/<profile>")
    scheduler_option(p)
    p = add("fidelity", cmd_fidelity, "compute notebook 07's fidelity ladder and studies (resumable)", root=False)
    p.add_argument("--profile", default="full")
    p.add_argument("--stage", default="all", choices=["first", "studies", "all"],
                   help="first: the rungs that need no study; studies: + the 100-epoch studies; all: + every rung")
    p.add_argument("--workers", type=positive_int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--out-dir", default=None, help="default: results/<profile>")
    scheduler_option(p)
    p = add("numerics", cmd_numerics, "the floating-point code paths in force (pinned or native) and, with "
                                      "--probe, which operations round differently per instruction set", root=False)
    p.add_argument("--probe", action="store_true", help="run each operation under each library's ISA cap")
    p.add_argument("--spread", default=None, metavar="RECORD", type=existing_file,
                   help="retrain this record's (run, fold) in full under each numerics variant (a 'machine' "
                        "each), into results/PROFILE/numerics_spread")
    p.add_argument("--profile", default="quick")
    p.add_argument("--root", default=None, help="corpus folder (default: $RAVDESS_DIR, then data/raw/ravdess)")
    p.add_argument("--env", action="store_true", help="print the export lines that pin a process started by hand "
                                                  "(eval \"$(python -m ser_utils numerics --env)\"; dask worker)")
    p = add("replay", cmd_replay, "retrain the first epochs of stored run records and compare their histories "
                                  "(exit 0: all agree to the stored rounding; 1: some differ, with why)")
    p.add_argument("records", nargs="+", help="run record files, experiment folders (their first record) or "
                                              "runs folders (the first record of each experiment)")
    p.add_argument("--epochs", type=positive_int, default=2, help="epochs to replay (default 2)")
    p.add_argument("--numerics", choices=["record", "pinned", "native"], default="record",
                   help="replay under the record's numerics (default), the pinned ones or the native ones")
    p.add_argument("--cache", default=None, type=folder, help="feature cache folder (default data/interim/features)")
    p = add("tuned", cmd_tuned, "print the hyperparameters the 100-epoch studies chose on validation, per model "
                                "family, as the profile's `tuned` block", root=False)
    p.add_argument("--profile", default="full")
    p.add_argument("--nested", action="store_true",
                   help="the nested choice instead: per test fold, chosen by the validation folds outside it")
    p = add("predict", cmd_predict, "emotion of audio files (wav/flac/ogg, any rate and channels)", root=False)
    p.add_argument("files", nargs="+")
    p.add_argument("--model", default=None, type=existing_file,
                   help="checkpoint (default: results/quick/models/reslstm_sa_h64_clean.pt, from notebook 03)")
    p.add_argument("--stream", action="store_true",
                   help="feed each file in chunks, LSTM state carried; print the running prediction")
    p.add_argument("--chunk", type=positive_float, default=0.5,
                   help="chunk length in seconds for --stream (> 0; default 0.5)")
    p = add("evaluate", cmd_evaluate, "a checkpoint tried on a corpus: UAR, WA, per-class recall, confusion "
                                      "on the shared classes")
    corpus_option(p)
    p.add_argument("--model", default=None, type=existing_file,
                   help="checkpoint (default: results/quick/models/reslstm_sa_h64_clean.pt, from notebook 03)")
    p.add_argument("--jobs", type=positive_int, default=None, help="feature worker processes (default: all cores)")
    p.add_argument("--cache", default=None, type=folder, help="feature cache folder (default data/interim/features)")
    p.add_argument("--files", action="store_true", help="with --json: every scored file and its prediction")
    p = add("bench-predict", cmd_bench_predict, "median ms to predict one file on one CPU thread")
    p.add_argument("--model", default=None, type=existing_file)
    p.add_argument("--file", default=None, type=existing_file, help="default: the corpus file closest to 3.7 s")
    p.add_argument("--repeats", type=positive_int, default=30)
    p = add("bench-stream", cmd_bench_stream, "time and peak memory of predict --stream on long recordings")
    p.add_argument("--model", default=None, type=existing_file)
    p.add_argument("--file", default=None, type=existing_file,
                   help="utterance to repeat (default: the corpus file closest to 3.7 s)")
    p.add_argument("--minutes", type=positive_float, nargs="+", default=[10, 60])
    p.add_argument("--chunk", type=positive_float, default=0.5)
    return parser


def main(argv=None) -> int:
    """Run a subcommand; a user's mistake (bad corpus, audio, profile, checkpoint)
    prints ``error: ...`` and exits 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CorpusError, AudioError, DownloadError, ProfileError, CheckpointError, StorageError,
            StorageProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (farm.SchedulerError, farm.WorkerMismatch) as exc:  # the Dask cluster of --scheduler
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # full disk, read-only folder, a file where a folder should be: one line
        if exc.errno not in WRITE_ERRNOS:
            raise
        print(f"error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a run record written by a newer version of the code (records.read_record)
        if "newer than this code" not in str(exc):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
