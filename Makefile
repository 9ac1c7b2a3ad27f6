# Two entry points: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make demo` installs only the `demo` extra, under a stamp of its own; `make test` adds the rest.
DEMO_STAMP := $(VENV)/.installed-demo
# The real HarperDB server the tests start (npm package, pinned by the lock file; `npm ci`
# refuses this lock for the optional per-platform packages it leaves out, so install from it).
HARPERDB := servers/harperdb/node_modules/.package-lock.json

.PHONY: demo test lint typecheck docs pytest bench clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $(DEMO_STAMP)  # .[dev] holds .[demo]

$(HARPERDB): servers/harperdb/package.json servers/harperdb/package-lock.json
	npm install --prefix servers/harperdb --no-save --no-audit --no-fund --loglevel=error
	touch $(HARPERDB)

# --no-compile: Python compiles what the demo imports as it imports it; compiling every
# installed module up front would double the time of the install.
$(DEMO_STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || { echo "== make demo: creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "== make demo: installing arrowtap[demo] (only what the demo needs; make test adds the rest)"
	$(BIN)/python -m pip install --progress-bar on --no-compile -e ".[demo]"
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	@echo "== make demo: running arrowtap demo"
	$(BIN)/arrowtap demo

test: lint typecheck docs pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The notebooks run at build time; the fleet notebook starts two real HarperDB nodes.
docs: $(STAMP) $(HARPERDB)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site

pytest: $(STAMP) $(HARPERDB)
	$(BIN)/pytest -n 2 src tests

# Every benchmarks/*.py, one process each (arguments in benchmarks/run_all.py); then one
# table of their RESULT lines, a chart (docs/assets/benchmarks.png) and the table in
# docs/performance.md.
bench: $(STAMP) $(HARPERDB)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build site arrowtap-demo servers/harperdb/node_modules src/arrowtap/connectors/pvarchiver/wire/*.so src/arrowtap/connectors/kinetica/wire/*.so
