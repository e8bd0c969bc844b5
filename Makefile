# The two commands of the README: `make demo` and `make test`. Everything else is set-up they share.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CARTE := $(VENV)/bin/carte
CARTE_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte
CARTE_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_test
CARTE_GEODATA_DIR ?= ../shared/geodata
HOST ?= 127.0.0.1
PORT ?= 5000
export CARTE_TEST_DATABASE_URL

.PHONY: setup setup-db demo test lint lint-py lint-js verify serve browser-deps clean-venv bench bench-deps bench-ingest bench-ingest-20k bench-mrc bench-api bench-api-scale bench-mixed bench-map bench-tiles bench-coverage translations restore-check

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
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --no-wrap --sort-output --project=carte-economie-sociale --version=0.1.0 -o carte/translations/messages.pot .
	$(VENV)/bin/pybabel update --no-wrap --no-fuzzy-matching -i carte/translations/messages.pot -d carte/translations

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

# ESLint's recommended rules on the app's JavaScript (eslint.config.js); node_modules comes from browser-deps.
lint-js: browser-deps
	npx --no-install eslint carte/static

# ruff's formatter and linter on the whole tree (config in pyproject.toml); `ruff format .` fixes the first.
lint-py: $(VENV)/.installed
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .

lint: lint-py lint-js

test: $(VENV)/.installed $(MO) browser-deps lint
	@$(MAKE) --no-print-directory setup-db DB=$(CARTE_TEST_DATABASE_URL)
	$(PY) -m pytest

# The longer adversarial suites (tests marked `verify`), on the test database, then the dependency audit
# (fails only on an unwaived high/critical finding; offline it says so: docs/security.md). Never in `make test`.
verify: $(VENV)/.installed $(MO) browser-deps
	@$(MAKE) --no-print-directory setup-db DB=$(CARTE_TEST_DATABASE_URL)
	$(PY) -m pytest -m verify
	$(PY) scripts/audit.py

# Benchmarks, never part of `make test`; each writes its own section of docs/benchmarks.md and uses its
# own databases, named $(BENCH_DB_PREFIX)_<scenario> (11.2k for the map, 100k and 1M for the others),
# filled on the first run and kept. `make bench` runs them one after the other (not in parallel: they
# would measure each other), then writes the machine and versions and how long the whole run took.
BENCH_DB_PREFIX ?= postgresql+psycopg://postgres@127.0.0.1:5432/carte_bench
BENCH_DOC := docs/benchmarks.md
bench: bench-deps
	@mkdir -p test-artifacts/bench && date +%s > test-artifacts/bench/started
	$(MAKE) --no-print-directory bench-ingest bench-ingest-20k bench-mrc bench-api bench-api-scale bench-mixed bench-map \
	  bench-tiles bench-coverage
	$(PY) scripts/bench/machine.py --database-url $(BENCH_DB_PREFIX)_api_1m \
	  --started $$(cat test-artifacts/bench/started) --write $(BENCH_DOC)

# The project with its bench extra (locust), and wrk from Debian.
$(VENV)/.bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@touch $@
bench-deps: $(VENV)/.bench
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; \
	  else echo "[bench] ERREUR : exécutez en root : sudo apt-get install -y wrk"; exit 1; fi; }

# The API against pygeoapi at 100k (issue 5), on the 100k database of the API at scale.
bench-api: bench-deps
	CARTE_BENCH_DATABASE_URL=$(BENCH_DB_PREFIX)_api_100k $(PY) scripts/bench/api.py --write $(BENCH_DOC)

# The API at 100k and 1M under wrk, 4 and 32 connections, boxes varying.
bench-api-scale: bench-deps
	$(PY) scripts/bench/api_scale.py --database-prefix $(BENCH_DB_PREFIX)_api --write $(BENCH_DOC)

# 200 locust users for 60 s on 11,200 enterprises (Quebec's size, the map downloading them all), then on
# the 1M database of the API at scale (the map asking for tiles).
bench-mixed: bench-deps
	$(PY) scripts/bench/mixed.py --database-prefix $(BENCH_DB_PREFIX)_api --count 11200 1000000 --write $(BENCH_DOC)

# The citizen map's benchmark on its own database (11,200 enterprises).
BENCH_MAP_DATABASE_URL ?= $(BENCH_DB_PREFIX)_map
bench-map: $(VENV)/.installed $(MO)
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_MAP_DATABASE_URL)
	$(PY) scripts/bench/map.py --database-url $(BENCH_MAP_DATABASE_URL) --write $(BENCH_DOC)

# The large-data map (issue 7): tiles at zoom 5, 8, 12, 15 and the page, at 11,200 and 1,000,000 enterprises,
# each on its own database (the 1M rows take about 8 minutes to generate, and are kept between runs).
BENCH_TILES_11K_URL ?= $(BENCH_DB_PREFIX)_tiles_11k
BENCH_TILES_1M_URL ?= $(BENCH_DB_PREFIX)_tiles_1m
bench-tiles: $(VENV)/.installed $(MO)
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_TILES_11K_URL)
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_TILES_1M_URL)
	$(PY) scripts/bench/tiles.py --database $(BENCH_TILES_11K_URL) 11200 --database $(BENCH_TILES_1M_URL) 1000000 \
	  --write $(BENCH_DOC)

# The ingest: 100,000 and 1,000,000 generated rows, first run and re-run (the 1M file is 200 MB: over
# the default file limit, which the command line lets staff raise).
bench-ingest: $(VENV)/.installed
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_DB_PREFIX)_ingest
	CARTE_MAX_INGEST_MB=1024 $(PY) scripts/bench/ingest.py --database-url $(BENCH_DB_PREFIX)_ingest --rows 100000 1000000 --repeat 1 --write $(BENCH_DOC)

# A messy 20,000-row list into 40,000 enterprises (issue 17), three runs, the median against 5,000 rows/s.
bench-ingest-20k: $(VENV)/.installed
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_DB_PREFIX)_ingest20k
	$(PY) scripts/bench/ingest20k.py --database-url $(BENCH_DB_PREFIX)_ingest20k --repeat 3 --write $(BENCH_DOC)

# MRC assignment of 1,000,000 points: PostGIS against Shapely's STRtree (same database as the ingest).
bench-mrc: $(VENV)/.installed
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_DB_PREFIX)_ingest
	$(PY) scripts/bench/mrc.py --database-url $(BENCH_DB_PREFIX)_ingest --points 1000000 --write $(BENCH_DOC)

# The MRC coverage gaps (docs/coverage.md): time per MRC with 11,200 and 100,000 generated enterprises.
bench-coverage: $(VENV)/.installed
	@$(MAKE) --no-print-directory setup-db DB=$(BENCH_DB_PREFIX)_coverage
	$(PY) scripts/bench/coverage.py --database-url $(BENCH_DB_PREFIX)_coverage --count 11200 100000 --write $(BENCH_DOC)

# Backups: dump the database, restore it into a scratch copy, compare every table.
restore-check: setup
	CARTE_DATABASE_URL=$(CARTE_DATABASE_URL) $(PY) scripts/restore_check.py

clean-venv:
	rm -rf $(VENV)
