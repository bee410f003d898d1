"""Notebook 01's example picker (``reporting.listening``), on a hand-made index."""

import pandas as pd

from ser_utils.reporting import listening


def test_examples_by_emotion_prefers_the_strong_take_of_the_statement():
    index = pd.DataFrame({
        "actor": [1, 1, 1, 1, 1, 2],
        "emotion": pd.Categorical(["neutral", "angry", "angry", "angry", "angry", "neutral"],
                                  categories=["neutral", "angry"]),
        "statement": [1, 1, 1, 1, 2, 1],
        "intensity": ["normal", "normal", "strong", "strong", "strong", "normal"],
        "path": ["n1", "a-normal", "a-strong-2", "a-strong-1", "a-strong-s2", "other-actor"],
    })
    assert listening.examples_by_emotion(index, 1) == [("neutral", "n1"), ("angry", "a-strong-1")]
