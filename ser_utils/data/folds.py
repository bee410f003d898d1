"""Speaker-independent folds.

``REFERENCE_FOLDS`` are the folds of the paper-000 authors' public code
(Mak-Sim/ResLSTM-SER); their test folds equal the subject-wise 5-fold CV of
Luna-Jiménez et al. (2021), whose numbers fill the paper-000 comparison table.
Validation speakers of each fold are taken from the next fold's test speakers.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

import numpy as np

from ser_utils.data.corpus import gender_of


@dataclass(frozen=True)
class Fold:
    """Speakers held out for testing and validation; every other speaker trains. (The field
    names are stored in spec.json and feed the experiment key.)"""

    test: tuple[int, ...]
    validation: tuple[int, ...]
    train: tuple[int, ...]


_REFERENCE_TEST = [(2, 5, 14, 15, 16), (3, 6, 7, 13, 18), (10, 11, 12, 19, 20), (8, 17, 21, 23, 24), (1, 4, 9, 22)]
_REFERENCE_VALIDATION = [(3, 6), (10, 11), (8, 17), (1, 14), (2, 5)]


def make_fold(test, validation, speakers) -> Fold:
    test, validation = tuple(sorted(test)), tuple(sorted(validation))
    if set(test) & set(validation):
        raise ValueError(f"test speakers {test} and validation speakers {validation} overlap")
    train = tuple(a for a in sorted(speakers) if a not in test and a not in validation)
    return Fold(test=test, validation=validation, train=train)


REFERENCE_FOLDS: tuple[Fold, ...] = tuple(
    make_fold(t, v, range(1, 25)) for t, v in zip(_REFERENCE_TEST, _REFERENCE_VALIDATION)
)


def speaker_folds(speakers, k: int = 5, n_validation: int = 2, seed: int = 0) -> list[Fold]:
    """Gender-balanced speaker-independent k folds for any list of speakers (RAVDESS's
    numbering: odd male).

    Men and women are shuffled separately (``seed``) and dealt round-robin so each
    test fold gets as even a gender mix as the counts allow; each speaker is tested
    exactly once. The validation speakers of fold i are ``n_validation`` speakers of
    fold i+1's test group, alternating genders where possible.
    """
    speakers = sorted(set(int(a) for a in speakers))
    if not 2 <= k <= len(speakers):
        raise ValueError(f"k={k} folds need between 2 and {len(speakers)} (the number of speakers)")
    rng = np.random.default_rng(seed)
    groups: list[list[int]] = [[] for _ in range(k)]
    slot = 0
    for gender in ("male", "female"):
        same = [a for a in speakers if gender_of(a) == gender]
        for a in rng.permutation(same).tolist():
            groups[slot % k].append(a)
            slot += 1
    folds = []
    for i, test in enumerate(groups):
        pool = groups[(i + 1) % k]
        men = [a for a in pool if gender_of(a) == "male"]
        women = [a for a in pool if gender_of(a) == "female"]
        interleaved = [a for pair in zip(men, women) for a in pair] + men[len(women):] + women[len(men):]
        validation = interleaved[: min(n_validation, len(pool))]
        if len(speakers) - len(test) - len(validation) < 1:
            raise ValueError(f"{len(speakers)} speakers are too few for k={k} with {n_validation} validation speakers")
        folds.append(make_fold(test, validation, speakers))
    return folds


def check_folds(folds, speakers) -> None:
    """Raise unless every speaker is tested exactly once and no fold's sets overlap."""
    tested = [a for f in folds for a in f.test]
    if sorted(tested) != sorted(set(speakers)):
        raise ValueError(f"test folds cover {sorted(tested)}, expected each of {sorted(set(speakers))} once")
    for i, f in enumerate(folds):
        if set(f.test) & set(f.validation) or set(f.train) & (set(f.test) | set(f.validation)):
            raise ValueError(f"fold {i} has overlapping test/validation/train speakers: {f}")


def corpus_folds(labels, speaker_of_utterance, genders=None, k: int | None = None, n_validation: int = 2,
                 seed: int = 0) -> list[Fold]:
    """Deterministic leave-speakers-out folds for any corpus (RAVDESS keeps
    ``REFERENCE_FOLDS``): ``k`` test groups (default ``min(5, speakers)``), each speaker
    tested once, balanced by label (and gender) where the speakers allow.

    Speakers are dealt largest first (ties in a ``seed``-shuffled order) to the test group
    with the fewest speakers, among those the one whose label and gender counts stay
    closest to the corpus' proportions. The validation speakers of fold i are up to
    ``n_validation`` speakers of fold i+1's test group (genders alternating), never so
    many that no speaker is left to train; with two speakers there are none to spare,
    and the fold's validation set is empty (training then keeps its last epoch).
    """
    labels, of = np.asarray(labels), np.asarray(speaker_of_utterance).astype(int)
    speakers = sorted(set(of.tolist()))
    if len(speakers) < 2:
        raise ValueError(f"speaker-independent folds need at least 2 speakers, found {len(speakers)}")
    k = min(5, len(speakers)) if k is None else k
    if not 2 <= k <= len(speakers):
        raise ValueError(f"k={k} folds need between 2 and {len(speakers)} (the number of speakers)")
    gender = dict(zip(of.tolist(), genders)) if genders is not None else {a: gender_of(a) for a in speakers}
    classes = sorted(set(labels.tolist()))
    sexes = sorted(set(gender.values()))
    profile = {a: np.array([np.sum((of == a) & (labels == c)) for c in classes]
                           + [np.sum(of == a) * (gender[a] == g) for g in sexes], dtype=float)
               for a in speakers}
    target = sum(profile.values()) / k
    rng = np.random.default_rng(seed)
    shuffled = [speakers[i] for i in rng.permutation(len(speakers))]
    order = sorted(shuffled, key=lambda a: -profile[a][: len(classes)].sum())  # stable: ties keep the shuffle
    groups: list[list[int]] = [[] for _ in range(k)]
    totals = [np.zeros_like(target) for _ in range(k)]
    for a in order:
        fewest = min(len(g) for g in groups)
        best = min((i for i in range(k) if len(groups[i]) == fewest),
                   key=lambda i: (float(np.sum((totals[i] + profile[a] - target) ** 2)), i))
        groups[best].append(a)
        totals[best] += profile[a]
    folds = []
    for i, test in enumerate(groups):
        pool = sorted(groups[(i + 1) % k])
        by_sex = [[a for a in pool if gender[a] == g] for g in sexes]
        interleaved = [a for tier in zip_longest(*by_sex) for a in tier if a is not None]
        room = len(speakers) - len(test) - 1  # leave at least one training speaker
        validation = interleaved[: max(0, min(n_validation, room))]
        folds.append(make_fold(test, validation, speakers))
    check_folds(folds, speakers)
    return folds
