"""The identifiers say what a thing is (ARCHITECTURE.md, "Vocabulary"); the strings stored in
run records, experiment keys, Optuna study names, tables and profiles stay as they were written.
(Every committed experiment keeping its key: ``test_what_helps.test_every_committed_experiment_keeps_its_key``.)"""

import json
import subprocess
from dataclasses import fields

import pytest

from ser_utils.models import AUTHORS_COMPUTATION, MASKED_COMPUTATION, ModelConfig
from ser_utils.models.config import FIELD_MEANINGS
from ser_utils.paths import project_dir
from ser_utils.pipeline import notebook_names
from ser_utils.profiles import ProfileError, check_profile
from ser_utils.training import AUTHORS_SEEDING, DISTINCT_SEEDING, RunRecord, Spec, run_seed, tuning
from ser_utils.training.records import upgraded


def test_stored_names_of_seedings_computations_and_search_spaces():
    # three things the authors' code does, each with its own identifier, all stored as "reference"
    assert (AUTHORS_SEEDING, DISTINCT_SEEDING) == ("reference", "distinct")
    assert (AUTHORS_COMPUTATION, MASKED_COMPUTATION) == ("reference", "masked")
    assert (tuning.SLIDES_SPACE, tuning.WIDE_SPACE) == ("seed000", "reference")
    assert set(tuning.SPACES) == {"seed000", "reference"}
    assert Spec().seeding == "distinct" and ModelConfig().computation == "masked"
    assert [run_seed(Spec(seeding=AUTHORS_SEEDING), 3, f) for f in range(2)] == [42, 142]


def test_study_names_keep_the_stored_space_name():
    class Data:
        fingerprint = "abc123"

    plan = tuning.Plan("lstm_sa", 64)
    assert plan.space == "seed000"
    assert plan.study_name(Data) == "lstm_sa-h64-seed000-clean-mfcc+chroma-e100-median-s0-abc123"


def test_a_profile_may_still_name_a_renamed_parameter(tmp_path):
    notebooks = {n: project_dir() / "notebooks" / f"{n}.ipynb" for n in notebook_names()}
    conf = check_profile({"common": {"corpus": "synthetic", "synthetic_actors": 6}}, tmp_path / "p.yaml", notebooks)
    assert conf["common"] == {"corpus": "synthetic", "synthetic_speakers": 6}
    with pytest.raises(ProfileError, match="synthetic_actors: given beside its new name synthetic_speakers"):
        check_profile({"common": {"synthetic_actors": 6, "synthetic_speakers": 6}}, tmp_path / "p.yaml", notebooks)


def test_run_records_keep_their_stored_field_names():
    """``RunRecord.fold_speakers`` is stored as ``fold_actors``: a committed record reads, and
    writes back the same fields and values; a new record's file has ``fold_actors`` where the
    field stands."""
    out = subprocess.run(["git", "ls-files", "results/*/runs/*/run*-fold*.json"], cwd=project_dir(),
                         capture_output=True, text=True).stdout.split()
    if not out:
        pytest.skip("no committed run records")
    raw = json.loads((project_dir() / out[0]).read_text())
    record = RunRecord.from_dict(raw)
    assert record.fold_speakers == raw["fold_actors"]
    assert record.to_dict() == upgraded(raw)
    names = list(record.to_dict())
    assert "fold_speakers" not in names and names.index("fold_actors") == [f.name for f in fields(RunRecord)].index(
        "fold_speakers")


@pytest.mark.parametrize("cfg, reading, value", [
    (ModelConfig("lstm_baseline", layers=3), "lstm_layers", 3),
    (ModelConfig("cnn_bilstm_stl", layers=5, heads=4), "transformer_layers", 5),
    (ModelConfig("cnn_bilstm_stl", layers=5, heads=4), "attention_heads", 4),
    (ModelConfig("lstm_sa", heads=2), "attention_vectors", 2),
    (ModelConfig("reslstm_sa"), "attention_vectors", 1),
    (ModelConfig("dense_lstm", variant="time", widths=(8,), dense=8), "dense_attention", "time"),
    (ModelConfig("multitask_cnn", variant="sum"), "loss_weighting", "sum"),
])
def test_each_family_reads_a_shared_field_under_its_own_name(cfg, reading, value):
    assert getattr(cfg, reading) == value
    field = next(f for f, readings in FIELD_MEANINGS.items() if reading in readings)
    assert getattr(cfg, field) == value   # the stored field itself
    other = ModelConfig("lstm_baseline" if cfg.name != "lstm_baseline" else "lstm_sa")
    with pytest.raises(ValueError, match=f"{reading} is .*'s reading of ModelConfig.{field}"):
        getattr(other, reading)


def test_the_family_readings_leave_the_stored_fields_alone():
    cfg = ModelConfig("cnn_bilstm_stl", layers=5, heads=4)
    assert set(cfg.to_dict()) == {"name", "input_dim", "hidden", "layers", "pooling", "heads", "dropout", "n_classes"}
    every = {reading for readings in FIELD_MEANINGS.values() for reading in readings}
    assert every == {"lstm_layers", "transformer_layers", "attention_vectors", "attention_heads", "dense_attention",
                     "loss_weighting"}
