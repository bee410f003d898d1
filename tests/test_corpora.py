"""Corpora other than RAVDESS: the naming conventions, verify, folds, cv and evaluate
on synthetic corpora in each built-in layout and a manifest (no real data needed)."""

import json
import shutil
from pathlib import Path, PurePath
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from sklearn.metrics import balanced_accuracy_score

from conftest import REPO
from ser_utils.cli import main
from ser_utils.data import corpus_registry, readers
from ser_utils.data.corpus import EMOTION_NAMES, CorpusError
from ser_utils.data.dataset import load_dataset
from ser_utils.data.folds import REFERENCE_FOLDS, Fold, corpus_folds
from ser_utils.data.labelmap import label_map
from ser_utils.data.project_data import folds_for
from ser_utils.data.synth import LAYOUTS, layout_classes, make_corpus, make_layout
from ser_utils.data.verify import verify_corpus
from ser_utils.inference.evaluate import evaluate
from ser_utils.inference.predict import Predictor
from ser_utils.inference.transfer import train_checkpoint
from ser_utils.models import ModelConfig
from ser_utils.training import Spec, TrainConfig, experiment_key

FORMATS = {"emodb": "wav", "cremad": "wav", "tess": "ogg", "savee": "wav", "manifest": "flac"}


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """One small synthetic corpus per layout (2 takes per class), in several formats."""
    base = tmp_path_factory.mktemp("layouts")
    return {c: make_layout(base / c, c, per_class=2, fmt=FORMATS[c]) for c in LAYOUTS}


def reader_of(layouts, name):
    return corpus_registry.get(layouts[name] / "manifest.csv") if name == "manifest" else corpus_registry.get(name)


def corpus_arg(layouts, name):
    return str(layouts[name] / "manifest.csv") if name == "manifest" else name


# ---------------------------------------------------------------- conventions

@pytest.mark.parametrize("name, parser, expected", [
    ("03a01Fa.wav", readers.parse_emodb, ("03", "happy", "a01", 1)),
    ("16b10Lb.wav", readers.parse_emodb, ("16", "boredom", "b10", 2)),
    ("1001_DFA_ANG_XX.wav", readers.parse_cremad, ("1001", "angry", "DFA", 1)),
    ("1091_WSI_SAD_LO.flac", readers.parse_cremad, ("1091", "sad", "WSI", 1)),
    ("OAF_back_angry.wav", readers.parse_tess, ("OAF", "angry", "back", 1)),
    ("YAF_bite_ps.wav", readers.parse_tess, ("YAF", "surprised", "bite", 1)),
    ("DC_a01.wav", readers.parse_savee, ("DC", "angry", "a01", 1)),
    ("JK/sa15.wav", readers.parse_savee, ("JK", "sad", "sa15", 1)),
    ("KL_su03.ogg", readers.parse_savee, ("KL", "surprised", "su03", 1)),
])
def test_published_names_parse(name, parser, expected):
    f = parser(PurePath(name))
    assert (f["speaker"], f["emotion"], f["statement"], f["repetition"]) == expected


@pytest.mark.parametrize("name, parser, why", [
    ("03a01Xa.wav", readers.parse_emodb, "not an EmoDB name"),
    ("03c01Fa.wav", readers.parse_emodb, "not an EmoDB name"),
    ("1001_DFA_XYZ_XX.wav", readers.parse_cremad, "emotion XYZ"),
    ("1001_ABC_ANG_XX.wav", readers.parse_cremad, "sentence ABC"),
    ("MAF_back_angry.wav", readers.parse_tess, "not a TESS name"),
    ("XX_a01.wav", readers.parse_savee, "not a SAVEE name"),
])
def test_bad_names_are_errors_naming_the_file(name, parser, why):
    with pytest.raises(CorpusError, match=why) as exc:
        parser(PurePath(name))
    assert name in str(exc.value)


def test_speaker_codes():
    assert corpus_registry.speaker_codes(["03", "16", "08"]) == {"03": 3, "08": 8, "16": 16}
    assert corpus_registry.speaker_codes(["YAF", "OAF"]) == {"OAF": 1, "YAF": 2}
    assert corpus_registry.speaker_codes(["3", "03"]) == {"03": 1, "3": 2}  # numbers that collide: ranks


def test_unknown_corpus_is_an_error():
    with pytest.raises(CorpusError, match="unknown corpus 'iemocap'"):
        corpus_registry.get("iemocap")


# ---------------------------------------------------------------- verify

