"""Nested selection: a choice (hyperparameters, a winner) made for each outer test fold
from the validation scores of speakers outside that fold only.

With the reference folds every fold's validation speakers are test speakers of another
fold ({3, 6} are in test fold 1, {10, 11} in fold 2, {8, 17} in fold 3, 1 in fold 4 and
14 in fold 0, {2, 5} in fold 0), so a choice by the mean validation UAR over the five
folds is steered by the labels of the very speakers it is then tested on. Here, for test
fold j, only the folds k whose validation speakers are all outside test fold j vote
(``voters``): with the reference folds, fold 0 is chosen by folds 0-2, fold 1 by folds
1-4, fold 2 by folds 0, 2-4, fold 3 by folds 0, 1, 3, 4 and fold 4 by folds 0-2 and 4.

What this removes and what it does not: no validation score of a test speaker steers
that speaker's setting. The voting folds' models were trained on speakers that include
test fold j (the studies' trials are ordinary 5-fold runs), so fold j's labels still
shaped the inner models; a true inner cross-validation on fold j's training speakers
only would remove that as well, at five times the cost of a study.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def voters(folds) -> list[list[int]]:
    """For each test fold j, the folds k whose validation speakers are all outside test fold j."""
    return [[k for k, inner in enumerate(folds) if not set(inner.validation) & set(outer.test)] for outer in folds]


@dataclass(frozen=True)
class Candidate:
    """One configuration with its validation UAR on each fold (a study's complete trial)."""

    name: str                 # e.g. "trial 11"
    params: dict
    fold_val_uar: tuple       # one per fold, in fold order
    order: int = 0            # ties: the lower wins (the earlier trial)


def choose(candidates, folds) -> list[Candidate]:
    """For each test fold, the candidate of best mean validation UAR over that fold's
    ``voters`` (ties: the lower ``order``)."""
    votes = voters(folds)
    out = []
    for j in range(len(folds)):
        if not votes[j]:
            raise ValueError(f"test fold {j}: every fold's validation speakers are in it; nothing can choose for it")
        out.append(max(candidates, key=lambda c: (float(np.mean([c.fold_val_uar[k] for k in votes[j]])), -c.order)))
    return out


def choose_global(candidates) -> Candidate:
    """The non-nested choice: best mean validation UAR over all folds (ties: lower ``order``)."""
    return max(candidates, key=lambda c: (float(np.mean(c.fold_val_uar)), -c.order))
