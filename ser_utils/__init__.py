"""Helpers for a reproducible study of lightweight recurrent speech-emotion
recognition (SER) on RAVDESS (Livingstone & Russo 2018, PLoS ONE 13(5): e0196391).

Subpackages along the data flow (ARCHITECTURE.md); each imports only from those above it:

- ``data``       raw audio -> features: corpus index, checks, download, synthetic corpus, folds, features
- ``models``     shared layers, one file per model family, the registry from config to model, cost
- ``training``   features -> run records: the training loop, typed run records, cross-validation, tuning
- ``inference``  a checkpoint at work: predict, stream
- ``reporting``  run records -> tables and figures: summaries, plots, comparison, the README's results

Beside them: ``numerics`` (the pinned floating-point code paths, set on import), ``paths`` and ``literature``
(imported by every stage), ``pipeline`` (runs the notebooks) and ``cli`` (``python -m ser_utils``).
"""

import warnings

from ser_utils import numerics

# pin the floating-point code paths (numerics.PINNED_ENV) before numpy or torch load
numerics.apply()

# tqdm.auto (imported by some dependencies) warns in a notebook without ipywidgets; the
# progress bars the package draws are plain tqdm and need none
warnings.filterwarnings("ignore", message="IProgress not found")

__version__ = "0.1.0"