@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_verify_each_layout(layouts, name):
    n_speakers, classes = len(LAYOUTS[name]["speakers"]), layout_classes(name)
    report = verify_corpus(layouts[name], progress=False, corpus=reader_of(layouts, name))
    assert report.ok, report.errors
    assert report.synthetic and report.files == n_speakers * len(classes) * 2 and report.speakers == n_speakers
    assert report.per_label == {c: 2 * n_speakers for c in classes}
    assert report.per_speaker == {s: 2 * len(classes) for s, _ in sorted(LAYOUTS[name]["speakers"])}
    assert report.duplicates == [] and report.warnings == []


def test_verify_json_on_the_command_line(layouts, capsys):
    assert main(["verify", "--corpus", "savee", "--root", str(layouts["savee"]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["corpus"] == "savee" and out["files"] == 56 and out["speakers"] == 4
    assert out["per_speaker"] == {"DC": 14, "JE": 14, "JK": 14, "KL": 14} and out["per_label"]["surprised"] == 8


def test_verify_names_damaged_files(layouts, tmp_path):
    root = Path(shutil.copytree(layouts["emodb"], tmp_path / "emodb"))
    empty, garbage, cut = root / "wav/03a01Fa.wav", root / "wav/08a01Wa.wav", root / "wav/10a01Ta.wav"
    empty.write_bytes(b"")
    garbage.write_bytes(b"RIFF\x00\x00garbage" * 10)
    cut.write_bytes(cut.read_bytes()[:2000])
    shutil.copy(root / "wav/13a01Na.wav", root / "wav/13a02Na.wav")  # overwrites a take: identical audio
    (root / "wav/13a01Xa.wav").write_bytes((root / "wav/13a01Na.wav").read_bytes())  # a name EmoDB never uses
    report = verify_corpus(root, progress=False, corpus="emodb")
    text = "\n".join(report.errors)
    assert f"{empty}: empty file (0 bytes)" in text and f"{garbage}: unreadable audio" in text
    assert f"{cut}: truncated" in text and "wav/13a01Xa.wav: not an EmoDB name" in text
    assert len(report.errors) == 4
    assert report.duplicates == [["wav/13a01Na.wav", "wav/13a02Na.wav"]]


def test_manifest_errors_name_the_line(tmp_path, layouts):
    bad = tmp_path / "bad.csv"
    bad.write_text("path,label\na.wav,angry\n")
    with pytest.raises(CorpusError, match="lacks column.*speaker"):
        corpus_registry.get(bad)
    bad.write_text("path,label,speaker\na.wav,angry,\n")
    with pytest.raises(CorpusError, match="line 2: empty speaker"):
        corpus_registry.get(bad)
    rows = (layouts["manifest"] / "manifest.csv").read_text().splitlines()
    moved = tmp_path / "m.csv"  # the same clips by absolute path, one of them missing
    moved.write_text("\n".join([rows[0]] + [f"{layouts['manifest'] / r}" for r in rows[1:]]
                               + ["/nowhere/x.wav,angry,spk_a,male"]) + "\n")
    report = verify_corpus(None, progress=False, corpus=moved)
    assert report.errors == [f"missing file: /nowhere/x.wav (listed in {moved})"] and report.files == 33
    assert corpus_registry.get(moved).classes == ("neutral", "happy", "sad", "angry")  # 'Anger', 'happiness' mapped


def test_a_layout_read_as_another_is_refused(layouts):
    report = verify_corpus(layouts["tess"], progress=False, corpus="savee")
    assert not report.ok and any("not a SAVEE name" in e for e in report.errors)
    report = verify_corpus(layouts["emodb"], progress=False)  # as RAVDESS
    assert report.errors == [f"{layouts['emodb']}: synthetic corpus in the emodb layout, read as ravdess "
                             "(use --corpus emodb)"]


# ---------------------------------------------------------------- folds

def test_folds_balance_labels_where_a_round_robin_would_not():
    # speakers 1 and 3 speak only class 0, 2 and 4 only class 1: each test group needs one of each
    labels = np.repeat([0, 1, 0, 1], 10)
    speakers = np.repeat([1, 2, 3, 4], 10)
    folds = corpus_folds(labels, speakers, np.repeat(["male", "male", "female", "female"], 10), k=2)
    for f in folds:
        held = np.isin(speakers, f.test)
        assert np.bincount(labels[held], minlength=2).tolist() == [10, 10], f
    assert folds == corpus_folds(labels, speakers, np.repeat(["male", "male", "female", "female"], 10), k=2)
    assert sorted(a for f in folds for a in f.test) == [1, 2, 3, 4]
    assert all(len(f.validation) == 1 and len(f.train) == 1 for f in folds)


def test_two_speakers_leave_no_validation_speaker():
    folds = corpus_folds([0, 1, 0, 1], [1, 1, 2, 2], ["female"] * 4)
    assert [(f.test, f.validation, f.train) for f in folds] == [((1,), (), (2,)), ((2,), (), (1,))] or \
           [(f.test, f.validation, f.train) for f in folds] == [((2,), (), (1,)), ((1,), (), (2,))]


# ---------------------------------------------------------------- cv on every layout

@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_cv_on_each_layout(layouts, name, tmp_path, capsys):
    runs = tmp_path / "runs"
    assert main(["cv", "--corpus", corpus_arg(layouts, name), "--root", str(layouts[name]), "--model", "lstm_sa",
                 "--hidden", "8", "--epochs", "2", "--jobs", "1", "--runs-dir", str(runs), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    classes = list(layout_classes(name))
    assert out["classes"] == classes and out["spec"]["model"]["n_classes"] == len(classes)
    (folder,) = runs.iterdir()
    records = [json.loads(p.read_text()) for p in sorted(folder.glob("run00-fold*.json"))]
    n_speakers = len(LAYOUTS[name]["speakers"])
    assert len(records) == min(5, n_speakers)
    y = [label for r in records for label in r["test"]["labels"]]
    p = [pred for r in records for pred in r["test"]["preds"]]
    assert len(y) == n_speakers * len(classes) * 2  # every utterance tested once
    assert out["pooled_uar"]["0"] == pytest.approx(balanced_accuracy_score(y, p), abs=1e-12)
    folds = json.loads((folder / "folds.json").read_text())
    assert sorted(s for f in folds["folds"] for s in f["test"]) == sorted(s for s, _ in LAYOUTS[name]["speakers"])
    if n_speakers == 2:  # TESS: no validation speaker, the last epoch is kept
        assert out["best_epochs"] == [1, 1] and all(r["best_val_uar"] is None for r in records)


# ---------------------------------------------------------------- evaluate

@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A ResLSTM-SA-h8 trained one epoch on 6 synthetic RAVDESS actors at 8 kHz."""
    base = tmp_path_factory.mktemp("tiny")
    root = make_corpus(base / "corpus", speakers=range(1, 7), seed=3, sample_rate=8000, statements=(1,),
                       repetitions=(1,))
    data = load_dataset(root, cache_root=base / "cache", progress=False)
    spec = Spec(ModelConfig("reslstm_sa", hidden=8), TrainConfig(epochs=1))
    return train_checkpoint(data, folds_for(data), spec, base / "tiny.pt")


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_evaluate_on_each_layout(layouts, name, tiny_model, tmp_path):
    """evaluate's predictions are predict's (which resamples each file to the model's
    8 kHz itself), folded onto the shared classes; UAR and WA recomputed by scikit-learn."""
    reader = reader_of(layouts, name)
    r = evaluate(tiny_model, reader, layouts[name], cache_root=tmp_path, n_jobs=1, progress=False)
    lmap = label_map(EMOTION_NAMES, reader.classes)
    assert r["classes"] == list(lmap.shared) and r["sample_rate"] == 8000
    index = corpus_registry.index(reader, layouts[name]).set_index("relpath")
    predictor = Predictor(tiny_model)
    expected, truth = [], []
    for rel in r["files_scored"]:
        probs = predictor.predict(index.loc[rel, "path"])["probabilities"]
        folded = {c: sum(v for k, v in probs.items() if lmap.source_to_shared.get(k) == c) for c in lmap.shared}
        expected.append(max(folded, key=folded.get))
        truth.append(lmap.target_to_shared[str(index.loc[rel, "emotion"])])
    assert r["predicted"] == expected
    assert r["scored"] == sum(str(e) in lmap.target_to_shared for e in index["emotion"])
    assert r["uar"] == pytest.approx(balanced_accuracy_score(truth, expected), abs=1e-12)
    assert r["wa"] == pytest.approx(np.mean(np.array(truth) == np.array(expected)), abs=1e-12)
    assert np.array(r["confusion"]).sum() == r["scored"]


def test_evaluate_command_line(layouts, tiny_model, capsys, tmp_path):
    assert main(["evaluate", "--model", str(tiny_model), "--corpus", "emodb", "--root", str(layouts["emodb"]),
                 "--cache", str(tmp_path), "--jobs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classes"] == ["neutral", "happy", "sad", "angry", "fearful", "disgust"]
    assert out["label_map"]["merged"] == {"calm": "neutral"} and out["label_map"]["model_only"] == ["surprised"]
    assert out["label_map"]["corpus_only"] == ["boredom"] and out["scored"] == 48 and out["files"] == 56
    assert set(out["per_class_recall"]) == set(out["classes"]) and "files_scored" not in out


# ---------------------------------------------------------------- label map, keys

def test_label_map_between_corpora():
    m = label_map(EMOTION_NAMES, corpus_registry.CORPORA["emodb"].classes)
    assert m.shared == ("neutral", "happy", "sad", "angry", "fearful", "disgust")
    assert m.source_to_shared["calm"] == "neutral" and m.source_only == ("surprised",)
    assert m.target_only == ("boredom",)
    back = label_map(corpus_registry.CORPORA["emodb"].classes, EMOTION_NAMES)
    assert back.target_to_shared["calm"] == "neutral" and back.source_only == ("boredom",)
    assert label_map(readers.TESS_CLASSES, readers.SAVEE_CLASSES).shared == readers.TESS_CLASSES
    with pytest.raises(ValueError, match="no shared classes"):
        label_map(["boredom"], ["angry"])


def test_ravdess_experiment_keys_unchanged():
    """Committed quick run folders are still found: the key of each spec.json, recomputed
    on a RAVDESS dataset with that fingerprint and the reference folds, is its folder."""

    specs = sorted((REPO / "results" / "quick" / "runs").glob("*/spec.json"))
    if not specs:
        pytest.skip("no committed results/quick run records")
    for path in specs[:10]:
        s = json.loads(path.read_text())
        data = SimpleNamespace(fingerprint=s["data"], classes=EMOTION_NAMES, corpus="ravdess")
        folds = [Fold(**{k: tuple(v) for k, v in f.items()}) for f in s["folds"]] if "folds" in s \
            else REFERENCE_FOLDS  # 08's shift has its own
        assert experiment_key(Spec.from_dict(s["spec"]), data, folds) == path.parent.name


def test_other_corpora_fingerprints_carry_labels(layouts, tmp_path):
    """Relabelling a manifest changes the dataset fingerprint (so its run records too)."""
    csv = layouts["manifest"] / "manifest.csv"
    a = load_dataset(None, corpus=csv, cache_root=tmp_path, progress=False)
    swapped = tmp_path / "swapped.csv"
    swapped.write_text(csv.read_text().replace(",Anger,", ",tmp,").replace(",sad,", ",Anger,").replace(",tmp,", ",sad,")
                       .replace("clips/", f"{layouts['manifest']}/clips/"))
    b = load_dataset(None, corpus=swapped, cache_root=tmp_path, progress=False)
    assert a.classes == b.classes and a.fingerprint != b.fingerprint
    assert sorted(a.labels.tolist()) == sorted(b.labels.tolist())


def test_corpus_mistakes_are_error_lines(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("EMODB_DIR", raising=False)
    assert main(["verify", "--corpus", "iemocap"]) == 2
    assert "error: unknown corpus 'iemocap'" in capsys.readouterr().err
    assert main(["verify", "--corpus", "emodb"]) == 2
    assert "emodb corpus folder not found (give --root DIR, set EMODB_DIR" in capsys.readouterr().err
    assert main(["cv", "--corpus", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: manifest not found" in capsys.readouterr().err


def test_one_utterance_in_two_formats_reads_the_lossless_one(layouts, tmp_path):
    """CREMA-D ships AudioWAV/ and AudioMP3/: the WAV is read, the other copy named in a warning;
    the same name twice in one format stays an error."""
    root = Path(shutil.copytree(layouts["cremad"], tmp_path / "cremad"))
    (root / "AudioOGG").mkdir()
    y, sr = sf.read(root / "AudioWAV" / "1001_DFA_ANG_HI.wav")
    sf.write(root / "AudioOGG" / "1001_DFA_ANG_HI.ogg", y, sr, format="OGG", subtype="VORBIS")
    report = verify_corpus(root, progress=False, corpus="cremad")
    assert report.ok and report.files == 48
    assert report.warnings == ["1 file(s) left out: the same utterance in another format is read instead "
                               "(AudioOGG/1001_DFA_ANG_HI.ogg)"]
    (root / "Copy").mkdir()
    shutil.copy(root / "AudioWAV" / "1001_DFA_ANG_HI.wav", root / "Copy")
    report = verify_corpus(root, progress=False, corpus="cremad")
    assert any("1001_DFA_ANG_HI appears 2 times" in e for e in report.errors)


def test_cremad_sex_from_the_demographics_table(layouts):
    index = corpus_registry.index("cremad", layouts["cremad"] / "AudioWAV")  # the table lies one folder up
    assert index.groupby("speaker")["gender"].first().to_dict() == {"1001": "male", "1002": "female",
                                                                     "1003": "female", "1004": "male"}
