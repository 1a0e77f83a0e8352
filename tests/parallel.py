"""Running calls at the same instant, each in its own thread and database connection: the one
helper every concurrency test uses (PostgreSQL; SQLite serialises writers, so it proves nothing there)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import connection


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def in_own_connection(call: Callable[[], Any]) -> Callable[[], Any]:
    """`call`, closing the thread's connection when done so the test database can be dropped."""

    def run():
        try:
            return call()
        finally:
            connection.close()

    return run


def run_together(calls: list[Callable[[], Any]]) -> list[Outcome]:
    """Run every call in its own thread and connection, all released at the same instant."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Outcome:
        try:
            connection.ensure_connection()  # connect first, so the race is the work, not the login
            barrier.wait(timeout=30)
            return Outcome(value=call())
        except Exception as exc:
            return Outcome(error=exc)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def lock_waiters() -> int:
    """How many connections to the test database are waiting for a row lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the other connections"


def values(outcomes: list[Outcome]) -> list[Any]:
    return [o.value for o in outcomes if o.error is None]


def errors(outcomes: list[Outcome]) -> list[BaseException]:
    return [o.error for o in outcomes if o.error is not None]
