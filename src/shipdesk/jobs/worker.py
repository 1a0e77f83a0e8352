"""The worker process: the django-tasks database worker, plus our scheduler, reaper and pollers.

Each turn of the loop: claim the periodic slots that are due (every few seconds), return the
work of dead workers (every few seconds), let each poller drain a batch (the notification
outbox), then claim and run one task. It sleeps only when a turn found nothing to do.

Any number of workers may run against one database. Tasks are claimed with SELECT … FOR UPDATE
SKIP LOCKED on PostgreSQL (an exclusive transaction on SQLite); periodic slots by a unique row;
outbox rows by the pollers' own SKIP LOCKED claims. Every claim is fenced: a worker writes the
outcome only where the row still carries its claim, so a worker that was presumed dead and comes
back cannot overwrite what its successor did.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from datetime import timedelta
from traceback import format_exception

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import (
    DEFAULT_TASK_BACKEND_ALIAS,
    TaskContext,
    TaskResultStatus,
    task_finished,
    task_started,
)
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from . import PERIODIC_JOBS, POLLERS, autodiscover, retry_policy_for
from .models import WorkerProcess
from .reaping import reap
from .scheduler import schedule_due_jobs

logger = logging.getLogger("shipdesk.worker")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


class Worker(DatabaseWorker):
    def __init__(
        self, *, worker_id: str | None = None, interval: float = 1.0, batch: bool = False, max_tasks: int | None = None
    ):
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id or new_worker_id(),
            excluded_queue_names=[],
        )
        config = settings.SHIPDESK_WORKER
        self.schedule_every = config["schedule_every_seconds"]
        self.reap_every = config["reap_every_seconds"]
        self.heartbeat_every = config["heartbeat_seconds"]
        self._next_schedule = 0.0
        self._next_reap = 0.0
        self._busy = False
        self._stop = threading.Event()

    # --- life cycle --------------------------------------------------------------------------

    def shutdown(self, signum, frame) -> None:
        """First signal: finish the turn in hand (a message half-sent is worse than a late exit)."""
        if not self.running:
            logger.warning("Second %s: stopping now.", signal.strsignal(signum))
            self.reset_signals()
            sys.exit(1)
        logger.info("Stopping after the current turn (%s).", signal.strsignal(signum))
        self.running = False
        if not self._busy:
            sys.exit(0)

    def _register(self) -> None:
        now = timezone.now()
        WorkerProcess.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
                "stopped_at": None,
            },
        )

    def _beat(self) -> None:
        """The heartbeat, on its own thread and connection, so a long task does not look dead."""
        try:
            while not self._stop.wait(self.heartbeat_every):
                try:
                    if not WorkerProcess.objects.filter(pk=self.worker_id).update(seen_at=timezone.now()):
                        self._register()
                except Exception:
                    logger.exception("Heartbeat failed; trying again.")
                    connections.close_all()
        finally:
            connections.close_all()

    def run(self, *, heartbeat: bool = True) -> None:
        autodiscover()
        self._register()
        logger.info(
            "Worker %s started (%d periodic jobs, pollers: %s).",
            self.worker_id,
            len(PERIODIC_JOBS),
            ", ".join(sorted(POLLERS)) or "none",
        )
        beat = threading.Thread(target=self._beat, name="heartbeat", daemon=True) if heartbeat else None
        if beat:
            beat.start()
        try:
            while self.running:
                # Drop a connection the database closed (a restart, CONN_MAX_AGE) before using it
                # — but never inside a transaction the caller holds (a test running us in-process).
                if not connection.in_atomic_block:
                    close_old_connections()
                self._busy = True
                try:
                    work = self.turn()
                except Exception:
                    if self.batch:
                        raise
                    # The database restarting, a network blip: keep the process, try again soon.
                    logger.exception("Worker turn failed; retrying in %.1f s.", max(self.interval, 1.0))
                    connections.close_all()
                    work = 0
                    time.sleep(max(self.interval, 1.0))
                finally:
                    self._busy = False
                if self.batch and not work:
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                if self.running and not work:
                    time.sleep(self.interval)
        finally:
            self._stop.set()
            if beat:
                beat.join(timeout=self.heartbeat_every + 5)
            try:
                WorkerProcess.objects.filter(pk=self.worker_id).update(stopped_at=timezone.now())
            except Exception:
                logger.exception("Could not record that worker %s stopped.", self.worker_id)

    # --- one turn ----------------------------------------------------------------------------

    def turn(self) -> int:
        """Do one round of everything; returns how much work it found (0: idle)."""
        work = 0
        clock = time.monotonic()
        if clock >= self._next_schedule:
            self._next_schedule = clock + self.schedule_every
            schedule_due_jobs(now=timezone.now(), worker_id=self.worker_id)
        if clock >= self._next_reap:
            self._next_reap = clock + self.reap_every
            work += reap(now=timezone.now())
        for _name, poll in sorted(POLLERS.items()):
            work += poll(self.worker_id)
        task = self.claim_task()
        if task is not None:
            self.run_task(task)
            work += 1
        return work

    def claim_task(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        try:
            with exclusive_transaction(tasks.db):
                task = tasks.get_locked()
                if task is not None:
                    task.claim(self.worker_id)
                return task
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None
            raise

    def run_task(self, db_task: DBTaskResult) -> None:
        """Run a claimed task; on failure retry it later with backoff, or fail it for good."""
        # The claim's fence: only this claim (same start instant, still RUNNING) may record the end.
        mine = DBTaskResult.objects.filter(
            pk=db_task.pk, status=TaskResultStatus.RUNNING, started_at=db_task.started_at
        )
        self.running_task = True
        try:
            task = db_task.task
            result = db_task.task_result
            backend = type(task.get_backend())
            task_started.send(sender=backend, task_result=result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            else:
                value = task.call(*result.args, **result.kwargs)
            mine.update(
                status=TaskResultStatus.SUCCESSFUL,
                finished_at=timezone.now(),
                return_value=value,
                exception_class_path="",
                traceback="",
            )
            task_finished.send(sender=backend, task_result=DBTaskResult.objects.get(pk=db_task.pk).task_result)
        except BaseException as exc:
            self._record_failure(db_task, mine, exc)
            if not isinstance(exc, Exception):
                raise  # SystemExit / KeyboardInterrupt: recorded, now let the process stop
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _record_failure(self, db_task: DBTaskResult, mine, exc: BaseException) -> None:
        attempts = len(db_task.worker_ids)
        policy = retry_policy_for(db_task.task_path)
        error = {
            "exception_class_path": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "traceback": "".join(format_exception(exc))[-20_000:],
        }
        now = timezone.now()
        if attempts < policy.max_attempts:
            # Interrupted by a shutdown: it did not fail, run it again at once.
            delay = policy.delay(attempts, key=db_task.pk) if isinstance(exc, Exception) else timedelta(0)
            mine.update(status=TaskResultStatus.READY, run_after=now + delay, **error)
            logger.warning(
                "Task %s (%s) failed on attempt %d of %d: %s; retrying in %s.",
                db_task.pk,
                db_task.task_path,
                attempts,
                policy.max_attempts,
                exc,
                delay,
            )
            return
        mine.update(status=TaskResultStatus.FAILED, finished_at=now, return_value=None, **error)
        logger.error("Task %s (%s) failed for good after %d attempts: %s", db_task.pk, db_task.task_path, attempts, exc)
        try:
            task_finished.send(
                sender=type(db_task.task.get_backend()), task_result=DBTaskResult.objects.get(pk=db_task.pk).task_result
            )
        except Exception:
            logger.exception("Could not signal the end of task %s.", db_task.pk)


def run_until_idle(*, worker_id: str | None = None) -> None:
    """Run one worker in this process until it finds nothing to do (tests, `worker --batch`)."""
    Worker(worker_id=worker_id, interval=0, batch=True).run(heartbeat=False)
