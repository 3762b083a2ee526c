# make run  - create .venv, install nianbao, open the TUI on a working copy of the example
# make test - create .venv, install nianbao with its test extra and the example plugin, run every test
#             (after make lint: a finding fails the target before the tests run)
# make lint - ruff (the whole repository) and mypy (plugins, sections, tui, nianbao), as pyproject.toml sets them
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKCOPY := work/jianou-2018.toml

.PHONY: run test lint bench clean check-example

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
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) work .pytest_cache
