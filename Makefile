# Outings: `make run` serves the demo, `make test` runs the suite. Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Python 3.12, wherever it lives (PATH, pyenv, Homebrew). Override with PYTHON=/path/to/python3.12.
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /opt/homebrew/bin/python3.12 /usr/local/bin/python3.12; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)
# uv from PATH, else bootstrapped into ./var/tools from PyPI with the Python above: this release
# (the one that wrote uv.lock), so that a checkout bootstraps the same uv whatever day it is.
UV_VERSION := 0.13.9
UV ?= $(shell command -v uv 2>/dev/null || echo var/tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench install check-python messages fmt clean-var

check-python:
	@test -n "$(PYTHON)" || { echo "error: Python 3.12 not found; install it or set PYTHON=/path/to/python3.12"; exit 1; }

# A failed bootstrap leaves no half-made var/tools behind, and says what to install: Debian and
# Ubuntu ship Python's venv module (ensurepip) as a package of its own.
var/tools/bin/uv: | check-python
	@echo "Bootstrapping uv into var/tools ..."
	@$(PYTHON) -m venv var/tools && var/tools/bin/pip install --quiet "uv==$(UV_VERSION)" || { rm -rf var/tools; \
	  echo "error: could not bootstrap uv with $(PYTHON) (see above): install uv" \
	    "(https://docs.astral.sh/uv/), or on Debian/Ubuntu: sudo apt-get install python3.12-venv"; \
	  exit 1; }

$(VENV)/.synced: uv.lock pyproject.toml | check-python $(if $(filter var/tools/bin/uv,$(UV)),var/tools/bin/uv)
	@$(UV) sync --frozen --quiet
	@touch $@

install: $(VENV)/.synced

run: install
	@$(PY) -m outings.common.runner $(RUN_ARGS)

test: install
	@bash scripts/with-database.sh $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy .
	@# No database needed: without one Django only skips its history consistency check (after
	@# the pool's timeout: half a second here, not the ten seconds of a request; its retry
	@# warnings about the absent server are not shown).
	@LOG_LEVEL=ERROR DB_POOL_TIMEOUT=0.5 $(PY) -W ignore::RuntimeWarning manage.py makemigrations --check --dry-run

bench: install
	@bash scripts/with-database.sh $(PY) -m bench $(BENCH_ARGS)

fmt: install
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

messages: install
	@$(PY) manage.py makemessages -l de --ignore=.venv --ignore=var
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=var
