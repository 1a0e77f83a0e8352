"""Shipdesk settings, read from the environment (12-factor).

Defaults are safe for production except where a value can only come from the operator
(`SECRET_KEY`, `ALLOWED_HOSTS`); `shipdesk run` and the tests set development values explicitly.
"""

import hashlib
from base64 import urlsafe_b64encode
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# No insecure fallback in production: a missing key is an error unless DEBUG is on.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production" if DEBUG else None)
# The keys that seal secrets at rest (shipdesk.sealed_secrets): a comma-separated list of Fernet
# keys, the first seals and every one opens, so a key is rotated by putting a new one first and
# running `shipdesk reseal-secrets`. Like SECRET_KEY, no fallback in production; under DEBUG
# (`shipdesk run`) a development key is derived from SECRET_KEY, so a local install needs none.
SHIPDESK_SECRETS_KEY = env.list("SHIPDESK_SECRETS_KEY", default=[])
if not SHIPDESK_SECRETS_KEY and DEBUG and SECRET_KEY:
    SHIPDESK_SECRETS_KEY = [
        urlsafe_b64encode(hashlib.sha256(b"shipdesk-secrets-key:" + SECRET_KEY.encode()).digest()).decode()
    ]
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
    "django_htmx",
    "axes",
    "csp",
    "ninja",  # serves Swagger UI from its bundled static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "shipdesk",
    "shipdesk.accounts",
    "shipdesk.inventory",
    "shipdesk.orders",
    "shipdesk.shipping",
    "shipdesk.payments",
    "shipdesk.earnings",
    "shipdesk.performance",
    "shipdesk.notifications",
    "shipdesk.claims",  # delivery problems after shipping, and chargebacks
    "shipdesk.returns",
    "shipdesk.webhooks_out",
    "shipdesk.checkouts",
    "shipdesk.conversations",
    "shipdesk.channels",
    "shipdesk.invoices",  # tax invoices and credit notes
    "shipdesk.api",
    "shipdesk.dashboard",
    "shipdesk.ops",
]

MIDDLEWARE = [
    # First: the request id and the request's log line and metrics cover everything below.
    "shipdesk.ops.requests.RequestContextMiddleware",
    # Reads go to a replica unless this request, or this seller a moment ago, wrote.
    "shipdesk.ops.replica_routing.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shipdesk.api.middleware.ApiErrorFormatMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "csp.context_processors.nonce",
                "shipdesk.dashboard.context_processors.csp_nonce",
                "shipdesk.dashboard.context_processors.shop",
            ],
        },
    },
]


