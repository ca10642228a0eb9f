# Two commands from a fresh clone: `make reports` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MIRROR := $(abspath ../shared/data/mirror)
WORKERS ?= 2
# Use the shared offline mirror when it is there (CI and developer machines).
ifneq ($(wildcard $(MIRROR)),)
export KINSHIP_DATA_MIRROR ?= $(MIRROR)
endif

.PHONY: venv lint format test test-fast reports clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "== checking $(PYTHON) is Python 3.11 or newer"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || { echo "== creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "== installing kinship_research and its dependencies into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# ruff: lint and format check of the package, tests, benchmarks and notebooks.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Everything CI runs: lint, then the whole suite (library, bad input, notebooks, browser).
test: lint
	@echo "== running the test suite (KINSHIP_DATA_MIRROR=$${KINSHIP_DATA_MIRROR:-unset})"
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup

# The edit loop: no notebook executions, no browser.
test-fast: venv
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup -m "not slow and not browser"

reports: venv
	@echo "== executing every notebook into reports/ (KINSHIP_DATA_MIRROR=$${KINSHIP_DATA_MIRROR:-unset})"
	$(BIN)/kinship report --workers $(WORKERS)

clean:
	rm -rf $(VENV) reports/*/ reports/index.html
