"""A trained model at work: ``checkpoint`` (a self-contained model file), ``predict``
(emotion of audio files) and ``stream`` (running predictions over chunks)."""
