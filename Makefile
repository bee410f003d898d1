# The RAVDESS speech-emotion study. `make help` lists the targets.
# Every target builds the pinned virtual environment first (make setup).

SHELL      := /bin/bash
PYTHON     ?= python3
VENV       ?= .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
RAVDESS_DIR ?=
PROFILE    ?= quick
ROOT_ARG   := $(if $(RAVDESS_DIR),--root "$(RAVDESS_DIR)")
WORKERS    ?=
# STORAGE=<Optuna RDB URL> (e.g. postgresql://user:pw@host/db) shares the tuning
# studies between machines; default: SQLite in results/PROFILE/optuna.db.
ifdef STORAGE
export OPTUNA_STORAGE := $(STORAGE)
endif
# SCHEDULER=tcp://HOST:PORT runs the training jobs (cv, tune, fidelity, the notebooks') on
# that Dask cluster's workers, the records written here; default: local processes.
ifdef SCHEDULER
export DASK_SCHEDULER := $(SCHEDULER)
endif
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONUNBUFFERED := 1

.DEFAULT_GOAL := help
.PHONY: help setup data verify features synth reproduce cold-run tune fidelity what-helps tune-worker readme check-records numerics lint test bench-features bench-train bench-predict bench-stream sync lab clean

help:  ## list the targets with one line each
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: $(STAMP)  ## create .venv with the pinned dependencies (idempotent)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c requirements.lock -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

data: $(STAMP)  ## find (RAVDESS_DIR=...) or download RAVDESS, link it as data/raw/ravdess, verify it
	$(PY) -m ser_utils data $(ROOT_ARG)

verify: $(STAMP)  ## check the corpus (24 actors x 60 files, readable audio, quirks)
	$(PY) -m ser_utils verify $(ROOT_ARG)

features: $(STAMP)  ## extract and cache MFCC-34 + chroma-12 features of the corpus
	$(PY) -m ser_utils features $(ROOT_ARG)

synth: $(STAMP)  ## write the synthetic corpus used by the smoke profile to data/synthetic
	$(PY) -m ser_utils synth data/synthetic --speakers 8

reproduce: $(STAMP)  ## run the notebooks for PROFILE=smoke|quick|full (default quick) into results/PROFILE
ifneq ($(PROFILE),smoke)
	$(PY) -m ser_utils data $(ROOT_ARG)
endif
ifeq ($(PROFILE),full)
	$(PY) -m ser_utils fidelity --profile full $(if $(WORKERS),--workers $(WORKERS))
endif
	$(PY) -m ser_utils.pipeline --profile $(PROFILE)

tune: $(STAMP)  ## run notebook 04's Optuna studies for PROFILE (STORAGE=url to share, WORKERS=n)
	$(PY) -m ser_utils tune --profile $(PROFILE) $(if $(WORKERS),--workers $(WORKERS))

fidelity: $(STAMP)  ## compute notebook 07's ladder and 100-epoch studies for PROFILE (resumable; full: ~15 core-hours), then run 07
	$(PY) -m ser_utils fidelity --profile $(PROFILE) $(if $(WORKERS),--workers $(WORKERS))
	$(PY) -m ser_utils.pipeline --profile $(PROFILE) --only 07_fidelity

what-helps: $(STAMP)  ## compute notebook 09's levers, ensembles, recipe and shifts for PROFILE (resumable; full: ~35 core-hours), then run 09
	$(PY) -m ser_utils data $(ROOT_ARG)
	$(PY) -m ser_utils.pipeline --profile $(PROFILE) --only 09_what_helps

tune-worker: $(STAMP)  ## one worker joining PROFILE's studies in STORAGE (run on as many machines as you like)
	$(PY) -m ser_utils tune --profile $(PROFILE) --workers 1

readme: $(STAMP)  ## refresh the README's results section from results/quick tables
	$(PY) -m ser_utils.reporting.readme --profile quick

check-records: $(STAMP)  ## replay 2 epochs of one run record per experiment of PROFILE (exit 1 if any differs, with why)
	$(PY) -m ser_utils replay results/$(PROFILE)/runs --epochs 2 $(ROOT_ARG)

numerics: $(STAMP)  ## the floating-point code paths in force, and which operations round differently per instruction set
	$(PY) -m ser_utils numerics --probe

lint: $(STAMP)  ## ruff: import order, imports at module level, pycodestyle errors, pyflakes (pyproject.toml)
	$(VENV)/bin/ruff check ser_utils tests

test: $(STAMP) lint  ## make lint, then the test suite (synthetic corpus; real-corpus tests where RAVDESS is found)
	$(PY) -m pytest

bench-features: $(STAMP)  ## time feature extraction of the whole corpus, cold and cached
	$(PY) -m ser_utils bench-features $(ROOT_ARG)

bench-train: $(STAMP)  ## seconds per epoch: padded+masked batches vs a packed-sequence loop
	$(PY) -m ser_utils bench-train $(ROOT_ARG)

bench-predict: $(STAMP)  ## median ms to predict one 3.7 s utterance on one thread, per stage
	$(PY) -m ser_utils bench-predict $(ROOT_ARG)

bench-stream: $(STAMP)  ## time and peak memory of predict --stream on 10 min and 1 h of audio
	$(PY) -m ser_utils bench-stream $(ROOT_ARG)

sync: $(STAMP)  ## sync each notebooks/*.ipynb with its py:percent twin (jupytext)
	$(VENV)/bin/jupytext --sync notebooks/[0-9][0-9]_*.py

lab: $(STAMP)  ## open JupyterLab on the notebooks
	eval "$$($(PY) -m ser_utils numerics --env)" && $(VENV)/bin/jupyter lab --notebook-dir=.

cold-run: $(STAMP)  ## time the quick profile from nothing: results/quick moves to results/quick.previous, then make reproduce (put back if it fails)
	@if [ -d results/quick ]; then rm -rf results/quick.previous && mv results/quick results/quick.previous; \
	elif [ -d results/quick.previous ]; then echo "cold-run: no results/quick; results/quick.previous is kept (the only copy)"; fi; \
	restore() { [ -d results/quick.previous ] || return 0; rm -rf results/quick.failed; \
	  if [ -d results/quick ]; then mv results/quick results/quick.failed; fi; \
	  mv results/quick.previous results/quick && echo "cold-run failed: results/quick is back as it was$$( \
	  [ ! -d results/quick.failed ] || echo " (the failed run's output: results/quick.failed)")" >&2; }; \
	trap 'restore; exit 130' INT TERM; \
	$(MAKE) reproduce PROFILE=quick || { rc=$$?; restore; exit $$rc; }

clean:  ## remove caches (data/interim); keeps .venv, data/raw and results
	rm -rf data/interim .pytest_cache
