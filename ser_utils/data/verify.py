"""Checks that a corpus is complete and readable: RAVDESS against its grid, any other
corpus (``corpus_registry.py``) against its naming convention.

Errors: missing, extra, misnamed, unreadable, truncated or empty files, unreadable
folders, and byte-identical takes other than the known pair (each named).
Warnings: the corpus' known quirks — stereo files and the one known pair of
byte-identical takes (see Livingstone & Russo 2018 and ``../shared/data/README.md``).
``require_complete`` is the fast check (no decoding) that every training command
runs first.

Other corpora: errors are names that break the corpus' convention, unreadable, empty
or truncated files, the same utterance twice (one stem, two files), fewer than two
speakers, and a synthetic corpus that lacks files its marker counts; warnings are a
file count other than the published corpus', stereo files and identical audio.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ser_utils.data import corpus_registry
from ser_utils.data.audio import AudioError, read_audio
from ser_utils.data.corpus import N_SPEAKERS, CorpusError, expected_stems, index_corpus, parse_name
from ser_utils.progress import tqdm  # drawn on the terminal, never in a notebook

SYNTH_MARKER = "SYNTHETIC.json"


@dataclass
class Report:
    root: str
    synthetic: bool
    files: int = 0
    actors: int = 0          # RAVDESS's Actor_NN count, kept in ``--json`` output; the same as ``speakers``
    per_emotion: dict = field(default_factory=dict)
    stereo: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    durations: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    corpus: str = corpus_registry.RAVDESS
    speakers: int = 0
    per_label: dict = field(default_factory=dict)
    per_speaker: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    def summary(self) -> str:
        kind = ("synthetic " if self.synthetic else "") + ("corpus" if self.corpus == corpus_registry.RAVDESS
                                                              else f"{self.corpus} corpus")
        lines = [f"{kind} {self.root}: {self.files} files, {self.actors} actors"
                 if self.corpus == corpus_registry.RAVDESS
                 else f"{kind} {self.root}: {self.files} files, {self.speakers} speakers"]
        if self.durations:
            d = self.durations
            lines.append(f"  durations {d['min']:.2f}-{d['max']:.2f} s (median {d['median']:.2f} s, "
                         f"{d['total_hours']:.2f} h in all)")
        lines.append("  per emotion: " + ", ".join(f"{k} {v}" for k, v in self.per_emotion.items()))
        if self.corpus != corpus_registry.RAVDESS:
            lines.append("  per speaker: " + ", ".join(f"{k} {v}" for k, v in self.per_speaker.items()))
        for warning in self.warnings:
            lines.append(f"  warning: {warning}")
        for path in self.stereo:
            lines.append(f"  warning: stereo file {path}")
        for a, b in self.duplicates:
            lines.append(f"  warning: identical audio {a} == {b}")
        for err in self.errors:
            lines.append(f"  ERROR: {err}")
        lines.append("  OK" if self.ok else f"  NOT OK: {len(self.errors)} error(s)")
        return "\n".join(lines)


def synthetic_info(root: str | Path) -> dict | None:
    """The marker a synthetic corpus carries (``SYNTHETIC.json``), or None."""
    marker = Path(root) / SYNTH_MARKER
    return json.loads(marker.read_text()) if marker.exists() else None


def expected_speakers(root: str | Path) -> list[int]:
    info = synthetic_info(root)
    return list(info["actors"]) if info else list(range(1, N_SPEAKERS + 1))


def expected_grid(speakers, info: dict | None = None) -> list[str]:
    """Expected file stems: the RAVDESS grid, or the subset a synthetic corpus
    was generated with (its marker names the emotions, statements, repetitions)."""
    stems = expected_stems(speakers)
    if not info:
        return stems
    emotions = set(info.get("emotions", range(1, 9)))
    statements = set(info.get("statements", (1, 2)))
    repetitions = set(info.get("repetitions", (1, 2)))
    kept = []
    for stem in stems:
        u = parse_name(stem + ".wav")
        if u.emotion in emotions and u.statement in statements and u.repetition in repetitions:
            kept.append(stem)
    return kept


# The one pair of byte-identical takes in RAVDESS (Actor_07, happy, normal, statement 2):
# a known quirk, a warning. Any other identical pair is an error.
KNOWN_DUPLICATES = {("Actor_07/03-01-03-01-02-01-07", "Actor_07/03-01-03-01-02-02-07")}


def check_layout(root: str | Path, speakers: list[int] | None = None, corpus=None) -> Report:
    """The grid check without decoding (fast): unreadable folders, misnamed, extra and
    missing files, missing actors — each named in ``report.errors``. ``corpus``: the
    reader (``corpus_registry.get``; None: RAVDESS)."""
    return _layout(root, speakers, corpus)[0]


def _layout(root, speakers, corpus=None):
    """``check_layout``'s report and the corpus index (None when it cannot be listed)."""
    corpus = corpus_registry.get(corpus)
    if not corpus.is_ravdess:
        return _other_layout(corpus, root)
    root = Path(root)
    info = synthetic_info(root) if root.is_dir() else None
    report = Report(root=str(root), synthetic=info is not None)
    if info and info.get("corpus", corpus_registry.RAVDESS) != corpus_registry.RAVDESS:
        report.errors.append(f"{root}: synthetic corpus in the {info['corpus']} layout, read as ravdess "
                             f"(use --corpus {info['corpus']})")
        return report, None
    try:
        index = index_corpus(root, errors=report.errors)
    except CorpusError as exc:
        report.errors.append(str(exc))
        return report, None
    speakers = list(speakers) if speakers is not None else expected_speakers(root)

    present = Counter(index["stem"])
    for stem, n in sorted(present.items()):
        if n > 1:
            paths = index.loc[index["stem"] == stem, "relpath"].tolist()
            report.errors.append(f"extra file: {stem} appears {n} times ({', '.join(paths)})")
    expected = set(expected_grid(speakers, info))
    folder = (lambda stem: f"Actor_{stem[-2:]}/") if any("/" in p for p in index["relpath"]) else (lambda s: "")
    for speaker in speakers:
        grid = expected_grid([speaker], info)
        missing = [s for s in grid if s not in present]
        if missing and len(missing) == len(grid):
            report.errors.append(f"missing actor {speaker:02d}: no files for Actor_{speaker:02d}")
        else:
            report.errors.extend(f"missing file: {folder(s)}{s}" for s in missing)
    for relpath, stem in zip(index["relpath"], index["stem"]):
        if stem not in expected:
            why = (f"actor {stem[-2:]} is not among the expected actors" if int(stem[-2:]) not in speakers
                   else "outside the grid this synthetic corpus was generated with")
            report.errors.append(f"extra file: {relpath} ({why})")
    _counts(report, index, index["actor"].map(lambda a: f"Actor_{a:02d}"))
    return report, index


