"""What `shipdesk check` verifies before a production start: each finding says what to fix."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shipdesk.payments import webhooks as payment_webhooks
from shipdesk.sealed_secrets import seal
from shipdesk.shipping import webhooks as tracking_webhooks

from . import health

ERROR, WARNING = "error", "warning"
INSECURE_KEY_MARKERS = ("django-insecure", "dev-only", "change-me", "changeme", "secret")
EMAIL_BACKENDS_THAT_SEND_NOTHING = {
    "django.core.mail.backends.console.EmailBackend": "prints messages on the console",
    "django.core.mail.backends.locmem.EmailBackend": "keeps messages in memory",
    "django.core.mail.backends.dummy.EmailBackend": "drops every message",
    "django.core.mail.backends.filebased.EmailBackend": "writes messages to files",
    "shipdesk.notifications.mailbox.MailboxBackend": "keeps messages in the local /dev/mail/ mailbox",
}


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    topic: str
    problem: str
    fix: str


def _secret_key() -> list[Finding]:
    fix = "set SECRET_KEY to 50+ random characters: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    try:
        key = settings.SECRET_KEY or ""
    except ImproperlyConfigured:  # Django refuses to hand out an empty key; this is the place to say so
        return [Finding(ERROR, "SECRET_KEY", "is not set", fix)]
    weak = len(key) < 50 or len(set(key)) < 10 or any(m in key.lower() for m in INSECURE_KEY_MARKERS)
    if weak:
        return [Finding(ERROR, "SECRET_KEY", "is short, repetitive or a known placeholder", fix)]
    return []


def _secrets_key() -> list[Finding]:
    """The keys that seal the channels' credentials at rest (shipdesk.sealed_secrets)."""
    fix = (
        "set SHIPDESK_SECRETS_KEY to a Fernet key: "
        "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
    )
    keys = [key for key in settings.SHIPDESK_SECRETS_KEY if key.strip()]
    if not keys:
        return [Finding(ERROR, "SHIPDESK_SECRETS_KEY", "is not set: no channel secret can be stored or read", fix)]
    try:
        seal("check", keys=keys)
    except ImproperlyConfigured:
        return [Finding(ERROR, "SHIPDESK_SECRETS_KEY", "holds a key that is not 32 bytes of URL-safe base64", fix)]
    return []


def _debug_and_hosts() -> list[Finding]:
    found = []
    if settings.DEBUG:
        found.append(
            Finding(
                ERROR, "DEBUG", "is on: error pages show settings and code", "unset DEBUG (or DEBUG=0) in production"
            )
        )
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts:
        found.append(
            Finding(
                ERROR,
                "ALLOWED_HOSTS",
                "is empty: every request is refused with 400",
                "set ALLOWED_HOSTS=shipdesk.example.com",
            )
        )
    elif "*" in hosts:
        found.append(
            Finding(
                ERROR,
                "ALLOWED_HOSTS",
                "contains '*': any Host header is trusted (password-reset links can be forged)",
                "list the real host names: ALLOWED_HOSTS=shipdesk.example.com",
            )
        )
    base = urlsplit(settings.SHIPDESK_BASE_URL)
    if base.scheme != "https" and not settings.DEBUG:
        found.append(
            Finding(
                WARNING,
                "SHIPDESK_BASE_URL",
                f"is {settings.SHIPDESK_BASE_URL}: links in emails are not HTTPS",
                "set SHIPDESK_BASE_URL=https://shipdesk.example.com",
            )
        )
    return found


def _database() -> list[Finding]:
    reachable = health.database_reachable()
    if not reachable.ok:
        return [
            Finding(
                ERROR,
                "DATABASE_URL",
                f"the database is unreachable ({reachable.reason or reachable.detail})",
                "check DATABASE_URL=postgres://user:password@host:5432/shipdesk and that PostgreSQL accepts the "
                "connection",
            )
        ]
    found = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not settings.DEBUG:
        found.append(
            Finding(
                WARNING,
                "DATABASE_URL",
                "is SQLite: one host only, no parallel workers",
                "use PostgreSQL in production: DATABASE_URL=postgres://…",
            )
        )
    migrated = health.migrations_applied()
    if not migrated.ok:
        found.append(
            Finding(
                ERROR, "migrations", migrated.detail, "run `shipdesk migrate` (once, from one host) before starting"
            )
        )
    return found


