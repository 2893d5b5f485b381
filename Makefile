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

# The transformer backend's tests need torch, whose PyPI build is several GB of CUDA: `make test`
# installs it only where pip finds a wheel of $(TORCH) on local disk (find-links, as on the CI
# machines: a 190 MB CPU wheel; 1.1 GB more in the venv, 1-2.5 min with bytecode compiled, which
# PYTHONDONTWRITEBYTECODE would otherwise redo at every import); elsewhere those tests skip with
# a reason. huggingface-hub 2 would bring httpx2, which moves starlette's TestClient off httpx.
TORCH ?= torch==2.13.0
TRANSFORMERS_STAMP := $(VENV)/.transformers

$(TRANSFORMERS_STAMP): $(STAMP)
	@if $(BIN)/python -m pip install --quiet --dry-run --no-deps --no-index '$(TORCH)' >/dev/null 2>&1; then \
		echo "installing $(TORCH) (local CPU wheel) and transformers for the transformer backend's tests"; \
		$(BIN)/python -m pip install --quiet '$(TORCH)' 'huggingface-hub<2' -e '.[transformers]'; \
	else \
		echo "no local wheel of $(TORCH): the transformer backend's tests will be skipped"; \
	fi
	touch $(TRANSFORMERS_STAMP)

# The Bluesky connector's tests run against a real PDS from npm (node 22, @atproto/pds) in
# .peers/pds/; where it cannot be installed (no npm, no compiler) they skip with the reason.
PDS_STAMP := .peers/pds/.installed

$(PDS_STAMP): scripts/install_pds_peer.sh
	@bash scripts/install_pds_peer.sh || echo "the Bluesky peer tests will be skipped"

demo: $(STAMP)
	$(BIN)/resonanz demo

test: $(STAMP) $(TRANSFORMERS_STAMP) $(PDS_STAMP) lint
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
