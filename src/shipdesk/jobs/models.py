"""The worker's bookkeeping: which worker processes are alive, which periodic slots have run."""

from __future__ import annotations

from django.db import models


class WorkerProcess(models.Model):
    """A running `shipdesk worker`, known by the heartbeat it writes every few seconds.

    A worker whose `seen_at` is older than the dead-after setting (or that says it stopped) is
    dead: the reaper hands the tasks and messages it had claimed to the living.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["seen_at"], name="worker_seen")]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class PeriodicRun(models.Model):
    """One interval slot of one periodic job, claimed by the first worker to insert it.

    The unique (name, slot_start) row is the lock: any number of workers may try, one insert
    wins, and the winner enqueues the job's task in the same transaction.
    """

    name = models.CharField(max_length=100)
    slot_start = models.DateTimeField()
    claimed_by = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # The django-tasks row that runs it; null when the slot was skipped because the previous
    # run of the same job had not finished yet (a slow sweep does not pile up behind itself).
    task_id = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot_start"], name="periodic_run_once_per_slot")]
        indexes = [models.Index(fields=["created_at"], name="periodic_run_created")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot_start.isoformat()}"
