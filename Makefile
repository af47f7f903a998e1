# cellflow: `make run` starts everything on SQLite + an embedded broker; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.lock | cksum | cut -d' ' -f1)

.PHONY: install run test bench loadtest scale lint format lock messages clean backup restore-drill cluster-test

$(STAMP): requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py sync_workflows
	$(PY) manage.py demo_today
	bash scripts/run-dev.sh

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks run on the national data set (cellflow_scale) when it is built: see docs/performance.md.
bench: install
	$(PY) -m bench

# Builds the national data set into cellflow_scale (about 5 minutes; --reset replaces what is there).
SCALE_URL ?= postgres://postgres@127.0.0.1:5432/cellflow_scale
scale: install
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'cellflow_scale'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE cellflow_scale"
	DATABASE_URL=$(SCALE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(SCALE_URL) $(PY) manage.py generate_scale --enterprises 1000000 --reset

# 50 logged-in officials against gunicorn (2 workers) on 127.0.0.1 for 60 s, on the national data set.
loadtest: install
	$(PY) scripts/loadtest.py --users 50 --duration 60

# The multi-host rehearsal (root: network namespaces; HAProxy; its own PostgreSQL and Redis): hosts killed, broker and
# database restarted, a link cut, under load; prints the report (docs/operations.md, "Failures rehearsed").
# CLUSTER_ARGS=--short is the CI version (also run by `make test` through the `cluster` marker).
cluster-test: install
	$(PY) scripts/cluster.py $(CLUSTER_ARGS)

# A consistent pg_dump of DATABASE_URL, and the drill that restores one into a new database and compares it
# (row counts of every table, period reports' JSON): docs/operations.md, "Backups".
backup: install
	$(PY) scripts/backup.py backup $(if $(BACKUP_FILE),-o $(BACKUP_FILE))

restore-drill: install
	$(PY) scripts/backup.py drill $(if $(BACKUP_FILE),--backup $(BACKUP_FILE))

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: install
	$(VENV)/bin/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

# Compiles locale/*.po into the committed .mo files (needs GNU gettext's msgfmt).
messages:
	for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check -o "$${po%.po}.mo" "$$po"; done

clean:
	rm -rf var .pytest_cache
