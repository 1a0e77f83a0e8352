"""Per-token API rate limit: a fixed-window counter in the database, shared by every host.

One upsert per authenticated request (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, on both
PostgreSQL and SQLite) both counts the request and says how many the token has made in this
window, so two gunicorn workers on two hosts can never both let the 601st request through.
"""

from __future__ import annotations

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


def count_request(*, key: str, now: datetime | None = None) -> int:
    """Count one request for `key` in the current window; return the window's count so far."""
    limit = current_limit()
    start = window_of(now or timezone.now(), limit.window_seconds)
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
    limit = current_limit()
    cutoff = window_of(now or timezone.now(), limit.window_seconds) - timedelta(seconds=limit.window_seconds)
    deleted, _ = RateWindow.objects.filter(window_start__lt=cutoff).delete()
    return deleted
