"""Polling integrated carriers, and the sandbox carrier that moves demo parcels along.

A carrier whose API we ask (rather than one that calls our webhook) is a `CarrierPoller`: given
a parcel, it returns what the carrier says now as a `TrackingUpdate`, which is recorded exactly
like a webhook's. The worker runs `poll_carriers` periodically; each parcel is asked about at
most once per its poller's `interval`, and only while it is on its way.

The sandbox carrier is the one poller Shipdesk ships with: it asks no one, and reports a parcel
pre-transit when shipped, in transit after a third of SHIPDESK_SANDBOX_CARRIER_MINUTES, out for
delivery after two thirds and delivered at the end. Its scans are computed from the shipping
time, so a late or repeated run reports the same scans, and the order is delivered once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from shipdesk.jobs import periodic

from . import services
from .carriers import SANDBOX
from .models import Shipment, TrackingStatus
from .services import Scan, TrackingUpdate

logger = logging.getLogger(__name__)

# Parcels asked about per carrier per run; the rest wait for the next run.
POLL_BATCH = 200


class CarrierPoller(Protocol):
    carrier: str  # our carrier code
    interval: timedelta  # how often one parcel may be asked about

    def poll(self, shipment: Shipment, *, now: datetime) -> TrackingUpdate | None:
        """What the carrier says about the parcel now; None if it could not be asked."""


class SandboxCarrier:
    carrier = SANDBOX.code
    interval = timedelta(0)  # asks no one: every run may look

    # (share of the journey, status, what the pretend carrier says, where)
    JOURNEY = (
        (0, TrackingStatus.PRE_TRANSIT, "Shipping label created", "Sandbox Depot"),
        (1 / 3, TrackingStatus.IN_TRANSIT, "Departed sorting facility", "Sandbox Hub"),
        (2 / 3, TrackingStatus.OUT_FOR_DELIVERY, "Out for delivery", "Local delivery office"),
        (1, TrackingStatus.DELIVERED, "Delivered, left at the front door", "Customer's address"),
    )

    def journey_time(self) -> timedelta:
        return timedelta(minutes=max(float(settings.SHIPDESK_SANDBOX_CARRIER_MINUTES), 0))

    def poll(self, shipment: Shipment, *, now: datetime) -> TrackingUpdate | None:
        total = self.journey_time()
        scans = tuple(
            Scan(status=status, occurred_at=shipment.shipped_at + total * share, description=text, location=place)
            for share, status, text, place in self.JOURNEY
            if shipment.shipped_at + total * share <= now
        )
        return TrackingUpdate(
            source="sandbox", tracking_number=shipment.tracking_number, carrier=self.carrier, scans=scans
        )


_POLLERS: dict[str, CarrierPoller] = {}


def register_poller(poller: CarrierPoller) -> None:
    if poller.carrier in _POLLERS and _POLLERS[poller.carrier] is not poller:
        raise ValueError(f"A poller for {poller.carrier!r} is registered already.")
    _POLLERS[poller.carrier] = poller


def pollers() -> Mapping[str, CarrierPoller]:
    return dict(_POLLERS)


register_poller(SandboxCarrier())


@periodic("shipping.poll_carriers", every=timedelta(seconds=20))
def poll_carriers() -> int:
    """Ask each integrated carrier about its parcels on their way; returns the orders delivered."""
    now = timezone.now()
    delivered = 0
    for code, poller in pollers().items():
        due = (
            Shipment.objects.filter(carrier=code, delivered_at__isnull=True, order__status__in=services.PARCELS_MOVING)
            .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - poller.interval))
            # Longest unasked first, so a backlog larger than a batch is worked through in turn.
            .order_by(F("last_polled_at").asc(nulls_first=True), "id")[:POLL_BATCH]
        )
        asked = []
        for shipment in due:
            # Outside any transaction: a real poller waits on the carrier's API here.
            try:
                update = poller.poll(shipment, now=now)
            except Exception:  # one carrier's outage must not stop the others
                logger.exception("Polling %s for %s failed.", code, shipment.tracking_number)
                continue
            asked.append(shipment.pk)
            if update is not None:
                delivered += len(services.record_tracking_update(update=update).delivered_order_ids)
        services.mark_polled(shipment_ids=asked, at=now)
    return delivered
