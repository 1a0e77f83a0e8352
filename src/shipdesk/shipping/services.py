"""Shipping actions: record what a carrier says about a parcel, and flag parcels that are late.

Every carrier message, whether a signed webhook (`webhooks`) or the answer to a poll (`polling`),
becomes one `TrackingUpdate` and goes through `record_tracking_update`. In one transaction per
parcel it stores the scans it has not seen before, writes them to the order's timeline, flags the
shipment delayed on an exception or a return to sender, and delivers the order through
`orders.services.deliver_order` (registered in `DELIVERY_REPORTED`) when the carrier says
delivered: a message repeated any number of times, or replayed, delivers the order exactly once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shipdesk.actors import SYSTEM, Actor, ActorKind
from shipdesk.errors import ShipdeskError
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders.events import carrier_scan_events, eta_revised_event, shipment_delayed_event
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Order, OrderStatus

from .carriers import get_carrier
from .labels.models import Label, LabelStatus
from .models import (
    MOVEMENT_STATUSES,
    AmbiguousTrackingUpdate,
    DelayReason,
    Shipment,
    TrackingEvent,
    TrackingStatus,
    WebhookReceipt,
)
from .tracking import normalize_tracking_number

logger = logging.getLogger(__name__)


NO_MOVEMENT = timedelta(days=3)
# Statuses that flag the shipment delayed the moment they arrive.
ALARMING = {
    TrackingStatus.EXCEPTION: DelayReason.EXCEPTION,
    TrackingStatus.RETURN_TO_SENDER: DelayReason.RETURN_TO_SENDER,
}
# Per sweep: a backlog after downtime is worked through over a few runs, not in one huge pass.
DELAY_SWEEP_BATCH = 500

# What a carrier's "delivered" does above shipping: called once per parcel, when its carrier first
# says it arrived, with `order_id`, `seller_id`, `shipment_id`, `purpose` (a ShipmentPurpose),
# `actor`, `delivered_at` (the parcel's arrival, already written on it) and `at`, in the
# transaction that holds the order's lock. Orders registers `orders.services.deliver_parcel` here
# at start-up (shipdesk.orders.registrations, from OrdersConfig.ready): the order is delivered
# with its last own parcel; a claim's reshipment is for whoever handles claims to register for.
# Shipping sits below order services and names them only through this list.
DELIVERY_REPORTED: list[Callable[..., object]] = []
# What a carrier's first scan of a bought label's number does: the order it was bought for ships
# with it. Called with `label_id`, `seller_id`, `actor`, `confirm_incomplete_pack` and `at` in the
# transaction of the scan; orders registers `orders.services.ship_with_label` here at start-up.
LABEL_SCANNED: list[Callable[..., object]] = []
# The order statuses in which parcels are on their way: processing (part of the order has
# shipped) and shipped. A reshipment may also travel after the order was delivered.
PARCELS_MOVING = frozenset({OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED})
MAX_SCANS = 500


@dataclass(frozen=True)
class Scan:
    status: str  # a TrackingStatus
    occurred_at: datetime  # aware
    description: str = ""
    location: str = ""

    def fingerprint(self) -> str:
        text = "\x1f".join((self.status, self.occurred_at.isoformat(), self.description, self.location))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class TrackingUpdate:
    """What one carrier message says about one parcel."""

    source: str  # generic, easypost, aftership, sandbox, …
    tracking_number: str
    scans: tuple[Scan, ...] = ()
    status: str | None = None  # the parcel's current status, when the message states one
    carrier: str | None = None  # our carrier code, when the message names a carrier we know
    event_id: str | None = None  # the provider's id of the message: a webhook replay is ignored
    # The carrier's (revised) expected delivery, when the message gives one: the parcel's new ETA.
    estimated_delivery: datetime | None = None


@dataclass(frozen=True)
class UpdateResult:
    outcome: str  # applied, duplicate, unknown_number, ambiguous_number
    delivered_order_ids: tuple[int, ...] = ()


DUPLICATE = "duplicate"


def _receipt_exists(update: TrackingUpdate) -> bool:
    return (
        bool(update.event_id)
        and WebhookReceipt.objects.filter(provider=update.source, event_id=update.event_id).exists()
    )


def record_ignored_webhook(*, provider: str, event_id: str) -> str:
    """A signed webhook that is no tracking update (another event type): kept, so a replay is a duplicate."""
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                provider=provider,
                event_id=event_id[:200],
                outcome=WebhookReceipt.Outcome.IGNORED,
                received_at=timezone.now(),
            )
    except IntegrityError:
        return DUPLICATE
    return WebhookReceipt.Outcome.IGNORED


def record_tracking_update(*, update: TrackingUpdate, at: datetime | None = None) -> UpdateResult:
    """Apply a carrier message to the shipments with its tracking number. Safe to repeat.

    `at`: when the message arrived (default now); what it writes is dated by it.
    """
    if _receipt_exists(update):
        logger.info("Ignored a replayed %s webhook %s.", update.source, update.event_id)
        return UpdateResult(outcome=DUPLICATE)
    try:
        with transaction.atomic():
            return _record(update, now=at or timezone.now())
    except IntegrityError:
        # Two deliveries of one webhook at once: the receipt's unique key lets one in; the other
        # rolled back whole and is the replay.
        if _receipt_exists(update):
            logger.info("Ignored a concurrent replay of %s webhook %s.", update.source, update.event_id)
            return UpdateResult(outcome=DUPLICATE)
        raise


def _record(update: TrackingUpdate, *, now: datetime) -> UpdateResult:
    number = normalize_tracking_number(update.tracking_number or "").replace("\x00", "")[:64]
    receipt = None
    if update.event_id:
        # Written first, so that a concurrent copy of this webhook waits on its key and then fails.
        receipt = WebhookReceipt.objects.create(
            provider=update.source,
            event_id=update.event_id[:200],
            tracking_number=number,
            outcome=WebhookReceipt.Outcome.APPLIED,
            received_at=now,
        )
    shipments = _shipments_for(number, update.carrier) if number else []
    if not shipments and number and _ship_with_scanned_label(number, update, now):
        shipments = _shipments_for(number, update.carrier)
    if not shipments:
        logger.warning("Tracking update from %s for a number no shipment has: %r.", update.source, number)
        if receipt is not None:
            receipt.outcome = WebhookReceipt.Outcome.UNKNOWN_NUMBER
            receipt.save(update_fields=["outcome"])
        return UpdateResult(outcome=WebhookReceipt.Outcome.UNKNOWN_NUMBER)
    if len(shipments) > 1:
        # Which parcel the carrier means cannot be told: applied to each, one shop's parcel would
        # show (and deliver) on another shop's order. None is changed; the operator is told.
        AmbiguousTrackingUpdate.objects.create(
            source=update.source[:32],
            event_id=(update.event_id or "")[:200],
            tracking_number=number,
            carrier=(update.carrier or "")[:32],
            status=(update.status or "")[:24],
            shipment_ids=[s.pk for s in shipments],
            received_at=now,
        )
        if receipt is not None:
            receipt.outcome = WebhookReceipt.Outcome.AMBIGUOUS_NUMBER
            receipt.save(update_fields=["outcome"])
        logger.error(
            "Tracking update from %s (event %s) for %s matches %d parcels (shipments %s); applied to none.",
            update.source,
            update.event_id or "-",
            number,
            len(shipments),
            ", ".join(str(s.pk) for s in shipments),
        )
        return UpdateResult(outcome=WebhookReceipt.Outcome.AMBIGUOUS_NUMBER)
    delivered = [
        order_id for shipment in shipments if (order_id := _apply(shipment.pk, shipment.order_id, update, now))
    ]
    return UpdateResult(outcome=WebhookReceipt.Outcome.APPLIED, delivered_order_ids=tuple(delivered))


def _ship_with_scanned_label(number: str, update: TrackingUpdate, now: datetime) -> bool:
    """A scan of a label bought through Shipdesk whose order is not marked shipped yet: the
    carrier has the parcel, so the order ships with the label (the parcel is on its way whatever
    the pack check says). True if it did."""
    labels = list(Label.objects.filter(tracking_number=number, status=LabelStatus.BOUGHT)[:2])
    if len(labels) != 1:
        return False
    label = labels[0]
    carrier = get_carrier(label.carrier)
    # The workflow lets only those acting for the shop ship an order: the carrier's scan ships it
    # on behalf of whoever bought the label, and the timeline says so.
    actor = Actor(
        kind=ActorKind.SELLER,
        label=f"{carrier.name if carrier else label.carrier} first scan of the label bought by {label.bought_by}"[:200],
    )
    if not LABEL_SCANNED:
        raise RuntimeError("No label-scan handler is registered (OrdersConfig.ready registers one).")
    try:
        for ship_with_label in LABEL_SCANNED:
            ship_with_label(
                label_id=label.pk, seller_id=label.seller_id, actor=actor, confirm_incomplete_pack=True, at=now
            )
    except ShipdeskError as exc:
        logger.warning("A first scan of label %s could not ship order %s: %s", label.pk, label.order_id, exc.message)
        return False
    return True


def _shipments_for(number: str, carrier: str | None) -> list[Shipment]:
    """The parcels a message about `number` may mean: one, or several when it cannot tell."""
    # While a parcel is on its way its number is on no other shipment of its carrier (a unique
    # key); after delivery the carrier may reuse it. The carrier the message names narrows it
    # down; when none of the shipments has that carrier (a seller who picked the wrong one of
    # two carriers the number is valid for), the number alone decides. Of several, the one
    # still on its way is the parcel the carrier is talking about now.
    shipments = list(Shipment.objects.filter(tracking_number=number).order_by("order_id"))
    candidates = [s for s in shipments if carrier and s.carrier == carrier] or shipments
    on_its_way = [s for s in candidates if s.delivered_at is None]
    return on_its_way if len(candidates) > 1 and on_its_way else candidates


def _revised_eta(shipment: Shipment, estimated: datetime | None) -> datetime | None:
    """The parcel's new ETA when the carrier announced a different delivery date, else None.

    Only for a parcel on its way, and never before it left. A date within the same minute is
    the same date said again (providers repeat it with every update).
    """
    if estimated is None or shipment.delivered_at is not None or estimated < shipment.shipped_at:
        return None
    if shipment.eta is not None and abs((estimated - shipment.eta).total_seconds()) < 60:
        return None
    return estimated


def _actor(shipment: Shipment, source: str) -> Actor:
    carrier = get_carrier(shipment.carrier)
    name = carrier.name if carrier else shipment.carrier
    return Actor(kind=ActorKind.CARRIER, label=name if source in ("sandbox", "poll") else f"{name} via {source}")


def _apply(shipment_id: int, order_id: int, update: TrackingUpdate, now: datetime) -> int | None:
    """Apply the update to one shipment; returns the order id if this delivered the order."""
    # The order's lock first, as every writer of an order and its shipment takes it.
    order = lock_order(order_id=order_id, seller_id=None)
    shipment = Shipment.objects.get(pk=shipment_id)
    actor = _actor(shipment, update.source)

    seen = set(TrackingEvent.objects.filter(shipment=shipment).values_list("fingerprint", flat=True))
    new: dict[str, Scan] = {}
    for scan in sorted(update.scans[:MAX_SCANS], key=lambda s: s.occurred_at):
        key = scan.fingerprint()
        if key not in seen and key not in new:
            new[key] = scan
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                seller_id=shipment.seller_id,
                shipment=shipment,
                status=scan.status,
                description=scan.description[:500],
                location=scan.location[:200],
                occurred_at=scan.occurred_at,
                source=update.source[:32],
                fingerprint=key,
                created_at=now,
            )
            for key, scan in new.items()
        ]
    )
    carrier_scan_events(
        order=order,
        actor=actor,
        at=now,
        source=update.source,
        scans=new.values(),
        shipment_id=shipment.pk,
        tracking_number=shipment.tracking_number,
    )

    latest = max((s for s in update.scans), key=lambda s: s.occurred_at, default=None)
    status = update.status or (latest.status if latest else "")
    fields: dict = {}
    if status and status != shipment.tracking_status:
        fields["tracking_status"] = status
    moved = [s.occurred_at for s in new.values() if s.status in MOVEMENT_STATUSES]
    if moved and (shipment.last_movement_at is None or max(moved) > shipment.last_movement_at):
        fields["last_movement_at"] = min(max(moved), now)
    revised = _revised_eta(shipment, update.estimated_delivery)
    if revised is not None:
        fields["eta"] = revised
    if fields:
        Shipment.objects.filter(pk=shipment.pk).update(**fields)
    if revised is not None:
        eta_revised_event(
            order=order,
            actor=actor,
            at=now,
            shipment_id=shipment.pk,
            tracking_number=shipment.tracking_number,
            previous=shipment.eta,
            eta=revised,
        )

    alarm = next((ALARMING[s.status] for s in new.values() if s.status in ALARMING), None)
    if alarm is None and update.status in ALARMING and fields.get("tracking_status") == update.status:
        alarm = ALARMING[update.status]
    if alarm is not None:
        _flag(order=order, shipment=shipment, reason=alarm, actor=actor, now=now)

    says_delivered = update.status == TrackingStatus.DELIVERED or any(
        s.status == TrackingStatus.DELIVERED for s in update.scans
    )
    if says_delivered and shipment.delivered_at is None and order.status in PARCELS_MOVING:
        delivered_scan = min(
            (s for s in update.scans if s.status == TrackingStatus.DELIVERED), key=lambda s: s.occurred_at, default=None
        )
        # The parcel arrived when the carrier says, which may be before we hear of it — never after now.
        arrived = max(min(delivered_scan.occurred_at if delivered_scan else now, now), shipment.shipped_at)
        Shipment.objects.filter(pk=shipment.pk).update(delivered_at=arrived)
        if not DELIVERY_REPORTED:
            raise RuntimeError("No delivery handler is registered (OrdersConfig.ready registers one).")
        for parcel_delivered in DELIVERY_REPORTED:
            parcel_delivered(
                order_id=order.pk,
                seller_id=order.seller_id,
                shipment_id=shipment.pk,
                purpose=shipment.purpose,
                actor=actor,
                delivered_at=arrived,
                at=now,
            )
        if (
            order.status != OrderStatus.DELIVERED
            and Order.objects.filter(pk=order.pk, status=OrderStatus.DELIVERED).exists()
        ):
            return order.pk
    return None


# --- delays ---------------------------------------------------------------------------------


def _flag(*, order: Order, shipment: Shipment, reason: str, actor: Actor, now: datetime) -> bool:
    """Flag a parcel on its way delayed, once; the seller is alerted once per parcel."""
    if order.status not in PARCELS_MOVING or shipment.delivered_at is not None:
        return False
    if not Shipment.objects.filter(pk=shipment.pk, delayed=False).update(
        delayed=True, delay_reason=reason, delayed_at=now
    ):
        return False
    shipment_delayed_event(order=order, actor=actor, at=now, reason=reason)
    queue_notification(
        order=order,
        kind=Notification.Kind.SELLER_DELIVERY_EXCEPTION,
        # One alert per parcel: the order's first parcel keeps the stage it always had.
        stage="delayed" if _first_parcel_id(order) == shipment.pk else f"delayed-{shipment.pk}",
        recipient=order.seller.email,
        context={
            "reason": reason,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "shipment_id": shipment.pk,
        },
        at=now,
    )
    return True


def _first_parcel_id(order: Order) -> int | None:
    return Shipment.objects.filter(order=order).order_by("shipped_at", "id").values_list("pk", flat=True).first()


@transaction.atomic
def flag_shipment_delayed(*, shipment_id: int, reason: str, actor: Actor = SYSTEM) -> bool:
    """Flag one shipment delayed (a sweep's finding, or the operator's); False if it already is, or is delivered."""
    if reason not in DelayReason.values:
        raise ValueError(f"Unknown delay reason {reason!r}.")
    order_id = Shipment.objects.filter(pk=shipment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return False
    order = lock_order(order_id=order_id, seller_id=None)
    shipment = Shipment.objects.get(pk=shipment_id)
    if shipment.delivered_at is not None:
        return False
    return _flag(order=order, shipment=shipment, reason=reason, actor=actor, now=timezone.now())


def flag_delayed_shipments(*, now: datetime | None = None) -> int:
    """The delay sweep: parcels past their ETA, or with no movement for 3 days. Safe to run twice.

    Works from the rows as they are now, so a run after downtime catches everything missed.
    Each shipment is flagged in its own transaction, under its order's lock, re-checked there.
    """
    now = now or timezone.now()
    still_moving = Q(last_movement_at__gte=now - NO_MOVEMENT) | Q(
        last_movement_at__isnull=True, shipped_at__gte=now - NO_MOVEMENT
    )
    # An untracked carrier never reports movement: only its ETA can be missed.
    stuck = ~still_moving & Q(shipped_at__lt=now - NO_MOVEMENT) & ~Q(carrier="other")
    candidates = (
        Shipment.objects.filter(delivered_at__isnull=True, delayed=False, order__status__in=PARCELS_MOVING)
        .filter(Q(eta__lt=now) | stuck)
        .order_by("id")
        .values_list("id", "eta")[:DELAY_SWEEP_BATCH]
    )
    flagged = 0
    for shipment_id, eta in list(candidates):
        reason = DelayReason.MISSED_ETA if eta is not None and eta < now else DelayReason.NO_MOVEMENT
        flagged += flag_shipment_delayed(shipment_id=shipment_id, reason=reason)
    return flagged


# --- polling bookkeeping --------------------------------------------------------------------


def mark_polled(*, shipment_ids: list[int], at: datetime) -> None:
    """Remember when integrated carriers were last asked about these parcels (not a business fact)."""
    Shipment.objects.filter(pk__in=shipment_ids).update(last_polled_at=at)
