"""Notebook 09 (issue 27): what a small model can honestly reach, and at what cost.

Each h64 family starts from its nested tuned setting under the clean protocol (the spec
notebook 03 trains, so its records are reused) and takes **one lever at a time**, each a
rung compared with the start on the same runs, speakers as the unit (``speaker_paired``):

======================  ==================================================================
lever                   what changes (``LEVERS``; settings in ``DEFAULT_SETTINGS``)
======================  ==================================================================
speed                   speed-perturbed copies (0.9 / 1.1) of the training utterances
specaugment             time and feature masks on the training batches
noise                   noisy copies of the training utterances, SNR drawn in a range
egemaps                 openSMILE's 25 eGeMAPS descriptors *instead of* MFCC-34 + chroma-12
mfcc+egemaps            the eGeMAPS descriptors *beside* MFCC-34 + chroma-12 (71 features)
logmel+deltas           40 log-mel bands and their deltas (80 features)
speaker_norm            per-speaker normalisation — **transductive**: it uses each test
                        speaker's unlabelled audio; deployed, it needs enrolment audio
label_smoothing         targets smoothed by e
mixup                   two training utterances mixed, Beta(a, a)
ensemble                the mean of k models' probabilities (k seeds of the start)
distilled               the ensemble distilled into one model of the start's size
capacity                the family at a larger hidden size, where its parameters allow
======================  ==================================================================

Then every combinable lever (``COMBINABLE``: one feature set at most; ``speaker_norm`` only
where the notebook allows transductive levers) with a validation gain above ``min_gain`` joins
one **recipe**, chosen for each outer test fold on validation speakers outside it
(``recipe_per_fold``), never on test speakers.

The package, along the notebook's flow: ``levers`` (the rungs' specs), ``timing`` (their cost),
``training``, ``ensemble`` (and distillation), ``paired`` (speakers as the unit), ``recipe``
(the nested choice; the recipe against its best single lever), ``under_shift`` (08's shift),
``versus_checkpoint`` (``predict``'s model) and ``tables`` (with the Pareto figure's points).
Every name is re-exported here: ``from ser_utils.experiments import what_helps as W``.
"""

from ser_utils.experiments.what_helps.levers import (  # noqa: I001 - in the flow's order
    LEVERS, DESCRIPTION, FEATURE_LEVERS, TRANSDUCTIVE, COMBINABLE, DEFAULT_SETTINGS, BASE_CONFIG, settings_with,
    start_spec, start_specs, is_nested, lever_spec, recipe_words, combined_spec, Rung, GOAL_UAR, GOAL_PARAMETERS,
    GOAL_MODEL_MS,
)
from ser_utils.experiments.what_helps.timing import (  # noqa: I001 - in the flow's order
    model_ms, feature_ms, feature_repeats, baseline_ms,
)
from ser_utils.experiments.what_helps.training import (  # noqa: I001 - in the flow's order
    data_for, train_specs, train_rungs, train_folds, lever_rungs,
)
from ser_utils.experiments.what_helps.ensemble import (  # noqa: I001 - in the flow's order
    ENSEMBLE_RUN_BASE, member_runs, member_spec, ensemble_records, teacher_targets, TEACHER_NAME, teacher_tag,
    teacher_name, parse_teacher, distillation_data, ensemble_rungs,
)
from ser_utils.experiments.what_helps.paired import (  # noqa: I001 - in the flow's order
    speaker_lookup, speaker_uars, speaker_paired,
)
from ser_utils.experiments.what_helps.recipe import (  # noqa: I001 - in the flow's order
    allowed_validation_folds, fold_means, validation_gain, TIE, largest_gain, recipe_per_fold, lever_gains,
    within_parameters,
    recipe_choices, recipe_rung, IDENTICAL, best_single_per_fold, SINGLE_EXPLORATORY, single_claim, recipe_vs_single,
)
from ser_utils.experiments.what_helps.under_shift import (  # noqa: I001 - in the flow's order
    shift_check,
)
from ser_utils.experiments.what_helps.versus_checkpoint import (  # noqa: I001 - in the flow's order
    checkpoint_records, against_checkpoint, switch_family, recipe_checkpoint,
)
from ser_utils.experiments.what_helps.tables import (  # noqa: I001 - in the flow's order
    c_words, baseline_table, table, label_config, pareto_points,
)

__all__ = [
    "LEVERS", "DESCRIPTION", "FEATURE_LEVERS", "TRANSDUCTIVE", "COMBINABLE", "DEFAULT_SETTINGS", "BASE_CONFIG",
    "settings_with", "start_spec", "start_specs", "is_nested", "lever_spec", "recipe_words", "combined_spec", "Rung",
    "GOAL_UAR", "GOAL_PARAMETERS", "GOAL_MODEL_MS",
    "model_ms", "feature_ms", "feature_repeats", "baseline_ms", "data_for", "train_specs", "train_rungs", "train_folds",
    "lever_rungs", "member_runs", "member_spec", "ensemble_records", "teacher_targets", "TEACHER_NAME",
    "teacher_tag", "teacher_name", "parse_teacher", "distillation_data", "ensemble_rungs", "ENSEMBLE_RUN_BASE",
    "speaker_lookup", "speaker_uars", "speaker_paired", "allowed_validation_folds", "fold_means",
    "validation_gain", "TIE", "largest_gain", "recipe_per_fold", "lever_gains", "within_parameters", "recipe_choices",
    "recipe_rung",
    "IDENTICAL", "best_single_per_fold", "SINGLE_EXPLORATORY", "single_claim", "recipe_vs_single", "shift_check",
    "checkpoint_records", "against_checkpoint",
    "switch_family", "recipe_checkpoint", "c_words", "baseline_table", "table", "label_config", "pareto_points",
]
