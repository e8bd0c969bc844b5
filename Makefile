# The two commands of the README: `make demo` and `make test`. Everything else is set-up they share.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CARTE := $(VENV)/bin/carte
CARTE_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte
CARTE_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_test
CARTE_GEODATA_DIR ?= ../shared/geodata
CARTE_BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench
HOST ?= 127.0.0.1
PORT ?= 5000
export CARTE_TEST_DATABASE_URL

.PHONY: setup setup-db demo test verify serve browser-deps clean-venv bench bench-ingest bench-api bench-map bench-tiles translations restore-check

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

# The English catalog, compiled when its .po changes (the .mo is committed too, for installs without make).
MO := carte/translations/en/LC_MESSAGES/messages.mo
$(MO): carte/translations/en/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d carte/translations

# After changing visible strings: re-extract them and merge into the catalog, then translate the new ones.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --project=carte-economie-sociale --version=0.1.0 -o carte/translations/messages.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i carte/translations/messages.pot -d carte/translations

setup: $(VENV)/.installed $(MO)
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

# The fictitious sample list and the Registraire's Mauricie list; re-running changes nothing.
demo: setup
	CARTE_DATABASE_URL=$(CARTE_DATABASE_URL) $(CARTE) ingest data/sample_enterprises.csv --source exemple
	CARTE_DATABASE_URL=$(CARTE_DATABASE_URL) $(CARTE) ingest $(CARTE_GEODATA_DIR)/req_mauricie_coops_npo.csv --source req
	CARTE_DATABASE_URL=$(CARTE_DATABASE_URL) $(CARTE) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed $(MO) browser-deps
	@$(MAKE) --no-print-directory setup-db DB=$(CARTE_TEST_DATABASE_URL)
	$(PY) -m pytest

# The longer adversarial suites (tests marked `verify`), on the test database, then the dependency audit
# (fails only on an unwaived high/critical finding; offline it says so: docs/security.md). Never in `make test`.
verify: $(VENV)/.installed $(MO) browser-deps
	@$(MAKE) --no-print-directory setup-db DB=$(CARTE_TEST_DATABASE_URL)
	$(PY) -m pytest -m verify
	$(PY) scripts/audit.py

# Benchmarks, never part of `make test`; each writes its section of docs/benchmarks.md.
bench: bench-ingest bench-api bench-map bench-tiles

# wrk from Debian, then the API benchmark.
bench-api: $(VENV)/.installed
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; \
	  else echo "[bench] ERREUR : exécutez en root : sudo apt-get install -y wrk"; exit 1; fi; }
	$(PY) scripts/bench/api.py

# The citizen map's benchmark on its own database.
BENCH_MAP_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_map
bench-map: $(VENV)/.installed $(MO)
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_MAP_DATABASE_URL)
	$(PY) scripts/bench/map.py --database-url $(BENCH_MAP_DATABASE_URL)

# The large-data map (issue 7): tiles at zoom 5, 8, 12, 15 and the page, at 11,200 and 1,000,000 enterprises,
# each on its own database (the 1M rows take about 8 minutes to generate, and are kept between runs).
BENCH_TILES_11K_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_tiles_11k
BENCH_TILES_1M_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench_tiles_1m
bench-tiles: $(VENV)/.installed $(MO)
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_TILES_11K_URL)
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_TILES_1M_URL)
	$(PY) scripts/bench/tiles.py --database $(BENCH_TILES_11K_URL) 11200 --database $(BENCH_TILES_1M_URL) 1000000

# The ingest benchmark on its own database: 100,000 generated rows, first run and re-run (docs/benchmarks.md).
bench-ingest: $(VENV)/.installed
	@$(MAKE) --no-print-directory setup-db DB=$(CARTE_BENCH_DATABASE_URL)
	$(PY) scripts/bench/ingest.py --database-url $(CARTE_BENCH_DATABASE_URL) --rows 100000 --repeat 3 --write docs/benchmarks.md

# Backups: dump the database, restore it into a scratch copy, compare every table.
restore-check: setup
	CARTE_DATABASE_URL=$(CARTE_DATABASE_URL) $(PY) scripts/restore_check.py

clean-venv:
	rm -rf $(VENV)
