"""Raw audio to features: ``corpus`` (file names -> index), ``verify`` (a corpus is
complete), ``download`` (find or fetch RAVDESS), ``synth`` (a synthetic corpus),
``audio`` (reading files), ``folds`` (speaker-independent folds), ``features`` (MFCC +
chroma per frame, cached; normalisation) and ``dataset`` (a corpus in memory, a fold's
splits)."""
