"""Periodic earnings work, run by the worker (see shipdesk.jobs)."""

from __future__ import annotations

from datetime import timedelta

from shipdesk.jobs import periodic

from . import services


@periodic("earnings.release-due", every=timedelta(minutes=5))
def release_due_earnings() -> int:
    # Works from the database's state (releases due now), so a run after downtime catches up.
    return services.release_due()
