# Nexus Platform — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 3000
SEARCH_PORT ?= 8700
NEXUS_HOME ?= $(CURDIR)/.nexus
DAGSTER_HOME ?= $(NEXUS_HOME)/dagster
export NEXUS_HOME DAGSTER_HOME
# dbt and W&B never phone home from this project.
export DO_NOT_TRACK := 1
export WANDB_MODE ?= offline
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.DEFAULT_GOAL := help
.PHONY: help dbt-parse install-system install-browser install-dev install-prod install-gcp seed run demo test test-fast lint lock bench \
	download-data sync sync-models-local sync-models-gcp models-local models-gcp \
	run-docker run-docker-gpu install-precommit run-precommit install-postgres run-prod-local

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  %-20s %s\n", $$1, $$2}'

# The environment is rebuilt when the project's dependency files change.
$(BIN)/.installed-dev: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24" wheel
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install-dev: $(BIN)/.installed-dev ## create .venv with the pinned dependencies and dev tools

# What no wheel carries: Tesseract with its German and English language data reads the text
# of scans and images (OCR). apt-get when run as root (CI, containers); otherwise the command
# to run is printed. Nothing happens when the packages are there.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng
install-system: ## install the system packages: Tesseract OCR with German and English
	@langs="$$(tesseract --list-langs 2>/dev/null)"; \
	if grep -qx deu <<<"$$langs" && grep -qx eng <<<"$$langs"; then exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "make $@: needs root: apt-get install $(SYSTEM_PACKAGES)" >&2; exit 2; fi

# Debian's Chromium for the search web page test: Playwright drives this browser and never
# downloads one of its own. Same rules as install-system.
BROWSER_PACKAGES := chromium fonts-liberation
install-browser: ## install the system Chromium the web page test drives
	@if command -v chromium >/dev/null; then exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; \
	else echo "make $@: needs root: apt-get install $(BROWSER_PACKAGES)" >&2; exit 2; fi

# What production adds to the core: the `gcp` extra (Postgres instance storage, dbt-bigquery).
# dbt-bigquery 1.11 (the production dbt target) pins google-cloud-storage<3.2 while the lock has
# a newer one: that single pin is relaxed, everything else stays locked. The images do the same.
GCP_CONSTRAINTS := $(VENV)/constraints-gcp.txt
define install_gcp_extra
	@grep -v '^google-cloud-storage==' constraints.txt > $(GCP_CONSTRAINTS)
	$(BIN)/pip install --quiet -c $(GCP_CONSTRAINTS) -e '.[gcp]'
endef

# Editable like the images: the package reads tasks/, config/, dbt/ and sample_data/ beside it.
install-prod: ## install the platform without dev tools, with the production extras (what the images run)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call install_gcp_extra)

install-gcp: install-dev ## the production extras for Google Cloud: dbt-bigquery, dagster-postgres
	$(call install_gcp_extra)

seed: install-dev ## copy the sample landing folder into NEXUS_HOME if it is empty
	$(BIN)/nexus seed

