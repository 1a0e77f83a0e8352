"""The forward steps of the workflow: confirm, process, ship and deliver (docs/workflow.md).

Each locks the order (`orders.locks`), checks `orders.workflow` against the facts read under the
lock, sets the status, its timestamp, the late flag and the next step's deadline, and writes the
timeline event, the alerts it settles and the customer's email in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from shipdesk.accounts.policy import calendar_for, policy_for
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.errors import TrackingNumberInUse
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import StockMove
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification, resolve_step_alerts
from shipdesk.orders import events, workflow
from shipdesk.orders.deadlines import is_overdue
from shipdesk.orders.locks import lock_lines, lock_order
from shipdesk.orders.models import LineStock, Order, OrderLine, OrderStatus
from shipdesk.orders.selectors import facts_of
from shipdesk.orders.workflow import Action
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.pack_checks import require_complete_pack
from shipdesk.shipping.selectors import check_tracking, require_tracking_number_free
from shipdesk.shipping.tracking import trackable_number

from ._saving import save_fields


@transaction.atomic
def confirm_order(*, order_id: int, seller_id: int | None, actor: Actor, at: datetime | None = None) -> Order:
    """The seller accepts a pending order: confirmed, and the process-by deadline starts.

    Guards (`workflow.check_transition`, under the order's lock): pending; the actor acts for the
    shop; paid (or partially refunded); no line short of stock. Writes: status, `confirmed_at`,
    the late flag (past `confirm_by`), `process_by` (business days of the seller's policy) as the
    next `action_due_at`; the `confirmed` event; settles the confirm alerts; queues the customer's
    confirmation email.
    """
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = list(order.lines.order_by("id"))
    workflow.check_transition(Action.CONFIRM, facts_of(order, lines), actor.kind)
    now = at or timezone.now()
    seller = order.seller
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = now
    order.confirmed_late = is_overdue(deadline=order.confirm_by, now=now)
    order.process_by = calendar_for(seller).add_business_days(now, policy_for(seller).process_business_days)
    order.action_due_at = order.process_by
    save_fields(order, "status", "confirmed_at", "confirmed_late", "process_by", "action_due_at")
    events.order_confirmed_event(order=order, actor=actor, at=now)
    resolve_step_alerts(order=order, steps=["confirm"], at=now)
    queue_notification(
        order=order, kind=Notification.Kind.CUSTOMER_CONFIRMED, recipient=order.customer_email, lines=lines, at=now
    )
    return order


@transaction.atomic
def process_order(*, order_id: int, seller_id: int | None, actor: Actor, at: datetime | None = None) -> Order:
    """Start packing: the reserved units leave the shelf (on_hand and reserved both drop).

    Guards: confirmed; the actor acts for the shop; paid. Locks the order, then its lines.
    Writes: the reserved lines become deducted with a stock move each; status, `processing_at`,
    the late flag (past `process_by`), `ship_by` as the next `action_due_at`; the
    `processing_started` event; settles the process alerts; queues the customer's "being
    prepared" email unless the shop turned it off.
    """
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = lock_lines(order)
    workflow.check_transition(Action.PROCESS, facts_of(order, lines), actor.kind)
    now = at or timezone.now()
    moves = []
    for line in sorted((each for each in lines if each.stock == LineStock.RESERVED), key=lambda each: each.sku):
        stock.deduct(product_id=line.product_id, quantity=line.open_quantity)
        moves.append(
            stock.build_stock_move(
                product_id=line.product_id,
                seller_id=order.seller_id,
                kind=StockMove.Kind.DEDUCTED,
                actor=actor,
                on_hand_delta=-line.open_quantity,
                reserved_delta=-line.open_quantity,
                order_id=order.pk,
                reason=f"order #{order.number} processing",
                at=now,
            )
        )
    OrderLine.objects.filter(order=order, stock=LineStock.RESERVED).update(stock=LineStock.DEDUCTED)
    stock.write_moves(moves)
    seller = order.seller
    order.status = OrderStatus.PROCESSING
    order.processing_at = now
    order.processed_late = is_overdue(deadline=order.process_by, now=now)
    order.ship_by = calendar_for(seller).add_business_days(now, policy_for(seller).ship_business_days)
    order.action_due_at = order.ship_by
    save_fields(order, "status", "processing_at", "processed_late", "ship_by", "action_due_at")
    events.processing_started_event(order=order, actor=actor, at=now)
    resolve_step_alerts(order=order, steps=["process"], at=now)
    if seller.preparing_email:
        # "Update customers at every stage": the step between confirmed and shipped is told too,
        # unless the shop turned it off (Seller.preparing_email).
        queue_notification(
            order=order, kind=Notification.Kind.CUSTOMER_PREPARING, recipient=order.customer_email, lines=lines, at=now
        )
    return order


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
    """Hand the parcel to a carrier: shipped, with its tracking number and ETA.

    Guards, in this order: processing, the actor acts for the shop, paid (409 before any field
    is looked at); a known carrier and service level and a valid tracking number
    (`shipping.selectors.check_tracking`, 422); a started pack check complete or confirmed
    incomplete (409 pack_check_incomplete); the number on no other shipment (409, also when two
    orders race for it). Writes: the Shipment; status, `shipped_at`, the late flag (past
    `ship_by`), `deliver_by` (the ETA) and no `action_due_at`; the earnings' fallback release;
    the `shipped` event; settles the ship alerts; queues the customer's shipping email.
    """
    order = lock_order(order_id=order_id, seller_id=seller_id)
    # State and payment come before the form: a shipped order answers 409 whatever is typed.
    lines = list(order.lines.order_by("id"))
    workflow.check_transition(Action.SHIP, facts_of(order, lines), actor.kind)
    number = check_tracking(carrier_code=carrier, service_level=service_level, tracking_number=tracking_number)
    # A started pack check that is missing units asks for the seller's confirmation (409 pack_check_incomplete).
    require_complete_pack(order=order, confirmed=confirm_incomplete_pack, actor=actor)
    carrier_info = get_carrier(carrier)
    require_tracking_number_free(seller_id=order.seller_id, carrier=carrier, number=number)
    now = at or timezone.now()
    transit_days = carrier_info.service(service_level).transit_days
    eta = calendar_for(order.seller).add_business_days(now, transit_days)
    try:
        # Two orders (of one shop or of two) shipped at once with one number both pass the check
        # above; a unique key on Shipment lets one in, and the other, once the winner has
        # committed, gets the same 409 instead of a database error.
        with transaction.atomic():
            shipment = Shipment.objects.create(
                seller_id=order.seller_id,
                order=order,
                carrier=carrier,
                service_level=service_level,
                tracking_number=number,
                # A scanned barcode may carry routing digits the carrier's page does not look up.
                tracking_url=carrier_info.tracking_url_for(trackable_number(carrier=carrier, number=number) or number)
                or "",
                shipped_at=now,
                eta=eta,
            )
    except IntegrityError:
        require_tracking_number_free(seller_id=order.seller_id, carrier=carrier, number=number)
        raise TrackingNumberInUse(
            f"Tracking number {number} is already in use on another shipment.", details={"tracking_number": number}
        ) from None
    order.status = OrderStatus.SHIPPED
    order.shipped_at = now
    order.shipped_late = is_overdue(deadline=order.ship_by, now=now)
    order.deliver_by = eta
    order.action_due_at = None  # delivery is the carrier's step, not the seller's
    save_fields(order, "status", "shipped_at", "shipped_late", "deliver_by", "action_due_at")
    earnings.schedule_fallback_release(order=order)
    events.order_shipped_event(
        order=order, actor=actor, at=now, carrier=carrier, service_level=service_level, tracking_number=number, eta=eta
    )
    resolve_step_alerts(order=order, steps=["ship"], at=now)
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_SHIPPED,
        recipient=order.customer_email,
        context={"tracking_url": shipment.tracking_url, "eta": eta.isoformat(), "carrier": carrier_info.name},
        lines=lines,
        at=now,
    )
    return order


@transaction.atomic
def deliver_order(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    delivered_at: datetime | None = None,
    at: datetime | None = None,
) -> Order:
    """The parcel arrived: delivered, and the seller's earnings are scheduled for release.

    `at`: when Shipdesk learns of the delivery; `delivered_at`: when the parcel arrived, as the
    carrier reports it (kept between `shipped_at` and now). Guards: shipped; a carrier, the
    system, an operator or the platform — or the seller, only when the carrier does not track
    deliveries. Writes: status, `delivered_at` (order and shipment), the late flag (past
    `deliver_by`); the earnings' release schedule; the `delivered` event; queues the customer's
    delivery email.
    """
    order = lock_order(order_id=order_id, seller_id=seller_id)
    workflow.check_transition(Action.DELIVER, facts_of(order, []), actor.kind)
    now = at or timezone.now()
    # A carrier reports when the parcel arrived, which may be before we hear of it — never after now.
    arrived = min(delivered_at or now, now)
    arrived = max(arrived, order.shipped_at)
    order.status = OrderStatus.DELIVERED
    order.delivered_at = arrived
    order.delivered_late = is_overdue(deadline=order.deliver_by, now=arrived)
    save_fields(order, "status", "delivered_at", "delivered_late")
    Shipment.objects.filter(order=order).update(delivered_at=arrived)
    earnings.schedule_release(order=order)
    events.order_delivered_event(order=order, actor=actor, at=now, delivered_at=arrived)
    queue_notification(order=order, kind=Notification.Kind.CUSTOMER_DELIVERED, recipient=order.customer_email, at=now)
    return order
