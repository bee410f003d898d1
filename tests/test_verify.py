import json
import shutil
from pathlib import Path

import numpy as np
import soundfile as sf

from ser_utils.cli import main
from ser_utils.data.synth import make_corpus
from ser_utils.data.verify import verify_corpus

NAME = "03-01-05-02-01-02-01.wav"


def test_clean_synthetic_corpus_is_ok(synth_root):
    report = verify_corpus(synth_root, progress=False)
    assert report.ok, report.errors
    assert report.synthetic and report.files == 120 and report.speakers == 2
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


def test_stereo_and_the_known_identical_pair_are_warnings(tmp_path):
    root = make_corpus(tmp_path / "c", speakers=(7,), seed=0, sample_rate=8000, emotions=(3,))
    path = root / "Actor_07" / "03-01-03-02-01-01-07.wav"
    mono, sr = sf.read(path, dtype="int16")
    sf.write(path, np.stack([mono, mono], axis=1), sr, subtype="PCM_16")
    shutil.copy(root / "Actor_07" / "03-01-03-01-02-01-07.wav", root / "Actor_07" / "03-01-03-01-02-02-07.wav")
    report = verify_corpus(root, progress=False)
    assert report.ok, report.errors
    assert report.stereo == ["Actor_07/03-01-03-02-01-01-07.wav (2 channels, identical)"]
    assert report.duplicates == [["Actor_07/03-01-03-01-02-01-07.wav", "Actor_07/03-01-03-01-02-02-07.wav"]]


def test_a_new_identical_pair_is_an_error(corpus_copy):
    twin = corpus_copy / "Actor_02" / "03-01-03-01-01-02-02.wav"
    shutil.copy(corpus_copy / "Actor_02" / "03-01-03-01-01-01-02.wav", twin)
    report = verify_corpus(corpus_copy, progress=False)
    assert report.duplicates == []
    assert report.errors == ["identical audio: Actor_02/03-01-03-01-01-02-02.wav is a byte-identical copy of "
                             "Actor_02/03-01-03-01-01-01-02.wav (not RAVDESS's one known identical pair)"]


def test_truncated_and_zero_byte_files_are_named(corpus_copy):
    truncated = corpus_copy / "Actor_01" / NAME
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    assert sf.info(truncated).frames > 0  # libsndfile alone reads it as a shorter file
    zero = corpus_copy / "Actor_02" / "03-01-03-01-01-01-02.wav"
    zero.write_bytes(b"")
    report = verify_corpus(corpus_copy, progress=False)
    missing = len(data) - 44 - (len(data) // 2 - 44)
    assert report.errors == [f"{truncated}: truncated: the WAV header announces {missing} more bytes of audio "
                             "than the file holds", f"{zero}: empty file (0 bytes)"]


def unreadable(folder, monkeypatch):
    """Make ``folder`` unlistable: chmod 000, and where that does not stop us (root)
    a listing that fails as the OS would."""
    folder.chmod(0)
    try:
        list(folder.iterdir())
    except PermissionError:
        return
    real = Path.iterdir

    def iterdir(self):
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)


def test_unreadable_actor_folder_is_named(corpus_copy, monkeypatch, capsys):
    folder = corpus_copy / "Actor_02"
    unreadable(folder, monkeypatch)
    try:
        report = verify_corpus(corpus_copy, progress=False)
        assert report.errors[0] == f"unreadable folder: {folder} (Permission denied)"
        assert report.errors[1:] == ["missing actor 02: no files for Actor_02"]
        assert main(["verify", "--root", str(corpus_copy)]) == 1
        assert f"ERROR: unreadable folder: {folder}" in capsys.readouterr().out
    finally:
        folder.chmod(0o755)


def test_cli_verify_json_and_exit_status(corpus_copy, capsys):
    assert main(["verify", "--root", str(corpus_copy), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"files", "actors", "per_emotion", "stereo", "duplicates", "errors", "ok"}
    (corpus_copy / "Actor_01" / NAME).unlink()
    assert main(["verify", "--root", str(corpus_copy), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
