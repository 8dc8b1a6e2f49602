# The two commands: `make demo` serves the portal with the Xinxiang demo data on the embedded
# default (SQLite, tasks in-process); `make test` runs the whole suite on PostgreSQL and Redis.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

RUNTIME_DEBS := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext
TEST_DEBS := $(RUNTIME_DEBS) chromium poppler-utils postgresql-client redis-tools

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/supervision
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
PYTEST_ARGS ?=

BENCH_DEBS := $(TEST_DEBS) wrk
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/supervision_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3
BENCH_ARGS ?=

.PHONY: demo test bench lint messages system-packages test-system-packages services clean backup restore

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

system-packages:
	scripts/ensure-system-packages.sh $(RUNTIME_DEBS)

test-system-packages:
	scripts/ensure-system-packages.sh $(TEST_DEBS)

messages: $(VENV)/.runtime
	DEBUG=1 $(PY) manage.py compilemessages --ignore=$(VENV) -v 0

demo: system-packages $(VENV)/.runtime messages
	DATABASE_URL= REDIS_URL= DEBUG=1 $(PY) manage.py migrate --noinput -v 0
	DATABASE_URL= REDIS_URL= DEBUG=1 $(PY) manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	DATABASE_URL= REDIS_URL= DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

services:
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) scripts/ensure-services.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run -v 1

test: test-system-packages $(VENV)/.dev services messages lint
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

# The performance harness (bench/): builds a synthetic province in its own database (dropped and
# created again), measures, writes bench/RESULTS.md and fails when a target is missed.
# `BENCH_ARGS="--scale small"` for a quick run while developing.
bench: $(VENV)/.dev messages
	scripts/ensure-system-packages.sh $(BENCH_DEBS)
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) scripts/ensure-services.sh
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
	find . -name '*.mo' -not -path './$(VENV)/*' -delete

# Back up / restore the database named by DATABASE_URL (the SQLite default when unset) and MEDIA_ROOT.
BACKUP_DIR ?= backups
backup: $(VENV)/.runtime
	$(PY) manage.py backup --output $(BACKUP_DIR)

restore: $(VENV)/.runtime
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<timestamp>"; exit 1; }
	$(PY) manage.py restore $(BACKUP) --yes
