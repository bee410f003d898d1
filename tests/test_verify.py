import json
import shutil

import numpy as np
import soundfile as sf

from ser_utils.cli import main
from ser_utils.data.verify import verify_corpus

NAME = "03-01-05-02-01-02-01.wav"


def test_clean_synthetic_corpus_is_ok(synth_root):
    report = verify_corpus(synth_root, progress=False)
    assert report.ok, report.errors
    assert report.synthetic and report.files == 120 and report.actors == 2
    assert report.per_emotion["neutral"] == 8 and report.per_emotion["angry"] == 16
    assert report.stereo == [] and report.duplicates == []


def test_missing_file_is_named(corpus_copy):
    (corpus_copy / "Actor_01" / NAME).unlink()
    report = verify_corpus(corpus_copy, progress=False)
    assert not report.ok
    assert report.errors == [f"missing file: Actor_01/{NAME[:-4]}"]


def test_missing_actor_is_named(corpus_copy):
    shutil.rmtree(corpus_copy / "Actor_02")
    report = verify_corpus(corpus_copy, progress=False)
    assert report.errors == ["missing actor 02: no files for Actor_02"]


def test_extra_file_is_named(corpus_copy):
    (corpus_copy / "Actor_03").mkdir()
    shutil.copy(corpus_copy / "Actor_01" / NAME, corpus_copy / "Actor_03" / "03-01-05-02-01-02-03.wav")
    shutil.copy(corpus_copy / "Actor_01" / NAME, corpus_copy / "Actor_01" / NAME.replace(".wav", ".flac"))
    report = verify_corpus(corpus_copy, progress=False)
    text = "\n".join(report.errors)
    assert "extra file: Actor_03/03-01-05-02-01-02-03.wav" in text
    assert f"extra file: {NAME[:-4]} appears 2 times" in text and NAME.replace(".wav", ".flac") in text


def test_empty_and_corrupt_files_are_named(corpus_copy):
    empty = corpus_copy / "Actor_01" / NAME
    sf.write(empty, np.zeros(0, dtype=np.float32), 8000)
    corrupt = corpus_copy / "Actor_02" / "03-01-03-01-01-01-02.wav"
    corrupt.write_bytes(b"RIFF\x00\x00garbage" * 10)
    report = verify_corpus(corpus_copy, progress=False)
    assert not report.ok and len(report.errors) == 2
    assert any(str(empty) in e and "empty audio" in e for e in report.errors)
    assert any(str(corrupt) in e and "unreadable audio" in e for e in report.errors)


def test_malformed_name_is_an_error_not_a_crash(corpus_copy):
    (corpus_copy / "Actor_01" / NAME).rename(corpus_copy / "Actor_01" / "03-01-05-02-01-02.wav")
    report = verify_corpus(corpus_copy, progress=False)
    assert any("03-01-05-02-01-02.wav" in e and "7 two-digit fields" in e for e in report.errors)


def test_stereo_and_duplicates_are_warnings(corpus_copy):
    path = corpus_copy / "Actor_01" / NAME
    mono, sr = sf.read(path, dtype="int16")
    sf.write(path, np.stack([mono, mono], axis=1), sr, subtype="PCM_16")
    twin = corpus_copy / "Actor_02" / "03-01-03-01-01-01-02.wav"
    shutil.copy(corpus_copy / "Actor_02" / "03-01-03-01-01-02-02.wav", twin)
    report = verify_corpus(corpus_copy, progress=False)
    assert report.ok
    assert report.stereo == [f"Actor_01/{NAME} (2 channels, identical)"]
    assert report.duplicates == [["Actor_02/03-01-03-01-01-01-02.wav", "Actor_02/03-01-03-01-01-02-02.wav"]]


def test_cli_verify_json_and_exit_status(corpus_copy, capsys):
    assert main(["verify", "--root", str(corpus_copy), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"files", "actors", "per_emotion", "stereo", "duplicates", "errors", "ok"}
    (corpus_copy / "Actor_01" / NAME).unlink()
    assert main(["verify", "--root", str(corpus_copy), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
