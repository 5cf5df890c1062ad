"""PROTEJA settings: one module, read from the environment.

Zero-setup defaults serve the demo (SQLite, Celery tasks run in-process).
Production sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis), and
must set SECRET_KEY, FIELD_ENCRYPTION_KEY and BLIND_INDEX_KEY: with DEBUG off they have no default.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    """Read a boolean; anything but a clear true/false is a configuration error."""
    value = os.environ.get(name, default).strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, debug_default: str) -> str:
    """A secret: required in production, a fixed throwaway value only under DEBUG."""
    value = os.environ.get(name, "")
    if value:
        return value
    if DEBUG:
        return debug_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")


DEBUG = envbool("DEBUG")
SECRET_KEY = envsecret("SECRET_KEY", "insecure-demo-secret-key-do-not-use-in-production-0123456789")
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS")
# django-fernet-encrypted-fields derives the Fernet key from SECRET_KEY and this
# salt; keep both safe: losing either makes personal fields unreadable.
FIELD_ENCRYPTION_KEY = envsecret("FIELD_ENCRYPTION_KEY", "insecure-demo-field-encryption-key")
SALT_KEY = [FIELD_ENCRYPTION_KEY, *envlist("FIELD_ENCRYPTION_KEY_FALLBACKS")]
# Key of the names' blind index (shelters.blind_index): its own secret, so that the digests stored
# beside the encrypted names cannot be recomputed from a dictionary by someone holding the others.
BLIND_INDEX_KEY = envsecret("BLIND_INDEX_KEY", "insecure-demo-blind-index-key")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "shelters",
    "web",
    "accounts",
    "indicators",
    "meetings",
    "legislation",
    "reports",
    "transfers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy and Permissions-Policy headers of every answer (see "Browser policies").
    "csp.middleware.CSPMiddleware",
    "proteja_site.middleware.PermissionsPolicyMiddleware",
    # No API answer may be kept by a cache (its own refusals included); an oversized API body is refused
    # before anything reads it (API_MAX_BODY_BYTES).
    "proteja_site.middleware.ApiNoStoreMiddleware",
    "proteja_site.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # From here on, the database shows the signed-in user's shelters only (row-level security, shelters.scopes).
    "shelters.middleware.ShelterScopeMiddleware",
    # Whether the session gave its second factor's code (request.user.otp_device), then what it may open.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "proteja_site.urls"
WSGI_APPLICATION = "proteja_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side prepared statements for the few queries that ask for them (proteja_site.prepared: Annex 2
    # for some shelters, planned once per connection). Every other query goes through Django's
    # client-side-binding cursor, which never prepares. Django leaves this off by default for
    # transaction-mode poolers (pgbouncer), which none stands between the application and PostgreSQL here;
    # turned off, those few statements are planned each time as any other.
    if envbool("DATABASE_PREPARED_STATEMENTS", "true"):
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["prepare_threshold"] = 5
        # Set once when the connection starts (no statement of its own): no JIT compiling, which costs a short
        # query tens of milliseconds and the counting statements seconds; and prepared statements run the
        # plan made once for any values (Annex 2 for one shelter-month: planning it cost more than running
        # it). Besides those few statements, only the PL/pgSQL functions' own cached plans (the audit
        # trail's sealing and verifying) follow the second; their plans are the same either way. A pooler
        # (prepared statements off) refuses or drops startup options: there the counting statements set
        # what they need themselves (indicators.aggregation._counting_settings).
        _options["options"] = " ".join(
            [_options.get("options", ""), "-c jit=off -c plan_cache_mode=force_generic_plan"]
        ).strip()
# The tables' owner, which `migrate` (and `flush`) connect as; DATABASE_URL is the application's role, which
# owns no table and has no BYPASSRLS, so PostgreSQL's row-level security holds for it (README, "Isolation").
# Unset (the demo's SQLite), migrations run as DATABASE_URL.
MIGRATION_DATABASE = (
    dj_database_url.parse(os.environ["MIGRATION_DATABASE_URL"]) if os.environ.get("MIGRATION_DATABASE_URL") else None
)
# Whom migrate grants the tables to (read here: `migrate` switches the connection's user to the owner's).
APPLICATION_DATABASE_ROLE = DATABASES["default"].get("USER") or ""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The demo's SQLite builds service_victim_date without its INCLUDE column (PostgreSQL uses it for Annex 2).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "shelters.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: after AXES_FAILURE_LIMIT failures for one username, from whatever addresses, the
# account is locked for AXES_COOLOFF_MINUTES, from every address (counting per username and address let
# an attacker with many addresses go on guessing). `manage.py unlock_user` lifts a lock at once.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for "ip_address" too. Not here: a shelter's office signs in from one public address, and
# an address lock would lock the whole team out for one person's typos (and unlock_user could not lift it).
# Guessing across many accounts from one address is slowed by the token endpoint's address throttle
# (the web sign-in page has no address throttle yet).
SILENCED_SYSTEM_CHECKS.append("axes.W006")
# The address axes records is the one throttles and the audit trail use (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "accounts.addresses.axes_client_address"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = envbool("AXES_ENABLED", "True")

# Sessions end after 30 minutes without activity.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Mexico_City")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Celery: without a broker, tasks run in-process (the demo); with one, on workers.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    None if CELERY_TASK_ALWAYS_EAGER else CELERY_BROKER_URL
)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 360)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task's message stays in Redis until the task ends (acks late); a worker killed mid-task (kill -9, the
# machine lost) leaves it unacknowledged, and Redis gives it to another worker after the visibility timeout.
# It must exceed every task's hard time limit (and countdown), or a running task would be handed out twice;
# Redis's default is an hour. Workers sweep for such messages every CELERY_UNACKED_RESTORE_INTERVAL seconds.
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": envint("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
    # A Redis that is down or hung must not hold a web request's after-commit nudge for long.
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10}
# A task whose worker process died is given back to the queue (then redone), not marked failed.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker that loses Redis stops its running acks-late tasks: their messages go back and are redone.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# Seal the audit entries a transaction wrote right after it commits (shelters.audit_chain); off, only the
# minute's task (shelters.tasks.seal_audit_trail) and verify_audit_trail seal them.
AUDIT_SEAL_ON_COMMIT = envbool("AUDIT_SEAL_ON_COMMIT", "True")
# ...at most once a second per process: the next seal takes whatever the skipped commits queued.
AUDIT_SEAL_INTERVAL_SECONDS = float(os.environ.get("AUDIT_SEAL_INTERVAL_SECONDS") or 1.0)


def redis_cache(url: str) -> dict:
    """The cache on Redis. A Redis that is down or hung must not hold up a request (a sign-in above all):
    each call gives up after a second, and its callers degrade (the token throttle lets the request through)."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


