# Set-up and everyday commands. Every target creates/updates .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE ?= ./data/commitments.db

.PHONY: run test bench lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/commitments serve --host $(HOST) --port $(PORT) --database $(DATABASE) --seed-if-empty

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m pytest -q tests/benchmarks -p no:cacheprovider

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data .pytest_cache
