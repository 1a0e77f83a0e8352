"""The scheduler: each periodic job runs once per interval slot, whatever the number of workers.

Every worker calls `schedule_due_jobs` every few seconds. For each registered job it computes
the current slot from the clock (`jobs.slot_start`) and tries to insert the `(name, slot)` row of
`PeriodicRun`; the unique constraint lets exactly one worker in, and that worker enqueues the
job's task in the same transaction, so a slot is never claimed without its task nor run twice.
A worker that was down for a day finds only the current slot to claim: the job runs once and,
working from the database's state, catches up on everything the missed slots would have done.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import PERIODIC_JOBS, autodiscover, slot_start
from .models import PeriodicRun
from .tasks import run_periodic_job

logger = logging.getLogger(__name__)


def schedule_due_jobs(*, now: datetime, worker_id: str) -> list[str]:
    """Enqueue every periodic job whose current slot no worker has claimed yet; returns their names."""
    autodiscover()
    slots = {job.name: slot_start(now, job.every) for job in PERIODIC_JOBS.values()}
    if not slots:
        return []
    taken = Q()
    for name, slot in slots.items():
        taken |= Q(name=name, slot_start=slot)
    claimed = set(PeriodicRun.objects.filter(taken).values_list("name", flat=True))

    enqueued = []
    for name, slot in sorted(slots.items()):
        if name in claimed:
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    run = PeriodicRun.objects.create(name=name, slot_start=slot, claimed_by=worker_id, created_at=now)
            except IntegrityError:
                continue  # another worker claimed this slot a moment ago
            previous = (
                PeriodicRun.objects.filter(name=name, slot_start__lt=slot, task_id__isnull=False)
                .order_by("-slot_start")
                .first()
            )
            if (
                previous is not None
                and DBTaskResult.objects.filter(
                    pk=previous.task_id, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
                ).exists()
            ):
                logger.info(
                    "Periodic job %s: the previous run is still pending; skipping slot %s.", name, slot.isoformat()
                )
                continue
            result = run_periodic_job.enqueue(name)
            run.task_id = result.id
            run.save(update_fields=["task_id"])
            enqueued.append(name)
    return enqueued
