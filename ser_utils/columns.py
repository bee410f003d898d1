"""Column names of the results tables, one constant each.

The table builders (``reporting.study``, ``sweep_tables``, ``sa_tables``, ``embedding_tables``,
``tuning_tables``, ``comparison``, ``fidelity_tables``; ``experiments.fidelity`` and ``what_helps``)
write these columns, and ``findings`` and ``readme`` read them by these names,
so a column renamed in one place is renamed everywhere. The strings are persisted in
``results/*/tables/*.csv``: change a constant's value only together with every committed table.
"""

# ---- every claim's test (``training.metrics``: the one verdict rule)
VERDICT = "verdict (alpha 0.05)"
P_HOLM = "p (Holm)"                # Holm-adjusted within a notebook's family of claims
MIN_P = "smallest attainable p"    # above alpha: the test is underpowered
CLAIM = "claim"                    # a comparison fixed in advance, or exploratory (a lead, not a claim)

# ---- a model's cross-validated summary (``summaries.summary_row`` and the tables built on it)
MODEL = "model"
PROTOCOL = "protocol"              # "clean" or "paper" (README, "The two protocols")
KIND = "kind"                      # "network" or "baseline"
SETTING = "setting"                # the hyperparameters a network was trained with, in words
PARAMETERS = "parameters"
RUNS = "runs"
EPOCHS = "epochs"
UAR_MEAN = "uar_mean"              # mean over runs of the pooled out-of-fold UAR
UAR_STD = "uar_std"                # std over runs
UAR_MAX = "uar_max"
CI95_LOW = "ci95_low"              # 95 % t-interval of the mean over runs
CI95_HIGH = "ci95_high"
CI95 = "ci95"                      # the same interval as text
WA_MEAN = "wa_mean"
WA_STD = "wa_std"
TRAIN_MINUTES = "train minutes"
UAR_TEXT = "UAR mean ± std"
UAR_MAX_TEXT = "UAR max"
WA_TEXT = "WA mean ± std"
SLIDES_UAR_TEXT = "slides UAR mean ± std (reported)"   # paper 000's value: a quotation, never ours
SLIDES_UAR_MAX = "slides UAR max (reported)"

# ---- a paired comparison over speakers (``summaries.paired_row``, ``summaries.with_holm``)
COMPARISON = "comparison"
UNIT = "unit"                      # "speaker", or "fold" where a corpus does not name its speakers
PAIRS = "pairs"
MEAN_DIFF = "mean UAR diff"        # A − B, mean over the units
DIFF_CI95_LOW = "ci95 low"         # percentile bootstrap over the units
DIFF_CI95_HIGH = "ci95 high"
TEST = "test"
P = "p"
BETTER_WORSE = "better / worse"    # units where A is better / where B is

# ---- recall tables (``summaries.recall_table``)
UAR = "UAR"
WA = "WA"

# ---- 02: the multi-layer LSTM sweep of paper 001 (``sweep_tables``)
NAME = "name"
LAYERS = "layers"
HIDDEN = "hidden"
POOLING = "pooling"
REPORTED_UAR = "reported_uar"      # paper 001's value: a quotation
SWEEP_TRAIN_MINUTES = "train_minutes"
BEST_LSTM_ABOVE = "best LSTM above it"

# ---- 03 (``sa_tables``)
PAPER_MINUS_CLEAN = "paper - clean"
DISTINCT_SETTINGS = "distinct_settings"
NESTED_UAR = "nested_uar"
GLOBAL_UAR = "global_uar"
NESTED_UAR_MEAN = "nested_uar_mean"
NESTED_UAR_STD = "nested_uar_std"
GLOBAL_UAR_MEAN = "global_uar_mean"

# ---- 06 (``comparison``): which paper a model comes from; persisted as "seed"
SOURCE_PAPER = "seed"

# ---- 05: separability of the embedding (``embedding_tables``)
REPRESENTATION = "representation"
FOLD = "fold"
RUN = "run"
KNN_UAR = "kNN emotion UAR (held-out speakers)"
KNN_WA = "kNN emotion WA (held-out speakers)"
KNN_GENDER_UAR = "kNN gender UAR (held-out speakers)"
SILHOUETTE = "silhouette by emotion (test speakers)"
REFERENCE_UAR = "reference UAR"    # the pooled UAR of what the embedding's kNN is compared with
QUANTITY = "quantity"
OURS = "ours"
UTTERANCES = "utterances"
WILSON_LOW = "wilson low"
WILSON_HIGH = "wilson high"
PAPER000_REPORTED = "seed 000 (reported)"   # paper 000's value: a quotation
EMOTION = "emotion"
RECALL = "recall"

# ---- 06 (``comparison``)
CPU_MS = "CPU ms/utt"              # one thread, batch 1, median of repeated forward passes
FEATURE_CPU_MS = "CPU ms/utt (1 thread, median)"
OURS_END_TO_END_MS = "ResLSTM-SA CPU ms/utt (features + model)"
TIMES_END_TO_END = "× ResLSTM-SA end to end"
TIMES_MODEL_ONLY = "× ResLSTM-SA model only"
LOSS_WEIGHTING = "loss weighting"