def _database_pool() -> dict | None:
    """DATABASE_POOL=min,max turns on psycopg's connection pool (PostgreSQL only): each process
    keeps between min and max connections open and lends one to a request for its duration."""
    sizes = env.list("DATABASE_POOL", default=[])
    if not sizes:
        return None
    numbers = [int(n) for n in sizes]  # "4" alone is min and max
    return {
        "min_size": numbers[0],
        "max_size": numbers[-1],
        # How long a request waits for a free connection of a full pool before failing.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }


def _database_config(url: str, *, connect_timeout: int | None = None) -> dict:
    db = env.db_url_config(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy timeout
        # instead of one failing with "database is locked" at its first write; WAL lets
        # readers run beside the writer.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        return db
    options = db.setdefault("OPTIONS", {})
    if connect_timeout is not None:
        options["connect_timeout"] = connect_timeout
    pool = _database_pool()
    if pool is not None:
        # Django refuses a pool beside persistent connections: the pool is what keeps them.
        db["CONN_MAX_AGE"] = 0
        # A replica that is down must not hold a request for the whole pool timeout.
        options["pool"] = pool if connect_timeout is None else {**pool, "timeout": float(connect_timeout)}
    else:
        db.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    db["CONN_HEALTH_CHECKS"] = True
    return db


def _database_from_env() -> dict:
    default_sqlite = f"sqlite:///{SHIPDESK_DATA_DIR / 'shipdesk.sqlite3'}"
    databases = {"default": _database_config(env.str("DATABASE_URL", default=default_sqlite))}
    # Read replicas (PostgreSQL streaming replicas of the primary), comma-separated: the router in
    # shipdesk.ops.replica_routing sends reads there and every write to the primary.
    for number, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
        replica = _database_config(url, connect_timeout=env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2))
        # Tests read the replica's alias from the primary's test database: same rows, no second copy.
        replica["TEST"] = {"MIRROR": "default"}
        databases[f"replica{number}"] = replica
    return databases


DATABASES = _database_from_env()
DATABASE_ROUTERS = ["shipdesk.ops.replica_routing.PrimaryReplicaRouter"]
SHIPDESK_REPLICAS = {
    # The aliases reads may go to; empty: everything reads and writes the primary.
    "aliases": [alias for alias in DATABASES if alias.startswith("replica")],
    # After a write, that seller's (and that browser's) reads go to the primary this long, so a
    # replica's lag never hides their own change.
    "pin_seconds": env.float("SHIPDESK_REPLICA_PIN_SECONDS", default=5.0),
    # A replica that refused a connection is skipped this long before it is tried again.
    "retry_down_after_seconds": env.float("SHIPDESK_REPLICA_RETRY_SECONDS", default=30.0),
}

# The cache every host shares (CACHE_URL=redis://host:6379/0): the cached API-token lookups, the
# read-your-writes pins. Without one, each process keeps its own (fine for one process).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Cached API-token lookups: seconds a token stays cached (0: every request reads the database).
# Revocation is immediate: the revoking service replaces the cached entry with a tombstone, which
# every host sees at once because the cache is shared. Off by default without CACHE_URL: another
# process's private cache would not see the tombstone.
SHIPDESK_TOKEN_CACHE_SECONDS = env.int("SHIPDESK_TOKEN_CACHE_SECONDS", default=60 if env.str("CACHE_URL", "") else 0)
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

# Email: EMAIL_URL names the backend (smtp+tls://user:pass@host:587 in production). Without it,
# `shipdesk run` (DEBUG) keeps every message in a local mailbox the dashboard shows at /dev/mail/;
# `mailbox://` asks for that mailbox explicitly.
_EMAIL_URL = env.str("EMAIL_URL", default="mailbox://" if DEBUG else "consolemail://")
if _EMAIL_URL.startswith("mailbox:"):
    EMAIL_BACKEND = "shipdesk.notifications.mailbox.MailboxBackend"
else:
    vars().update(env.email_url_config(_EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Shipdesk <no-reply@shipdesk.localhost>")
# An SMTP server that accepts the connection and then says nothing must not hang the worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Safe defaults for production; `shipdesk run` (DEBUG) relaxes the cookie flags for plain HTTP.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
# HSTS: a browser that has seen Shipdesk over HTTPS refuses plain HTTP to it for this long, so a
# network attacker cannot strip TLS from the next visit. Django sends the header on HTTPS
# responses only (directly, or behind BEHIND_TLS_PROXY), so a year is the production default;
# DEBUG (`shipdesk run` on http://127.0.0.1) turns it off. Subdomains and preload are the
# operator's decision: they commit every host of the domain to HTTPS.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# A 10 MB JSON body is already far beyond any real order; the API answers larger ones with 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# Dashboard sign-in. django-axes goes first so a locked-out username+IP is refused before the
# password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "orders"
LOGOUT_REDIRECT_URL = "signin"
# A reset link (and a team invitation, which is one) works for 3 days, once.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
# The reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed; empty: the
# header is ignored and the client is REMOTE_ADDR (shipdesk.ops.client_address).
SHIPDESK_TRUSTED_PROXIES = env.list("SHIPDESK_TRUSTED_PROXIES", default=[])
# Five failed sign-ins for one email from one address lock that pair out for 15 minutes; the
# same email from elsewhere, or another email from here, can still sign in. "Address" is the
# client's behind the trusted proxies, so a lockout stops the guesser, not the account's owner.
AXES_CLIENT_IP_CALLABLE = "shipdesk.ops.client_address.client_ip"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "shipdesk.dashboard.access.signin_username"
AXES_LOCKOUT_CALLABLE = "shipdesk.accounts.views.signin_locked_out"
# Failed sign-ins and lockouts are still logged; this only silences the banner at every start.
AXES_VERBOSE = False

# Strict CSP: scripts only from our own origin or with this response's nonce (no inline script,
# no eval), nothing from other hosts. The Swagger UI at /api/v1/docs and the admin load only
# their own static files, so they work under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Platform policy defaults (docs/workflow.md); a seller's own overrides live on the Seller row.
SHIPDESK_POLICY = {
    "confirm_hours": env.int("SHIPDESK_CONFIRM_HOURS", default=24),
    "process_business_days": env.int("SHIPDESK_PROCESS_BUSINESS_DAYS", default=2),
    "ship_business_days": env.int("SHIPDESK_SHIP_BUSINESS_DAYS", default=3),
    "unpaid_cancel_hours": env.int("SHIPDESK_UNPAID_CANCEL_HOURS", default=48),
    "unconfirmed_cancel_hours": env.int("SHIPDESK_UNCONFIRMED_CANCEL_HOURS", default=72),
    "commission_rate": env.str("SHIPDESK_COMMISSION_RATE", default="0.10"),
    "hold_days": env.int("SHIPDESK_HOLD_DAYS", default=3),
}
# Returns (docs/returns.md): the platform's defaults; a shop sets its own window, postage rule and
# return address (returns.ReturnPolicy). Answer a request, and refund a received return, within
# these many business days.
SHIPDESK_RETURN_POLICY = {
    "window_days": env.int("SHIPDESK_RETURN_WINDOW_DAYS", default=30),
    "shipping_policy": env.str("SHIPDESK_RETURN_SHIPPING_POLICY", default="seller_if_at_fault"),
    "answer_business_days": env.int("SHIPDESK_RETURN_ANSWER_BUSINESS_DAYS", default=2),
    "refund_business_days": env.int("SHIPDESK_RETURN_REFUND_BUSINESS_DAYS", default=2),
}
# Payment-provider webhook secrets (POST /api/v1/webhooks/payments/<provider>); unset refuses all.
# The generic payment secret is its own: never the tracking one, never the deprecated shared
# SHIPDESK_GENERIC_WEBHOOK_SECRET (a carrier-facing secret must not be able to mark orders paid).
SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {
    "generic": env.str("SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET", default=""),
    "stripe": env.str("SHIPDESK_STRIPE_WEBHOOK_SECRET", default=""),
}
SHIPDESK_PAYMENT_PROVIDER = env.str(
    "SHIPDESK_PAYMENT_PROVIDER", default="shipdesk.payments.providers.SandboxPaymentProvider"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One JSON object per line (LOG_FORMAT=text for a person reading a terminal).
    "formatters": {
        "json": {"()": "shipdesk.ops.logs.JsonFormatter"},
        "text": {"()": "shipdesk.ops.logs.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env.str("LOG_FORMAT", default="json")}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # gunicorn's access log is off (`shipdesk serve`): shipdesk.request writes one line per request.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        # Django's own console handler (under DEBUG) would print each of its lines a second time;
        # they reach ours through the root, at the same level as everything else.
        "django": {"handlers": [], "level": env.str("LOG_LEVEL", default="INFO")},
    },
}

# Operations (shipdesk.ops): API rate limit per token, readiness threshold, /metrics access.
SHIPDESK_API_RATE_LIMIT = {
    # Requests one API token may make per fixed window, counted in the database across all hosts;
    # 0 turns the limit off.
    "requests": env.int("SHIPDESK_API_RATE_LIMIT", default=600),
    "window_seconds": env.int("SHIPDESK_API_RATE_WINDOW_SECONDS", default=60),
}
# /readyz fails when this many notifications are due and unsent (the worker is not keeping up).
SHIPDESK_READY_MAX_OUTBOX_BACKLOG = env.int("SHIPDESK_READY_MAX_OUTBOX_BACKLOG", default=500)
# Bearer token Prometheus sends to /metrics; without one, /metrics answers loopback only.
SHIPDESK_METRICS_TOKEN = env.str("SHIPDESK_METRICS_TOKEN", default="")
# Carrier webhook providers this deployment receives; `shipdesk check` requires each one's secret.
SHIPDESK_WEBHOOK_PROVIDERS = env.list("SHIPDESK_WEBHOOK_PROVIDERS", default=[])

# Shipping
# Carrier webhooks (POST /api/v1/webhooks/tracking/<provider>) are verified with these secrets;
# a provider without one refuses every request (401), so an unconfigured endpoint accepts nothing.
SHIPDESK_TRACKING_WEBHOOK_SECRETS = {
    # SHIPDESK_GENERIC_WEBHOOK_SECRET, once shared with payments, is still read here (and only
    # here) as a deprecated fallback, so carriers already sending generic webhooks keep working.
    "generic": env.str("SHIPDESK_GENERIC_TRACKING_WEBHOOK_SECRET", default="")
    or env.str("SHIPDESK_GENERIC_WEBHOOK_SECRET", default=""),
    "easypost": env.str("SHIPDESK_EASYPOST_WEBHOOK_SECRET", default=""),
    "aftership": env.str("SHIPDESK_AFTERSHIP_WEBHOOK_SECRET", default=""),
}
# The sandbox carrier invents deliveries, so sellers may ship with it only where it is turned on
# (by default under DEBUG, which `shipdesk run` and `shipdesk demo` set); it takes this many
# minutes from shipped to delivered.
SHIPDESK_SANDBOX_CARRIER = env.bool("SHIPDESK_SANDBOX_CARRIER", default=DEBUG)
SHIPDESK_SANDBOX_CARRIER_MINUTES = env.float("SHIPDESK_SANDBOX_CARRIER_MINUTES", default=3.0)
# Labels (docs/labels.md): the provider rates and labels are bought from — sandbox (the sandbox
# carrier's labels, only where it is on), easypost or shippo — and each one's key and address.
SHIPDESK_LABEL_PROVIDER = env.str("SHIPDESK_LABEL_PROVIDER", default="sandbox" if SHIPDESK_SANDBOX_CARRIER else "")
SHIPDESK_EASYPOST_API_KEY = env.str("SHIPDESK_EASYPOST_API_KEY", default="")
SHIPDESK_EASYPOST_API_URL = env.str("SHIPDESK_EASYPOST_API_URL", default="https://api.easypost.com/v2")
SHIPDESK_SHIPPO_API_TOKEN = env.str("SHIPDESK_SHIPPO_API_TOKEN", default="")
SHIPDESK_SHIPPO_API_URL = env.str("SHIPDESK_SHIPPO_API_URL", default="https://api.goshippo.com")
# A batch of labels with more orders than this runs as a job (progress shown); smaller ones at once.
SHIPDESK_LABEL_BATCH_INLINE = env.int("SHIPDESK_LABEL_BATCH_INLINE", default=5)

# Notifications and background work
INSTALLED_APPS += ["shipdesk.jobs"]  # the worker's heartbeat and periodic-run tables
# Absolute links in emails (the dashboard's order page, the customer's review page).
SHIPDESK_BASE_URL = env.str("SHIPDESK_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SHIPDESK_EMAIL = {
    # Messages a worker claims at a time; each is still recorded before and after its own send.
    "batch": env.int("SHIPDESK_EMAIL_BATCH", default=20),
    # Retries of a message the server refused for now (4xx, connection refused): 30 s, 1 min,
    # 2 min, … capped at an hour, 12 attempts (about 5 hours) before it is FAILED.
    "retry_base_seconds": env.float("SHIPDESK_EMAIL_RETRY_BASE_SECONDS", default=30),
    "retry_cap_seconds": env.float("SHIPDESK_EMAIL_RETRY_CAP_SECONDS", default=3600),
    "max_attempts": env.int("SHIPDESK_EMAIL_MAX_ATTEMPTS", default=12),
    # A worker that died between handing a message to SMTP and recording the answer leaves its
    # fate unknown. True: send it again with the same Message-ID (at least once; receivers can
    # drop the duplicate). False: mark it FAILED for a person to look at (at most once).
    "resend_uncertain": env.bool("SHIPDESK_EMAIL_RESEND_UNCERTAIN", default=True),
    # The hour (seller's local time) of the daily digest, and the delay of the review request.
    "digest_hour": env.int("SHIPDESK_DIGEST_HOUR", default=8),
    "review_request_days": env.int("SHIPDESK_REVIEW_REQUEST_DAYS", default=2),
}
SHIPDESK_WEBHOOKS = {
    # Private, loopback and link-local targets are refused; these CIDRs are allowed anyway (a
    # development machine: "127.0.0.0/8,::1/128"). Empty in production.
    "allowed_networks": env.list("SHIPDESK_WEBHOOK_ALLOWED_NETWORKS", default=[]),
    "timeout_seconds": env.float("SHIPDESK_WEBHOOK_TIMEOUT_SECONDS", default=10),
    # A host name that does not resolve within this is refused (checked at subscription and send).
    "resolve_timeout_seconds": env.float("SHIPDESK_WEBHOOK_RESOLVE_TIMEOUT_SECONDS", default=3),
    # Deliveries a worker claims at a time (each is sent and recorded on its own).
    "batch": env.int("SHIPDESK_WEBHOOK_BATCH", default=10),
    # Retries: 1 min, 2 min, 4 min, … capped at 6 hours, 20 attempts (about 3 days) before FAILED.
    "retry_base_seconds": env.float("SHIPDESK_WEBHOOK_RETRY_BASE_SECONDS", default=60),
    "retry_cap_seconds": env.float("SHIPDESK_WEBHOOK_RETRY_CAP_SECONDS", default=6 * 3600),
    "max_attempts": env.int("SHIPDESK_WEBHOOK_MAX_ATTEMPTS", default=20),
    # An endpoint whose every delivery failed for this long is disabled and its owner emailed.
    "disable_after_seconds": env.float("SHIPDESK_WEBHOOK_DISABLE_AFTER_SECONDS", default=24 * 3600),
    # How long the old secret keeps signing after a rotation, unless the rotation says otherwise.
    "rotation_overlap_hours": env.int("SHIPDESK_WEBHOOK_ROTATION_OVERLAP_HOURS", default=24),
    "max_subscriptions": env.int("SHIPDESK_WEBHOOK_MAX_SUBSCRIPTIONS", default=20),
    # How long the delivery log keeps finished events (the hourly prune forgets older ones).
    "log_days": env.int("SHIPDESK_WEBHOOK_LOG_DAYS", default=30),
}
SHIPDESK_WORKER = {
    "heartbeat_seconds": env.float("SHIPDESK_WORKER_HEARTBEAT_SECONDS", default=5),
    # A worker not heard from for this long is dead: its claimed work is handed to others.
    "dead_after_seconds": env.float("SHIPDESK_WORKER_DEAD_AFTER_SECONDS", default=30),
    "reap_every_seconds": env.float("SHIPDESK_WORKER_REAP_EVERY_SECONDS", default=10),
    "schedule_every_seconds": env.float("SHIPDESK_WORKER_SCHEDULE_EVERY_SECONDS", default=5),
}

# Conversations with customers and support cases (docs/conversations.md).
SHIPDESK_CONVERSATIONS = {
    # The domain whose mail reaches `shipdesk inbound-email` (Postfix/Exim pipe, LMTP or HTTP): every
    # customer email then carries the order's reply address, reply+<order>-<signature>@<domain>.
    # Empty: no reply addresses; customers' replies go to the shop's own email, as before.
    "reply_domain": env.str("SHIPDESK_REPLY_DOMAIN", default="").strip().lower(),
    "reply_local_part": env.str("SHIPDESK_REPLY_LOCAL_PART", default="reply"),
    # A customer's message is due an answer within this many hours, counted in the shop's business
    # hours (its business days) or in every hour.
    "answer_hours": env.int("SHIPDESK_ANSWER_HOURS", default=24),
    "answer_in_business_hours": env.bool("SHIPDESK_ANSWER_IN_BUSINESS_HOURS", default=False),
    # Larger inbound mail is refused unread; each attachment kept is at most this large.
    "max_email_bytes": env.int("SHIPDESK_INBOUND_MAX_BYTES", default=25 * 1024 * 1024),
    "max_attachment_bytes": env.int("SHIPDESK_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024),
    # The HMAC secret of POST /api/v1/webhooks/inbound-email (signed like our generic webhooks); empty: off.
    "inbound_secret": env.str("SHIPDESK_INBOUND_EMAIL_SECRET", default=""),
    # Where sellers' support cases are emailed to (the marketplace operator's support desk).
    "support_email": env.str("SHIPDESK_SUPPORT_EMAIL", default="support@shipdesk.localhost"),
}
# Uploaded files (message attachments): local disk by default, any storage backend through STORAGES.
MEDIA_ROOT = env.str("SHIPDESK_MEDIA_ROOT", default=str(SHIPDESK_DATA_DIR / "media"))
MEDIA_URL = "/media/"  # never served as such: attachments go through views that check who asks
