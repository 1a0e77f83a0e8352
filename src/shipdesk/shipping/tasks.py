"""Periodic shipping work run by the worker (see shipdesk.jobs)."""

from __future__ import annotations

from datetime import timedelta

from shipdesk.jobs import periodic

from . import services


@periodic("shipping.flag_delayed_shipments", every=timedelta(minutes=10))
def flag_delayed_shipments() -> int:
    """Parcels past their ETA or without movement for 3 days: flagged delayed, the seller alerted once."""
    return services.flag_delayed_shipments()
