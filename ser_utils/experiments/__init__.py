"""The study's experiments, built on training and inference (a layer between ``training`` /
``inference`` and ``reporting``): each builds its specs and runs them through ``training``
(or ``inference.transfer``), or times models. ``tuned_setting`` (the validation-chosen setting per
family, the profiles' ``tuned`` and ``nested`` blocks), ``fidelity`` (notebook 07's ladder),
``comparison`` (notebook 06's rows and costs), ``cross_corpus`` and ``shift`` (notebook
08), ``leakage`` (notebook 01's speaker leakage) and ``what_helps`` (notebook 09)."""
