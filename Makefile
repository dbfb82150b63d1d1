# Two commands for a newcomer: `make build` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: build test serve lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(VENV)/.installed
	$(BIN)/digest build $(if $(BASE_URL),--base-url "$(BASE_URL)")

serve: $(VENV)/.installed
	$(BIN)/digest serve

test: $(VENV)/.installed-test
	$(BIN)/ruff check digest tests
	$(BIN)/python -m pytest

clean:
	rm -rf output .digest-cache
