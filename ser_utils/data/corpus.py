"""RAVDESS file names -> one row per file.

RAVDESS (Livingstone & Russo 2018) names each file ``MM-VV-EE-II-SS-RR-AA``:
modality (03 = audio-only), vocal channel (01 = speech), emotion, intensity,
statement, repetition and actor; odd actors are male. The speech corpus keeps
files in ``Actor_XX/`` folders; a flat folder of such files is accepted too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile

AUDIO_EXTENSIONS = (".wav", ".flac")

EMOTIONS = {
    1: "neutral",
    2: "calm",
    3: "happy",
    4: "sad",
    5: "angry",
    6: "fearful",
    7: "disgust",
    8: "surprised",
}
EMOTION_NAMES = tuple(EMOTIONS.values())
N_CLASSES = len(EMOTIONS)  # the emotion classes every model predicts
INTENSITIES = {1: "normal", 2: "strong"}
STATEMENTS = {1: "Kids are talking by the door", 2: "Dogs are sitting by the door"}
MODALITY_AUDIO_ONLY = 3
CHANNEL_SPEECH = 1
N_SPEAKERS = 24   # the actors Actor_01 .. Actor_24

FIELDS = ("modality", "vocal_channel", "emotion", "intensity", "statement", "repetition", "actor")
_ALLOWED = {
    "modality": {MODALITY_AUDIO_ONLY},
    "vocal_channel": {CHANNEL_SPEECH},
    "emotion": set(EMOTIONS),
    "intensity": set(INTENSITIES),
    "statement": set(STATEMENTS),
    "repetition": {1, 2},
    "actor": set(range(1, 100)),
}
_ACTOR_DIR = re.compile(r"^Actor_(\d{2})$")


class CorpusError(ValueError):
    """A corpus file or folder is not what RAVDESS promises."""


@dataclass(frozen=True)
class Utterance:
    """The fields of one RAVDESS file name."""

    modality: int
    vocal_channel: int
    emotion: int
    intensity: int
    statement: int
    repetition: int
    actor: int

    @property
    def gender(self) -> str:
        return gender_of(self.actor)

    @property
    def stem(self) -> str:
        return "-".join(f"{getattr(self, f):02d}" for f in FIELDS)


def gender_of(speaker: int) -> str:
    """RAVDESS's rule for a speaker's number (the file name's actor field): odd-numbered
    actors are male, even-numbered female."""
    return "male" if speaker % 2 else "female"


def gender_labels(speakers) -> np.ndarray:
    """``gender_of`` as class indices: male 0, female 1 (the multitask gender head's targets)."""
    return np.array([gender_of(int(a)) == "female" for a in speakers], dtype=np.int64)


def parse_name(path: str | Path) -> Utterance:
    """Parse a RAVDESS file name; raise ``CorpusError`` naming the file and the field."""
    path = Path(path)
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        raise CorpusError(f"{path}: extension {path.suffix!r} is not one of {AUDIO_EXTENSIONS}")
    parts = path.stem.split("-")
    if len(parts) != len(FIELDS):
        raise CorpusError(
            f"{path}: expected 7 two-digit fields MM-VV-EE-II-SS-RR-AA, found {len(parts)} in {path.stem!r}"
        )
    values = {}
    for field, text in zip(FIELDS, parts):
        if not re.fullmatch(r"\d{2}", text):
            raise CorpusError(f"{path}: field {field} is {text!r}, expected two digits")
        value = int(text)
        if value not in _ALLOWED[field]:
            allowed = sorted(_ALLOWED[field])
            shown = allowed if len(allowed) < 10 else f"{allowed[0]:02d}..{allowed[-1]:02d}"
            raise CorpusError(f"{path}: field {field} is {text}, expected one of {shown}")
        values[field] = value
    return Utterance(**values)


def audio_files(root: str | Path, errors: list[str] | None = None) -> list[Path]:
    """Audio files of a corpus: inside ``Actor_XX/`` folders when there are any
    (the official layout; other files at the top, such as checksum lists, are
    ignored), else directly in ``root`` (a flat folder). A folder that cannot be
    listed raises ``CorpusError`` naming it, or with ``errors`` (a list) is
    reported there and skipped."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"{root}: corpus folder not found")
    actor_dirs = sorted(p for p in _list(root, None) if p.is_dir() and _ACTOR_DIR.match(p.name))
    folders = actor_dirs or [root]
    return sorted(
        p for d in folders for p in _list(d, errors) if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
    )


def _list(folder: Path, errors: list[str] | None) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError as exc:
        message = f"unreadable folder: {folder} ({exc.strerror or exc})"
        if errors is None:
            raise CorpusError(message) from None
        errors.append(message)
        return []


def row_for(path: Path, root: Path) -> dict:
    """One index row; checks that a file in ``Actor_XX/`` names that actor."""
    utt = parse_name(path)
    folder = _ACTOR_DIR.match(path.parent.name)
    if folder and int(folder.group(1)) != utt.actor:
        raise CorpusError(
            f"{path}: field actor is {utt.actor:02d} but the file lies in {path.parent.name}/"
        )
    return {
        "path": str(path),
        "relpath": str(path.relative_to(root)),
        "stem": utt.stem,
        "actor": utt.actor,
        "gender": utt.gender,
        "emotion_id": utt.emotion,
        "emotion": EMOTIONS[utt.emotion],
        "intensity": INTENSITIES[utt.intensity],
        "statement": utt.statement,
        "repetition": utt.repetition,
    }


INDEX_COLUMNS = ["path", "relpath", "stem", "actor", "gender", "emotion_id", "emotion",
                 "intensity", "statement", "repetition"]


def index_corpus(root: str | Path, errors: list[str] | None = None) -> pd.DataFrame:
    """One row per audio file (path, actor, gender, emotion, intensity, statement,
    repetition), sorted by actor then name.

    A malformed name or an unreadable folder raises ``CorpusError``; pass a list as
    ``errors`` to collect the messages there and skip those files instead.
    """
    root = Path(root)
    rows = []
    for path in audio_files(root, errors):
        try:
            rows.append(row_for(path, root))
        except CorpusError as exc:
            if errors is None:
                raise
            errors.append(str(exc))
    frame = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    frame = frame.sort_values(["actor", "stem"], kind="stable").reset_index(drop=True)
    frame["emotion"] = pd.Categorical(frame["emotion"], categories=EMOTION_NAMES)
    return frame


def expected_stems(speakers) -> list[str]:
    """The full RAVDESS speech grid for these speakers (actor numbers): 8 emotions x 2
    intensities x 2 statements x 2 repetitions, less neutral's strong take (60 files an actor)."""
    stems = []
    for actor in speakers:
        for emotion in EMOTIONS:
            for intensity in ((1,) if emotion == 1 else (1, 2)):
                for statement in (1, 2):
                    for repetition in (1, 2):
                        utt = Utterance(MODALITY_AUDIO_ONLY, CHANNEL_SPEECH, emotion, intensity,
                                        statement, repetition, actor)
                        stems.append(utt.stem)
    return stems


def closest_duration(paths, seconds: float = 3.7) -> int:
    """Index of the file whose duration is closest to ``seconds`` (the reference
    utterance of the cost and speed measurements)."""
    durations = np.array([soundfile.info(str(p)).duration for p in paths])
    return int(np.argmin(np.abs(durations - seconds)))
