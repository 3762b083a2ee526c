# make run  - create .venv, install nianbao, open the TUI on a working copy of the example
# make test - create .venv, install nianbao with its test extra and the example plugin, run every test
#             (after make lint: a finding fails the target before the tests run)
#             in parallel (pytest-xdist, one worker per core; PYTEST_WORKERS=0 runs them in this process)
# make lint - ruff (the whole repository) and mypy (plugins, sections, tui, nianbao), as pyproject.toml sets them
# make test-loaded - the suite 5 times in a row beside a busy loop per core, stopping at a failure
#             (bench/loaded_suite.sh: no test may wait for a time instead of a condition)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKCOPY := work/jianou-2018.toml
PYTEST_WORKERS ?= auto

.PHONY: run test test-loaded lint bench clean check-example

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml examples/nianbao-newmedia/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]' -e examples/nianbao-newmedia
	touch $(STAMP)

run: $(STAMP)
	@mkdir -p work
	@test -f $(WORKCOPY) || cp examples/jianou-2018.toml $(WORKCOPY)
	$(BIN)/nianbao edit $(WORKCOPY)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-loaded: $(STAMP)
	bench/loaded_suite.sh -- -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) work .pytest_cache
