"""Background work on top of django-tasks: periodic jobs, retries with backoff, the reaper.

django-tasks' database backend runs a task once and leaves a killed task RUNNING for ever. This
package adds what a worker that loses nothing needs (the worker itself is `jobs.worker`):

* **Retries.** A task that raises is put back READY with `run_after` pushed out by an
  exponential backoff, capped, until its policy's attempts are spent; then it is FAILED. An
  attempt is one claim of the row, so `len(worker_ids)` counts them and nothing else is stored.
* **The reaper.** Every worker process keeps a heartbeat row (`jobs.models.WorkerProcess`). A task
  left RUNNING by a worker whose heartbeat stopped (SIGKILL, a lost host) is returned to READY —
  or FAILED when that was its last attempt. Other apps register their own reapers for work they
  claim outside the task table (the notification outbox).
* **Periodic jobs.** A function registered with `@periodic(name, every=...)` is run by the
  scheduler once per interval slot across all workers: the first worker to insert the
  `(name, slot)` row of `jobs.models.PeriodicRun` enqueues it as a task, in the same transaction.
  After downtime only the current slot exists, so a job catches up once, not once per missed slot.
  Every periodic job must be safe to run twice and after downtime: it works from the database's
  state ("orders overdue now"), never from "what changed since my last run in memory".
* **Pollers.** Functions every worker calls on each turn of its loop to drain work kept in its
  own table (the notification outbox), each claiming rows with SKIP LOCKED.

Every task must be idempotent: a retry, or a reaped task run again, repeats its effect safely.

This module imports no models, so any app may register jobs at import time.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils.module_loading import autodiscover_modules

# --- periodic jobs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[], object]


PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register `func` to run every `every` from the worker. Names are unique and stable."""
    if every < timedelta(seconds=1):
        raise ValueError("A periodic job runs at most once a second.")

    def register(func: Callable[[], object]) -> Callable[[], object]:
        if name in PERIODIC_JOBS and PERIODIC_JOBS[name].func is not func:
            raise ValueError(f"Periodic job {name!r} is registered twice.")
        PERIODIC_JOBS[name] = PeriodicJob(name=name, every=every, func=func)
        return func

    return register


def slot_start(now: datetime, every: timedelta) -> datetime:
    """The start of the interval slot `now` falls in; slots are aligned to the Unix epoch.

    Aligned, not "last run + every", so every worker computes the same slot from the clock alone
    and a job whose worker was down for a day has exactly one slot to run: the current one.
    """
    seconds = int(every.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


# --- retries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, 2×base, 4×base, … never more than `cap`, `max_attempts` in all."""

    max_attempts: int = 10
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, *, key: object = "") -> timedelta:
        """How long to wait after the `attempts`-th failed attempt (1 for the first).

        A little jitter (0–18 %, fixed per `key`) spreads the retries of many rows that failed
        together — an SMTP outage fails hundreds of messages in the same second — so they do not
        all come back in the same second. Fixed per key, so a test can predict it.
        """
        exponent = max(0, min(attempts - 1, 30))
        delay = min(self.cap, self.base * (2**exponent))
        jitter = (zlib.crc32(str(key).encode()) % 10) / 50
        return delay * (1 + jitter)

    def window(self) -> timedelta:
        """The longest time from the first attempt to the last (without jitter)."""
        return sum((min(self.cap, self.base * 2**i) for i in range(self.max_attempts - 1)), timedelta(0))


DEFAULT_RETRY_POLICY = RetryPolicy()
RETRY_POLICIES: dict[str, RetryPolicy] = {}


def retry_policy(task_path: str, policy: RetryPolicy) -> None:
    """Give the task at `task_path` ("shipdesk.payments.tasks.settle_refund") its own policy."""
    RETRY_POLICIES[task_path] = policy


def retry_policy_for(task_path: str) -> RetryPolicy:
    return RETRY_POLICIES.get(task_path, DEFAULT_RETRY_POLICY)


# --- pollers and reapers of other apps ---------------------------------------------------------

# name -> poller(worker_id) -> how many units of work it did (0 when idle)
POLLERS: dict[str, Callable[[str], int]] = {}
# name -> reaper(live_worker_ids, now) -> how many rows it returned
REAPERS: dict[str, Callable[[frozenset[str], datetime], int]] = {}


def poller(name: str):
    """Register a function every worker calls each turn to drain work it claims with SKIP LOCKED."""

    def register(func):
        POLLERS[name] = func
        return func

    return register


def reaper(name: str):
    """Register a function that returns work claimed by workers that are no longer alive."""

    def register(func):
        REAPERS[name] = func
        return func

    return register


_discovered = False


def autodiscover() -> None:
    """Import every installed app's `tasks` and `sweeps` modules, where jobs are registered."""
    global _discovered
    if _discovered:
        return

    autodiscover_modules("tasks", "sweeps")
    _discovered = True