# ---- 07: the fidelity ladder and its studies (``fidelity_tables``, ``experiments.fidelity``)
SPACE = "space"                    # the search space of an Optuna study (its persisted name)
TRIAL = "trial"
COMPLETE = "complete"
PRUNED = "pruned"
TRIAL_TEST_UAR = "trial_test_uar"  # the trial's own pooled test UAR
FRESH_RUNS = "fresh_runs"
FRESH_UAR_MEAN = "fresh_uar_mean"
FRESH_CI95 = "fresh_ci95"
OPTIMISM = "optimism"              # the best-by-test trial's own test UAR − its fresh-seed mean (GLOSSARY)
COMPLETE_TRIALS = "complete_trials"
BEST_BY_TEST = "best_by_test_expected"
BEST_BY_VALIDATION = "best_by_validation_expected"
SELECTION_GAP = "selection gap"
RUNG = "rung"                      # a ladder's step (07) ...
N_RUNS = "n_runs"
RUNS_PLANNED = "runs_planned"
DELTA_VS_PREVIOUS = "delta_vs_previous"
P_VALUE = "p_value"                # the ladder's paired test, before Holm
P_HOLM_LADDER = "p_holm"           # ... and after (the ladder's own family)
SLIDES_UAR_LITERATURE = "slides_uar_literature"       # paper 000's value: a quotation
AUTHORS_CODE_UAR = "authors_code_uar_measured"        # the slides' authors' code, run here
ORACLE_FOLD_MEAN_UAR = "oracle_fold_mean_uar"
CLEAN_VAL_UAR = "clean_val_uar"
DISTINCT_TRIALS = "distinct_trials"
NESTED_TRIALS = "nested_trials"
CORE_HOURS = "core_hours"
COMPLETE_PER_CORE_HOUR = "complete_per_core_hour"
TRIALS_PER_CORE_HOUR = "trials_per_core_hour"

# ---- convergence (``reporting.summaries.convergence``)
CONVERGENCE_VERDICT = "verdict"    # plateaued / still rising / schedule-ended, cannot tell / too short to tell
LAST_FIFTH_GAIN = "last_fifth_gain"
LR_LAST_FIFTH_SHARE = "lr_last_fifth_share"

# ---- 09: what helps (``experiments.what_helps``)
FAMILY = "family"
LEVER = "lever"
DELTA_VS_START = "delta_vs_start"
DELTA_CI95_LOW = "delta_ci95_low"
DELTA_CI95_HIGH = "delta_ci95_high"
UAR_CI95_LOW = "uar_ci95_low"
UAR_CI95_HIGH = "uar_ci95_high"
MODEL_CPU_MS = "model CPU ms/utt"
TRANSDUCTIVE = "transductive"
SPEAKERS_WORSE_BETTER = "speakers worse / better"
CHECKPOINT_MODEL = "checkpoint model"   # 09's recipe against the model `predict` loads today
CHECKPOINT_RUNS = "checkpoint runs"
CHECKPOINT_UAR = "checkpoint UAR"
RECIPE_UAR = "recipe UAR"
BEST_SINGLE = "best single lever per fold"   # 09: chosen on validation speakers, as the recipe
BEST_SINGLE_UAR = "best single UAR"
LEFT_OUT = "left out for size"   # 09's recipe table: a lever that gained on validation, dropped for parameters
BEATS_CHECKPOINT = "beats checkpoint"
SCHEDULE = "schedule"              # the learning-rate schedule in words (06)

# ---- 01: the corpus and the speaker leakage (``experiments.leakage``)
TOTAL = "total"
FRAMES_MEAN, FRAMES_MIN, FRAMES_MAX = "mean", "min", "max"   # frames_by_emotion (pandas' describe)
TASK = "task"                      # "emotion" or "actor identity"
SPLIT = "split"
UAR_VALUE = "uar"                  # one UAR: 01's leakage splits, 09's Pareto points
FOLD_UAR_STD = "fold_uar_std"      # std of the UAR over the splits' test parts
CHANCE = "chance"

# ---- 04: tuning (``tuning_tables``)
CLEAN_TRIAL = "clean_trial"
CLEAN_UAR_MEAN = "clean_uar_mean"
CLEAN_UAR_STD = "clean_uar_std"
WINNER_UAR = "winner_uar"
DEFAULTS_UAR = "defaults_uar"
WINNER_MINUS_DEFAULTS = "winner - defaults"
FRESH_SEED_GAP = "fresh-seed gap (paper-style − clean)"
SELECTED_MINUS_CLEAN = "selected − clean"
SPEARMAN_RHO = "spearman_rho"
SELECTION = "selection"            # "clean" (best validation UAR) or "paper" (best test UAR)
PRUNER = "pruner"

# ---- 08: shift and cross-corpus (``experiments.shift``, ``reporting.cross_corpus``)
TRAINED_ON = "trained on"
TESTED_ON = "tested on"
TESTED_ON_SHIFTED = "tested on (shifted)"
CLASSES_SCORED = "classes scored"
UAR_SAME = "UAR same condition"
UAR_SHIFTED = "UAR shifted"
UAR_CHANGE = "UAR change"
SHARED_CLASSES = "shared classes"
FILES_SCORED = "files scored"
FILES_IN_CORPUS = "files in corpus"
CHANCE_UAR = "chance UAR"
LEFT_OUT_MERGED = "left out / merged"
CLASS = "class"
FILES = "files"

# ---- the rest that findings reads
VALUE = "value"                    # a claim's statistic (02's baseline_claims)
DETAIL = "detail"
SPEAKERS = "speakers"
PREVIOUS = "previous"              # the rung a ladder rung builds on (07)
VARIES = "varies"                  # what differs between the rows of 03's numerics spread
TEST_UAR = "test_uar"
PAPER_STYLE_POOLED_UAR = "paper_style_pooled_uar"
PAPER_STYLE_FOLD_MEAN_UAR = "paper_style_fold_mean_uar"
PAIRED_FOLDS = "paired_folds"
LEVERS = "levers"
C_PER_FOLD = "C per fold (validation speakers)"
