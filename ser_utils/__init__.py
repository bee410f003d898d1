"""Helpers for a reproducible study of lightweight recurrent speech-emotion
recognition (SER) on RAVDESS (Livingstone & Russo 2018, PLoS ONE 13(5): e0196391).

Modules, one concern each:

- ``paths``     where the project keeps raw data, caches and results
- ``corpus``    RAVDESS file names -> an index table
- ``verify``    checks that a corpus is complete and readable
- ``download``  locating or downloading RAVDESS
- ``folds``     speaker-independent folds (the reference ones and generated ones)
- ``synth``     a deterministic synthetic corpus in RAVDESS layout (tests, smoke runs)
- ``audio``     reading audio files with clear errors
- ``features``  MFCC-34 + chroma-12 per frame, disk cache, normalisation
- ``cli``       ``python -m ser_utils``
"""

__version__ = "0.1.0"