def _email() -> list[Finding]:
    backend = settings.EMAIL_BACKEND
    if backend in EMAIL_BACKENDS_THAT_SEND_NOTHING:
        level = WARNING if settings.DEBUG else ERROR
        return [
            Finding(
                level,
                "EMAIL_URL",
                f"the email backend {EMAIL_BACKENDS_THAT_SEND_NOTHING[backend]}: customers and sellers get nothing",
                "set EMAIL_URL=smtp+tls://user:password@smtp.example.com:587",
            )
        ]
    if backend == "django.core.mail.backends.smtp.EmailBackend" and not settings.EMAIL_HOST:
        return [
            Finding(
                ERROR,
                "EMAIL_URL",
                "names SMTP without a host",
                "set EMAIL_URL=smtp+tls://user:password@smtp.example.com:587",
            )
        ]
    return []


def _transport_security() -> list[Finding]:
    found = []
    if not settings.DEBUG and not settings.SECURE_HSTS_SECONDS:
        found.append(
            Finding(
                WARNING,
                "SECURE_HSTS_SECONDS",
                "is 0: no Strict-Transport-Security header, so a browser may be downgraded to plain HTTP",
                "unset SECURE_HSTS_SECONDS (the default is a year) or set SECURE_HSTS_SECONDS=31536000",
            )
        )
    # Behind a TLS proxy, the client's address is only known from X-Forwarded-For, and only the
    # proxies we name may set it; without them sign-in lockouts and rate limits count the proxy.
    if settings.SECURE_PROXY_SSL_HEADER and not getattr(settings, "SHIPDESK_TRUSTED_PROXIES", None):
        found.append(
            Finding(
                WARNING,
                "SHIPDESK_TRUSTED_PROXIES",
                "is empty while BEHIND_TLS_PROXY is on: client addresses are the proxy's",
                "list the reverse proxies' addresses: SHIPDESK_TRUSTED_PROXIES=127.0.0.1,10.0.0.5",
            )
        )
    return found


def _shared_webhook_secrets(secrets: dict[str, str]) -> list[Finding]:
    """One secret for two webhook endpoints lets a message signed for one be replayed at the other."""
    by_secret: dict[str, list[str]] = {}
    for name, secret in secrets.items():
        if secret:
            by_secret.setdefault(secret, []).append(name)
    return [
        Finding(
            WARNING,
            "webhook secrets",
            f"{' and '.join(names)} share one secret: an event signed for one endpoint is accepted by the other",
            "give every provider and endpoint its own signing secret",
        )
        for names in by_secret.values()
        if len(names) > 1
    ]


