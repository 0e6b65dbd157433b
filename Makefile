# Quick start: `make demo` and `make test` need only Python 3.11+ and make.
# Both create .venv on first use and install bookbridge into it (editable, with the test extra).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench screenshots clean

# The first run installs for a few minutes: pip shows each package as it goes, so the wait is never silent.
$(VENV)/.installed: pyproject.toml
	@echo "Installing bookbridge and its test tools into $(VENV) (first run only; a few minutes)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	@echo "Installed: $(BIN)/bookbridge"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/bookbridge demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks

# The dashboard's screenshots in docs/screenshots/, taken by its browser test (needs /usr/bin/chromium).
screenshots: $(VENV)/.installed
	BOOKBRIDGE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e/test_dashboard_browser.py -q

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
