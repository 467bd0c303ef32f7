# The two commands a newcomer types: `make run` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-install test-postgres lint bench bench-postgres clean wheel

# The set-up says one line per step; what pip and the build print (notices, the build
# backend's warnings) goes to $(LOG), which is shown when a step fails.
LOG := $(VENV)/install.log
export PIP_DISABLE_PIP_VERSION_CHECK := 1
QUIETLY = >> $(LOG) 2>&1 || { tail -n 40 $(LOG); echo "The set-up failed; everything it printed is in $(LOG)."; exit 1; }

$(STAMP): pyproject.toml
	@echo "Set-up 1/3: the Python environment in $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@: > $(LOG)
	@echo "Set-up 2/3: pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip $(QUIETLY)
	@echo "Set-up 3/3: Olga Loyalty and its libraries (the first time about a minute)"
	@$(BIN)/python -m pip install --quiet -e '.[dev]' $(QUIETLY)
	@touch $(STAMP)

# Compiled once, so each start does not compile the sources again (PYTHONDONTWRITEBYTECODE).
COMPILE := $(BIN)/python -m compileall -q olga_loyalty > /dev/null

run: $(STAMP)
	@$(COMPILE)
	@$(BIN)/olga-loyalty $(ARGS)

# In parallel: many tests wait on screens and subprocesses, so 4 workers beat 2 cores' worth.
TEST_WORKERS ?= 4

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The file to install on a shop PC: dist/olga_loyalty-VERSION-py3-none-any.whl
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --quiet --wheel-dir dist .
	@ls dist/*.whl

# As a shop PC has it: a wheel built from the checkout, installed into a fresh virtual
# environment outside it, run with HOME at an empty folder from two working folders
# (scripts/test_install.py; about 30 s with pip's cache).
test-install: $(STAMP)
	$(BIN)/python scripts/test_install.py

# The whole suite against a throwaway PostgreSQL server (Debian's postgresql package; nothing
# is installed or configured: scripts/with_postgres.py makes the server and removes it). The
# backup-tab snapshots are skipped there (SQLite only), so they are "unused", not a failure.
PG_STAMP := $(VENV)/.installed-postgres

$(PG_STAMP): $(STAMP)
	@echo "Set-up: the PostgreSQL driver"
	@$(BIN)/python -m pip install --quiet -e '.[dev,postgres]' $(QUIETLY)
	@touch $(PG_STAMP)

test-postgres: $(PG_STAMP)
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m pytest -n $(TEST_WORKERS) --snapshot-warn-unused $(PYTEST_ARGS)

# The same checks as .pre-commit-config.yaml: style, types, and the layers (pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check olga_loyalty tests benchmarks scripts
	$(BIN)/ruff format --check olga_loyalty tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

# docs/benchmarks.md: 100,000 customers (BENCH_CUSTOMERS=10000 for a quick run); only valid
# on a quiet machine. bench-postgres: the same on a throwaway PostgreSQL server that keeps
# fsync on, as a shop's server does (scripts/with_postgres.py --durable).
bench: $(STAMP)
	$(COMPILE)
	$(BIN)/python benchmarks/run.py

bench-postgres: $(PG_STAMP)
	$(COMPILE)
	$(BIN)/python scripts/with_postgres.py --durable -- $(BIN)/python benchmarks/run.py --postgres

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
