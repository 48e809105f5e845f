# footprint: two commands on a fresh machine with Python 3.11 and make.
#   make demo   set up (venv, install, offline Brightway set-up) and declare the example producer
#   make test   install and run the test suite (it sets up its own Brightway project in a temporary directory)
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup install clean bench bench-load bench-uncertainty chromium postgresql

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

setup: install
	$(BIN)/footprint setup

# demo sets up itself (footprint demo runs the idempotent set-up first); the tests set up their own
# project in a temporary directory, so neither needs the setup target.
demo: install
	$(BIN)/footprint demo --force

# The suite runs its files on one worker process per core, at most 4 (pytest-xdist; --dist loadfile keeps each
# file whole, in its own order, on one worker; every worker sets up its own Brightway project, PostgreSQL
# cluster and clock). Why: run in one process it took about 27 of CI's 30 minutes on 2 cores.
# `make test TEST_WORKERS=0` runs it in this one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); if [ "$$n" -gt 4 ]; then n=4; elif [ "$$n" -lt 2 ]; then n=0; fi; echo $$n)

test: install chromium postgresql
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Headless Chromium prints PDF reports and runs the browser test. Installed from Debian's
# chromium package where missing and we are root with apt-get; otherwise the PDF option
# says how to install it and the browser test is skipped with that reason.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
	  echo "chromium: $$(command -v chromium || command -v chromium-browser)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium package (PDF reports, browser test)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null) \
	    || echo "warning: could not install chromium; PDF reports and the browser test are unavailable"; \
	else \
	  echo "note: chromium not found and cannot be installed here (needs root and apt-get); the browser test will be skipped"; \
	fi

# PostgreSQL for the register and server tests: the suite starts a throw-away cluster on a Unix socket in
# a temporary directory (as the 'postgres' user when run as root) and stops it afterwards. Installed from
# Debian's postgresql package where missing and we are root with apt-get; otherwise those tests are skipped
# with the reason. Nothing here starts a server: only the binaries are needed.
postgresql:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "postgresql: $$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1 || command -v initdb)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql package (database tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null) \
	    || echo "warning: could not install postgresql; the PostgreSQL variants of the database tests will be skipped"; \
	else \
	  echo "note: postgresql not found and cannot be installed here (needs root and apt-get); its tests will be skipped"; \
	fi

bench-load: install
	$(BIN)/python -m bench.load

bench: install  # sets up its own temporary FOOTPRINT_HOME
	$(BIN)/python -m bench

# Monte Carlo on one core: footprint's vectorised run against bw2calc's LCA(use_distributions=True)
bench-uncertainty: setup
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m bench.uncertainty

clean:
	rm -rf $(VENV) out .pytest_cache