CACHES = {
    "default": (
        redis_cache(os.environ["CACHE_URL"])
        if os.environ.get("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "proteja_site.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "proteja_site.api.exception_handler",
    # JSON nested more than proteja_site.parsers.MAX_JSON_DEPTH deep is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "proteja_site.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("THROTTLE_TOKEN_RATE", "20/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# The largest API request body: a bulk of 1,000 records with every notes field full (5,000 characters,
# some written as \u escapes) is about 7 MB.
API_MAX_BODY_BYTES = envint("API_MAX_BODY_MB", 10) * 1024 * 1024
# Django's own bound on a body it reads (DRF reads JSON through it too), 2.5 MB by default, would refuse such
# a bulk with a bare "Bad Request"; pages' forms are far smaller either way.
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# API tokens (django-rest-knox, accounts.ApiToken): stored as SHA-512 digests, ending after TOKEN_TTL_HOURS,
# and at once when their owner's password, active flag, role or shelters change.
TOKEN_TTL_HOURS = envint("TOKEN_TTL_HOURS", 10)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {"TOKEN_TTL": timedelta(hours=TOKEN_TTL_HOURS), "AUTO_REFRESH": False, "AUTH_HEADER_PREFIX": "Token"}
# Partners' script keys (`manage.py issue_token --days N`) last at most this long.
SCRIPT_KEY_MAX_DAYS = 365

# Parallel workers PostgreSQL may give each statement of a recompute of every shelter (beside the statement's
# own process). One: on the 2-core server it left the API a core and took no longer than two (indicators.aggregation).
ANNEX2_PARALLEL_WORKERS = envint("ANNEX2_PARALLEL_WORKERS", 1)
if not 0 <= ANNEX2_PARALLEL_WORKERS <= 1024:  # PostgreSQL's own range for max_parallel_workers_per_gather
    raise ImproperlyConfigured(f"ANNEX2_PARALLEL_WORKERS must be from 0 to 1024, not {ANNEX2_PARALLEL_WORKERS}")

# Partners read every Annex 2 count from 1 to SUPPRESSION_K - 1 as suppressed (indicators.suppression);
# 1 shows everything. Below 1 is a configuration error, not a silent "show all".
SUPPRESSION_K = envint("SUPPRESSION_K", 5)
if SUPPRESSION_K < 1:
    raise ImproperlyConfigured(f"SUPPRESSION_K must be 1 or more, not {SUPPRESSION_K}")

# Second factor (django-otp, TOTP): program staff, coordinators and superusers cannot sign in without it.
REQUIRE_2FA = envbool("REQUIRE_2FA", "False" if DEBUG else "True")
OTP_TOTP_ISSUER = "PROTEJA"

# How many proxies in front of the application append to X-Forwarded-For (accounts.addresses). 0: none,
# the header is ignored. Throttles, lock-outs and the audit trail all count by the address this allows.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}")
# DRF's own throttles (any not built on accounts.throttling) read X-Forwarded-For the same way.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# Invitations and password resets go by e-mail: a link valid this long (one use).
INVITATION_TTL_HOURS = envint("INVITATION_TTL_HOURS", 72)
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 60 * 60 * 3)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PROTEJA <no-reply@localhost>")
# The site's own address in links sent by e-mail (invitations, password resets).
SITE_URL = (
    os.environ.get("SITE_URL")
    or (f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and not DEBUG else "http://127.0.0.1:8000")
).rstrip("/")

SPECTACULAR_SETTINGS = {
    "TITLE": "PROTEJA Case Tracker API",
    "DESCRIPTION": "REST API v1: case records for shelters, Annex 2 indicators and Annex 1 meetings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "legislation.schema.required_on_patch"],
    # Swagger UI from the drf-spectacular-sidecar package: /api/docs/ works without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from validator.swagger.io: the docs page talks to this site only (CSP connect-src, img-src).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default gives the "django" logger a console handler under DEBUG; with the root's
        # console as well, every warning printed twice. Django's records go to the root's handler only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Configuring "django" resets its children: runserver's request lines keep Django's own format.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Production hardening: `manage.py check --deploy` passes with DEBUG off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "False" if DEBUG else "True")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Browser policies, on every page, admin, the browsable API and /api/docs/ included (django-csp).
# Scripts come only from our own static files: no page has an inline script or an event attribute, and
# Swagger UI's start-up script is served as a file (SpectacularSwaggerSplitView). Inline <style> blocks carry
# the request's nonce ({{ request.csp_nonce }}); the only style attributes are the browsable API's own, allowed
# by their hashes. Images may be data: URIs (Swagger UI's icons). Nothing may frame a page.
BROWSABLE_API_STYLE_HASHES = [
    "'sha256-OfgyIBrd+/vP79JdFMYP+re4T+fIenvkrHPD2HZ8/cs='",  # "float: right; margin-right: 10px"
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE, "'unsafe-hashes'", *BROWSABLE_API_STYLE_HASHES],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Django's defaults, written out: the address of a page (which may hold a case id) never leaves the site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page needs a camera, microphone, location or any other powerful feature (proteja_site.middleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), screen-wake-lock=(), "
    "serial=(), usb=(), xr-spatial-tracking=()"
)

# Web pages for shelter staff (the `web` app): Spanish unless the user switched, and the
# switch remembered for a year; a clear page when repeated failed sign-ins lock an account.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware"), "web.middleware.SpanishByDefaultMiddleware"
)
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
# A form sent after the session ended comes back filled after signing in again (web.kept_forms); the
# pages warn this many seconds before the session ends, with a button that extends it.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1, "web.kept_forms.KeptFormMiddleware"
)
SESSION_WARNING_SECONDS = envint("SESSION_WARNING_SECONDS", 2 * 60)
# Installed for its translations only (country names in Spanish); it has no models.
INSTALLED_APPS.append("django_countries")
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
