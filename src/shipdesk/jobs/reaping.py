"""The reaper: work claimed by a worker that died goes back to the living.

A worker proves it is alive by its heartbeat row. A task left RUNNING by a worker that stopped
beating (SIGKILL, an OOM kill, a lost host) is put back READY — the attempt it was on counts —
or FAILED when that was its last attempt. Rows other apps claim outside the task table are
returned by the reapers they register (`jobs.reaper`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import REAPERS, autodiscover, retry_policy_for
from .models import WorkerProcess

logger = logging.getLogger(__name__)


class WorkerDied(Exception):
    """Recorded on a task whose worker died while running it, on its last attempt."""


def dead_after() -> timedelta:
    return timedelta(seconds=settings.SHIPDESK_WORKER["dead_after_seconds"])


def live_worker_ids(*, now: datetime) -> frozenset[str]:
    return frozenset(
        WorkerProcess.objects.filter(stopped_at__isnull=True, seen_at__gte=now - dead_after()).values_list(
            "worker_id", flat=True
        )
    )


def reap_tasks(*, live: frozenset[str], now: datetime) -> int:
    """Return RUNNING tasks of dead workers; each update is conditional, so two reapers agree."""
    returned = 0
    # A task claimed a moment ago by a worker that has not written its first heartbeat yet
    # is left alone for the grace period.
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).filter(
        Q(started_at__lt=now - dead_after()) | Q(started_at__isnull=True)
    )
    for task in running.only("id", "task_path", "worker_ids", "started_at"):
        owner = task.worker_ids[-1] if task.worker_ids else None
        if owner in live:
            continue
        attempts = len(task.worker_ids)
        policy = retry_policy_for(task.task_path)
        same_claim = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if attempts >= policy.max_attempts:
            changed = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerDied.__module__}.{WorkerDied.__qualname__}",
                traceback=f"Worker {owner} died while running attempt {attempts} of {policy.max_attempts}.",
            )
        else:
            changed = same_claim.update(
                status=TaskResultStatus.READY,
                run_after=now,
                exception_class_path=f"{WorkerDied.__module__}.{WorkerDied.__qualname__}",
                traceback=f"Worker {owner} died while running attempt {attempts}; returned to the queue.",
            )
        if changed:
            logger.warning(
                "Task %s (%s) was left running by dead worker %s; attempt %d.", task.pk, task.task_path, owner, attempts
            )
            returned += changed
    return returned


def reap(*, now: datetime) -> int:
    """Return everything dead workers held: tasks, and whatever the registered reapers own."""
    autodiscover()
    live = live_worker_ids(now=now)
    returned = reap_tasks(live=live, now=now)
    for name, func in sorted(REAPERS.items()):
        try:
            returned += func(live, now)
        except Exception:  # one reaper's bug must not stop the others (nor the worker)
            logger.exception("Reaper %s failed.", name)
    return returned
