# Rubrica: `make run` to start on SQLite, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run install install-dev test lint format types pytest schema bench assets messages clean

run: install
	$(BIN)/rubrica setup
	$(BIN)/rubrica serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(VENV)/.installed $@

test: install-dev lint types pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	$(PY) scripts/messages.py check

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest -n 2 --dist loadgroup

schema: install-dev
	$(PY) manage.py api_schema

bench: install-dev
	$(PY) bench/run.py --languages en,it,fa $(BENCH_ARGS)

messages: install-dev
	$(PY) scripts/messages.py update

assets:
	npm ci --ignore-scripts
	$(PY) scripts/vendor_assets.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
