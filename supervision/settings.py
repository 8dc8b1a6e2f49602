"""Settings of the supervision portal.

One module for every deployment: each deploy-time value comes from the environment through the
small typed helpers below, which fail loudly on a bad value. Without DATABASE_URL the portal runs
on an SQLite file in the checkout; without REDIS_URL Celery runs tasks in-process and the cache is
local memory (the embedded default of `make demo`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_ssl: bool = False
    use_tls: bool = False


def email_config(url: str) -> EmailConfig:
    """Read EMAIL_URL: console://, locmem://, smtp://user:pass@host:587, smtp+tls://…, smtps://…"""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return EmailConfig("django.core.mail.backends.console.EmailBackend")
    if parts.scheme == "locmem":
        return EmailConfig("django.core.mail.backends.locmem.EmailBackend")
    if parts.scheme in {"smtp", "smtps", "smtp+tls"}:
        return EmailConfig(
            "django.core.mail.backends.smtp.EmailBackend",
            host=parts.hostname or "localhost",
            port=parts.port or (465 if parts.scheme == "smtps" else 587),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_ssl=parts.scheme == "smtps",
            use_tls=parts.scheme == "smtp+tls",
        )
    raise ImproperlyConfigured(f"EMAIL_URL scheme {parts.scheme!r} is not console, locmem, smtp, smtp+tls or smtps")


DEBUG = env_bool("DEBUG", False)
# Writing or checking migration files signs nothing and serves nothing: it needs no secret, so a
# bare `manage.py makemigrations --check` works in any shell.
SCHEMA_ONLY = sys.argv[1:2] == ["makemigrations"]
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or SCHEMA_ONLY):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-DEBUG"  # noqa: S105 - never used to serve with DEBUG off

# HTTPS governs every transport-security setting at once: on by default in production, off for
# `make demo` and the test server, which speak plain HTTP on localhost.
HTTPS = env_bool("HTTPS", not DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "supervision.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "guardian",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "complaints.captcha_app.CaptchaConfig",
    "supervision",
    "assessment",
    "integrity",
    "complaints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "supervision.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "supervision.security.SessionTimeoutMiddleware",
    "supervision.security.PrivatePagesMiddleware",
    "supervision.twofactor.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Tests only (pytest sets N_PLUS_ONE_GUARD=1; django-zeal is in requirements-dev.txt): every request,
# and every Celery task through tests/conftest.py, raises NPlusOneError when it loads the same relation
# row by row. Fix the query (select_related, prefetch_related, an annotation); allowlist only what is
# not ours, each entry with its reason.
N_PLUS_ONE_GUARD = env_bool("N_PLUS_ONE_GUARD", False)
if N_PLUS_ONE_GUARD:
    INSTALLED_APPS.append("zeal")
    MIDDLEWARE.insert(0, "zeal.middleware.zeal_middleware")
    ZEAL_RAISE = True
    ZEAL_ALLOWLIST = [
        # One locked sequence row per document number: an action issuing two documents (a complaint's
        # acceptance notice and assignment letter) locks it once for each, by design.
        {"model": "supervision.DocumentSequence", "field": "get()"},
        # Django's database sessions: a session whose password hash no longer matches is loaded, then
        # deleted by SessionStore.delete(), which fetches the row again with get() before deleting it.
        {"model": "sessions.Session", "field": "get()"},
    ]

ROOT_URLCONF = "supervision.urls"
WSGI_APPLICATION = "supervision.wsgi.application"

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
                "supervision.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a query to machine code when its estimated cost is high. The portal's
    # queries are short but their estimates are not (correlated subqueries of the permission
    # checks): the dashboard's leave count ran in 23 ms and spent 115 ms more being compiled.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "supervision",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "public:home"

# django-guardian: no anonymous user row; the public is served by explicitly public views only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Two-step sign-in (TOTP): optional for staff, required for system administrators.
OTP_TOTP_ISSUER = "社会保险经办管理监督平台"

# django-axes: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission-checking view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env_bool("STATIC_MANIFEST", not DEBUG)

# Uploaded evidence: one size limit for every record kind (bytes).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Spreadsheet imports (scores, attendance-machine sign-ins): see supervision/imports.py.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000)
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 2000)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 200)
# Attendance imports creating more sign-ins than this are applied by a Celery task, not in the request.
ATTENDANCE_IMPORT_SYNC_ROWS = env_int("ATTENDANCE_IMPORT_SYNC_ROWS", 1000)
FILE_UPLOAD_PERMISSIONS = 0o640

