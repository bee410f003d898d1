"""The file-name conventions of the built-in corpora other than RAVDESS, one parser
each: a path relative to the corpus root -> ``speaker``, ``emotion`` (a name of
``corpus_registry.VOCABULARY``), ``statement``, ``intensity``, ``repetition`` and ``stem``.
A name that does not follow the convention is a ``CorpusError`` naming the file and
what was expected.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path, PurePath

from ser_utils.data.corpus import CorpusError

# Label spellings of the corpora and of manifests -> the shared vocabulary.
SYNONYMS = {
    "anger": "angry", "ang": "angry", "happiness": "happy", "joy": "happy", "hap": "happy",
    "sadness": "sad", "fear": "fearful", "anxiety": "fearful", "fea": "fearful", "disgusted": "disgust",
    "dis": "disgust", "surprise": "surprised", "ps": "surprised", "pleasant_surprise": "surprised",
    "pleasant_surprised": "surprised", "neu": "neutral", "bored": "boredom", "calmness": "calm",
}


def canonical(label: str) -> str:
    """A label as the shared vocabulary spells it (lower case, known synonyms mapped)."""
    text = str(label).strip().lower().replace(" ", "_").replace("-", "_")
    return SYNONYMS.get(text, text)


def _stem(relpath: PurePath) -> str:
    """The corpus' own utterance id: the file name without its extension."""
    return relpath.stem


# Berlin EmoDB (Burkhardt, Paeschke, Rolfes, Sendlmeier & Weiss, Interspeech 2005; the
# database's documentation, emodb.bilderbar.info/docu): "Positions 1-2: number of speaker;
# 3-5: code for text; 6: emotion (letter of the German emotion word); 7: if there are more
# than two versions these are numbered a, b, c". W Aerger (anger), L Langeweile (boredom),
# E Ekel (disgust), A Angst (fear), F Freude (happiness), T Trauer (sadness), N neutral.
EMODB_SOURCE = "Burkhardt et al., Interspeech 2005; emodb.bilderbar.info/docu (file names)"
EMODB_EMOTIONS = {"W": "angry", "L": "boredom", "E": "disgust", "A": "fearful", "F": "happy", "T": "sad",
                  "N": "neutral"}
EMODB_CLASSES = ("neutral", "happy", "sad", "angry", "fearful", "disgust", "boredom")
EMODB_SPEAKERS = {"03": "male", "08": "female", "09": "female", "10": "male", "11": "male", "12": "male",
                  "13": "female", "14": "female", "15": "male", "16": "female"}
EMODB_TEXTS = {"a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10"}
_EMODB = re.compile(r"^(\d{2})([ab]\d{2})([WLEAFTN])([a-z])$")


def parse_emodb(relpath: PurePath) -> dict:
    m = _EMODB.match(relpath.stem)
    if not m:
        raise CorpusError(f"{relpath}: not an EmoDB name (expected speaker 2 digits, text a01-b10, emotion "
                          "W/L/E/A/F/T/N, version a-z, e.g. 03a01Fa)")
    speaker, text, emotion, version = m.groups()
    if text not in EMODB_TEXTS:
        raise CorpusError(f"{relpath}: text code {text} is not one of {', '.join(sorted(EMODB_TEXTS))}")
    return {"stem": _stem(relpath), "speaker": speaker, "emotion": EMODB_EMOTIONS[emotion], "statement": text,
            "intensity": "", "repetition": ord(version) - ord("a") + 1}


# CREMA-D (Cao, Cooper, Keutmann, Gur, Nenkova & Verma, IEEE Trans. Affective Computing
# 5(4), 2014; github.com/CheyneyComputerScience/CREMA-D README): ActorID_Sentence_Emotion_Level,
# e.g. 1001_DFA_ANG_XX; actors 1001-1091, 12 sentences, emotions ANG DIS FEA HAP NEU SAD,
# levels LO MD HI XX (unspecified). Gender is not in the name: VideoDemographics.csv
# (ActorID, Sex) when it lies in the corpus folder, else "unknown".
CREMAD_SOURCE = "Cao et al., IEEE TAC 5(4) 2014; github.com/CheyneyComputerScience/CREMA-D (file names)"
CREMAD_EMOTIONS = {"ANG": "angry", "DIS": "disgust", "FEA": "fearful", "HAP": "happy", "NEU": "neutral",
                   "SAD": "sad"}
CREMAD_CLASSES = ("neutral", "happy", "sad", "angry", "fearful", "disgust")
CREMAD_SENTENCES = {"IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI"}
CREMAD_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
_CREMAD = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")


