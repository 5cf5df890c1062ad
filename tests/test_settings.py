"""The settings module reads the environment and fails loudly."""

import os
import subprocess
import sys

import pytest

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-like-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "FIELD_ENCRYPTION_KEY": "production-field-key",
    "BLIND_INDEX_KEY": "production-blind-index-key",
    "ALLOWED_HOSTS": "proteja.example.org",
    "DATABASE_URL": "postgres://proteja@127.0.0.1:5432/proteja",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, env):
    base = {
        key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV and key != "SECURE_SSL_REDIRECT"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], env={**base, **env}, capture_output=True, text=True, check=False
    )


def test_check_deploy_prints_no_warning_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    # One on purpose: axes.W006, lock-outs by account and not by address (see AXES_LOCKOUT_PARAMETERS).
    assert "no issues (1 silenced)" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY"])
def test_secrets_have_no_default_when_debug_is_off(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr


def test_a_boolean_that_is_not_true_or_false_is_an_error():
    result = manage("check", env={**PRODUCTION_ENV, "DEBUG": "maybe"})

    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def run_under_demo_settings(statements: str) -> subprocess.CompletedProcess:
    """Run Python `statements` after django.setup() with the demo's environment: DEBUG on, no database or broker."""
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='proteja_site.settings'; django.setup();"
    base = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    return subprocess.run(
        [sys.executable, "-c", code + statements],
        env={**base, "DEBUG": "true"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_demo_defaults_are_sqlite_and_eager_celery():
    result = run_under_demo_settings(
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.TIME_ZONE, s.LANGUAGE_CODE)"
    )

    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "America/Mexico_City", "es"]


def test_a_broker_url_turns_eager_mode_off():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='proteja_site.settings'; django.setup();"
        "from django.conf import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER, s.DATABASES['default']['ENGINE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **PRODUCTION_ENV}, capture_output=True, text=True, check=False
    )

    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_django_log_lines_are_printed_once_under_debug():
    result = run_under_demo_settings(
        "import logging;"
        "logging.getLogger('django.request').warning('Not Found: /nowhere/');"
        "logging.getLogger('django.server').info('\"GET /here/ HTTP/1.1\" 200 5', extra={'server_time': 'T0'})"
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /nowhere/") == 1
    # runserver's request lines: once, in Django's own format.
    assert result.stderr.count('"GET /here/ HTTP/1.1" 200 5') == 1
    assert '[T0] "GET /here/ HTTP/1.1" 200 5' in result.stderr


def read_setting(expression: str, variable: str, value: str | None) -> subprocess.CompletedProcess:
    """Production's settings in a fresh process, with the environment `variable` unset (None) or `value`:
    prints `expression` (of the settings, as `s`)."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='proteja_site.settings'; django.setup();"
        f"from django.conf import settings as s; print({expression})"
    )
    env = {key: item for key, item in {**os.environ, **PRODUCTION_ENV}.items() if key != variable}
    if value is not None:
        env[variable] = value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("value", "expected"), [(None, "5"), ("true", "5"), ("false", "None")])
def test_prepared_statements_are_on_for_postgresql_unless_turned_off(value, expected):
    result = read_setting(
        "s.DATABASES['default']['OPTIONS'].get('prepare_threshold')", "DATABASE_PREPARED_STATEMENTS", value
    )

    assert result.stdout.split() == [expected], result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "-c jit=off -c plan_cache_mode=force_generic_plan"), ("false", "None")],
)
def test_postgresql_sessions_start_without_jit_and_plan_prepared_statements_once(value, expected):
    # Off (for a pooler, which refuses or drops startup options): none are sent.
    result = read_setting(
        "s.DATABASES['default'].get('OPTIONS', {}).get('options')", "DATABASE_PREPARED_STATEMENTS", value
    )

    assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "1"), ("0", "0"), ("4", "4"), ("1024", "1024"), ("-1", None), ("1025", None), ("two", None)],
)
def test_annex2_parallel_workers_is_a_count_postgresql_accepts(value, expected):
    result = read_setting("s.ANNEX2_PARALLEL_WORKERS", "ANNEX2_PARALLEL_WORKERS", value)

    if expected is None:
        assert result.returncode != 0
        assert "ANNEX2_PARALLEL_WORKERS must be" in result.stderr
    else:
        assert result.stdout.split() == [expected], result.stderr
