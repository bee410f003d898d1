"""A deterministic synthetic corpus in RAVDESS layout and naming.

Source-filter speech: a jittered glottal pulse train (actor-specific pitch),
spectral tilt, breath noise and a cascade of formant resonators (actor-specific
vocal-tract length) shaped into syllables, with silence before and after the
phrase. Emotions change prosody — pitch level and range, tempo, energy,
spectral tilt, jitter, breathiness — by amounts loosely following the vocal
correlates reviewed by Scherer (2003, Speech Communication 40:227-256), scaled
up for strong intensity. Every parameter is drawn around its emotion's value,
so neighbouring emotions (neutral/calm, happy/surprised, sad/fearful...) and
actors overlap: learnable, not trivial.

It never stands in for RAVDESS silently: the folder carries ``SYNTHETIC.json``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import lfilter

from ser_utils.data import corpus_registry, readers
from ser_utils.data.corpus import EMOTIONS, expected_stems, gender_of, parse_name
from ser_utils.data.verify import SYNTH_MARKER
from ser_utils.paths import atomic_path

# Vowel formants F1-F3 in Hz (adult male averages, Peterson & Barney 1952).
VOWELS = {
    "i": (270, 2290, 3010), "I": (390, 1990, 2550), "e": (530, 1840, 2480), "a": (730, 1090, 2440),
    "o": (570, 840, 2410), "u": (300, 870, 2240), "@": (500, 1500, 2500), "ai": (660, 1700, 2500),
}
# The two RAVDESS statements as vowel nuclei of their syllables.
STATEMENT_VOWELS = {
    1: ["I", "a", "o", "I", "ai", "@", "o"],   # Kids are talking by the door
    2: ["o", "a", "I", "I", "ai", "@", "o"],   # Dogs are sitting by the door
}


@dataclass(frozen=True)
class Prosody:
    """Emotion-dependent deviations from an actor's neutral voice."""

    pitch: float      # semitones of mean F0 shift
    range: float      # semitones of accent excursion
    tempo: float      # syllable-rate factor
    energy: float     # dB
    tilt: float       # brightness: + flatter spectrum (tense voice), - steeper (lax)
    jitter: float     # relative period perturbation
    breath: float     # aspiration noise level


EMOTION_PROSODY = {
    "neutral":   Prosody(0.0, 2.0, 1.00, 0.0, 0.0, 0.006, 0.10),
    "calm":      Prosody(-1.0, 1.5, 0.92, -2.0, -0.15, 0.006, 0.16),
    "happy":     Prosody(3.0, 4.5, 1.08, 3.0, 0.25, 0.010, 0.10),
    "sad":       Prosody(-1.5, 1.0, 0.80, -5.0, -0.35, 0.016, 0.28),
    "angry":     Prosody(2.0, 3.5, 1.12, 7.0, 0.55, 0.014, 0.06),
    "fearful":   Prosody(4.5, 2.5, 1.20, 0.5, 0.05, 0.030, 0.26),
    "disgust":   Prosody(-1.0, 3.0, 0.85, 2.0, 0.15, 0.014, 0.20),
    "surprised": Prosody(5.5, 6.5, 1.00, 3.5, 0.30, 0.010, 0.12),
    "boredom":   Prosody(-2.0, 0.8, 0.82, -3.0, -0.25, 0.008, 0.18),  # EmoDB's Langeweile: flat, slow, lax
}
_NEUTRAL = EMOTION_PROSODY["neutral"]
STRONG_SCALE = 1.5  # strong intensity exaggerates the deviation from neutral


def _seed(*parts: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(p) for p in parts]))


def speaker_voice(speaker: int, seed: int, male: bool | None = None) -> dict:
    """Actor-specific voice: F0, formant scale, speaking rate, loudness, and a
    personal bias on each prosodic cue (speakers express emotion differently).
    ``male``: the speaker's sex (default: RAVDESS's rule, odd actors male)."""
    rng = _seed(seed, speaker, 0)
    male = gender_of(speaker) == "male" if male is None else male
    return {
        "f0": float(rng.uniform(95, 140) if male else rng.uniform(175, 245)),
        "formant_scale": float((1.0 if male else 1.16) * rng.uniform(0.94, 1.06)),
        "rate": float(rng.uniform(0.88, 1.12)),
        "gain_db": float(rng.uniform(-4, 4)),
        "expressiveness": float(rng.uniform(0.7, 1.3)),
        "bias": {k: float(rng.normal(0, s)) for k, s in
                 {"pitch": 0.8, "range": 0.5, "tempo": 0.04, "energy": 1.2, "tilt": 0.06}.items()},
    }


