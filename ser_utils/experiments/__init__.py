"""The study's experiments that combine training, inference and their records (a layer
between ``training`` / ``inference`` and ``reporting``): ``what_helps`` (notebook 09)."""
