"""Background work on top of django-tasks: periodic jobs (and, with notifications, retries and
the reaper).

A periodic job is a plain function registered with `@periodic`; the worker's scheduler runs
each one at its interval. Every periodic job must be safe to run twice and after downtime: it
works from the database's state ("orders overdue now"), never from "what changed since my
last run in memory".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[], object]


PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register `func` to run every `every` from the worker. Names are unique and stable."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        if name in PERIODIC_JOBS and PERIODIC_JOBS[name].func is not func:
            raise ValueError(f"Periodic job {name!r} is registered twice.")
        PERIODIC_JOBS[name] = PeriodicJob(name=name, every=every, func=func)
        return func

    return register
