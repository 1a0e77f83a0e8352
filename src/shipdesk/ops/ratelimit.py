"""Fixed-window counters in the database, shared by every host: the per-token API rate limit,
and the password-reset throttle (per account and per client address).

One upsert per counted request (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, on both
PostgreSQL and SQLite) both counts the request and says how many were made in this window, so
two gunicorn workers on two hosts can never both let the 601st request through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from shipdesk.errors import ShipdeskError

from .models import RateWindow


class RateLimited(ShipdeskError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, details={"retry_after_seconds": retry_after})
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    requests: int
    window_seconds: int


def current_limit() -> Limit:
    config = settings.SHIPDESK_API_RATE_LIMIT
    return Limit(requests=int(config["requests"]), window_seconds=int(config["window_seconds"]))


def window_of(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=UTC)


def count_request(*, key: str, now: datetime | None = None, window_seconds: int | None = None) -> int:
    """Count one request for `key` in the current window (the API limit's, unless given); return
    the window's count so far."""
    start = window_of(now or timezone.now(), window_seconds or current_limit().window_seconds)
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    key_col, start_col, count_col = (connection.ops.quote_name(c) for c in ("key", "window_start", "count"))
    sql = (
        f"INSERT INTO {table} ({key_col}, {start_col}, {count_col}) VALUES (%s, %s, 1) "
        f"ON CONFLICT ({key_col}, {start_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
        f"RETURNING {count_col}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, connection.ops.adapt_datetimefield_value(start)])
        return cursor.fetchone()[0]


def enforce(*, key: str, now: datetime | None = None) -> None:
    """Raise RateLimited (429, with the seconds until the window turns) past the limit."""
    limit = current_limit()
    if limit.requests <= 0:  # 0 turns the limit off, explicitly, for every token alike
        return
    now = now or timezone.now()
    count = count_request(key=key, now=now)
    if count > limit.requests:
        window_end = window_of(now, limit.window_seconds) + timedelta(seconds=limit.window_seconds)
        retry_after = max(1, int((window_end - now).total_seconds() + 0.999))
        raise RateLimited(
            f"Too many requests: this token may make {limit.requests} per {limit.window_seconds} s. "
            f"Try again in {retry_after} s.",
            retry_after=retry_after,
        )


def prune_windows(*, now: datetime | None = None) -> int:
    """Delete counters of windows that have ended (the periodic job in ops.tasks calls this)."""
    now = now or timezone.now()
    limit = current_limit()
    cutoff = window_of(now, limit.window_seconds) - timedelta(seconds=limit.window_seconds)
    reset_cutoff = window_of(now, PASSWORD_RESET_WINDOW_SECONDS) - timedelta(seconds=PASSWORD_RESET_WINDOW_SECONDS)
    api, _ = (
        RateWindow.objects.filter(window_start__lt=cutoff).exclude(key__startswith=PASSWORD_RESET_KEY_PREFIX).delete()
    )
    reset, _ = RateWindow.objects.filter(
        window_start__lt=reset_cutoff, key__startswith=PASSWORD_RESET_KEY_PREFIX
    ).delete()
    return api + reset


# --- password reset -------------------------------------------------------------------------

# "Forgot your password?" sends an email to whoever owns the address typed: unthrottled, anyone
# could flood a person's inbox, or probe many accounts from one machine. Per hour, at most 3
# reset emails per account and 10 reset requests per client address, counted in the database so
# every host sees the same counts.
PASSWORD_RESET_WINDOW_SECONDS = 3600
PASSWORD_RESET_PER_ACCOUNT = 3
PASSWORD_RESET_PER_ADDRESS = 10
PASSWORD_RESET_KEY_PREFIX = "reset:"


def password_reset_allowed(*, email: str, client_address: str, now: datetime | None = None) -> bool:
    """Count a reset request for `email` from `client_address`; False once either is over its limit.

    Counted whether or not an account has that email, so the answer says nothing about which
    addresses are registered. The email is kept only as a hash.
    """
    now = now or timezone.now()
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    per_account = count_request(
        key=f"{PASSWORD_RESET_KEY_PREFIX}account:{account}", now=now, window_seconds=PASSWORD_RESET_WINDOW_SECONDS
    )
    per_address = count_request(
        key=f"{PASSWORD_RESET_KEY_PREFIX}address:{client_address}"[:64],
        now=now,
        window_seconds=PASSWORD_RESET_WINDOW_SECONDS,
    )
    return per_account <= PASSWORD_RESET_PER_ACCOUNT and per_address <= PASSWORD_RESET_PER_ADDRESS