def parse_cremad(relpath: PurePath) -> dict:
    m = _CREMAD.match(relpath.stem)
    if not m:
        raise CorpusError(f"{relpath}: not a CREMA-D name (expected ActorID_Sentence_Emotion_Level, e.g. "
                          "1001_DFA_ANG_XX)")
    speaker, sentence, emotion, level = m.groups()
    for value, allowed, what in ((sentence, CREMAD_SENTENCES, "sentence"), (emotion, CREMAD_EMOTIONS, "emotion"),
                                 (level, CREMAD_LEVELS, "level")):
        if value not in allowed:
            raise CorpusError(f"{relpath}: {what} {value} is not one of {', '.join(sorted(allowed))}")
    return {"stem": _stem(relpath), "speaker": speaker, "emotion": CREMAD_EMOTIONS[emotion], "statement": sentence,
            "intensity": CREMAD_LEVELS[level], "repetition": 1}


def cremad_genders(root: str | Path) -> dict:
    """``{actor: 'male'|'female'}`` from CREMA-D's VideoDemographics.csv in ``root`` or the
    folder above it (the repository's root, when ``root`` is its AudioWAV/), if there."""
    found = [p for p in (Path(root) / "VideoDemographics.csv", Path(root).parent / "VideoDemographics.csv")
             if p.is_file()]
    if not found:
        return {}
    path = found[0]
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return {r["ActorID"].strip(): r["Sex"].strip().lower() for r in csv.DictReader(fh)
                if r.get("ActorID") and r.get("Sex")}


# TESS (Dupuis & Pichora-Fuller 2010, Toronto emotional speech set, University of Toronto TSpace): 200 target
# words in "Say the word _" by two actresses, OAF (older, 64) and YAF (younger, 26), in seven
# emotions; files SPEAKER_word_emotion, e.g. OAF_back_angry.wav, ``ps`` = pleasant surprise.
TESS_SOURCE = "Dupuis & Pichora-Fuller 2010, Toronto emotional speech set (TSpace, University of Toronto)"
TESS_CLASSES = ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised")
TESS_SPEAKERS = {"OAF": "female", "YAF": "female"}
_TESS = re.compile(r"^(OAF|YAF)_(.+?)_(angry|disgust|fear|happy|neutral|ps|sad|pleasant_surprised?)$", re.I)


def parse_tess(relpath: PurePath) -> dict:
    m = _TESS.match(relpath.stem)
    if not m:
        raise CorpusError(f"{relpath}: not a TESS name (expected OAF|YAF_word_emotion with emotion angry, disgust, "
                          "fear, happy, neutral, ps or sad, e.g. OAF_back_angry)")
    speaker, word, emotion = m.groups()
    return {"stem": _stem(relpath), "speaker": speaker.upper(), "emotion": canonical(emotion),
            "statement": word.lower(), "intensity": "", "repetition": 1}


# SAVEE (Haq & Jackson, AVSP 2009; the corpus' AudioData/Info.txt): four male speakers DC, JE, JK,
# KL; "the initial letter(s) of the file name represents the emotion class, and the following
# digits represent the sentence number": a anger, d disgust, f fear, h happiness, n neutral,
# sa sadness, su surprise (15 sentences each, neutral 30). The official layout is
# AudioData/<speaker>/<code><nn>.wav; a flat folder of <speaker>_<code><nn>.wav is read too.
SAVEE_SOURCE = "Haq & Jackson 2009; SAVEE AudioData/Info.txt (file names)"
SAVEE_EMOTIONS = {"a": "angry", "d": "disgust", "f": "fearful", "h": "happy", "n": "neutral", "sa": "sad",
                  "su": "surprised"}
SAVEE_CLASSES = ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised")
SAVEE_SPEAKERS = {"DC": "male", "JE": "male", "JK": "male", "KL": "male"}
_SAVEE_FLAT = re.compile(r"^(DC|JE|JK|KL)_(sa|su|a|d|f|h|n)(\d{2})$")
_SAVEE_CODE = re.compile(r"^(sa|su|a|d|f|h|n)(\d{2})$")


def parse_savee(relpath: PurePath) -> dict:
    m = _SAVEE_FLAT.match(relpath.stem)
    if m:
        speaker, code, number = m.groups()
    else:
        m = _SAVEE_CODE.match(relpath.stem)
        speaker = relpath.parent.name
        if not m or speaker not in SAVEE_SPEAKERS:
            raise CorpusError(f"{relpath}: not a SAVEE name (expected DC|JE|JK|KL_<a|d|f|h|n|sa|su><nn>, e.g. "
                              "DC_a01, or <nn>-numbered files in a DC/JE/JK/KL folder, e.g. DC/a01)")
        code, number = m.groups()
    return {"stem": f"{speaker}_{code}{number}", "speaker": speaker, "emotion": SAVEE_EMOTIONS[code],
            "statement": f"{code}{number}", "intensity": "", "repetition": 1}
