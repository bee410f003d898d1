"""Corpora: one small reader per emotional-speech corpus, each yielding the index
``corpus.index_corpus`` builds for RAVDESS (one row per file: path, relpath, stem,
actor, gender, emotion_id, emotion, intensity, statement, repetition) plus
``speaker``, the corpus' own name for the speaker.

Built in (``CORPORA``), each read by the file-name convention published with it
(``readers.py`` cites the sources):

- ``ravdess`` (default; ``corpus.py``): 24 actors, ``03-01-EE-II-SS-RR-AA``;
- ``emodb`` (Berlin EmoDB): 535 utterances, 10 speakers, ``03a01Fa``;
- ``cremad`` (CREMA-D): 7,442 clips, 91 actors, ``1001_DFA_ANG_XX``;
- ``tess`` (Toronto emotional speech set): 2,800 words, 2 speakers, ``OAF_back_angry``;
- ``savee`` (Surrey audio-visual expressed emotion): 480 sentences, 4 speakers,
  ``DC_a01`` (or ``DC/a01``);

and any corpus described by a CSV manifest (``PATH.csv``: columns ``path,label,speaker``,
optional ``gender``; paths relative to the CSV or absolute). Audio is any format
soundfile reads (wav, flac, ogg, ...): files are found by what libsndfile can decode,
never by assuming one extension.

Labels use one vocabulary (``VOCABULARY``: RAVDESS's eight names plus ``boredom``), so
classes of two corpora can be matched (``labelmap.py``). Speakers become integer
``actor`` codes (their number when every speaker name is one, else their rank in
sorted order from 1), so folds, training and reporting work unchanged.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import soundfile as sf

from ser_utils.data import readers
from ser_utils.data.corpus import EMOTION_NAMES, INDEX_COLUMNS, CorpusError, index_corpus
from ser_utils.paths import raw_dir

VOCABULARY = EMOTION_NAMES + ("boredom",)   # every corpus' labels are names from here (a manifest may add more)
RAVDESS = "ravdess"


def audio_extensions() -> frozenset:
    """File endings of the formats this libsndfile decodes (``soundfile.available_formats``)."""
    return frozenset("." + k.lower() for k in sf.available_formats()) | {".aif", ".oga", ".opus"}


@dataclass(frozen=True)
class Corpus:
    """What a reader needs to know about a corpus."""

    name: str
    title: str
    classes: tuple              # its emotion classes, in VOCABULARY order: the model's outputs
    parse: Callable | None      # (path relative to the root) -> fields (readers.py); None: RAVDESS / manifest
    files: int | None = None    # utterances in the published corpus (None: unknown)
    speakers: dict = field(default_factory=dict)  # published speaker -> gender
    source: str = ""            # where the naming convention is published
    manifest: Path | None = None

    @property
    def is_ravdess(self) -> bool:
        return self.name == RAVDESS


CORPORA = {
    RAVDESS: Corpus(RAVDESS, "RAVDESS speech (Livingstone & Russo 2018)", EMOTION_NAMES, None, 1440,
                    source="Livingstone & Russo 2018, PLoS ONE 13(5):e0196391"),
    "emodb": Corpus("emodb", "Berlin EmoDB (Burkhardt et al. 2005)", readers.EMODB_CLASSES, readers.parse_emodb,
                    535, readers.EMODB_SPEAKERS, readers.EMODB_SOURCE),
    "cremad": Corpus("cremad", "CREMA-D (Cao et al. 2014)", readers.CREMAD_CLASSES, readers.parse_cremad, 7442,
                     source=readers.CREMAD_SOURCE),
    "tess": Corpus("tess", "Toronto emotional speech set (Dupuis & Pichora-Fuller 2010)", readers.TESS_CLASSES,
                   readers.parse_tess, 2800, readers.TESS_SPEAKERS, readers.TESS_SOURCE),
    "savee": Corpus("savee", "SAVEE (Haq & Jackson 2009)", readers.SAVEE_CLASSES, readers.parse_savee, 480,
                    readers.SAVEE_SPEAKERS, readers.SAVEE_SOURCE),
}


def default_root(name: str, root: str | Path | None = None) -> Path:
    """Where a built-in corpus other than RAVDESS is: ``root``, else ``$NAME_DIR``
    (``EMODB_DIR``, ``CREMAD_DIR``, ``TESS_DIR``, ``SAVEE_DIR``), else ``data/raw/NAME``."""

    name = name.lower()
    env = f"{name.upper()}_DIR"
    path = Path(root or os.environ.get(env) or raw_dir() / name).expanduser()
    if not path.is_dir():
        raise CorpusError(f"{path}: {name} corpus folder not found (give --root DIR, set {env}, or place it at "
                          f"data/raw/{name})")
    return path


def ordered(labels) -> tuple:
    """Labels in VOCABULARY order, others after them alphabetically."""
    labels = set(labels)
    known = [c for c in VOCABULARY if c in labels]
    return tuple(known + sorted(labels - set(known)))


def get(corpus: "str | Corpus | None") -> Corpus:
    """A built-in corpus by name, a manifest by its ``.csv`` path (read to learn its
    classes), or a ``Corpus`` as it is. ``None`` is RAVDESS."""
    if isinstance(corpus, Corpus):
        return corpus
    if corpus is None:
        return CORPORA[RAVDESS]
    text = str(corpus)
    if text.lower().endswith(".csv"):
        rows = read_manifest(text)
        return Corpus(f"manifest:{Path(text).name}", f"manifest {text}", ordered(r["label"] for r in rows), None,
                      len(rows), source="CSV manifest: path,label,speaker[,gender]", manifest=Path(text))
    if text.lower() not in CORPORA:
        raise CorpusError(f"unknown corpus {text!r}: use one of {', '.join(CORPORA)} or a CSV manifest (PATH.csv "
                          "with columns path,label,speaker[,gender])")
    return CORPORA[text.lower()]


def index(corpus: "str | Corpus | None", root: str | Path | None = None,
          errors: list[str] | None = None) -> pd.DataFrame:
    """One row per audio file of ``corpus`` under ``root`` (a manifest: its CSV; ``root``
    unused), sorted by actor then stem, ``emotion`` categorical over ``corpus.classes``.
    A file that does not follow the convention raises ``CorpusError`` naming it; with
    ``errors`` (a list) the message goes there and the file is skipped."""
    corpus = get(corpus)
    if corpus.is_ravdess:
        return index_corpus(root, errors)
    if corpus.manifest is not None:
        rows = [_manifest_row(r) for r in read_manifest(corpus.manifest)]
    else:
        rows = []
        for path in files_under(root, errors):
            try:
                rows.append({"path": str(path), "relpath": path.relative_to(root).as_posix(),
                             **corpus.parse(path.relative_to(root))})
            except CorpusError as exc:
                if errors is None:
                    raise
                errors.append(str(exc))
        rows, ignored = prefer_lossless(rows)
        gender_table = readers.cremad_genders(root) if corpus.name == "cremad" else {}
        for r in rows:
            r.setdefault("gender", corpus.speakers.get(r["speaker"]) or gender_table.get(r["speaker"], "unknown"))
    frame = _frame(rows, corpus.classes)
    frame.attrs["ignored"] = ignored if corpus.manifest is None else []
    return frame


# When one utterance comes in several formats (CREMA-D ships AudioWAV/ and AudioMP3/), the
# first of these is read and the others are left out (and said so by verify).
PREFERRED = (".wav", ".flac", ".aiff", ".aif", ".w64", ".rf64", ".caf", ".ogg", ".oga", ".opus", ".mp3")


def prefer_lossless(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """When a stem appears in several formats, only its files in the first format of
    ``PREFERRED`` are kept; the same stem twice in one format stays (an error for verify).
    Returns the kept rows and the relpaths left out."""
    rank = {e: i for i, e in enumerate(PREFERRED)}
    by_stem: dict[str, list[dict]] = {}
    for r in rows:
        by_stem.setdefault(r["stem"], []).append(r)
    kept, ignored = [], []
    for group in by_stem.values():
        formats = {Path(r["relpath"]).suffix.lower() for r in group}
        if len(formats) > 1:
            best = min(formats, key=lambda e: (rank.get(e, len(rank)), e))
            ignored += [r["relpath"] for r in group if Path(r["relpath"]).suffix.lower() != best]
            group = [r for r in group if Path(r["relpath"]).suffix.lower() == best]
        kept += group
    return kept, sorted(ignored)


def files_under(root: str | Path, errors: list[str] | None = None) -> list[Path]:
    """Audio files anywhere below ``root`` (hidden files and folders skipped), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus folder not found")
    extensions = audio_extensions()
    found, todo = [], [root]
    seen = set()  # folders by (device, inode): a symlink loop is walked once, not 40 levels deep
    while todo:
        folder = todo.pop()
        try:
            st = folder.stat()
        except OSError:
            st = None
        if st is not None:
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
        try:
            entries = list(folder.iterdir())
        except OSError as exc:
            message = f"unreadable folder: {folder} ({exc.strerror or exc})"
            if errors is None:
                raise CorpusError(message) from None
            errors.append(message)
            continue
        for p in entries:
            if p.name.startswith("."):
                continue
            if p.is_dir():
                todo.append(p)
            elif p.is_file() and p.suffix.lower() in extensions:
                found.append(p)
    return sorted(found)


