"""Speakers as the unit: every comparison of notebook 09 pairs per-speaker UARs, each
averaged over a side's runs (exact sign-flip test, bootstrap interval)."""

from __future__ import annotations

import numpy as np

from ser_utils.training import metrics


def speaker_lookup(data) -> dict:
    """``{file stem: speaker}`` of a dataset."""
    return dict(zip(data.ids, (int(a) for a in data.speakers)))


def speaker_uars(records, speaker_of: dict) -> dict:
    """``{speaker: UAR}``: each test speaker's UAR (their utterances pooled), averaged over runs."""
    per: dict = {}
    for r in records:
        for s, v in metrics.speaker_uars(r.test.ids, r.test.labels, r.test.preds, lookup=speaker_of).items():
            per.setdefault(int(s), {})[r.run] = v
    return {s: float(np.mean(list(v.values()))) for s, v in per.items()}


def speaker_paired(records_a, records_b, speaker_of: dict, alpha: float = 0.05) -> dict:
    """Paired comparison of a - b with the speaker as the unit: each speaker's UAR averaged
    over each side's own runs (an ensemble's one record against the start's single models),
    then ``metrics.speaker_paired_comparison`` (exact sign-flip test, bootstrap interval)."""
    return metrics.speaker_paired_comparison(speaker_uars(records_a, speaker_of),
                                             speaker_uars(records_b, speaker_of), alpha)
