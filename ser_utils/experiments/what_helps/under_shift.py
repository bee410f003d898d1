"""Does the recipe travel? The recipe against its start under notebook 08's shift inside
RAVDESS (``experiments.shift``)."""

from __future__ import annotations

import pandas as pd

from ser_utils import columns as col
from ser_utils.experiments import shift
from ser_utils.experiments.what_helps.levers import combined_spec
from ser_utils.experiments.what_helps.training import train_rungs


def shift_check(family: str, starts, recipe: dict, settings: dict, data, load, folds, shifts, runs, runs_dir,
                n_jobs=None) -> pd.DataFrame:
    """The recipe against its start under notebook 08's shift inside RAVDESS (``experiments.
    shift``): each direction of each of ``shifts`` trains both — ``starts`` (one spec per
    test fold) and ``recipe`` (``{test fold: levers}``) on them — on one condition of the
    takes only (training and validation speakers), on ``runs``, and tests the fold's new
    speakers on both conditions; ``shift.compare`` pairs them over speakers in the shifted
    condition. One row per direction, unadjusted (the notebook Holm-adjusts every family's
    rows together). ``data``: the corpus index the conditions are read from; records reused."""
    recipe_specs = [combined_spec(starts[f], recipe[f], settings) for f in range(len(folds))]
    rows = []
    for name in shifts:
        for source in shift.SHIFTS[name][1]:
            shifted_folds = shift.shift_data(data, folds, name, source)[1]

            def shifted(feature_set, name=name, source=source):
                return shift.shift_data(load(feature_set), folds, name, source)[0]

            start_recs, recipe_recs = train_rungs([list(starts), recipe_specs], shifted, shifted_folds, runs, runs_dir,
                                                  n_jobs, desc=f"{family} shift {name}={source}")
            rows.append({col.FAMILY: family, **shift.compare(data, name, source, start_recs, recipe_recs,
                                                             "start", "recipe")})
    return pd.DataFrame(rows)