def _webhooks() -> list[Finding]:
    """Each endpoint's secret, named as its receiver names it (payments.webhooks, shipping.webhooks).

    SHIPDESK_WEBHOOK_PROVIDERS lists the providers this deployment receives; `generic` means our own
    format at both endpoints (tracking and payments), each with its own secret.
    """
    payment = getattr(settings, "SHIPDESK_PAYMENT_WEBHOOK_SECRETS", {})
    tracking = settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS
    found = _shared_webhook_secrets(
        {
            **{f"the {name} payment webhook": s for name, s in payment.items()},
            **{f"the {name} tracking webhook": s for name, s in tracking.items()},
        }
    )
    endpoints = {
        name: [("payments", payment_webhooks.PROVIDERS[name].secret_setting, payment.get(name, ""))]
        for name in payment_webhooks.PROVIDERS
    }
    for name in tracking_webhooks.PROVIDERS:
        endpoints.setdefault(name, []).append(
            ("tracking", tracking_webhooks.secret_setting(name), tracking.get(name, ""))
        )
    for provider in settings.SHIPDESK_WEBHOOK_PROVIDERS:
        if provider not in endpoints:
            found.append(
                Finding(
                    ERROR,
                    "SHIPDESK_WEBHOOK_PROVIDERS",
                    f"names {provider!r}, which Shipdesk does not know",
                    f"use only {', '.join(sorted(endpoints))}",
                )
            )
            continue
        for endpoint, name, secret in endpoints[provider]:
            if not secret:
                found.append(
                    Finding(
                        ERROR,
                        name,
                        f"is not set: every {provider} {endpoint} webhook is refused with 401",
                        f"copy the signing secret from the {provider} dashboard into {name}",
                    )
                )
            elif len(secret) < 16:
                found.append(
                    Finding(WARNING, name, "is shorter than 16 characters", "use the provider's full signing secret")
                )
    # The secret once shared by both generic endpoints now feeds tracking only: a payment sender
    # still relying on it is refused (401) until the payments endpoint has a secret of its own.
    if os.environ.get("SHIPDESK_GENERIC_WEBHOOK_SECRET") and not payment.get("generic"):
        found.append(
            Finding(
                WARNING,
                "SHIPDESK_GENERIC_WEBHOOK_SECRET",
                "is deprecated and no longer signs generic payment webhooks (they are refused with 401)",
                "set SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET (and SHIPDESK_GENERIC_TRACKING_WEBHOOK_SECRET) instead",
            )
        )
    return found


def _payments_and_metrics() -> list[Finding]:
    found = []
    if settings.SHIPDESK_PAYMENT_PROVIDER.endswith("SandboxPaymentProvider") and not settings.DEBUG:
        found.append(
            Finding(
                WARNING,
                "SHIPDESK_PAYMENT_PROVIDER",
                "is the sandbox: refunds are not really paid out",
                "set SHIPDESK_PAYMENT_PROVIDER to your provider's class",
            )
        )
    if not settings.SHIPDESK_METRICS_TOKEN:
        found.append(
            Finding(
                WARNING,
                "SHIPDESK_METRICS_TOKEN",
                "is not set: /metrics answers only direct loopback requests",
                "set SHIPDESK_METRICS_TOKEN and give Prometheus the same bearer token",
            )
        )
    return found


def _worker() -> list[Finding]:
    alive = health.worker_alive()
    if not alive.ok:
        return [
            Finding(
                WARNING,
                "worker",
                alive.detail,
                "enable and start shipdesk-worker.service (no emails, sweeps or refunds run without it)",
            )
        ]
    return []


# Caches that live inside one process: another host (or gunicorn worker) never sees their keys.
PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


def _replicas_and_cache() -> list[Finding]:
    shared = settings.CACHES["default"]["BACKEND"] not in PROCESS_CACHES
    found = []
    if settings.SHIPDESK_REPLICAS["aliases"] and not shared:
        found.append(
            Finding(
                WARNING,
                "CACHE_URL",
                "read replicas are on but the cache is per process: an API client's read right after its own "
                "write may reach another process that does not know of the write, and read the replica's old rows",
                "set CACHE_URL=redis://host:6379/0, the same on every host",
            )
        )
    if settings.SHIPDESK_TOKEN_CACHE_SECONDS > 0 and not shared:
        found.append(
            Finding(
                ERROR,
                "SHIPDESK_TOKEN_CACHE_SECONDS",
                "token lookups are cached per process: a revoked token would keep working in the other processes",
                "set CACHE_URL=redis://host:6379/0, or SHIPDESK_TOKEN_CACHE_SECONDS=0",
            )
        )
    return found


def configuration_findings() -> list[Finding]:
    found = (
        _secret_key()
        + _secrets_key()
        + _debug_and_hosts()
        + _transport_security()
        + _email()
        + _webhooks()
        + _payments_and_metrics()
        + _replicas_and_cache()
    )
    database = _database()
    found += database
    # The worker's heartbeat table exists only in a reachable, migrated database.
    if not any(f.level == ERROR and f.topic in ("DATABASE_URL", "migrations") for f in database):
        found += _worker()
    return found
