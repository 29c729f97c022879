# The two set-up commands of the README. Each creates .venv and installs on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= out/belarus-china.db

.PHONY: run test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

## run the main job on the bundled example corpus into an embedded SQLite file and print a summary
run: $(VENV)/.installed
	$(BIN)/storyline run examples/belarus-china --db $(DB)
	$(BIN)/storyline brief --db $(DB) --format md --out out/belarus-china-brief.md

## run the whole test suite
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf out .pytest_cache .hypothesis
