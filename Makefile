# Two commands matter: `make dev` (whole stack up) and `make test` (full suite).
# Both bootstrap .venv from a fresh clone; the stamp re-installs when pyproject.toml changes.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test test-main test-reliability lint typecheck fmt venv clean contracts bench lock

# Installs exactly the versions in requirements.lock (hash-checked), then this package.
$(STAMP): pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then echo "error: Python 3.11 or newer is required (none found on PATH)" >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Re-resolve both lock files from pyproject.toml (after changing a dependency): one for
# development and tests (the dev and devserver extras), one for the production image.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --extra dev --extra devserver --universal \
		--python-version 3.11 --generate-hashes --quiet -o requirements.lock
	$(BIN)/python -m uv pip compile pyproject.toml --universal \
		--python-version 3.11 --generate-hashes --quiet -o requirements-prod.lock

venv: $(STAMP)

dev: $(STAMP)
	$(BIN)/lifecycle dev

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests --ignore=tests/reliability -q
	$(BIN)/python -m pytest tests/reliability -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy lifecycle integrations activities workflows workers starters simulators

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Full-size benchmarks (tens of minutes; run on a quiet machine), then docs/benchmarks.md.
BENCHMARKS := termination_latency tamper_revert reconcile_cost poll_cost rate_limit throughput footprint
bench: $(STAMP)
	set -e; for latency in zero realistic; do for b in $(BENCHMARKS); do \
		$(BIN)/python -m bench.$$b --latency $$latency; done; done
	$(BIN)/python -m bench.report

contracts: $(STAMP)
	$(BIN)/python scripts/trim_specs.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
