"""``python -m ser_utils``: corpus, synthetic data and features from the shell.

Each subcommand prints a readable summary, or with ``--json`` one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _emit(args, payload: dict, text: str) -> None:
    print(json.dumps(payload, indent=2) if args.json else text)


def _corpus_root(args) -> Path:
    from ser_utils.download import get_corpus

    return get_corpus(args.root, download=False)


def cmd_verify(args) -> int:
    from ser_utils.verify import verify_corpus

    report = verify_corpus(_corpus_root(args), progress=not args.json)
    _emit(args, report.to_dict(), report.summary())
    return 0 if report.ok else 1


def cmd_data(args) -> int:
    """Locate (or download) RAVDESS, link it as data/raw/ravdess, verify it."""
    from ser_utils.download import default_location, get_corpus, link_corpus
    from ser_utils.verify import verify_corpus

    root = get_corpus(args.root, download=not args.no_download)
    if root.resolve() != default_location().resolve():
        link = link_corpus(root)
        print(f"{link} -> {root.resolve()}", file=sys.stderr)
    report = verify_corpus(root, progress=not args.json)
    _emit(args, report.to_dict(), report.summary())
    return 0 if report.ok else 1


def cmd_synth(args) -> int:
    from ser_utils.synth import make_corpus

    start = time.perf_counter()
    actors = list(range(1, args.actors + 1))
    out = make_corpus(args.out_dir, actors=actors, seed=args.seed, sample_rate=args.sample_rate, fmt=args.format)
    files = sum(1 for _ in out.glob(f"Actor_*/*.{args.format}"))
    payload = {"out_dir": str(out), "actors": actors, "files": files, "seed": args.seed,
               "sample_rate": args.sample_rate, "seconds": round(time.perf_counter() - start, 2)}
    _emit(args, payload, f"wrote {files} synthetic files for {len(actors)} actors to {out} "
                         f"in {payload['seconds']} s")
    return 0


def _features_summary(root: Path, cache_root, n_jobs, progress: bool) -> dict:
    from ser_utils.corpus import index_corpus
    from ser_utils.features import FeatureCache, FeatureConfig, load_features

    config = FeatureConfig()
    index = index_corpus(root)
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
    s = _features_summary(_corpus_root(args), args.cache, args.jobs, progress=not args.json)
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

    add("verify", cmd_verify, "check a corpus: 24 actors x 60 files, readable non-empty audio")
    p = add("data", cmd_data, "locate or download RAVDESS, link it as data/raw/ravdess, verify it")
    p.add_argument("--no-download", action="store_true", help="fail instead of downloading")
    p = add("synth", cmd_synth, "write a synthetic corpus in RAVDESS layout", root=False)
    p.add_argument("out_dir")
    p.add_argument("--actors", type=int, default=4, help="actors 1..N (default 4)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-rate", type=int, default=16000)
    p.add_argument("--format", choices=["wav", "flac"], default="wav")
    for name, func, text in [("features", cmd_features, "extract and cache MFCC-34 + chroma-12 features"),
                             ("bench-features", cmd_bench_features, "time feature extraction cold and cached")]:
        p = add(name, func, text)
        p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
        if name == "features":
            p.add_argument("--cache", default=None, help="cache folder (default data/interim/features)")
    return parser


def main(argv=None) -> int:
    from ser_utils.audio import AudioError
    from ser_utils.corpus import CorpusError
    from ser_utils.download import DownloadError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CorpusError, AudioError, DownloadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