def utterance_prosody(emotion: str, strong: bool, voice: dict, rng: np.random.Generator) -> Prosody:
    base = EMOTION_PROSODY[emotion]
    scale = voice["expressiveness"] * (STRONG_SCALE if strong else 1.0)
    noise = {"pitch": 1.0, "range": 0.7, "tempo": 0.06, "energy": 1.6, "tilt": 0.10, "jitter": 0.0025, "breath": 0.035}
    values = {}
    for name in Prosody.__dataclass_fields__:
        neutral = getattr(_NEUTRAL, name)
        value = neutral + scale * (getattr(base, name) - neutral)
        value += voice["bias"].get(name, 0.0) + rng.normal(0, noise[name])
        values[name] = value
    values["range"] = max(values["range"], 0.2)
    values["tempo"] = max(values["tempo"], 0.5)
    values["jitter"] = max(values["jitter"], 0.0)
    values["breath"] = float(np.clip(values["breath"], 0.0, 0.6))
    return Prosody(**values)


def _resonator(freq: float, bandwidth: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Second-order formant resonator (Klatt 1980), unit gain at DC."""
    r = np.exp(-np.pi * bandwidth / sr)
    c = -(r ** 2)
    b = 2 * r * np.cos(2 * np.pi * freq / sr)
    a = 1 - b - c
    return np.array([a]), np.array([1.0, -b, -c])


def synthesize(emotion: str, strong: bool, statement: int, voice: dict, rng: np.random.Generator,
               sr: int) -> np.ndarray:
    """One utterance as float32 samples in [-1, 1]."""
    p = utterance_prosody(emotion, strong, voice, rng)
    vowels = STATEMENT_VOWELS[statement]
    syllable = 0.19 / (p.tempo * voice["rate"])
    durations = syllable * rng.uniform(0.75, 1.3, len(vowels))
    durations[-1] *= 1.5  # phrase-final lengthening
    lead, tail = rng.uniform(0.55, 1.0), rng.uniform(0.7, 1.2)
    n_phrase = int(durations.sum() * sr)
    t = np.arange(n_phrase) / sr

    # F0 contour: level, declination, one accent per syllable, per-period jitter.
    f0 = voice["f0"] * 2 ** (p.pitch / 12)
    bounds = np.concatenate([[0], np.cumsum(durations)])
    accents = rng.uniform(0.2, 1.0, len(vowels)) * p.range
    semitones = np.zeros(n_phrase)
    for k in range(len(vowels)):
        centre = 0.5 * (bounds[k] + bounds[k + 1])
        semitones += accents[k] * np.exp(-0.5 * ((t - centre) / (0.35 * durations[k])) ** 2)
    semitones -= 2.0 * t / max(t[-1], 1e-3)  # declination
    contour = f0 * 2 ** (semitones / 12)
    # Jitter: a random-walk period perturbation, held per approximate period.
    hold = max(int(sr / f0), 1)
    steps = rng.normal(0, p.jitter, n_phrase // hold + 2)
    contour *= 1 + np.repeat(steps, hold)[:n_phrase]
    phase = np.cumsum(contour / sr)
    source = 2 * (phase % 1.0) - 1  # sawtooth: a glottal-flow-derivative-like source
    # Spectral tilt: one-pole low-pass, lighter for tense voices (positive tilt).
    pole = float(np.clip(0.9 - 0.25 * p.tilt, 0.3, 0.985))
    voiced = lfilter([1 - pole], [1, -pole], source)
    noise = rng.normal(0, 1, n_phrase)
    excitation = (1 - p.breath) * voiced + p.breath * 0.6 * noise

    # Formants: each syllable filtered with its vowel, cross-faded envelopes.
    speech = np.zeros(n_phrase)
    for k, vowel in enumerate(vowels):
        a, b = int(bounds[k] * sr), int(bounds[k + 1] * sr)
        seg = excitation[a:b]
        formants = [f * voice["formant_scale"] * rng.uniform(0.96, 1.04)
                    for f in VOWELS[vowel]] + [3500 * voice["formant_scale"]]
        for freq, bw in zip(formants, (80, 100, 140, 200)):
            num, den = _resonator(min(freq, 0.45 * sr), bw, sr)
            seg = lfilter(num, den, seg)
        # Onset consonant: a short noise burst; then a raised-cosine vowel envelope.
        n = b - a
        env = np.sin(np.pi * np.linspace(0, 1, n)) ** 0.6
        burst = np.zeros(n)
        nb = min(int(0.03 * sr), n)
        burst[:nb] = rng.normal(0, 0.3, nb) * np.hanning(nb)
        loud = 10 ** (rng.normal(0, 1.5) / 20)
        speech[a:b] = loud * env * seg + burst * 0.2

    speech /= np.max(np.abs(speech)) + 1e-9
    speech *= 10 ** ((-12 + p.energy + voice["gain_db"]) / 20)
    out = np.concatenate([np.zeros(int(lead * sr)), speech, np.zeros(int(tail * sr))])
    out += rng.normal(0, 10 ** (-72 / 20), out.size)  # recording noise floor
    return np.clip(out, -0.99, 0.99).astype(np.float32)


def make_corpus(out_dir: str | Path, speakers=(1, 2, 3, 4), seed: int = 0, sample_rate: int = 16000,
                emotions=None, statements=(1, 2), repetitions=(1, 2), fmt: str = "wav") -> Path:
    """Write a synthetic corpus as ``out_dir/Actor_XX/03-01-EE-II-SS-RR-AA.wav``.

    Each file depends only on (seed, its name), so any subset is reproducible.
    ``emotions`` restricts the emotion ids (1-8; default all). The marker
    ``SYNTHETIC.json`` records the parameters and is written last.
    """
    out_dir = Path(out_dir)
    speakers = [int(a) for a in speakers]
    emotions = set(EMOTIONS) if emotions is None else {int(e) for e in emotions}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / SYNTH_MARKER).unlink(missing_ok=True)
    written = 0
    for speaker in speakers:
        voice = speaker_voice(speaker, seed)
        folder = out_dir / f"Actor_{speaker:02d}"
        folder.mkdir(exist_ok=True)
        for stem in expected_stems([speaker]):
            utt = parse_name(stem + ".wav")
            if utt.emotion not in emotions or utt.statement not in statements or utt.repetition not in repetitions:
                continue
            rng = _seed(seed, speaker, utt.emotion, utt.intensity, utt.statement, utt.repetition, 1)
            y = synthesize(EMOTIONS[utt.emotion], utt.intensity == 2, utt.statement, voice, rng, sample_rate)
            target = folder / f"{stem}.{fmt}"
            with atomic_path(target, suffix="." + fmt) as tmp:
                sf.write(tmp, y, sample_rate, subtype="PCM_16", format=fmt.upper())
            written += 1
    marker = {
        "synthetic": True,
        "generator": "ser_utils.data.synth.make_corpus",
        "seed": seed,
        "actors": speakers,
        "sample_rate": sample_rate,
        "emotions": sorted(emotions),
        "statements": list(statements),
        "repetitions": list(repetitions),
        "files": written,
        "note": "Synthetic speech-like audio for tests and smoke runs; not RAVDESS.",
    }
    with atomic_path(out_dir / SYNTH_MARKER) as tmp:
        tmp.write_text(json.dumps(marker, indent=2))
    return out_dir


# The other built-in layouts (``readers.py``): speakers (name, male?), the corpus' rate,
# and how a file is named from (speaker, emotion, k-th take of that emotion).
LAYOUTS = {
    "emodb": {"speakers": [("03", True), ("08", False), ("10", True), ("13", False)], "sample_rate": 16000},
    "cremad": {"speakers": [("1001", True), ("1002", False), ("1003", False), ("1004", True)], "sample_rate": 16000},
    "tess": {"speakers": [("OAF", False), ("YAF", False)], "sample_rate": 24414},
    "savee": {"speakers": [("DC", True), ("JE", True), ("JK", True), ("KL", True)], "sample_rate": 44100},
    "manifest": {"speakers": [("spk_a", True), ("spk_b", False), ("spk_c", True), ("spk_d", False)],
                 "sample_rate": 22050},
}
_TESS_WORDS = ["back", "bar", "base", "bath", "bean", "beg", "bite", "boat"]
_MANIFEST_LABELS = {"angry": "Anger", "happy": "happiness"}  # spelled as a user might: mapped by readers.canonical


def _layout_name(corpus: str, speaker: str, emotion: str, k: int, fmt: str) -> str:
    if corpus == "emodb":
        letter = {v: c for c, v in readers.EMODB_EMOTIONS.items()}[emotion]
        return f"wav/{speaker}{sorted(readers.EMODB_TEXTS)[k]}{letter}a.{fmt}"
    if corpus == "cremad":
        code = {v: c for c, v in readers.CREMAD_EMOTIONS.items()}[emotion]
        return (f"AudioWAV/{speaker}_{sorted(readers.CREMAD_SENTENCES)[k]}_{code}_"
                f"{'XX' if code == 'NEU' else 'HI'}.{fmt}")
    if corpus == "tess":
        code = "ps" if emotion == "surprised" else {"fearful": "fear"}.get(emotion, emotion)
        folder = "pleasant_surprised" if code == "ps" else code
        return f"{speaker}_{folder}/{speaker}_{_TESS_WORDS[k]}_{code}.{fmt}"
    if corpus == "savee":
        code = {v: c for c, v in readers.SAVEE_EMOTIONS.items()}[emotion]
        return f"AudioData/{speaker}/{code}{k + 1:02d}.{fmt}"
    if corpus == "manifest":
        return f"clips/{speaker}/{emotion}_{k + 1:02d}.{fmt}"
    raise ValueError(f"unknown layout {corpus!r} (known: ravdess, {', '.join(LAYOUTS)})")


def layout_classes(corpus: str) -> tuple:
    """The emotion classes a synthetic corpus of this layout holds."""
    if corpus == "manifest":
        return ("neutral", "happy", "sad", "angry")
    return corpus_registry.CORPORA[corpus].classes


def make_layout(out_dir: str | Path, corpus: str, per_class: int = 2, seed: int = 0, sample_rate: int | None = None,
                speakers: int | None = None, fmt: str = "wav") -> Path:
    """Write a synthetic corpus named as ``corpus`` (emodb, cremad, tess, savee, or
    ``manifest``: clips plus ``manifest.csv``) names its files: ``per_class`` takes of each
    of the layout's emotions per speaker, the first ``speakers`` of ``LAYOUTS`` (default
    all), at the corpus' own rate unless ``sample_rate`` is given. Same speech model as
    ``make_corpus``; the marker ``SYNTHETIC.json`` (written last) names the layout and
    counts the files."""
    out_dir = Path(out_dir)
    spec = LAYOUTS[corpus] if corpus in LAYOUTS else None
    if spec is None:
        raise ValueError(f"unknown layout {corpus!r} (known: {', '.join(LAYOUTS)}; RAVDESS: make_corpus)")
    sr = int(sample_rate or spec["sample_rate"])
    people = spec["speakers"][: speakers or len(spec["speakers"])]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / SYNTH_MARKER).unlink(missing_ok=True)
    rows = []
    for code, (speaker, male) in enumerate(people, start=1):
        voice = speaker_voice(1000 + code, seed, male=male)
        for e, emotion in enumerate(layout_classes(corpus)):
            for k in range(per_class):
                rng = _seed(seed, 1000 + code, e, k, 2)
                y = synthesize(emotion, k % 2 == 1, 1 + k % 2, voice, rng, sr)
                relpath = _layout_name(corpus, speaker, emotion, k, fmt)
                target = out_dir / relpath
                target.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(target, suffix="." + fmt) as tmp:
                    sf.write(tmp, y, sr, subtype="VORBIS" if fmt == "ogg" else "PCM_16", format=fmt.upper())
                rows.append((relpath, _MANIFEST_LABELS.get(emotion, emotion), speaker, "male" if male else "female"))
    if corpus == "manifest":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["path", "label", "speaker", "gender"])
        writer.writerows(rows)
        with atomic_path(out_dir / "manifest.csv") as tmp:
            tmp.write_text(text.getvalue())
    if corpus == "cremad":  # the corpus' own table of actors' sex
        lines = ["ActorID,Age,Sex,Race,Ethnicity"] + [f"{s},30,{'Male' if m else 'Female'},Unknown,Unknown"
                                                      for s, m in people]
        with atomic_path(out_dir / "VideoDemographics.csv") as tmp:
            tmp.write_text("\n".join(lines) + "\n")
    marker = {"synthetic": True, "generator": "ser_utils.data.synth.make_layout", "corpus": corpus, "seed": seed,
              "speakers": [s for s, _ in people], "sample_rate": sr, "per_class": per_class, "files": len(rows),
              "format": fmt, "note": f"Synthetic speech-like audio named in the {corpus} layout; not the real corpus."}
    with atomic_path(out_dir / SYNTH_MARKER) as tmp:
        tmp.write_text(json.dumps(marker, indent=2))
    return out_dir
