# Berth: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?=

.PHONY: install run test lint typecheck pytest coverage-doc bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/berth serve $(if $(CONFIG),--config $(CONFIG),)

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest -q

test: lint pytest

coverage-doc: install
	$(BIN)/python -m berth.tools.coverage_doc --output docs/api-coverage.md

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) berth-data .pytest_cache .mypy_cache .ruff_cache
