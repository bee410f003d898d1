"""Run the numbered notebooks with papermill, in order, for one profile.

``python -m ser_utils.pipeline --profile quick`` executes ``notebooks/NN_*.ipynb``
into ``results/<profile>/notebooks/`` (plus HTML), each only when its inputs
changed: the notebook, the ``ser_utils`` code, its parameters, the corpus and
the upstream notebooks it reads. A stamp beside each executed notebook records
the hash of those inputs and the wall time. A failing notebook stops the run
(exit 1) with the failing cell's error; its partial output is kept as
``NN_name.failed.ipynb``, never under the final name.

A run of every notebook that starts cold (no run record and no Optuna study in the
profile's results) writes what it measured to ``cold_run.json``: each notebook's
seconds and the total minutes, the figure the README and the profile quote.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
import yaml

from ser_utils import numerics
from ser_utils.data import corpus_registry
from ser_utils.data.audio import AudioError
from ser_utils.data.corpus import CorpusError, audio_files
from ser_utils.data.download import DownloadError, find_corpus
from ser_utils.data.project_data import resolve
from ser_utils.data.verify import require_complete
from ser_utils.paths import atomic_path, project_dir, results_dir
from ser_utils.profiles import ProfileError, check_profile, read_yaml
from ser_utils.training import farm

# Notebooks whose results another notebook reads (only those that exist count).
UPSTREAM = {
    "09_what_helps": ["03_lstm_sa_vs_reslstm_sa", "06_sota_comparison"],
    "05_embeddings": ["03_lstm_sa_vs_reslstm_sa"],
    "06_sota_comparison": ["03_lstm_sa_vs_reslstm_sa"],
}


def notebook_names() -> list[str]:
    return sorted(p.stem for p in (project_dir() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load_profile(profile: str) -> dict:
    """A profile's parameters, checked against the notebooks' parameter cells
    (``ProfileError`` naming the file and key otherwise)."""
    path = project_dir() / "profiles" / f"{profile}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise ProfileError(f"unknown profile {profile!r}: {path} not found (profiles: {', '.join(known)})")
    conf = read_yaml(path)
    notebooks = {n: project_dir() / "notebooks" / f"{n}.ipynb" for n in notebook_names()}
    return check_profile(conf, path, notebooks)


def select(names: list[str], only) -> list[str]:
    """The notebooks ``--only`` names (numbers like ``03`` or full names); an unknown
    one is an error listing the known."""
    if not only:
        return names
    unknown = [o for o in only if not any(o == n or o == n[:2] for n in names)]
    if unknown:
        raise ProfileError(f"--only: unknown notebook(s) {', '.join(unknown)} (known: {', '.join(names)})")
    return [n for n in names if n in only or n[:2] in only]


def check_corpora(profile: str, names: list[str], out_dir: Path) -> None:
    """Before any notebook runs: the corpus each one uses matches the protocol
    (``verify.require_complete``; the synthetic corpus is generated if absent)."""
    seen = set()
    for name in names:
        params = parameters(profile, name, out_dir)
        keys = [(params.get("corpus", "synthetic"), params.get("synthetic_speakers", 8))]
        if params.get("second_corpus"):  # 08_cross_corpus: the corpus the model is tried on
            keys.append((params["second_corpus"], params.get("synthetic_speakers", 8)))
        for key in keys:
            if key not in seen:
                seen.add(key)
                reader, root = resolve(*key)
                require_complete(root, corpus=reader)


def parameters(profile: str, name: str, out_dir: Path) -> dict:
    """The profile's common and per-notebook parameters, plus ``profile`` and
    ``out_dir`` (relative to the project when inside it, so a clone elsewhere
    hashes the same)."""
    conf = load_profile(profile)
    params = {**(conf.get("common") or {}), **(conf.get(name) or {})}
    try:
        shown = str(Path(out_dir).resolve().relative_to(project_dir()))
    except ValueError:
        shown = str(Path(out_dir).resolve())
    params.update(profile=profile, out_dir=shown)
    return params


def corpus_fingerprint(params: dict) -> str:
    """Names and sizes of the corpus files (cheap; contents are hashed by the feature cache);
    with a ``second_corpus`` (08_cross_corpus), its files too."""
    corpus = params.get("corpus", "synthetic")
    second = params.get("second_corpus")
    if second:
        return _files_fingerprint(second, params) + ":" + corpus_fingerprint({**params, "second_corpus": ""})
    if corpus == "synthetic":
        return f"synthetic:{params.get('synthetic_speakers')}"
    if corpus != "ravdess" and (corpus.startswith("synthetic-") or corpus.lower().endswith(".csv")
                                or corpus.partition(":")[0].lower() in ("emodb", "cremad", "tess", "savee")):
        return _files_fingerprint(corpus, params)
    root = find_corpus(None if corpus == "ravdess" else corpus)
    if root is None:
        raise SystemExit("no RAVDESS copy found: run `make data RAVDESS_DIR=/path/to/ravdess` (or `make data` "
                         "to download it), or use PROFILE=smoke for the synthetic corpus")
    h = hashlib.sha1()
    for p in audio_files(root):
        h.update(f"{p.parent.name}/{p.name}:{p.stat().st_size};".encode())
    return h.hexdigest()


def _files_fingerprint(corpus: str, params: dict) -> str:
    """Names and sizes of the files of a corpus other than RAVDESS (a synthetic one: its name)."""
    if corpus.startswith("synthetic"):
        return corpus
    reader, root = resolve(corpus, params.get("synthetic_speakers", 8))
    paths = (corpus_registry.index(reader, root)["path"] if reader.manifest is not None
             else corpus_registry.files_under(root))
    h = hashlib.sha1()
    for p in map(Path, paths):
        h.update(f"{p.relative_to(root) if p.is_relative_to(root) else p}:{p.stat().st_size};".encode())
    return h.hexdigest()


def input_hash(name: str, params: dict, out_dir: Path) -> str:
    root = project_dir()
    h = hashlib.sha1()
    h.update((root / "notebooks" / f"{name}.ipynb").read_bytes())
    for path in sorted((root / "ser_utils").rglob("*.py")):  # every module, subpackages included
        h.update(path.relative_to(root / "ser_utils").as_posix().encode() + path.read_bytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(corpus_fingerprint(params).encode())
    if params.get("compute") is False:  # a read-only view of records (07): they are its input
        src = project_dir() / params["source"] if params.get("source") else Path(out_dir)
        for path in sorted((src / "runs").glob("*/run*.json")):
            h.update(str(path.relative_to(src)).encode())
        if (src / "optuna.db").exists():
            h.update((src / "optuna.db").read_bytes())
    # the upstream notebooks' results it reads: this profile's, else another's it borrows (09's pareto_from)
    borrowed = [root / params["pareto_from"]] if params.get("pareto_from") else []
    for up in UPSTREAM.get(name, []):
        stamp = next((s for s in (r / "notebooks" / f"{up}.stamp.json" for r in [Path(out_dir), *borrowed])
                      if s.exists()), None)
        if stamp is not None:
            h.update(json.loads(stamp.read_text())["inputs"].encode())
    return h.hexdigest()


def export_html(notebook: Path) -> Path:
    from nbconvert import HTMLExporter  # noqa: PLC0415 - heavy: nbconvert, one use

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target = notebook.with_suffix(".html")
    with atomic_path(target, suffix=".html") as tmp:
        tmp.write_text(body, encoding="utf-8")
    return target


def is_cold(out_dir: Path) -> bool:
    """No run record and no Optuna study yet: everything will be computed."""
    out_dir = Path(out_dir)
    return not (out_dir / "optuna.db").exists() and not any((out_dir / "runs").glob("*/run*-fold*.json"))


def profile_digest(profile: str) -> str:
    """SHA-256 of a profile's parsed contents (comments and layout do not count): what a
    cold-run figure was measured with."""
    conf = yaml.safe_load((project_dir() / "profiles" / f"{profile}.yaml").read_text())
    return hashlib.sha256(json.dumps(conf, sort_keys=True, default=str).encode()).hexdigest()


def write_cold_run(out_dir: Path, profile: str, infos: list[dict]) -> dict:
    """``cold_run.json``: ``{notebook: seconds, ..., "total_minutes": N}`` plus where it
    ran and the profile's digest (``profile_digest``)."""
    record = {i["notebook"]: i["seconds"] for i in infos}
    record["total_minutes"] = round(sum(i["seconds"] for i in infos) / 60, 1)

    record["machine"] = {"cores": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                         "cpu": numerics.cpu_model(), "numerics": numerics.requested(),
                         "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                         "profile": profile, "finished": infos[-1]["finished"] if infos else None}
    record["profile_sha256"] = profile_digest(profile)
    with atomic_path(Path(out_dir) / "cold_run.json") as tmp:
        tmp.write_text(json.dumps(record, indent=2) + "\n")
    return record


def copy_glossary(out_dir: Path) -> Path:
    """``notebooks/GLOSSARY.md`` copied beside the executed notebooks, so that their
    ``GLOSSARY.md#term`` links resolve in ``<out_dir>/notebooks`` as in ``notebooks/``."""
    source = project_dir() / "notebooks" / "GLOSSARY.md"
    target = Path(out_dir) / "notebooks" / "GLOSSARY.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, suffix=".md") as tmp:
        tmp.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def run_notebook(name: str, profile: str, out_dir: Path, force: bool = False) -> dict:
    import papermill as pm  # noqa: PLC0415 - heavy: papermill, one use

    params = parameters(profile, name, out_dir)
    folder = out_dir / "notebooks"
    target, stamp = folder / f"{name}.ipynb", folder / f"{name}.stamp.json"
    digest = input_hash(name, params, out_dir)
    if not force and target.exists() and stamp.exists() and json.loads(stamp.read_text())["inputs"] == digest:
        print(f"[{profile}] {name}: up to date", flush=True)
        return {**json.loads(stamp.read_text()), "reused": True}
    print(f"[{profile}] {name}: running", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    failed = folder / f"{name}.failed.ipynb"
    start = time.perf_counter()
    try:
        with atomic_path(target, suffix=".ipynb") as tmp:
            try:
                pm.execute_notebook(str(project_dir() / "notebooks" / f"{name}.ipynb"), str(tmp),
                                    parameters=params, kernel_name="python3", cwd=str(project_dir()),
                                    progress_bar=False, log_output=True, stdout_file=sys.stdout,
                                    stderr_file=sys.stderr)
            except BaseException:
                if tmp.exists():
                    tmp.replace(failed)
                    failed.chmod(0o644)  # readable by the group, like every other output
                raise
    except pm.PapermillExecutionError as exc:
        if exc.ename == "KeyboardInterrupt":
            raise KeyboardInterrupt from None
        print(f"\n[{profile}] {name} FAILED in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
              f"{''.join(exc.traceback[-3:]) if exc.traceback else ''}\n(partial output: {failed})", file=sys.stderr)
        raise SystemExit(1) from None
    failed.unlink(missing_ok=True)
    export_html(target)
    info = {"notebook": name, "profile": profile, "inputs": digest,
            "seconds": round(time.perf_counter() - start, 1), "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
    with atomic_path(stamp) as tmp:
        tmp.write_text(json.dumps(info, indent=2))
    print(f"[{profile}] {name}: done in {info['seconds']} s", flush=True)
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ser_utils.pipeline", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--out-dir", default=None, help="default: results/<profile>")
    parser.add_argument("--only", nargs="*", default=None, help="notebook numbers or names (default: all)")
    parser.add_argument("--force", action="store_true", help="run even when up to date")
    args = parser.parse_args(argv)
    out_dir = Path(args.out_dir).resolve() if args.out_dir else results_dir() / args.profile
    from ser_utils.training.tuning import sqlite_state  # noqa: PLC0415 - heavy: optuna, only when tuning

    try:
        names = select(notebook_names(), args.only)
        load_profile(args.profile)
        damaged = sqlite_state(f"sqlite:///{out_dir / 'optuna.db'}", write=False)
        if damaged and damaged != "locked":  # never "up to date" on a damaged study
            raise ProfileError(damaged)
        check_corpora(args.profile, names, out_dir)
        farm.check()  # $DASK_SCHEDULER (make reproduce SCHEDULER=...): reachable before any notebook runs
    except (ProfileError, CorpusError, AudioError, DownloadError, farm.SchedulerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cold = names == notebook_names() and is_cold(out_dir)
    total = time.perf_counter()
    copy_glossary(out_dir)
    try:
        infos = [run_notebook(name, args.profile, out_dir, force=args.force) for name in names]
    except KeyboardInterrupt:  # Ctrl-C: one line, not pages of coloured traceback
        print(f"\n[{args.profile}] interrupted; finished notebooks are kept (run again to go on)", file=sys.stderr)
        return 130
    print(f"[{args.profile}] {len(names)} notebook(s) in {time.perf_counter() - total:.0f} s -> {out_dir}")
    if cold and not any(i.get("reused") for i in infos):
        record = write_cold_run(out_dir, args.profile, infos)
        print(f"[{args.profile}] cold run: {record['total_minutes']} min -> {out_dir / 'cold_run.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
