# Two entry points for a fresh machine: `make crawl` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install crawl test lint typecheck fixtures bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## offline crawl of the saved snapshot into the default database (data/khabar.db)
crawl: $(STAMP)
	$(BIN)/scrapy crawl khabarayn -a replay=fixtures/khabarayn

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## lint, types, the test suite and the benchmarks' smoke run (no timing is asserted)
test: lint typecheck
	$(BIN)/pytest
	$(BIN)/python -m bench --quick

## the benchmark suite; rewrites the table in docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python -m bench

## rebuild fixtures/khabarayn from fixtures/source
fixtures: $(STAMP)
	$(BIN)/python fixtures/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
