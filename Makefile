# Two commands: `make demo` and `make test`. Everything else here serves them.
SHELL := /bin/bash
# Debian's python3.11 is built with profile-guided and link-time optimization, as the official
# Docker image the Dockerfile uses is; a pyenv build is not, and runs Django about 20% slower.
PYTHON ?= $(shell test -x /usr/bin/python3.11 && /usr/bin/python3.11 -c 'import venv, ensurepip' 2>/dev/null \
	&& echo /usr/bin/python3.11 || echo python3.11)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell (cat requirements.txt requirements-dev.txt; echo $(PYTHON)) | md5sum | cut -c1-12)

# The test run uses PostgreSQL and Redis on this machine unless told otherwise.
TEST_ENV := DEBUG=false \
	SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef \
	FIELD_ENCRYPTION_KEY=test-only-field-encryption-key \
	BLIND_INDEX_KEY=test-only-blind-index-key \
	SECURE_SSL_REDIRECT=false \
	DATABASE_URL=$${DATABASE_URL:-postgres://proteja_app@127.0.0.1:5432/proteja} \
	MIGRATION_DATABASE_URL=$${MIGRATION_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/proteja} \
	TEST_CELERY_BROKER_URL=$${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/15} \
	TEST_CACHE_URL=$${TEST_CACHE_URL:-redis://127.0.0.1:6379/12}

DEMO_ENV := DEBUG=true

.PHONY: demo test test-role install venv-check lint migrations-check messages browser chaos backup-drill bench-api bench-indicators bench-ratio bench-search bench-freshness clean

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Which interpreter a Python is, or a venv was made from: its version and real path.
export WHICH_PYTHON := import os, sys; print(sys.version, os.path.realpath(getattr(sys, "_base_executable", sys.executable)))

# Before the stamp is looked at: a venv made by another Python (or whose Python is gone) is made anew.
venv-check:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@if [ -e $(VENV) ] && [ "$$($(VENV)/bin/python -c "$$WHICH_PYTHON" 2>/dev/null)" != "$$($(PYTHON) -c "$$WHICH_PYTHON")" ]; then \
		echo "$(VENV) was made by another Python, or its Python is gone: making it anew"; rm -rf $(VENV); fi

install: venv-check $(STAMP)

# Compiled translations are build output: made here, never committed.
messages: install
	@command -v msgfmt >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null); } || true
	@if ! command -v msgfmt >/dev/null; then echo "msgfmt not found: install gettext for Spanish pages"; \
		elif [ -d locale ]; then $(DEMO_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0; fi

# Debian's Chromium for the browser tests (a test tool's own browser download fails here).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
		|| { echo "Chromium is needed for browser tests: apt-get install chromium"; exit 1; }

demo: install messages
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v 0
	$(DEMO_ENV) $(PY) manage.py load_demo
	@echo
	@echo "PROTEJA demo on http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/)"
	@echo "Sign in as admin / proteja-demo (program staff) or caseworker / proteja-demo (Casa Alianza)."
	@echo
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .

migrations-check: install
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# The suite runs as the application's role (no table, no BYPASSRLS), so row-level security holds in every test.
test-role: install
	$(TEST_ENV) $(PY) manage.py create_application_role

test: install messages browser lint test-role migrations-check chaos
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Fault tests that kill things (about two minutes): a PostgreSQL cluster, a Redis, Celery workers and gunicorn
# of their own (ports CHAOS_PG_PORT, CHAOS_REDIS_PORT, CHAOS_HTTP_PORT), stopped and killed mid-work.
chaos: install
	$(PY) tests/chaos/run.py

# The backup drill on the database DATABASE_URL names (dumped as MIGRATION_DATABASE_URL's role): dump, restore
# into a fresh database, check approved months' hashes and that personal fields decrypt, drop the copy.
backup-drill: install
	$(PY) manage.py backup_drill $(DRILL_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-output

# Benchmarks run with DEBUG off, as in production; their secrets are throwaways of their own.
BENCH_SECRETS := DEBUG=false \
	SECRET_KEY=bench-only-secret-key-not-for-production-0123456789abcdef \
	FIELD_ENCRYPTION_KEY=bench-only-field-encryption-key \
	BLIND_INDEX_KEY=bench-only-blind-index-key \
	SECURE_SSL_REDIRECT=false

# The API under load: gunicorn on PostgreSQL (its own database), Redis as broker and cache as in production.
BENCH_API_ENV := $(BENCH_SECRETS) \
	ALLOWED_HOSTS=127.0.0.1,localhost \
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://proteja_app@127.0.0.1:5432/proteja_bench_api} \
	MIGRATION_DATABASE_URL=$${BENCH_MIGRATION_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/proteja_bench_api} \
	CELERY_BROKER_URL=$${BENCH_CELERY_BROKER_URL:-redis://127.0.0.1:6379/13} \
	CACHE_URL=$${BENCH_CACHE_URL:-redis://127.0.0.1:6379/13}

bench-api: install
	$(BENCH_API_ENV) $(PY) manage.py create_application_role
	$(BENCH_API_ENV) $(PY) manage.py bench_api $(BENCH_ARGS)

# Annex 2 at national scale (database proteja_bench, loaded once as the owner, read as the application's role).
BENCH_INDICATORS_ENV := $(BENCH_SECRETS) \
	DATABASE_URL=postgres://proteja_app@127.0.0.1:5432/proteja_bench \
	MIGRATION_DATABASE_URL=postgres://postgres@127.0.0.1:5432/proteja_bench

bench-indicators: install
	createdb -h 127.0.0.1 -U postgres proteja_bench 2>/dev/null || true
	$(BENCH_INDICATORS_ENV) $(PY) manage.py create_application_role
	$(BENCH_INDICATORS_ENV) $(PY) manage.py bench_indicators $(BENCH_ARGS)

# Seconds from a case-record write to its fresh Annex 2 value, with a real worker (started for the run) on Redis.
FRESHNESS_DB ?= proteja_bench_freshness
BENCH_FRESHNESS_ENV := $(BENCH_SECRETS) \
	DATABASE_URL=postgres://proteja_app@127.0.0.1:5432/$(FRESHNESS_DB) \
	MIGRATION_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(FRESHNESS_DB) \
	CELERY_BROKER_URL=$${BENCH_CELERY_BROKER_URL:-redis://127.0.0.1:6379/14} \
	CELERY_RESULT_BACKEND=$${BENCH_CELERY_BROKER_URL:-redis://127.0.0.1:6379/14}

bench-freshness: install
	createdb -h 127.0.0.1 -U postgres $(FRESHNESS_DB) 2>/dev/null || true
	$(BENCH_FRESHNESS_ENV) $(PY) manage.py create_application_role
	$(BENCH_FRESHNESS_ENV) $(PY) manage.py migrate --noinput -v 0
	$(BENCH_FRESHNESS_ENV) $(PY) manage.py bench_freshness --start-worker $(BENCH_ARGS)

# The full recompute beside the hand-written yardstick (bench/perf_*.sql), timed in turns: prints the ratio
# (target <= 2) and one shelter-month (target <= 20 ms). Loads the dataset on the first run, reuses it after.
bench-ratio: install
	createdb -h 127.0.0.1 -U postgres proteja_bench 2>/dev/null || true
	$(BENCH_INDICATORS_ENV) $(PY) manage.py create_application_role
	$(BENCH_INDICATORS_ENV) $(PY) manage.py bench_indicators --reuse --reference bench $(BENCH_ARGS)

# The case search and the duplicate check at 20,000 cases in one shelter (database proteja_bench_search).
BENCH_SEARCH_ENV := $(BENCH_SECRETS) DATABASE_URL=postgres://postgres@127.0.0.1:5432/proteja_bench_search

bench-search: install
	createdb -h 127.0.0.1 -U postgres proteja_bench_search 2>/dev/null || true
	$(BENCH_SEARCH_ENV) $(PY) manage.py migrate --noinput -v 0
	$(BENCH_SEARCH_ENV) $(PY) manage.py bench_case_search $(BENCH_ARGS)
