"""The task that runs a periodic job, and the worker's own housekeeping job."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from . import PERIODIC_JOBS, RetryPolicy, autodiscover, periodic, retry_policy
from .models import PeriodicRun, WorkerProcess


@task()
def run_periodic_job(name: str):
    """Run one slot of a periodic job. Enqueued by the scheduler; idempotent like every job."""
    autodiscover()
    job = PERIODIC_JOBS.get(name)
    if job is None:
        return f"no periodic job named {name!r} (removed from the code?)"
    result = job.func()
    # The task row stores the return value as JSON: keep it to what JSON holds.
    return result if isinstance(result, (int, float, str, bool, dict, list)) or result is None else str(result)


# A sweep that fails is run again soon, a few times; after that the next slot tries afresh.
retry_policy(
    run_periodic_job.module_path, RetryPolicy(max_attempts=3, base=timedelta(seconds=10), cap=timedelta(minutes=1))
)

FINISHED_TASKS_KEPT = timedelta(days=7)
PERIODIC_RUNS_KEPT = timedelta(days=7)
STOPPED_WORKERS_KEPT = timedelta(days=1)


@periodic("jobs.housekeeping", every=timedelta(hours=1))
def prune_bookkeeping() -> dict:
    """Forget finished task rows, old periodic slots and long-gone workers, so the tables stay small.

    Failed tasks are kept as long as successful ones: the admin shows them meanwhile.
    """
    now = timezone.now()
    tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=now - FINISHED_TASKS_KEPT).delete()
    runs, _ = PeriodicRun.objects.filter(created_at__lt=now - PERIODIC_RUNS_KEPT).delete()
    workers, _ = WorkerProcess.objects.filter(seen_at__lt=now - STOPPED_WORKERS_KEPT).delete()
    return {"tasks": tasks, "periodic_runs": runs, "workers": workers}
