# Resonanz: `make demo` and `make test` set up everything on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/resonanz demo

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check resonanz tests
	$(BIN)/ruff format --check resonanz tests
	$(BIN)/mypy resonanz

format: $(STAMP)
	$(BIN)/ruff format resonanz tests
	$(BIN)/ruff check --fix resonanz tests

bench: $(STAMP)
	$(BIN)/resonanz bench match
	$(BIN)/resonanz bench ingest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
