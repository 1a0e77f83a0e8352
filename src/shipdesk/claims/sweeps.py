"""Periodic claims work, run by the worker (see shipdesk.jobs)."""

from __future__ import annotations

from datetime import timedelta

from shipdesk.jobs import periodic

from . import services


@periodic("claims.escalate-overdue", every=timedelta(minutes=15))
def escalate_overdue_claims() -> int:
    # Works from the database's state (deadlines passed now), so a run after downtime catches up.
    return services.escalate_overdue_claims()


@periodic("claims.remind-due-soon", every=timedelta(minutes=15))
def remind_claims_due_soon() -> int:
    # Each claim's reminder is queued once (the outbox's unique stage), however often this runs.
    return services.remind_claims_due_soon()
