"""Shipping an order in one parcel or several, and what a delivered parcel means for the order.

A parcel holds units of the order's open lines and leaves with its own carrier, service level and
tracking number (`shipping.parcels`). The order stays processing while lines are still to ship,
becomes shipped when a parcel puts its last open units on their way, and delivered when the last
of its parcels arrives (`orders.workflow`: `parcel_ships_the_order`, `parcel_delivers_the_order`).
docs/parcels.md says how a partly shipped order looks in the API, the dashboard and the metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from shipdesk.accounts.policy import calendar_for
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.errors import ValidationFailed
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification, resolve_step_alerts
from shipdesk.orders import events, workflow
from shipdesk.orders.deadlines import is_overdue
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Order, OrderLine, OrderStatus
from shipdesk.orders.selectors import facts_of, hold, order_parcels
from shipdesk.orders.workflow import Action
from shipdesk.shipping import parcels
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.models import Shipment, ShipmentLine, ShipmentPurpose
from shipdesk.shipping.pack_checks import require_complete_pack
from shipdesk.shipping.selectors import check_tracking, require_tracking_number_free

from ._saving import save_fields
from .transitions import deliver_order


@transaction.atomic
def ship_parcel(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    carrier: str,
    service_level: str,
    tracking_number: str,
    lines: Mapping[int, int] | None = None,
    confirm_incomplete_pack: bool = False,
    at: datetime | None = None,
) -> Shipment:
    """Hand one parcel to a carrier: `lines` (order line id → units), or with None every unit not yet shipped.

    Guards, in this order: processing, the actor acts for the shop, paid (409 before any field
    is looked at); a known carrier and service level and a valid tracking number
    (`shipping.selectors.check_tracking`, 422); each line one of the order's, with at least one
    unit and no more than it has left to ship (`workflow.parcel_problems`, 422, read under the
    order's lock so two clerks shipping at once never put a unit in two parcels); for a parcel
    holding the whole order, a started pack check complete or confirmed incomplete (409
    pack_check_incomplete); the number on no other shipment (409, also when two parcels race
    for it). Writes: the Shipment and its ShipmentLines, its ETA (shipped + the service level's
    transit business days); when it holds the last open units, the order's status, `shipped_at`,
    the late flag (past `ship_by`), `deliver_by` (the latest ETA of its parcels) and no
    `action_due_at`, the earnings' fallback release, the `shipped` event and the ship alerts
    settled — otherwise the `parcel_shipped` event; queues the customer's shipping email for
    this parcel.
    """
    _, _, shipment = _ship_parcel(
        order_id=order_id,
        seller_id=seller_id,
        actor=actor,
        carrier=carrier,
        service_level=service_level,
        tracking_number=tracking_number,
        lines=lines,
        confirm_incomplete_pack=confirm_incomplete_pack,
        at=at,
    )
    return shipment


def _ship_parcel(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    carrier: str,
    service_level: str,
    tracking_number: str,
    lines: Mapping[int, int] | None,
    confirm_incomplete_pack: bool,
    at: datetime | None,
) -> tuple[Order, list[OrderLine], Shipment]:
    """`ship_parcel`'s work, in the caller's transaction: the locked order, its lines (unchanged
    by shipping) and the new parcel."""
    order = lock_order(order_id=order_id, seller_id=seller_id)
    order_lines = list(order.lines.order_by("id"))
    # Every shipment of the order with its units, read once under its lock (parcels are written
    # only by holders of that lock): the guard's facts, the units left to ship, the delivery
    # promise and the answer all use these rows, with the new parcel added below.
    shipments = list(
        Shipment.objects.filter(order=order)
        .order_by("shipped_at", "id")
        .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.order_by("line_id")))
    )
    hold(order, "shipments", shipments)
    # State and payment come before the form: a shipped order answers 409 whatever is typed.
    workflow.check_transition(Action.SHIP, facts_of(order, order_lines), actor.kind)
    number = check_tracking(carrier_code=carrier, service_level=service_level, tracking_number=tracking_number)
    shipped_before = parcels.units_in(shipments)
    left = workflow.units_left_to_ship(open_units=parcels.open_units(order_lines), in_parcels=shipped_before)
    parcel = dict(left) if lines is None else {int(line_id): units for line_id, units in lines.items()}
    problems = workflow.parcel_problems(parcel=parcel, left=left)
    if problems:
        raise ValidationFailed("This parcel cannot leave as it is.", details={"lines": problems})
    ships_the_order = workflow.parcel_ships_the_order(left=left, parcel=parcel)
    if ships_the_order and not shipped_before:
        # A started pack check that is missing units asks for the seller's confirmation (409 pack_check_incomplete).
        require_complete_pack(order=order, confirmed=confirm_incomplete_pack, actor=actor)
    require_tracking_number_free(seller_id=order.seller_id, carrier=carrier, number=number)
    now = at or timezone.now()
    carrier_info = get_carrier(carrier)
    eta = calendar_for(order.seller).add_business_days(now, carrier_info.service(service_level).transit_days)
    shipment = parcels.create_parcel(
        order=order,
        lines=parcel,
        carrier=carrier,
        service_level=service_level,
        number=number,
        shipped_at=now,
        eta=eta,
    )
    hold(order, "shipments", sorted([*shipments, shipment], key=lambda each: (each.shipped_at, each.pk)))
    if ships_the_order:
        _mark_shipped(order=order, actor=actor, now=now, shipment=shipment)
    else:
        events.parcel_shipped_event(
            order=order,
            actor=actor,
            at=now,
            shipment_id=shipment.pk,
            carrier=carrier,
            service_level=service_level,
            tracking_number=number,
            eta=eta,
            lines=parcel,
        )
    by_id = {line.pk: line for line in order_lines}
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_SHIPPED,
        # One email per parcel: the first parcel's is the order's shipping email.
        stage="" if not shipped_before else f"parcel-{shipment.pk}",
        recipient=order.customer_email,
        context={
            "tracking_url": shipment.tracking_url,
            "eta": eta.isoformat(),
            "carrier": carrier_info.name,
            "shipment_id": shipment.pk,
            "partial": not (ships_the_order and not shipped_before),
            "parcel_items": [[by_id[line_id].title, units] for line_id, units in sorted(parcel.items())],
        },
        lines=order_lines,
        shipment=shipment,
        at=now,
    )
    return order, order_lines, shipment


def _mark_shipped(*, order: Order, actor: Actor, now: datetime, shipment: Shipment) -> None:
    """Every open unit is in a parcel: the order is shipped, and the carriers' step begins."""
    etas = [each.eta for each in order_parcels(order)]  # the ones `ship_parcel` holds, else read here
    order.status = OrderStatus.SHIPPED
    order.shipped_at = now
    order.shipped_late = is_overdue(deadline=order.ship_by, now=now)
    # The order is delivered with its last parcel: its promise is the latest of their ETAs.
    order.deliver_by = max((eta for eta in etas if eta is not None), default=shipment.eta)
    order.action_due_at = None  # delivery is the carrier's step, not the seller's
    save_fields(order, "status", "shipped_at", "shipped_late", "deliver_by", "action_due_at")
    earnings.schedule_fallback_release(order=order)
    events.order_shipped_event(
        order=order,
        actor=actor,
        at=now,
        carrier=shipment.carrier,
        service_level=shipment.service_level,
        tracking_number=shipment.tracking_number,
        eta=order.deliver_by,
    )
    resolve_step_alerts(order=order, steps=["ship"], at=now)


def ship_if_all_in_parcels(*, order: Order, lines: list[OrderLine], actor: Actor, now: datetime) -> bool:
    """A processing order whose every open unit is now in a parcel (the units left to ship were
    cancelled) is shipped, dated `now`. Called under the order's lock; False when nothing changed."""
    if order.status != OrderStatus.PROCESSING:
        return False
    shipped = parcels.units_in_parcels(order_id=order.pk)
    if not shipped or workflow.units_left_to_ship(open_units=parcels.open_units(lines), in_parcels=shipped):
        return False
    last = Shipment.objects.filter(order=order, purpose=ShipmentPurpose.ORDER).order_by("-shipped_at", "-id").first()
    _mark_shipped(order=order, actor=actor, now=now, shipment=last)
    return True


@transaction.atomic
def ship_order(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    carrier: str,
    service_level: str,
    tracking_number: str,
    confirm_incomplete_pack: bool = False,
    at: datetime | None = None,
) -> Order:
    """Ship everything not yet shipped in one parcel (the whole order, when nothing has left yet).

    `ship_parcel` with every remaining unit: its guards and writes. Returns the order, shipped.
    """
    order, lines, _ = _ship_parcel(
        order_id=order_id,
        seller_id=seller_id,
        actor=actor,
        carrier=carrier,
        service_level=service_level,
        tracking_number=tracking_number,
        lines=None,
        confirm_incomplete_pack=confirm_incomplete_pack,
        at=at,
    )
    # The order as it was locked and changed, not read again; its answer reads none of its lines
    # back either (shipping changes none: what shipped is in the parcels).
    hold(order, "lines", lines)
    return order


def deliver_parcel(
    *,
    order_id: int,
    seller_id: int | None,
    shipment_id: int,
    purpose: str,
    actor: Actor,
    delivered_at: datetime | None = None,
    at: datetime | None = None,
) -> Order | None:
    """A carrier says a parcel arrived (`shipping.services.DELIVERY_REPORTED`); the parcel's own
    `delivered_at` is already written. Returns the order when this delivered it.

    A reshipment (a claim's replacement) never changes the order. A parcel of the order's own
    lines delivers a shipped order when it was the last one on its way (`deliver_order`);
    otherwise the timeline says one parcel arrived (`parcel_delivered`). Called in the
    transaction that holds the order's lock.
    """
    if purpose != ShipmentPurpose.ORDER:
        return None
    order = lock_order(order_id=order_id, seller_id=seller_id)
    undelivered = Shipment.objects.filter(order=order, purpose=ShipmentPurpose.ORDER, delivered_at__isnull=True)
    if workflow.parcel_delivers_the_order(status=order.status, undelivered_order_parcels=undelivered.count()):
        return deliver_order(order_id=order.pk, seller_id=seller_id, actor=actor, delivered_at=delivered_at, at=at)
    shipment = Shipment.objects.get(pk=shipment_id)
    now = at or timezone.now()
    events.parcel_delivered_event(
        order=order,
        actor=actor,
        at=now,
        shipment_id=shipment.pk,
        tracking_number=shipment.tracking_number,
        delivered_at=shipment.delivered_at or now,
    )
    return None
