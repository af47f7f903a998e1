"""cellflow settings: one module, driven by environment variables (see README)."""

import datetime
import ipaddress
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state of the embedded default: the SQLite file, the filesystem broker, collected static files.
VAR_DIR = Path(env.str("CELLFLOW_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=True)


def _secret(name: str, dev_default: str) -> str:
    """Secrets have a default only while DEBUG is on; production must set them."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is off")


SECRET_KEY = _secret("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "config.apps.CellflowStaticFilesConfig",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "viewflow",
    "viewflow.workflow",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_guid",
    # Database triggers declared on the models (append-only histories) and the audit trail they write (core/audit.py).
    "pgtrigger",
    "pghistory",
    "django_prometheus",
    # The layers, lowest first: an app imports only from the apps before it (tests/test_layers.py).
    "core",
    "org",
    "registry",
    "members",
    "massorgs",
    "cases",
    "workflows",
    "reports",
    "reorgs",
    "notifications",
    "accounts",
    "today",
    "api",
    "devdata",
]

MIDDLEWARE = [
    # Request latency for /metrics (config/metrics.py): the first and the last middleware, so all of it is timed.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who and from where, on every write of the request (the audit trail, core/audit.py).
    "config.middleware.AuditContext",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Inside the header middlewares above, so their pages get the same headers (config/middleware.py): control
    # characters, date-part lookups out of range, ... answer 400 before any view; an empty 405 gets the layout.
    "config.middleware.RequestInputGuard",
    "config.middleware.MethodNotAllowedPage",
    "config.middleware.StatementTimeoutPage",
    # Idle timeout, and the new password or second-factor set-up a session still owes (accounts/gate.py).
    "accounts.middleware.AccountGate",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
# /metrics (config/metrics.py) answers clients from these addresses or networks (the Prometheus server's), or with
# the token as "Authorization: Bearer <token>"; anyone else gets 404.
CELLFLOW_METRICS_ALLOWED_IPS = env.list("CELLFLOW_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
CELLFLOW_METRICS_TOKEN = env.str("CELLFLOW_METRICS_TOKEN", default="")
PROMETHEUS_EXPORT_MIGRATIONS = False

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "org.context_processors.roles",
            ],
        },
    },
]

SQLITE_OPTIONS: dict[str, Any] = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
# SQLite when nothing is configured; PostgreSQL (or anything django-environ parses) with DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cellflow.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Web server and Celery worker share the file: wait for locks instead of failing at once, and write-ahead logging
    # (WAL) so that readers never wait for a writer: a 100,000-row import writing for a minute does not lock the pages
    # of other officials (a reader sees the data as it was before the import's transaction).
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds them without the extra columns.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Fail fast (health check, web requests) when the server is unreachable instead of waiting for TCP.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
    # Every pgtrigger trigger (the audit trail's, the append-only guards) first reads pgtrigger.ignore inside an
    # exception block; unset, each row written raises and catches an error, and that cost grows with the
    # transaction: a 5,000-enterprise build spent 18 of its 31 s there, the national one hours. Set (to "ignore
    # nothing"), the read cannot fail. pgtrigger.ignore() still overrides it for its own statements.
    _pg_options = DATABASES["default"]["OPTIONS"]
    _pg_options["options"] = " ".join(filter(None, [_pg_options.get("options", ""), "-c pgtrigger.ignore={}"]))
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
# Persistent connections (CONN_MAX_AGE > 0) are checked before reuse, so a database restart is survived.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# PostgreSQL: how long a service transaction waits for a row lock (case, process, task, enterprise) before the page
# answers 409 "reload" (core.locks; 0 waits without limit). SQLite has no row locks.
CELLFLOW_LOCK_TIMEOUT_MS = env.int("CELLFLOW_LOCK_TIMEOUT_MS", default=5000)
# PostgreSQL: no query outlives its request (core/timeouts.py). A web process's statements end after this, a Celery
# worker's after the second, an export's after the third (its own transaction); management commands have none.
# 0: no limit. A page whose query is cut off answers 503 with a message.
CELLFLOW_STATEMENT_TIMEOUT_MS = env.int("CELLFLOW_STATEMENT_TIMEOUT_MS", default=30_000)
CELLFLOW_TASK_STATEMENT_TIMEOUT_MS = env.int("CELLFLOW_TASK_STATEMENT_TIMEOUT_MS", default=600_000)
CELLFLOW_EXPORT_STATEMENT_TIMEOUT_MS = env.int("CELLFLOW_EXPORT_STATEMENT_TIMEOUT_MS", default=120_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.Official"
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
# Sign-in asks for a second factor (TOTP, or a recovery code) when the official has one; decision makers, supervisors,
# administrators and staff must set one up (org.policy.SECOND_FACTOR_ROLES; accounts/gate.py).
OTP_TOTP_ISSUER = "cellflow"
# A session without activity (pages and forms opened; the bell's refresh does not count) ends after this long.
CELLFLOW_IDLE_TIMEOUT_MINUTES = env.int("CELLFLOW_IDLE_TIMEOUT_MINUTES", default=30)
# A password reset link (signed, holds the password hash: it works once) expires after this long.
PASSWORD_RESET_TIMEOUT = env.int("CELLFLOW_PASSWORD_RESET_HOURS", default=2) * 3600
# Bulk creation of officials from a file (accounts/bulk.py): larger files are refused with 413, more rows with 400.
# Each account's temporary password is hashed (about 0.3 s per core with the default hasher), hence the row limit.
CELLFLOW_ACCOUNT_IMPORT_MAX_BYTES = env.int("CELLFLOW_ACCOUNT_IMPORT_MAX_BYTES", default=256 * 1024)
CELLFLOW_ACCOUNT_IMPORT_MAX_ROWS = env.int("CELLFLOW_ACCOUNT_IMPORT_MAX_ROWS", default=100)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a user name *from one client address* after repeated failures, so nobody can
# lock a colleague's account from elsewhere. Behind the reverse proxy the client address is read from
# X-Forwarded-For, but only for requests that come from CELLFLOW_TRUSTED_PROXIES (config/proxy.py; docs/operations.md).
# axes' own AXES_IPWARE_* settings need django-ipware, which is not installed: AXES_CLIENT_IP_CALLABLE replaces it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_CLIENT_IP_CALLABLE = "config.proxy.client_ip"
CELLFLOW_TRUSTED_PROXIES = env.list("CELLFLOW_TRUSTED_PROXIES", default=[])
for _proxy in CELLFLOW_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CELLFLOW_TRUSTED_PROXIES: {exc}") from exc
# The lockout page says until when (config/errors.py lockout): every attempt while locked starts the wait again,
# so the lock ends one cool-off after the attempt that shows the page.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "config.errors.lockout"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Django's cache holds the API's rate-limit counters. One process needs nothing (memory); several web hosts must
# share one, or each counts on its own: CACHE_URL=redis://redis:6379/1 (docs/operations.md).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Celery: an embedded filesystem broker needs no server; CELERY_BROKER_URL selects Redis or RabbitMQ.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
# Redis (and SQS) hand a message a worker took but never acknowledged (it was SIGKILLed, its host vanished) to another
# worker after the visibility timeout. It must outlast the longest task (hard limit 600 s, the daily digests) and the
# longest countdown (retry backoff, 300 s), or a running task is handed out a second time: figures in
# docs/operations.md ("Failures rehearsed").
CELLFLOW_BROKER_VISIBILITY_TIMEOUT = env.int("CELLFLOW_BROKER_VISIBILITY_TIMEOUT", default=900)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": CELLFLOW_BROKER_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue_dir, _processed_dir = VAR_DIR / "broker" / "queue", VAR_DIR / "broker" / "processed"
    _control_dir = VAR_DIR / "broker" / "control"
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="cellflow <no-reply@localhost>")
EMAIL_USE_SSL = env.bool("DJANGO_EMAIL_USE_SSL", default=False)
# Seconds per SMTP connect/read: a silent server fails the attempt after this instead of holding a mail worker.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=15)
# The mail server's circuit breaker (notifications.delivery): after this many consecutive failures sending pauses
# for CELLFLOW_EMAIL_BREAKER_PAUSE seconds, then one probe mail decides whether it resumes.
CELLFLOW_EMAIL_BREAKER_FAILURES = env.int("CELLFLOW_EMAIL_BREAKER_FAILURES", default=3)
CELLFLOW_EMAIL_BREAKER_PAUSE = env.int("CELLFLOW_EMAIL_BREAKER_PAUSE", default=120)
# Seconds a queued mail is trusted to be on the broker; after it the unsent-mail sweep queues it again (the broker
# may have lost it: a restart without persistence). docs/operations.md, "Failures rehearsed".
CELLFLOW_EMAIL_QUEUE_LEASE = env.int("CELLFLOW_EMAIL_QUEUE_LEASE", default=300)
# Seconds a mail claimed by a worker is its own; a worker killed mid-send leaves it waiting this long. Longer than the
# sending task's hard time limit (120 s), or a slow send could be claimed twice.
CELLFLOW_EMAIL_CLAIM_LEASE = env.int("CELLFLOW_EMAIL_CLAIM_LEASE", default=300)
# Reminder mails (warnings, overdue, escalations, stalled cases, report deadlines) go out on working days from this
# hour (local time) on; the in-page notifications appear at once.
CELLFLOW_REMINDER_EMAIL_HOUR = env.int("CELLFLOW_REMINDER_EMAIL_HOUR", default=7)
CELLFLOW_REMINDER_EMAIL_WORKING_HOURS = env.bool("CELLFLOW_REMINDER_EMAIL_WORKING_HOURS", default=True)
# Used when DJANGO_EMAIL_BACKEND is django.core.mail.backends.filebased.EmailBackend (one file per mail).
EMAIL_FILE_PATH = VAR_DIR / "mail"
# The site's public address: links in notification e-mails are built from it (workers have no request).
CELLFLOW_BASE_URL = env.str("CELLFLOW_BASE_URL", default="http://127.0.0.1:8000")

# Content-Security-Policy (django-csp 4): every asset comes from this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Sent on every response (config.middleware.PermissionsPolicy): the pages use none of these browser features.
CELLFLOW_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
# A form refused for its CSRF token gets the product's page, in the official's language (config/errors.py).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions in accounts.BrowserSession, whose columns (official, sign-in, last activity, browser,
# address) make "my sessions" one query and "sign out elsewhere" a delete (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Behind a TLS-terminating reverse proxy that sets (and overwrites) X-Forwarded-Proto; see docs/operations.md.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers and container probes call /healthz over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Everything goes to stderr with a timestamp: Docker / systemd collect it (docs/operations.md).
# Every request has an id (X-Request-ID: the proxy's, if it sends a valid one, else a new one), returned in the
# response header, written in every log line of the request and carried into the Celery tasks it queues, whose
# log lines carry it too (django-guid). DJANGO_LOG_FORMAT=json writes one JSON object per line for a log collector.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"},
        "task_ids": {"()": "django_guid.integrations.celery.log_filters.CeleryTracing"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(celery_parent_id)s "
            "%(celery_current_id)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "task_ids"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # django-guid tells at INFO each id it sets: noise.
    "loggers": {"django_guid": {"level": "WARNING"}},
}

# Viewflow (used by the workflow issue).
VIEWFLOW: dict[str, Any] = {}

# Registry import (docs/import.md): upload limits, and the size above which an import runs as a Celery task.
IMPORT_MAX_UPLOAD_BYTES = env.int("CELLFLOW_IMPORT_MAX_BYTES", default=30 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("CELLFLOW_IMPORT_MAX_ROWS", default=200_000)
IMPORT_SYNC_MAX_ROWS = env.int("CELLFLOW_IMPORT_SYNC_ROWS", default=2_000)
# Uploads an official may make on the import page in any hour (dry runs count; the command is exempt; 0: no limit).
CELLFLOW_IMPORT_RATE_PER_HOUR = env.int("CELLFLOW_IMPORT_RATE_PER_HOUR", default=30)

# Reminders (notifications.reminders; schedules are edited in the admin under "Periodic tasks").
# Which committees may decide the establishment of a party organization (cases/competence.py, docs/reports.md):
# committee levels, each with an optional range of decision dates ("level:from..until", ISO dates, either end open).
# The committee must also be the enterprise's unit or one above it (a bloc committee: of the enterprise's province).
CELLFLOW_DECIDING_LEVELS = env.list(
    "CELLFLOW_DECIDING_LEVELS", default=["province", "district:..2025-06-30", "commune", "bloc"]
)
CELLFLOW_ESCALATE_AFTER_WORKING_DAYS = env.int("CELLFLOW_ESCALATE_AFTER_WORKING_DAYS", default=3)
CELLFLOW_REPORT_REMINDER_DAYS = env.str("CELLFLOW_REPORT_REMINDER_DAYS", default="14,7,3,1")
# The day the system came into use (YYYY-MM-DD): periods that ended before it never send report reminders (nor do
# periods marked "digitised from earlier records"); empty: no such day.
CELLFLOW_IN_USE_SINCE = env.str("CELLFLOW_IN_USE_SINCE", default="")
if CELLFLOW_IN_USE_SINCE:
    datetime.date.fromisoformat(CELLFLOW_IN_USE_SINCE)  # a wrong value stops the start, not the nightly sweep
CELLFLOW_REMINDER_CHUNK_SIZE = env.int("CELLFLOW_REMINDER_CHUNK_SIZE", default=200_000)
# From this many reminders of one kind for one official in a sweep, they hang under one item of the day ("12 việc quá
# hạn", notifications.reminders.writes.group_reminders); 0: never grouped.
CELLFLOW_REMINDER_GROUP_MIN = env.int("CELLFLOW_REMINDER_GROUP_MIN", default=3)
# The first sweep on a new database, or the first after this many days without one: each official's reminders of every
# kind, however many, hang under one summary item, not one item per kind (notifications.ReminderSweep); 0: never
# (nor when CELLFLOW_REMINDER_GROUP_MIN is 0).
CELLFLOW_REMINDER_SUMMARY_AFTER_DAYS = env.int("CELLFLOW_REMINDER_SUMMARY_AFTER_DAYS", default=3)

# REST API (/api/v1/, docs/api.md): browser sessions (CSRF enforced) and API tokens; one error shape; keyset pages.
REST_FRAMEWORK = {
    # The token first: its WWW-Authenticate header makes an unauthenticated request a 401 (not a 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenHasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.ApiTokenRateThrottle",
        "api.throttling.ApiSessionRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cellflow API",
    "DESCRIPTION": "Cases, tasks, enterprises, units and notifications of the caller's jurisdiction (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.models.Case.State",
        "ClosedReasonEnum": "cases.models.Case.ClosedReason",
        "ImportJobStatusEnum": "registry.models.ImportJob.Status",
        "PartyMemberStatusEnum": "members.models.PartyMember.Status",
    },
}
# Rate limits ("<n>/<second|minute|hour|day>"; empty: none), counted in Django's cache per token / per official.
CELLFLOW_API_TOKEN_RATE = env.str("CELLFLOW_API_TOKEN_RATE", default="300/minute")
CELLFLOW_API_SESSION_RATE = env.str("CELLFLOW_API_SESSION_RATE", default="600/minute")
# How long an issued token is valid unless the issuer says otherwise.
CELLFLOW_API_TOKEN_DAYS = env.int("CELLFLOW_API_TOKEN_DAYS", default=90)
