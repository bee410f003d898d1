"""Notebook 01's "What we found", computed from the tables it wrote."""

from __future__ import annotations

from ser_utils import columns as col
from ser_utils.paths import read_table
from ser_utils.reporting.findings.common import (
    TIE_SHARE,
    Finding,
    extreme,
    num,
    pm,
    signed,
)


def findings_01(out_dir) -> list[Finding]:
    out = []
    counts = read_table(out_dir, "corpus_counts_by_emotion")
    if counts is not None:
        total = int(counts[col.TOTAL].sum())
        small = counts.loc[counts[col.TOTAL].idxmin()]
        big = counts.loc[counts[col.TOTAL].idxmax()]
        out.append(Finding(
            f"The corpus has {total} utterances in {len(counts)} emotions; the rarest, {small[col.EMOTION]}, has "
            f"{int(small[col.TOTAL])}, the largest {int(big[col.TOTAL])}. Always answering the largest class scores a "
            f"[[WA]] of {num(big[col.TOTAL] / total)} but a [[UAR]] of {num(1 / len(counts))}: UAR does not reward "
            "guessing the frequent classes.", "tables/corpus_counts_by_emotion"))
    frames = read_table(out_dir, "frames_by_emotion")
    if frames is not None:
        longest = frames.loc[frames[col.FRAMES_MEAN].idxmax()]
        shortest = frames.loc[frames[col.FRAMES_MEAN].idxmin()]
        overlap = frames[col.FRAMES_MIN].max() <= frames[col.FRAMES_MAX].min()
        out.append(Finding(
            f"Utterances last {int(frames[col.FRAMES_MIN].min())}–{int(frames[col.FRAMES_MAX].max())} frames; on "
            "average "
            f"{longest[col.EMOTION]} is the longest ({num(longest[col.FRAMES_MEAN], 1)} frames) and "
            f"{shortest[col.EMOTION]} the "
            f"shortest ({num(shortest[col.FRAMES_MEAN], 1)}), "
            + ("but every emotion's range overlaps every other's: length alone cannot tell them apart."
               if overlap else "and some emotions' ranges do not overlap."), "tables/frames_by_emotion"))
    medians = read_table(out_dir, "feature_medians_by_emotion")
    if medians is not None:
        loud, tilt = "MFCC-0 mean (loudness)", "MFCC-1 mean (tilt)"
        m = medians.set_index("emotion")
        out.append(Finding(
            f"By the median of MFCC-0 (loudness) the loudest emotion is {extreme(m[loud], 'max')} and the quietest "
            f"{extreme(m[loud], 'min')}; by MFCC-1 (tilt) the brightest is {extreme(m[tilt], 'min')} and the darkest "
            f"{extreme(m[tilt], 'max')} (names within {int(TIE_SHARE * 100)} % of the emotions' range of medians "
            "count as tied). How far each box overlaps the others is in the figure.",
            "tables/feature_medians_by_emotion figures/feature_distributions_by_emotion"))
    leak = read_table(out_dir, "speaker_leakage_logreg")
    if leak is not None:
        emo = leak[leak[col.TASK] == "emotion"].set_index("split")
        rnd = emo.loc["random utterances (speakers shared)"]
        ind = emo.loc["speaker-independent folds"]
        spread = "fold_uar_std" in leak
        r_txt = pm(rnd[col.UAR_VALUE], rnd[col.FOLD_UAR_STD]) if spread else num(rnd[col.UAR_VALUE])
        i_txt = pm(ind[col.UAR_VALUE], ind[col.FOLD_UAR_STD]) if spread else num(ind[col.UAR_VALUE])
        out.append(Finding(
            f"A logistic regression on utterance statistics reaches a UAR of {r_txt} when speakers are shared "
            f"between training and test, and {i_txt} on [[speaker-independent]] folds"
            + (" (± the std over the splits)" if spread else "")
            + f": sharing speakers inflates UAR by {signed(rnd[col.UAR_VALUE] - ind[col.UAR_VALUE])}.",
            "tables/speaker_leakage_logreg"))
        identity = leak[leak[col.TASK] == "actor identity"].iloc[0]
        out.append(Finding(
            f"The same features name the actor with a UAR of {num(identity[col.UAR_VALUE])}, "
            f"{num(identity[col.UAR_VALUE] / identity[col.CHANCE], 1)}"
            f" times chance ({num(identity[col.CHANCE])}): they carry the speaker, which is why every later number is "
            "speaker-independent.", "tables/speaker_leakage_logreg"))
    return out
