import pytest

from ser_utils.data.corpus import gender_of
from ser_utils.data.folds import REFERENCE_FOLDS, check_folds, speaker_folds

# DESIGN.md: test and validation actors of the paper-000 authors' code.
DESIGN_TEST = [[2, 5, 14, 15, 16], [3, 6, 7, 13, 18], [10, 11, 12, 19, 20], [8, 17, 21, 23, 24], [1, 4, 9, 22]]
DESIGN_VALIDATION = [[3, 6], [10, 11], [8, 17], [1, 14], [2, 5]]


def test_reference_folds_equal_design():
    assert [list(f.test) for f in REFERENCE_FOLDS] == DESIGN_TEST
    assert [list(f.validation) for f in REFERENCE_FOLDS] == DESIGN_VALIDATION


def test_reference_folds_disjoint_and_each_speaker_tested_once():
    check_folds(REFERENCE_FOLDS, range(1, 25))
    for f in REFERENCE_FOLDS:
        assert sorted(f.test + f.validation + f.train) == list(range(1, 25))
        assert not set(f.test) & set(f.validation)
        assert not set(f.train) & (set(f.test) | set(f.validation))


@pytest.mark.parametrize("speakers, k", [(range(1, 25), 5), (range(1, 9), 4), ([1, 2, 3, 4, 5, 6], 3)])
def test_speaker_folds_balanced_and_complete(speakers, k):
    folds = speaker_folds(speakers, k=k, seed=3)
    check_folds(folds, speakers)
    for f in folds:
        men = sum(gender_of(a) == "male" for a in f.test)
        assert abs(men - (len(f.test) - men)) <= 1
        assert f.validation and not set(f.validation) & set(f.test)
        assert f.train
    assert speaker_folds(speakers, k=k, seed=3) == folds
    assert speaker_folds(speakers, k=k, seed=4) != folds or len(list(speakers)) <= k


def test_check_folds_catches_a_speaker_tested_twice():
    bad = list(REFERENCE_FOLDS)
    bad[1] = bad[0]
    with pytest.raises(ValueError, match="test folds cover"):
        check_folds(bad, range(1, 25))


def test_too_many_folds_is_an_error():
    with pytest.raises(ValueError, match="folds need"):
        speaker_folds([1, 2], k=3)
