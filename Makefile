# The two commands of the README: `make demo` and `make test`. Everything else is set-up they share.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CARTE := $(VENV)/bin/carte
CARTE_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte
CARTE_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_test
HOST ?= 127.0.0.1
PORT ?= 5000
export CARTE_TEST_DATABASE_URL

.PHONY: setup setup-db demo test serve browser-deps clean-venv bench restore-check

# Virtual environment with the project and its test tools; redone only when the packaging changes.
$(VENV)/.installed: pyproject.toml setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# The database named by DB: server, PostGIS, database, migrations, reference geodata, vocabulary.
setup-db: $(VENV)/.installed
	CARTE_DATABASE_URL=$(DB) $(PY) scripts/ensure_postgis.py
	CARTE_DATABASE_URL=$(DB) $(CARTE) db upgrade
	CARTE_DATABASE_URL=$(DB) $(CARTE) geodata load
	CARTE_DATABASE_URL=$(DB) $(CARTE) vocabulary load

setup: $(VENV)/.installed
	@$(MAKE) --no-print-directory setup-db DB=$(CARTE_DATABASE_URL)

# Debian's Chromium for the browser tests (Playwright's own browser download does not work offline).
browser-deps:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "[setup] installation de chromium"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null; \
	  else echo "[setup] ERREUR : exécutez en root : sudo apt-get install -y chromium"; exit 1; fi; }
	@if [ -f package.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; }; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch node_modules; fi

demo: setup
	CARTE_DATABASE_URL=$(CARTE_DATABASE_URL) $(CARTE) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed browser-deps
	@$(MAKE) --no-print-directory setup-db DB=$(CARTE_TEST_DATABASE_URL)
	$(PY) -m pytest

# Backups: dump the database, restore it into a scratch copy, compare every table.
restore-check: setup
	CARTE_DATABASE_URL=$(CARTE_DATABASE_URL) $(PY) scripts/restore_check.py

clean-venv:
	rm -rf $(VENV)
