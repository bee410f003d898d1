"""The identifiers say what a thing is (ARCHITECTURE.md, "Vocabulary"); the strings stored in
run records, experiment keys, Optuna study names, tables and profiles stay as they were written.
(Every committed experiment keeping its key: ``test_what_helps.test_every_committed_experiment_keeps_its_key``.)"""

from ser_utils.models import AUTHORS_COMPUTATION, MASKED_COMPUTATION, ModelConfig
from ser_utils.training import AUTHORS_SEEDING, DISTINCT_SEEDING, Spec, run_seed, tuning


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
