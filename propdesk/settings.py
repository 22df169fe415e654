"""PropDesk settings: everything comes from the environment, with safe embedded defaults.

Embedded default (`make run`): SQLite under `var/` in WAL mode, huey on SQLite, in-process push.
Production: `DATABASE_URL` (PostgreSQL), `REDIS_URL` (huey + push on Redis), `PROPDESK_SECRET_KEY`,
`PROPDESK_DEBUG=false`, `PROPDESK_ALLOWED_HOSTS`. The README lists every variable.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
ROOT_DIR = BASE_DIR.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("PROPDESK_TESTING")
VAR_DIR = Path(env_str("PROPDESK_VAR_DIR", str(ROOT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("PROPDESK_DEBUG", default=False)
_DEV_KEY = "propdesk-embedded-development-key-change-me-in-production-0123456789"
SECRET_KEY = env_str("PROPDESK_SECRET_KEY", _DEV_KEY)
ALLOWED_HOSTS = env_list(
    "PROPDESK_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("PROPDESK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",  # login lockout; its admin lists and resets locked logins
    "csp",
    "ninja",  # serves the Swagger UI assets locally (no CDN) for /api/v1/docs
    "propdesk.core",
    "propdesk.complaints",
    "propdesk.reception",
    "propdesk.workorders",
    "propdesk.billing",
    "propdesk.residents",
]

MIDDLEWARE = [
    # outermost: the request id and timing cover everything below, errors included
    "propdesk.core.observability.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "propdesk.core.middleware.CurrentProjectMiddleware",
    # last, as django-axes requires: turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "propdesk.urls"
ASGI_APPLICATION = "propdesk.asgi.application"
WSGI_APPLICATION = "propdesk.wsgi.application"

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
                "propdesk.core.context_processors.shell",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "propdesk.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=env_int("PROPDESK_DB_CONN_MAX_AGE", 0),
        # A kept connection the server dropped (restart, idle cut) is replaced before use.
        conn_health_checks=True,
    )
}
IS_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
# PostgreSQL connection pool per web process (psycopg_pool, Django's "pool" option): requests
# borrow an open connection instead of opening one each (~3 ms of server CPU and a round trip),
# and a connection the server dropped is replaced before it is handed out.
DB_POOL_SIZE = env_int("PROPDESK_DB_POOL", 0)
if DB_POOL_SIZE > 0 and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # With CONN_HEALTH_CHECKS (set above) Django has the pool check a connection before lending it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_SIZE,
        "timeout": 20,
    }
if IS_SQLITE:
    # WAL + IMMEDIATE transactions: writers queue on the busy timeout instead of failing with
    # "database is locked" when they upgrade a read lock mid-transaction. Django's backend plus
    # a fair writer queue per process (propdesk/core/sqlite_backend), so request threads do not
    # starve each other on SQLite's polling busy handler under load.
    DATABASES["default"]["ENGINE"] = "propdesk.core.sqlite_backend"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_propdesk.sqlite3")}
# Closed SQLite connections kept open for the next request of the process (0: none), see
# propdesk/core/sqlite_backend: a request reuses a connection and its warm page cache.
PROPDESK_SQLITE_IDLE_CONNECTIONS = env_int("PROPDESK_SQLITE_IDLE_CONNECTIONS", 8)
# Deadlines per sweep transaction (propdesk/core/services/deadlines.py).
PROPDESK_SWEEP_BATCH = env_int("PROPDESK_SWEEP_BATCH", 200)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache --------------------------------------------------------------------------------
# Holds the login/token rate-limit counters; on Redis every server process shares them.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if TESTING:
    # A test run must not inherit the counters of an earlier run on the same Redis.
    CACHES["default"]["KEY_PREFIX"] = (
        f"test-{os.getpid()}-{int(dt.datetime.now(dt.UTC).timestamp())}"
    )

# --- jobs (huey) --------------------------------------------------------------------------
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("PROPDESK_HUEY_NAME", "propdesk"),
        "url": REDIS_URL,
        "immediate": TESTING,
        "consumer": {"workers": env_int("PROPDESK_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "propdesk",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
        "consumer": {"workers": env_int("PROPDESK_WORKERS", 2), "worker_type": "thread"},
    }
SWEEP_INTERVAL_MINUTES = env_int("PROPDESK_SWEEP_MINUTES", 1)

# --- auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "propdesk.core.security.LockoutBackend",  # django-axes: refuses locked logins first
    # ModelBackend loading the staff profile with the user (one query less per request)
    "propdesk.core.security.StaffUserBackend",
]
# django-axes (issue 5, Login): PROPDESK_LOGIN_FAILURES wrong passwords lock the login for
# PROPDESK_LOGIN_COOLOFF_MINUTES; a correct password resets the count. Admins see and unlock
# locks in the admin (Axes → access attempts) or with `propdesk axes_reset_username NAME`.
AXES_FAILURE_LIMIT = env_int("PROPDESK_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("PROPDESK_LOGIN_COOLOFF_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "propdesk.core.views.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "propdesk.core.security.client_ip"
AXES_LOCKOUT_PARAMETERS = {
    "username+ip": [["username", "ip_address"]],
    "username": ["username"],
    "ip": ["ip_address"],
}[env_str("PROPDESK_LOGIN_LOCKOUT_BY", "username+ip")]
AXES_VERBOSE = False
# Number of reverse proxies in front of PropDesk that append to X-Forwarded-For (0: none).
PROPDESK_TRUSTED_PROXIES = env_int("PROPDESK_TRUSTED_PROXIES", 0)
# Rate limits ("count/period", period s, m, h or d; 0/m switches one off), counted in the cache.
PROPDESK_LOGIN_RATE_IP = env_str("PROPDESK_LOGIN_RATE_IP", "30/m")
PROPDESK_LOGIN_RATE_USER = env_str("PROPDESK_LOGIN_RATE_USER", "10/m")
PROPDESK_TOKEN_RATE = env_str("PROPDESK_TOKEN_RATE", "10/h")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "login"
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n / time --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # propdesk/static: the UI's own css/js
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("PROPDESK_SESSION_SECONDS", 12 * 3600)
# The API's browser clients (Swagger UI, htmx) send this cookie back as X-CSRFToken.
CSRF_COOKIE_HTTPONLY = False
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("PROPDESK_HTTPS", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("PROPDESK_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("PROPDESK_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp 4): only our own origin; no inline or eval'd script (the
# UI's scripts are static files). Inline *style* stays allowed: templates set bar widths and
# print styles inline, and a style cannot run code. data: images: the favicon placeholder and
# the Swagger UI's icons at /api/v1/docs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- personal data (PIPL) -----------------------------------------------------------------
# Fernet keys for ID-card numbers at rest, current first, and the key of their lookup hash.
# Unset = derived from SECRET_KEY (development only; `check --deploy` warns). docs/personal-data.md
PII_KEYS = env_list("PROPDESK_PII_KEYS", [])
PII_HASH_KEY = env_str("PROPDESK_PII_HASH_KEY")

# --- email / notifications ----------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("PROPDESK_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("PROPDESK_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("PROPDESK_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("PROPDESK_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("PROPDESK_EMAIL_TLS", default=False)
EMAIL_TIMEOUT = env_int("PROPDESK_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("PROPDESK_EMAIL_FROM", "PropDesk <noreply@propdesk.local>")
PROPDESK_USE_EMAIL = env_bool("PROPDESK_USE_EMAIL", default=False)
PROPDESK_USE_WEBHOOKS = env_bool("PROPDESK_USE_WEBHOOKS", default=False)
NOTIFY_MAX_ATTEMPTS = env_int("PROPDESK_NOTIFY_MAX_ATTEMPTS", 8)
WEBHOOK_TIMEOUT = env_int("PROPDESK_WEBHOOK_TIMEOUT", 5)

# --- logging ------------------------------------------------------------------------------
# json: one object per line for log shippers (the production default); plain: for a terminal.
LOG_FORMAT = env_str("PROPDESK_LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ValueError("PROPDESK_LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "propdesk.core.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "propdesk.core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("PROPDESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "huey": {"level": "WARNING", "propagate": False, "handlers": ["console"]},
        # WeasyPrint logs every layout step at INFO; only its warnings matter here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# /metrics answers loopback callers, and others that send `Authorization: Bearer <token>`.
PROPDESK_METRICS_TOKEN = env_str("PROPDESK_METRICS_TOKEN")

PROPDESK_PORT = env_int("PROPDESK_PORT", 8000)
PROPDESK_WEB_WORKERS = env_int("PROPDESK_WEB_WORKERS", 1)
PROPDESK_HOST = env_str("PROPDESK_HOST", "127.0.0.1")
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 500
