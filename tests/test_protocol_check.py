"""The corpus is checked against the protocol before any training: missing actors or
files are named and nothing trains; `data` verifies a copy before linking it."""

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from ser_utils import cli, pipeline
from ser_utils.data.corpus import CorpusError
from ser_utils.data.verify import SYNTH_MARKER, require_complete

NAME = "03-01-05-02-01-02-01.wav"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with the real notebooks and a profile folder of our own."""
    root = tmp_path / "project"
    (root / "profiles").mkdir(parents=True)
    (root / "notebooks").symlink_to(REPO / "notebooks")
    monkeypatch.setenv("SER_PROJECT_DIR", str(root))
    monkeypatch.setenv("SER_DATA_DIR", str(tmp_path / "data"))
    return root


@pytest.fixture
def ravdess_like(learn_data, tmp_path):
    """The 12-actor synthetic corpus without its marker: to the project, a RAVDESS
    copy missing actors 13-24."""
    root = Path(shutil.copytree(Path(learn_data.index.path.iloc[0]).parents[1], tmp_path / "ravdess"))
    (root / SYNTH_MARKER).unlink()
    return root


def test_require_complete_names_what_is_missing(corpus_copy):
    (corpus_copy / "Actor_01" / NAME).unlink()
    shutil.rmtree(corpus_copy / "Actor_02")
    with pytest.raises(CorpusError) as err:
        require_complete(corpus_copy)
    assert str(err.value) == (f"{corpus_copy}: the corpus does not match the protocol, training refused "
                              f"(2 problem(s)):\n  missing file: Actor_01/{NAME[:-4]}\n"
                              "  missing actor 02: no files for Actor_02")


def test_cv_refuses_a_corpus_missing_speakers(ravdess_like, tmp_path, capsys):
    code = cli.main(["cv", "--root", str(ravdess_like), "--model", "lstm_sa", "--hidden", "8", "--epochs", "1",
                     "--runs-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2 and "training refused (12 problem(s))" in err
    assert all(f"missing actor {a:02d}: no files for Actor_{a:02d}" in err for a in range(13, 25))
    assert not (tmp_path / "runs").exists()


def test_features_refuses_a_corpus_missing_a_file(corpus_copy, tmp_path, capsys):
    (corpus_copy / "Actor_01" / NAME).unlink()
    assert cli.main(["features", "--root", str(corpus_copy), "--cache", str(tmp_path / "cache")]) == 2
    assert f"missing file: Actor_01/{NAME[:-4]}" in capsys.readouterr().err
    assert not (tmp_path / "cache").exists()


def test_tune_and_pipeline_refuse_before_running(project, ravdess_like, tmp_path, capsys):
    (project / "profiles" / "partial.yaml").write_text(
        f"common:\n  corpus: {ravdess_like}\n04_optuna_tuning:\n  models: [lstm_sa-h8]\n  epochs: 1\n  trials: 1\n")
    out = tmp_path / "out"
    assert cli.main(["tune", "--profile", "partial", "--out-dir", str(out)]) == 2
    assert "missing actor 24" in capsys.readouterr().err and not out.exists()
    assert pipeline.main(["--profile", "partial", "--out-dir", str(out)]) == 2
    assert "missing actor 24" in capsys.readouterr().err and not out.exists()


def test_data_verifies_before_linking(corpus_copy, synth_root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RAVDESS_DIR", raising=False)
    link = tmp_path / "data" / "raw" / "ravdess"
    assert cli.main(["data", "--root", str(synth_root)]) == 0
    assert link.resolve() == synth_root.resolve()
    (corpus_copy / "Actor_01" / NAME).unlink()
    assert cli.main(["data", "--root", str(corpus_copy)]) == 1
    assert "data/raw/ravdess left as it was" in capsys.readouterr().err
    assert link.resolve() == synth_root.resolve()
