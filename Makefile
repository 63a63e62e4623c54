# Nexus Platform — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 3000
NEXUS_HOME ?= $(CURDIR)/.nexus
DAGSTER_HOME ?= $(NEXUS_HOME)/dagster
export NEXUS_HOME DAGSTER_HOME
# dbt and W&B never phone home from this project.
export DO_NOT_TRACK := 1
export WANDB_MODE ?= offline
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.DEFAULT_GOAL := help
.PHONY: help install-dev install-prod install-gcp seed run demo test test-fast lint lock bench \
	download-data sync sync-models-local sync-models-gcp models-local models-gcp \
	run-docker run-docker-gpu install-precommit run-precommit

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  %-20s %s\n", $$1, $$2}'

# The environment is rebuilt when the project's dependency files change.
$(BIN)/.installed-dev: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24" wheel
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install-dev: $(BIN)/.installed-dev ## create .venv with the pinned dependencies and dev tools

install-prod: ## install the platform without dev tools (what the images run)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt .

install-gcp: install-dev ## the Google Cloud extras (GCS, BigQuery, DVC on gs://)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,gcp]'

seed: install-dev ## copy the sample landing folder into NEXUS_HOME if it is empty
	$(BIN)/nexus seed

run: seed ## start dagster dev on the sample data (materialises by itself)
	$(BIN)/dagster dev -w workspace.yaml -p $(PORT)

demo: seed ## headless: convert the sample data and refresh everything once
	$(BIN)/nexus refresh

test: install-dev ## run the whole test suite
	$(BIN)/python -m pytest -q

lint: install-dev ## ruff lint + format check
	$(BIN)/ruff check nexus_platform tests bench
	$(BIN)/ruff format --check nexus_platform tests bench

lock: install-dev ## re-pin constraints.txt from the current environment
	{ echo "# Exact versions the platform is tested with (pip install -c constraints.txt ...)."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^nexus-platform'; } > constraints.txt

bench: install-dev ## run the benchmarks (prints ratios against the reference tools)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