def read_manifest(path: str | Path) -> list[dict]:
    """The rows of a manifest CSV (``path,label,speaker``, optional ``gender``), paths
    resolved against the CSV's folder; errors name the file, the line and the column."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: manifest not found")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            missing = [c for c in ("path", "label", "speaker") if c not in columns]
            if missing:
                raise CorpusError(f"{path}: manifest lacks column(s) {', '.join(missing)} "
                                  f"(found {', '.join(columns) or 'none'}; expected path,label,speaker[,gender])")
            rows = []
            for line, raw in enumerate(reader, start=2):
                row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
                for column in ("path", "label", "speaker"):
                    if not row.get(column):
                        raise CorpusError(f"{path}: line {line}: empty {column}")
                audio = Path(row["path"]).expanduser()
                audio = audio if audio.is_absolute() else path.parent / audio
                rows.append({"path": audio, "relpath": row["path"], "label": readers.canonical(row["label"]),
                             "speaker": row["speaker"], "gender": row.get("gender") or "unknown", "line": line})
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not a UTF-8 text CSV ({exc})") from None
    if not rows:
        raise CorpusError(f"{path}: manifest has no rows")
    return rows


def _manifest_row(r: dict) -> dict:
    stem = Path(r["relpath"]).with_suffix("").as_posix()
    return {"path": str(r["path"]), "relpath": r["relpath"], "stem": stem, "speaker": r["speaker"],
            "gender": r["gender"], "emotion": r["label"], "intensity": "", "statement": "", "repetition": 0}


def speaker_codes(speakers) -> dict:
    """Speaker name -> integer actor code: the number itself when every name is one
    (EmoDB ``03`` -> 3, CREMA-D ``1001``), else the rank in sorted order from 1."""
    names = sorted(set(str(s) for s in speakers))
    if names and all(n.isdigit() for n in names):
        codes = {n: int(n) for n in names}
        if len(set(codes.values())) == len(codes):
            return codes
    return {n: i + 1 for i, n in enumerate(names)}


def _frame(rows: list[dict], classes: tuple) -> pd.DataFrame:
    codes = speaker_codes(r["speaker"] for r in rows)
    position = {c: i + 1 for i, c in enumerate(classes)}
    for r in rows:
        r["actor"] = codes[str(r["speaker"])]
        r["emotion_id"] = position[r["emotion"]]
    frame = pd.DataFrame(rows, columns=INDEX_COLUMNS + ["speaker"])
    frame = frame.sort_values(["actor", "stem"], kind="stable").reset_index(drop=True)
    frame["emotion"] = pd.Categorical(frame["emotion"], categories=list(classes))
    return frame
