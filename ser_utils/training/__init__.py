"""From features to run records: ``loop`` (the specs, one fold's training, one recorded
job), ``records`` (the typed run record), ``cv`` (cross-validation), ``metrics`` (UAR and
friends), ``tuning`` (Optuna studies and their winners) and ``bench`` (``bench-train``)."""

from ser_utils.training.cv import (
                                   cross_validate,
                                   cross_validate_many,
                                   cross_validate_per_fold,
                                   pooled_predictions,
                                   pooled_uar,
                                   pooled_wa,
)
from ser_utils.training.loop import (
    AUTHORS_SEEDING,
    DISTINCT_SEEDING,
    TRAINER_VERSION,
    Spec,
    TrainConfig,
    experiment_key,
    run_job,
    run_seed,
    train_fold,
)
from ser_utils.training.records import RECORD_VERSION, Predictions, RunRecord, record_path

__all__ = ["AUTHORS_SEEDING", "DISTINCT_SEEDING", "RECORD_VERSION", "TRAINER_VERSION", "Predictions", "RunRecord",
           "Spec", "TrainConfig", "cross_validate",
           "cross_validate_many", "cross_validate_per_fold", "experiment_key", "pooled_predictions",
           "pooled_uar", "pooled_wa", "record_path", "run_job", "run_seed",
           "train_fold"]