def _counts(report: Report, index, speakers) -> None:
    report.files = len(index)
    report.actors = report.speakers = int(index["actor"].nunique())
    report.per_emotion = {str(k): int(v) for k, v in index["emotion"].value_counts(sort=False).items()}
    report.per_label = dict(report.per_emotion)
    report.per_speaker = {str(k): int(v) for k, v in speakers.value_counts().sort_index().items()}


def _marker_root(corpus: corpus_registry.Corpus, root) -> Path:
    return corpus.manifest.parent if corpus.manifest is not None else Path(root)


def _other_layout(corpus: corpus_registry.Corpus, root) -> tuple[Report, object]:
    """``check_layout`` for a corpus other than RAVDESS."""
    shown = corpus.manifest if corpus.manifest is not None else root
    where = _marker_root(corpus, root)
    info = synthetic_info(where) if where.is_dir() else None
    report = Report(root=str(shown), synthetic=info is not None, corpus=corpus.name)
    try:
        index = corpus_registry.index(corpus, root, errors=report.errors)
    except CorpusError as exc:
        report.errors.append(str(exc))
        return report, None
    if index.empty:
        report.errors.append(f"{shown}: no audio files of the {corpus.name} layout found")
        return report, None
    for stem, n in sorted(Counter(index["stem"]).items()):
        if n > 1:
            paths = index.loc[index["stem"] == stem, "relpath"].tolist()
            report.errors.append(f"extra file: {stem} appears {n} times ({', '.join(paths)})")
    ignored = index.attrs.get("ignored", [])
    if ignored:
        report.warnings.append(f"{len(ignored)} file(s) left out: the same utterance in another format is read "
                               f"instead ({', '.join(ignored[:3])}{', ...' if len(ignored) > 3 else ''})")
    if corpus.manifest is not None:
        report.errors.extend(f"missing file: {p} (listed in {corpus.manifest})" for p in index["path"]
                             if not Path(p).exists())
    if index["speaker"].nunique() < 2:
        report.errors.append(f"{shown}: one speaker only ({index['speaker'].iloc[0]}); speaker-independent folds "
                             "need at least 2")
    if info:
        if info.get("corpus", corpus_registry.RAVDESS) != corpus.name.split(":")[0]:
            report.errors.append(f"{where}: synthetic corpus in the {info.get('corpus', 'ravdess')} layout, "
                                 f"read as {corpus.name}")
        elif info.get("files") != len(index):
            report.errors.append(f"{where}: the synthetic corpus' marker counts {info.get('files')} files, "
                                 f"found {len(index)}")
    elif corpus.files and corpus.manifest is None and len(index) != corpus.files:
        report.warnings.append(f"{len(index)} files; the published {corpus.name} corpus has {corpus.files}")
    _counts(report, index, index["speaker"])
    return report, index


