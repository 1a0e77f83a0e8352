"""Shipdesk settings, read from the environment (12-factor).

Defaults are safe for production except where a value can only come from the operator
(`SECRET_KEY`, `ALLOWED_HOSTS`); `shipdesk run` and the tests set development values explicitly.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# No insecure fallback in production: a missing key is an error unless DEBUG is on.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production" if DEBUG else None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SHIPDESK_DATA_DIR = Path(env.str("SHIPDESK_DATA_DIR", default=str(Path.cwd() / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "ninja",  # serves Swagger UI from its bundled static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "shipdesk",
    "shipdesk.accounts",
    "shipdesk.inventory",
    "shipdesk.orders",
    "shipdesk.shipping",
    "shipdesk.payments",
    "shipdesk.notifications",
    "shipdesk.api",
    "shipdesk.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shipdesk.api.middleware.ApiErrorFormatMiddleware",
]

ROOT_URLCONF = "shipdesk.urls"
WSGI_APPLICATION = "shipdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_from_env() -> dict:
    default_sqlite = f"sqlite:///{SHIPDESK_DATA_DIR / 'shipdesk.sqlite3'}"
    db = env.db_url("DATABASE_URL", default=default_sqlite)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy timeout
        # instead of one failing with "database is locked" at its first write; WAL lets
        # readers run beside the writer.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    else:
        db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
        db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = SHIPDESK_DATA_DIR / "static"
# Without a collectstatic step (`shipdesk run`), serve app static files straight from the apps.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Shipdesk <no-reply@shipdesk.localhost>")

# Safe defaults for production; `shipdesk run` (DEBUG) relaxes the cookie flags for plain HTTP.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
# A 10 MB JSON body is already far beyond any real order; the API answers larger ones with 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# Platform policy defaults (DESIGN §1); a seller's own overrides live on the Seller row.
SHIPDESK_POLICY = {
    "confirm_hours": env.int("SHIPDESK_CONFIRM_HOURS", default=24),
    "process_business_days": env.int("SHIPDESK_PROCESS_BUSINESS_DAYS", default=2),
    "ship_business_days": env.int("SHIPDESK_SHIP_BUSINESS_DAYS", default=3),
    "unpaid_cancel_hours": env.int("SHIPDESK_UNPAID_CANCEL_HOURS", default=48),
    "unconfirmed_cancel_hours": env.int("SHIPDESK_UNCONFIRMED_CANCEL_HOURS", default=72),
    "commission_rate": env.str("SHIPDESK_COMMISSION_RATE", default="0.10"),
    "hold_days": env.int("SHIPDESK_HOLD_DAYS", default=3),
}
SHIPDESK_PAYMENT_PROVIDER = env.str("SHIPDESK_PAYMENT_PROVIDER", default="shipdesk.payments.providers.SandboxPaymentProvider")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
