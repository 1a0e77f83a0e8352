"""The forward steps of the workflow: confirm, process and deliver (docs/workflow.md).

Shipping, in one parcel or several, is `parcels.ship_order` / `parcels.ship_parcel`.

Each locks the order (`orders.locks`), checks `orders.workflow` against the facts read under the
lock, sets the status, its timestamp, the late flag and the next step's deadline, and writes the
timeline event, the alerts it settles and the customer's email in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shipdesk.accounts.policy import calendar_for, policy_for
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import StockMove
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification, resolve_step_alerts
from shipdesk.orders import events, workflow
from shipdesk.orders.deadlines import is_overdue
from shipdesk.orders.locks import lock_lines, lock_order
from shipdesk.orders.models import LineStock, Order, OrderLine, OrderStatus
from shipdesk.orders.selectors import facts_of, hold
from shipdesk.orders.workflow import Action
from shipdesk.shipping.models import Shipment, ShipmentPurpose

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
    # Its answer reads none of these back: the lines as read under the lock (confirming changes
    # none), and no parcel — an order has parcels only once it is processing.
    hold(order, "lines", lines)
    hold(order, "shipments", [])
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
    deducted: dict[int, int] = {}
    for line in sorted((each for each in lines if each.stock == LineStock.RESERVED), key=lambda each: each.sku):
        deducted[line.product_id] = deducted.get(line.product_id, 0) + line.open_quantity
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
    stock.deduct_many(quantities=deducted)
    OrderLine.objects.filter(order=order, stock=LineStock.RESERVED).update(stock=LineStock.DEDUCTED)
    for line in lines:  # the locked copies say what the UPDATE above wrote
        if line.stock == LineStock.RESERVED:
            line.stock = LineStock.DEDUCTED
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
    # Its answer reads none of these back: the locked lines as they now stand, and no parcel (the
    # order was confirmed until now; parcels leave only a processing order).
    hold(order, "lines", lines)
    hold(order, "shipments", [])
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
    """The last parcel arrived: delivered, and the seller's earnings are scheduled for release.

    `at`: when Shipdesk learns of the delivery; `delivered_at`: when the parcel arrived, as the
    carrier reports it (kept between `shipped_at` and now). The order's `delivered_at` is the
    arrival of its last parcel. Guards: shipped; a carrier, the system, an operator or the
    platform — or the seller, only when no parcel still on its way is tracked. Writes: status,
    `delivered_at` (the order, and each of its parcels not yet delivered), the late flag (past
    `deliver_by`); the earnings' release schedule; the `delivered` event; queues the customer's
    delivery email.
    """
    order = lock_order(order_id=order_id, seller_id=seller_id)
    # Every shipment of the order, read once under its lock: the guard's facts, the delivery times
    # and the answer all use these rows. They stay true until commit: parcels are added and marked
    # delivered (here, and by carriers' tracking updates) only by writers holding the order's lock.
    shipments = list(Shipment.objects.filter(order=order).order_by("shipped_at", "id"))
    hold(order, "shipments", shipments)
    workflow.check_transition(Action.DELIVER, facts_of(order, []), actor.kind)
    now = at or timezone.now()
    # A carrier reports when the parcel arrived, which may be before we hear of it — never after now.
    arrived = min(delivered_at or now, now)
    arrived = max(arrived, order.shipped_at)
    parcels = [each for each in shipments if each.purpose == ShipmentPurpose.ORDER]
    arriving = [each for each in parcels if each.delivered_at is None]
    if arriving:
        Shipment.objects.filter(pk__in=[each.pk for each in arriving]).update(delivered_at=arrived)
        for each in arriving:
            each.delivered_at = arrived
    # The order arrived with its last parcel: one delivered earlier keeps the carrier's time.
    arrived = max([arrived, *(each.delivered_at for each in parcels)])
    order.status = OrderStatus.DELIVERED
    order.delivered_at = arrived
    order.delivered_late = is_overdue(deadline=order.deliver_by, now=arrived)
    save_fields(order, "status", "delivered_at", "delivered_late")
    earnings.schedule_release(order=order)
    events.order_delivered_event(order=order, actor=actor, at=now, delivered_at=arrived)
    # The email shows the lines and the last parcel to leave; the answer uses the same lines.
    lines = list(order.lines.order_by("id"))
    hold(order, "lines", lines)
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_DELIVERED,
        recipient=order.customer_email,
        lines=lines,
        shipment=max(parcels, key=lambda each: (each.shipped_at, each.pk), default=None),
        at=now,
    )
    return order