def require_complete(root: str | Path, shown: int = 25, corpus=None) -> None:
    """Refuse, before any training, a corpus that does not match the protocol (the
    full grid of every expected actor: RAVDESS 24 x 60, a synthetic corpus what its
    marker lists; another corpus: its naming convention): ``CorpusError`` naming the
    missing actors and files."""
    report = check_layout(root, corpus=corpus)
    if report.ok:
        return
    lines = report.errors[:shown]
    more = len(report.errors) - len(lines)
    raise CorpusError(
        f"{root}: the corpus does not match the protocol, training refused ({len(report.errors)} problem(s)):\n  "
        + "\n  ".join(lines)
        + (f"\n  ... and {more} more (`python -m ser_utils verify{_corpus_arg(corpus)} --root {root}` lists them all)"
           if more else ""))


def _corpus_arg(corpus) -> str:
    corpus = corpus_registry.get(corpus)
    if corpus.is_ravdess:
        return ""
    return f" --corpus {corpus.manifest}" if corpus.manifest is not None else f" --corpus {corpus.name}"


def verify_corpus(root: str | Path, speakers: list[int] | None = None, progress: bool = True, corpus=None) -> Report:
    """Check the full emotion x intensity x statement x repetition grid for each
    expected actor (RAVDESS: 24 x 60; a synthetic corpus: the actors its marker
    lists) and decode every file: unreadable, truncated and empty files are errors,
    and so are byte-identical takes other than RAVDESS's known pair. ``corpus``: another
    corpus' reader (``corpus_registry.get``), checked as the module says."""
    corpus = corpus_registry.get(corpus)
    report, index = _layout(root, speakers, corpus)
    if index is None:
        return report
    hashes: dict[str, str] = {}
    durations = []
    lengths = []
    for path, relpath in tqdm(list(zip(index["path"], index["relpath"])), desc="verify", disable=not progress,
                              unit="file"):
        if corpus.manifest is not None and not Path(path).exists():
            continue  # named by the layout check
        try:
            samples, sr = read_audio(path, dtype="int32", mono=False)
        except AudioError as exc:
            report.errors.append(str(exc))
            continue
        durations.append(samples.shape[0] / sr)
        lengths.append((relpath, samples.shape[0] / sr, sr))
        if samples.shape[1] > 1:
            same = all(np.array_equal(samples[:, 0], samples[:, c]) for c in range(1, samples.shape[1]))
            report.stereo.append(f"{relpath} ({samples.shape[1]} channels{', identical' if same else ''})")
        digest = hashlib.blake2b(np.ascontiguousarray(samples).tobytes(), digest_size=16).hexdigest()
        if digest not in hashes:
            hashes[digest] = relpath
        elif not corpus.is_ravdess:
            report.duplicates.append([hashes[digest], relpath])
            report.warnings.append(f"identical audio: {relpath} is a copy of {hashes[digest]}")
        elif (_stem(hashes[digest]), _stem(relpath)) in KNOWN_DUPLICATES:
            report.duplicates.append([hashes[digest], relpath])
        else:
            report.errors.append(f"identical audio: {relpath} is a byte-identical copy of {hashes[digest]} "
                                 "(not RAVDESS's one known identical pair)")
    report.errors.extend(implausible_lengths(lengths))
    if durations:
        report.durations = {"min": float(np.min(durations)), "median": float(np.median(durations)),
                            "max": float(np.max(durations)), "total_hours": float(np.sum(durations) / 3600)}
    return report


# A corpus file this many times longer than the corpus' median (and over a minute) is
# no utterance: a header that lies about the sample rate (RAVDESS: 2.9 to 5.3 s).
LONG_FACTOR, LONG_SECONDS = 20, 60.0


def implausible_lengths(lengths) -> list[str]:
    """Errors for files far longer than the corpus' median (``[(relpath, seconds, rate)]``)."""
    if not lengths:
        return []
    limit = max(LONG_SECONDS, LONG_FACTOR * float(np.median([s for _, s, _ in lengths])))
    return [f"{relpath}: {seconds:.0f} s at {rate} Hz, far longer than the corpus' utterances (limit {limit:.0f} s): "
            "a header that lies about the sample rate?" for relpath, seconds, rate in lengths if seconds > limit]


def _stem(relpath: str) -> str:
    return relpath.rsplit(".", 1)[0].replace("\\", "/")
