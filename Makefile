# Set-up and everyday commands. Every target creates/updates .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE ?= ./data/commitments.db
# The page's browser libraries (npm), installed from the lock file; the stamp is newer than both.
WEB := service/web
WEB_STAMP := $(WEB)/node_modules/.installed

.PHONY: run test bench soak lint install clean browser postgres

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

install: $(STAMP) $(WEB_STAMP)

# The browser tests drive Debian's chromium (never a browser Playwright downloads itself).
browser:
	@command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# The outage tests start private PostgreSQL clusters (initdb, pg_ctl: Debian's server package), never the shared one.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
		|| (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql)

run: install
	$(BIN)/commitments serve --host $(HOST) --port $(PORT) --database $(DATABASE) --seed-if-empty

test: install browser postgres
	$(BIN)/python -m pytest -q -n auto --dist loadfile

# The benchmark (docs/performance.md): the bench extra, and wrk from Debian's packages when it can be had
# (without it the HTTP figures come from a slower httpx client, and the table says so).
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS=--quick
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) \
		|| echo "wrk is not available: the HTTP figures will use the httpx client"
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

# The soak (docs/reliability.md): 30 minutes of mixed traffic, then leak, loss and latency checks.
# SOAK_ARGS passes options, e.g. make soak SOAK_ARGS="--minutes 2"
SOAK_ARGS ?=

soak: install
	$(BIN)/python -m tests.soak.run $(SOAK_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data .pytest_cache $(WEB)/node_modules
