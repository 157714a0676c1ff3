# Two commands on a fresh machine: `make run` and `make test`. Python 3.11+ is all they need
# (the browser tests also want Debian's chromium and npm: `browser-deps` installs them when it can).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every dependency (runtime, test and dev extras) pinned with hashes, for every platform and
# Python from 3.11 on; refreshed by `make lock`, installed with plain pip. The image installs
# RUNTIME_LOCK: the same releases, without the test and dev tools.
LOCK := requirements/lock.txt
RUNTIME_LOCK := requirements/runtime.txt
UV_VERSION := 0.13.9

.PHONY: run test lint format bench install lock clean browser-deps

# Exactly the locked releases (hash-checked), then the project itself without resolving
# anything; `pip check` fails when pyproject.toml asks for something the lock lacks.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check || { echo "$(LOCK) lacks what pyproject.toml asks for: run make lock"; exit 1; }
	touch $(STAMP)

install: $(STAMP)

## Start the service on OMS_PORT (8000): embedded PostgreSQL, migrations, demo data, jobs.
run: $(STAMP)
	$(BIN)/oms run

## The whole test suite against real PostgreSQL (embedded unless OMS_TEST_DATABASE_URL).
test: $(STAMP) browser-deps
	$(BIN)/pytest

## What the browser tests need: Debian's chromium (installed when root) and axe-core (npm ci).
browser-deps:
	scripts/browser-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Refresh the lock after changing dependencies in pyproject.toml; releases already locked are
## kept unless UPGRADE=1 (newest allowed releases of everything). Needs PyPI (uv from PyPI).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--extra test --extra dev $(if $(UPGRADE),--upgrade) \
		--custom-compile-command "make lock" pyproject.toml -o $(LOCK)
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--constraint $(LOCK) --custom-compile-command "make lock" pyproject.toml -o $(RUNTIME_LOCK)

## Throughput benchmarks (loopback only, bounded); see README "Benchmarks". BENCH_ARGS=--quick for a smoke run.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