# The dbt models become assets from dbt's manifest, prepared offline by `dbt parse`.
dbt/target/manifest.json: $(BIN)/.installed-dev $(wildcard dbt/*.yml dbt/models/*/*.sql dbt/models/*/*.yml dbt/tests/*.sql)
	cd dbt && $(abspath $(BIN))/dbt parse --quiet --profiles-dir .

dbt-parse: dbt/target/manifest.json ## prepare the dbt manifest the definitions load

# scripts/run_local.sh starts the search service (`nexus serve`, SEARCH_PORT) beside it and
# stops both on Ctrl-C.
run: seed dbt-parse ## start dg dev (webserver + daemon) on the sample data (materialises by itself) and the search service
	NEXUS_SEARCH_PORT=$(SEARCH_PORT) BIN=$(BIN) scripts/run_local.sh $(BIN)/dg dev -w workspace.yaml -p $(PORT)

demo: seed dbt-parse ## headless: convert the sample data and refresh everything once
	$(BIN)/nexus refresh

test: install-dev dbt-parse ## run the whole test suite
	$(BIN)/python -m pytest -q

lint: install-dev ## ruff lint + format check
	$(BIN)/ruff check nexus_platform tests bench
	$(BIN)/ruff format --check nexus_platform tests bench

# Local version labels (torch's `+cpu`) name a build, not a release: PyPI never serves them, so
# the lock pins the public version and the index a machine installs from picks the build.
lock: install-dev ## re-pin constraints.txt from the current environment
	{ echo "# Exact versions the platform is tested with (pip install -c constraints.txt ...)."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/pip list --format=freeze --exclude-editable | grep -v '^nexus-platform' \
	    | sed -E 's/^([^=]+==[^+]+)\+.*$$/\1/'; } > constraints.txt

bench: install-dev ## run the benchmarks (prints ratios against the reference tools)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# --- data and models --------------------------------------------------------------------------
# A target that needs a `nexus` sub-command another part of the platform provides says which
# one is missing instead of failing with argparse's usage text.
define require_nexus_command
	@$(BIN)/nexus $(1) --help >/dev/null 2>&1 || { \
	  echo "make $@: the 'nexus $(1)' command is not available in this checkout" \
	       "(it is registered in nexus_platform/cli/__init__.py COMMAND_MODULES)." >&2; exit 2; }
endef

download-data: install-dev ## download ÖKOBAUDAT into NEXUS_HOME/landing/external/oekobaudat
	$(call require_nexus_command,download)
	$(BIN)/nexus download oekobaudat

# Pulls the latest promoted version of every task in the model registry from its DVC remote:
# NEXUS_HOME/dvc-remote locally, gs://<NEXUS_HOME>/dvc-remote in production.
define pull_all_models
	$(call require_nexus_command,models)
	@tasks="$$($(BIN)/nexus models list --json | $(BIN)/python -c \
	  'import json, sys; print(" ".join(sorted({json.loads(l)["task"] for l in sys.stdin if l.strip()})))')" \
	  || exit 1; \
	if [ -z "$$tasks" ]; then echo "no promoted models in the registry under $(NEXUS_HOME)"; exit 0; fi; \
	for task in $$tasks; do $(BIN)/nexus models pull "$$task" || exit 1; done
endef

sync-models-local: install-dev ## restore every task's latest model from the local DVC remote
	$(call pull_all_models)

sync-models-gcp: export NEXUS_ENV := prod
sync-models-gcp: install-dev ## the same from gs://: make sync-models-gcp NEXUS_HOME=gs://bucket/prefix
	@case "$(NEXUS_HOME)" in gs://*) ;; *) \
	  echo "make $@: set NEXUS_HOME=gs://<bucket>/<prefix> (now: $(NEXUS_HOME))" >&2; exit 2;; esac
	$(call pull_all_models)

# `make sync models-local` / `make sync models-gcp`: the second word names what to sync.
sync: ## usage: make sync models-local | make sync models-gcp
	@if [ -z "$(filter models-local models-gcp,$(MAKECMDGOALS))" ]; then \
	  echo "usage: make sync models-local | make sync models-gcp" >&2; exit 2; fi
models-local: sync-models-local
models-gcp: sync-models-gcp

# --- the production topology on one machine ---------------------------------------------------
# Its own home: the Postgres instance there must not meet the SQLite instance of `make run`.
PROD_LOCAL_HOME ?= $(CURDIR)/.nexus-prod

install-postgres: install-dev ## the PostgreSQL server run-prod-local uses (the system's; apt-get as root)
	$(BIN)/python -m nexus_platform.deployment.postgres

run-prod-local: install-dev dbt-parse ## production topology, no containers: PostgreSQL, code servers, daemon, webserver
	$(BIN)/python -m nexus_platform.deployment.prod_local --home "$(PROD_LOCAL_HOME)" --port $(PORT)

# --- containers ---------------------------------------------------------------------------------
COMPOSE_FILES := -f deploy/compose/docker-compose.yml
COMPOSE_GPU_FILES := $(COMPOSE_FILES) -f deploy/compose/docker-compose.gpu.yml

define require_docker
	@command -v docker >/dev/null 2>&1 || { echo "make $@: docker is not installed" >&2; exit 2; }
	@docker info >/dev/null 2>&1 || { echo "make $@: no Docker engine answers (docker info failed:" \
	  "start the Docker daemon or set DOCKER_HOST)" >&2; exit 2; }
	@docker compose version >/dev/null 2>&1 || { echo "make $@: the Docker Compose plugin" \
	  "(docker compose) is missing" >&2; exit 2; }
endef

run-docker: ## Postgres, webserver, daemon and code location in containers (UI on localhost:PORT, 3000)
	$(call require_docker)
	DAGSTER_PORT=$(PORT) docker compose $(COMPOSE_FILES) up --build

run-docker-gpu: ## the same on the CUDA image, with the GPU given to the code location (runs its steps)
	$(call require_docker)
	DAGSTER_PORT=$(PORT) docker compose $(COMPOSE_GPU_FILES) up --build

# --- pre-commit ---------------------------------------------------------------------------------
install-precommit: install-dev ## run ruff and mypy before every commit
	$(BIN)/pre-commit install

run-precommit: install-dev ## ruff (lint + format) and mypy over the whole repository
	$(BIN)/pre-commit run --all-files
