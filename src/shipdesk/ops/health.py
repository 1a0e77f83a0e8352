"""What /readyz checks. Each check answers (ok, detail, reason); none raises.

/readyz is public (load balancers call it without credentials), so `detail` says only what
anyone may know ("database unavailable"); `reason` keeps what the operator needs (the driver's
error, which names the database host and port) for the log and `shipdesk check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from shipdesk.jobs.models import WorkerProcess
from shipdesk.notifications.models import Notification


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # public
    reason: str = ""  # for the operator only: logs and `shipdesk check`


def error_text(exc: BaseException) -> str:
    """A driver error in one line for the operator's log: its type and first line, bounded."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"[:300]


def database_reachable(alias: str = DEFAULT_DB_ALIAS) -> Check:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not reachable"; the reason names it
        return Check("database", False, "database unavailable", reason=error_text(exc))
    return Check("database", True, "reachable")


def migrations_applied(alias: str = DEFAULT_DB_ALIAS) -> Check:
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        return Check("migrations", False, f"{len(plan)} not applied ({names}); run `shipdesk migrate`")
    return Check("migrations", True, "all applied")


def worker_alive() -> Check:
    dead_after = timedelta(seconds=settings.SHIPDESK_WORKER["dead_after_seconds"])
    live = WorkerProcess.objects.filter(stopped_at__isnull=True, seen_at__gte=timezone.now() - dead_after)
    count = live.count()
    if not count:
        return Check(
            "worker",
            False,
            f"no worker heartbeat in the last {dead_after.total_seconds():.0f} s; start `shipdesk worker`",
        )
    return Check("worker", True, f"{count} alive")


def outbox_backlog() -> int:
    return Notification.objects.filter(status=Notification.Status.QUEUED, next_attempt_at__lte=timezone.now()).count()


def outbox_below_threshold() -> Check:
    limit = settings.SHIPDESK_READY_MAX_OUTBOX_BACKLOG
    backlog = outbox_backlog()
    if backlog >= limit:
        return Check("outbox", False, f"{backlog} notifications due and unsent (threshold {limit})")
    return Check("outbox", True, f"{backlog} due")


def readiness() -> list[Check]:
    database = database_reachable()
    if not database.ok:
        skipped = "not checked: the database is unreachable"
        return [database, *(Check(name, False, skipped) for name in ("migrations", "worker", "outbox"))]
    checks = [database]
    for check in (migrations_applied, worker_alive, outbox_below_threshold):
        try:
            checks.append(check())
        except Exception as exc:  # a check that cannot run is a failed check, not a 500
            checks.append(Check(check.__name__, False, "check failed", reason=error_text(exc)))
    return checks