_email = email_config(env_str("EMAIL_URL") or "console://")
EMAIL_BACKEND = _email.backend
EMAIL_HOST = _email.host
EMAIL_PORT = _email.port
EMAIL_HOST_USER = _email.user
EMAIL_HOST_PASSWORD = _email.password
EMAIL_USE_SSL = _email.use_ssl
EMAIL_USE_TLS = _email.use_tls
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "supervision-portal@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Transport security. HSTS for a year once HTTPS is on; cookies only over HTTPS with host-locked names.
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", HTTPS) else None
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_NAME = "__Host-language" if HTTPS else "django_language"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
# Absolute lifetime of a signed-in session, and the idle time after which it ends (seconds).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)

# Content Security Policy: no inline scripts anywhere; behaviour lives in static/js/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Celery. Without REDIS_URL every task runs eagerly in the calling process.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = 7 * 24 * 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60, "socket_connect_timeout": 2, "socket_timeout": 5}
# A request that queues work must not hang when Redis is down: try briefly, then let the caller
# fall back (notifications are retried by beat; buttons say the work could not be queued).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "health": {"task": "supervision.tasks.health_task", "schedule": crontab(minute="*/15")},
    "retry-unsent-mail": {"task": "supervision.tasks.retry_unsent_mail_task", "schedule": crontab(minute="*/10")},
    "mark-overdue-findings": {
        "task": "supervision.tasks.mark_overdue_findings_task",
        "schedule": crontab(hour=1, minute=10),
    },
    "remind-unreturned-leaves": {
        "task": "supervision.tasks.remind_unreturned_leaves_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "mark-overdue-complaints": {
        "task": "complaints.tasks.mark_overdue_complaints_task",
        "schedule": crontab(hour=1, minute=20),
    },
    "semiannual-reports-sweep": {
        "task": "supervision.tasks.semiannual_reports_sweep_task",
        "schedule": crontab(hour=7, minute=30),
    },
    # Report runs started while Redis was down (the button said so) are queued when it is back.
    "queue-unqueued-report-runs": {
        "task": "assessment.tasks.queue_unqueued_report_runs_task",
        "schedule": crontab(minute="*/5"),
    },
    # 第四条: the year-end assessment is completed in January of the following year. Every day of
    # January the previous year's confirmed results get their reports; unchanged ones are reused.
    "assessment-january-reports": {
        "task": "assessment.tasks.generate_january_reports_task",
        "schedule": crontab(month_of_year=1, hour=2, minute=30),
    },
    # 第十条（三）: risks whose review date has come are put before their owners every morning.
    "remind-risk-reviews": {
        "task": "integrity.tasks.remind_risk_reviews_task",
        "schedule": crontab(hour=7, minute=20),
    },
}

# Complaints and reports (第十六条): deadlines in working days and the public intake's limits.
COMPLAINT_ACCEPT_WORKING_DAYS = env_int("COMPLAINT_ACCEPT_WORKING_DAYS", 5)
COMPLAINT_REPLY_WORKING_DAYS = env_int("COMPLAINT_REPLY_WORKING_DAYS", 30)
COMPLAINT_INTAKE_PER_HOUR = env_int("COMPLAINT_INTAKE_PER_HOUR", 5)
COMPLAINT_TRACK_FAILURES_PER_15_MIN = env_int("COMPLAINT_TRACK_FAILURES_PER_15_MIN", 10)
COMPLAINT_MAX_FILES = env_int("COMPLAINT_MAX_FILES", 5)
# The offline captcha of the public intake (django-simple-captcha): images drawn on the server.
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 20  # minutes: long enough to write a complaint
CAPTCHA_FONT_SIZE = 28
CAPTCHA_IMAGE_SIZE = (150, 44)

# Filters offer "all" rather than a row of dashes.
FILTERS_EMPTY_CHOICE_LABEL = _("全部")

PORTAL_NAME = _("县（市、区）社会保险经办管理监督平台")
# The bureau that runs this deployment: page titles and the issuer printed on documents.
BUREAU_NAME = env_str("BUREAU_NAME") or "新乡市人力资源和社会保障局"
DEMO_PASSWORD = env_str("DEMO_PASSWORD") or "xinxiang-2026"
# Where links in notification mail point to.
PORTAL_BASE_URL = (env_str("PORTAL_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "supervision.security": {"level": "INFO"},
        "celery.app.trace": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
