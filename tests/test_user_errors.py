"""A user's mistake in the command line or a profile gives one clear error line and
exit status 2, never a traceback."""

import pytest

from conftest import REPO
from ser_utils import cli, pipeline
from ser_utils.pipeline import load_profile
from ser_utils.profiles import ProfileError


def run(argv, capsys):
    """Exit status and stderr of ``python -m ser_utils ARGV`` run in-process."""
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["cv", "--epochs", "0"], "argument --epochs: expected a positive integer, got '0'"),
    (["cv", "--runs", "0"], "argument --runs: expected a positive integer, got '0'"),
    (["cv", "--batch-size", "0"], "argument --batch-size: expected a positive integer, got '0'"),
    (["cv", "--hidden", "-4"], "argument --hidden: expected a positive integer, got '-4'"),
    (["cv", "--jobs", "two"], "argument --jobs: expected a positive integer, got 'two'"),
    (["cv", "--dropout", "1.5"], "argument --dropout: expected a number in [0, 1), got '1.5'"),
    (["cv", "--lr", "0"], "argument --lr: expected a positive number, got '0'"),
    (["cv", "--model", "transformer"], "argument --model: invalid choice: 'transformer'"),
    (["tune", "--workers", "0"], "argument --workers: expected a positive integer, got '0'"),
    (["features", "--jobs", "0"], "argument --jobs: expected a positive integer, got '0'"),
    (["synth", "out", "--speakers", "0"], "argument --speakers/--actors: expected a positive integer, got '0'"),
    (["synth", "out", "--actors", "0"], "argument --speakers/--actors: expected a positive integer, got '0'"),
    (["bench-predict", "--repeats", "0"], "argument --repeats: expected a positive integer, got '0'"),
    (["bench-predict", "--model", "/nonexistent/model.pt"], "argument --model: /nonexistent/model.pt: no such file"),
    (["predict", "a.wav", "--model", "/nonexistent/model.pt"], "/nonexistent/model.pt: no such file"),
    (["verify", "--root", "/nonexistent/corpus"], "error: /nonexistent/corpus: corpus folder not found"),
    (["tune", "--profile", "nosuchprofile"], "error: unknown profile 'nosuchprofile'"),
    (["tune", "--profile", "smoke", "--storage", "not a url"], "error: storage 'not a url' is not a database URL"),
])
def test_bad_arguments_are_one_clear_line(argv, message, capsys):
    code, err = run(argv, capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_missing_default_checkpoint_is_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SER_PROJECT_DIR", str(tmp_path))
    code, err = run(["predict", "x.wav"], capsys)
    assert code == 2 and f"error: {tmp_path}/results/quick/models/reslstm_sa_h64_clean.pt: no such model file" in err


@pytest.fixture
def profiles(tmp_path, monkeypatch):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "notebooks").symlink_to(REPO / "notebooks")
    monkeypatch.setenv("SER_PROJECT_DIR", str(tmp_path))
    return tmp_path / "profiles"


@pytest.mark.parametrize("text, message", [
    ("02_baseline_lstm_layer_sweep: {epochs: ten}",
     "02_baseline_lstm_layer_sweep.epochs: expected a positive integer, found 'ten' (str)"),
    ("03_lstm_sa_vs_reslstm_sa: {runs: 0}", "03_lstm_sa_vs_reslstm_sa.runs: expected a positive integer, found 0"),
    ("02_baseline_lstm_layer_sweep: {lr: fast}", "02_baseline_lstm_layer_sweep.lr: expected a positive number"),
    ("02_baseline_lstm_layer_sweep: {dropout: 1.2}",
     "02_baseline_lstm_layer_sweep.dropout: expected a number in [0, 1)"),
    ("06_sota_comparison: {runs: 3}", "06_sota_comparison.runs: expected a non-empty list, found 3 (int)"),
    ("09_what_helps: {levers: []}", "09_what_helps.levers: expected a non-empty list, found [] (list)"),
    ("06_sota_comparison: {runs: [1, -2]}", "06_sota_comparison.runs[1]: expected a run index (integer >= 0)"),
    ("06_sota_comparison: {wav2vec2_timing: 1}", "06_sota_comparison.wav2vec2_timing: expected true or false"),
    ("04_optuna_tuning: {models: [lstm_sa-h64, gru-h64]}",
     "04_optuna_tuning.models: model must look like 'lstm_sa-h64' or 'reslstm_sa-h32', not 'gru-h64'"),
    ("04_optuna_tuning: {pruner: hyperband}", "04_optuna_tuning.pruner: 'hyperband' is not one of median"),
    ("04_optuna_tuning: {extra_spaces: {wide: [lstm_sa-h64]}}", "04_optuna_tuning.extra_spaces: unknown space 'wide'"),
    ("07_fidelity: {studies: [reslstm_sa-h64]}",
     "07_fidelity.studies[0]: expected a [model, space] pair, found 'reslstm_sa-h64' (str)"),
    ("07_fidelity: {studies: [[reslstm_sa-h64, wide]]}", "07_fidelity.studies[0]: unknown space 'wide'"),
    ("04_optuna_tuning: {epoch: 3}", "04_optuna_tuning.epoch: unknown parameter (known: "),
    ("common: {corpus: 7}", "common.corpus: expected a non-empty string, found 7 (int)"),
    ("common: {n_jobs: 0}", "common.n_jobs: expected a positive integer, found 0"),
    ("99_nothing: {epochs: 3}", "unknown section '99_nothing'"),
    ("common: [corpus]", "common must map parameter names to values"),
    ("common: {corpus: [", "not valid YAML"),
])
def test_bad_profile_values_name_the_key(profiles, text, message, capsys):
    (profiles / "bad.yaml").write_text(text + "\n")
    with pytest.raises(ProfileError, match=r"bad\.yaml") as err:
        load_profile("bad")
    assert message in str(err.value)
    assert pipeline.main(["--profile", "bad"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    if "04_optuna_tuning" in text:
        assert run(["tune", "--profile", "bad"], capsys) == (2, f"error: {err.removeprefix('error: ')}")


def test_an_empty_shift_check_is_allowed(profiles):
    """09 without the shift check (quick's choice) is a valid profile; its levers may not be empty."""
    (profiles / "noshift.yaml").write_text("09_what_helps: {shift_check: []}\n")
    assert load_profile("noshift")["09_what_helps"]["shift_check"] == []


def test_committed_profiles_are_valid():
    for name in ("smoke", "quick", "full"):
        assert load_profile(name)["common"]["corpus"] in ("synthetic", "ravdess")


def test_unknown_notebook_in_only_is_an_error(capsys):
    assert pipeline.main(["--profile", "smoke", "--only", "03", "99_nothing"]) == 2
    err = capsys.readouterr().err
    assert "--only: unknown notebook(s) 99_nothing (known: 01_feature_exploration," in err
