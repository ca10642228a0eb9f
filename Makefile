# Two commands from a fresh clone: `make reports` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MIRROR := $(abspath ../shared/data/mirror)
JOBS ?= 2
# Use the shared offline mirror when it is there (CI and developer machines).
ifneq ($(wildcard $(MIRROR)),)
export KINSHIP_DATA_MIRROR ?= $(MIRROR)
endif

.PHONY: venv test reports clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "== checking $(PYTHON) is Python 3.11 or newer"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || { echo "== creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "== installing kinship_research and its dependencies into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

test: venv
	@echo "== running the test suite (KINSHIP_DATA_MIRROR=$${KINSHIP_DATA_MIRROR:-unset})"
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

reports: venv
	@echo "== executing every notebook into reports/ (KINSHIP_DATA_MIRROR=$${KINSHIP_DATA_MIRROR:-unset})"
	$(BIN)/kinship report --jobs $(JOBS)

clean:
	rm -rf $(VENV) reports/*/ reports/index.html
