"""Raw audio to features: ``corpus`` (file names -> index), ``verify`` (a corpus is
complete), ``download`` (find or fetch RAVDESS), ``synth`` (a synthetic corpus),
``audio`` (reading files), ``folds`` (speaker-independent folds), ``features`` (MFCC +
chroma per frame, cached; normalisation), ``dataset`` (a corpus in memory, a fold's
splits), ``corpus_registry`` and ``readers`` (the corpora other than RAVDESS) and
``project_data`` (the corpus a profile names, loaded with its folds)."""
