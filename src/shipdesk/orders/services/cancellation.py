"""Cancelling an order, or units of one line: stock given back, the refund decided, everyone told;
and the customer's request to cancel (`request_cancellation`).

Cancelling the last open units of an order through `cancel_line` cancels the order (and refunds
its shipping). Units given back are offered at once to short lines waiting for the same product.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shipdesk import money
from shipdesk.actors import Actor, ActorKind
from shipdesk.earnings import services as earnings
from shipdesk.errors import InvalidTransition, NotFound, PermissionDenied, StateConflict, ValidationFailed
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import StockMove
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import ALERTS_ASKING_FOR, queue_notification, resolve_step_alerts
from shipdesk.orders import events, refunds, terms, workflow
from shipdesk.orders.locks import lock_lines, lock_order
from shipdesk.orders.models import Cancellation, LineStock, Order, OrderLine, OrderStatus
from shipdesk.orders.selectors import cancellation_refund, facts_of, hold, line_cancellation_refund
from shipdesk.orders.workflow import Action
from shipdesk.payments.services import record_refund
from shipdesk.shipping import parcels

from ._saving import save_fields
from .parcels import ship_if_all_in_parcels
from .payment import count_refund
from .short_lines import mark_reserved, reserve_short_lines, reserve_short_lines_of, withdraw_substitute_offers


def _give_back(*, order: Order, line: OrderLine, quantity: int, actor: Actor, moves: list, at: datetime) -> None:
    """Release (before processing) or restock (after deduction) `quantity` of a line."""
    if line.stock == LineStock.RESERVED:
        stock.release(product_id=line.product_id, quantity=quantity)
    elif line.stock == LineStock.DEDUCTED:
        stock.restock(product_id=line.product_id, quantity=quantity)
    else:
        return  # a short line holds nothing
    _record_give_back(order=order, line=line, quantity=quantity, actor=actor, moves=moves, at=at)


def _record_give_back(*, order: Order, line: OrderLine, quantity: int, actor: Actor, moves: list, at: datetime) -> None:
    """The stock move of units given back (the counts are changed by the caller)."""
    if line.stock == LineStock.RESERVED:
        kind, on_hand_delta, reserved_delta = StockMove.Kind.RELEASED, 0, -quantity
    else:
        kind, on_hand_delta, reserved_delta = StockMove.Kind.RESTOCKED, quantity, 0
    moves.append(
        stock.build_stock_move(
            product_id=line.product_id,
            seller_id=order.seller_id,
            kind=kind,
            actor=actor,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            order_id=order.pk,
            reason=f"order #{order.number} cancelled",
            at=at,
        )
    )


def _validate_reason(reason: str, note: str) -> None:
    if reason not in terms.CANCEL_REASONS:
        raise ValidationFailed(
            "Unknown cancel reason.",
            details={"reason": [f"One of: {', '.join(sorted(terms.PERSON_CANCEL_REASONS))}."]},
        )
    if len(note or "") > 2000:
        raise ValidationFailed("The note is too long.", details={"note": ["At most 2000 characters."]})


def _refund_params(refund: refunds.RefundBreakdown, currency: str) -> dict[str, str]:
    """The refund's breakdown for the timeline event and the customer's email (decimal strings)."""
    return {
        "refund_amount": money.format_amount(refund.total, currency),
        "refund_items": money.format_amount(refund.items, currency),
        "refund_shipping": money.format_amount(refund.shipping, currency),
        "refund_tax": money.format_amount(refund.tax, currency),
    }


@transaction.atomic
def cancel_order(
    *, order_id: int, seller_id: int | None, actor: Actor, reason: str, note: str = "", at: datetime | None = None
) -> Order:
    """Cancel the whole order: its stock given back, everything paid and not yet refunded refunded.

    Guards: a known reason and a note of at most 2000 characters (422); pending, confirmed or
    processing; a customer only before processing. Locks the order, then its lines. Writes: every
    open unit released (reserved) or restocked (deducted) with its stock moves; open substitute
    offers withdrawn; the Cancellation with its refund breakdown; the refund (`count_refund` and
    `payments.record_refund`, with the job that pays it); status, `cancelled_at`, no
    `action_due_at`; the ledger; the `cancelled` event; settles every step alert; queues the
    customer's email; then offers the freed stock to other orders' short lines.
    """
    _validate_reason(reason, note)
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = lock_lines(order)
    workflow.check_transition(Action.CANCEL, facts_of(order, lines), actor.kind)
    _cancel_locked(order=order, lines=lines, actor=actor, reason=reason, note=note, now=at or timezone.now())
    # Its answer reads the lines not back: the locked copies hold what was written to them (the
    # freed stock goes to other orders' short lines, never to these released ones).
    hold(order, "lines", lines)
    return order


def _cancel_locked(
    *, order: Order, lines: list[OrderLine], actor: Actor, reason: str, note: str, now: datetime
) -> Order:
    withdraw_substitute_offers(order=order, line_ids=None, now=now)
    moves: list[StockMove] = []
    # Two lines of one order may hold the same product: the quantities add up.
    released: dict[int, int] = {}
    restocked: dict[int, int] = {}
    for line in sorted(lines, key=lambda each: each.sku):
        if line.stock in (LineStock.RESERVED, LineStock.DEDUCTED):
            given_back = released if line.stock == LineStock.RESERVED else restocked
            given_back[line.product_id] = given_back.get(line.product_id, 0) + line.open_quantity
            _record_give_back(order=order, line=line, quantity=line.open_quantity, actor=actor, moves=moves, at=now)
        if line.stock != LineStock.RELEASED:
            line.quantity_cancelled = line.quantity
            line.stock = LineStock.RELEASED
    # Two statements for the whole order, however many lines (pinned in
    # tests/orders/test_statement_counts.py).
    stock.give_back_many(released=released, restocked=restocked)
    freed = set(released) | set(restocked)
    OrderLine.objects.bulk_update(lines, ["quantity_cancelled", "stock"])
    stock.write_moves(moves)

    # Cancelling the last open units through cancel_line lands here too, so it refunds shipping:
    # the order will not ship.
    refund = cancellation_refund(order)
    refund_amount = refund.total
    cancellation = Cancellation.objects.create(
        seller_id=order.seller_id,
        order=order,
        reason=reason,
        note=note,
        actor_kind=actor.kind.value,
        actor_label=actor.label[:200],
        refund_amount=refund_amount,
        refund_items=refund.items,
        refund_shipping=refund.shipping,
        refund_tax=refund.tax,
        created_at=now,
    )
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    order.action_due_at = None
    if refund_amount > 0:
        count_refund(order, amount=refund_amount, tax=refund.tax)
        record_refund(
            order=order,
            amount=refund_amount,
            tax=refund.tax,
            actor=actor,
            cancellation=cancellation,
            reason=reason,
            at=now,
        )
    save_fields(order, "status", "cancelled_at", "action_due_at", "refunded_total", "refunded_tax", "payment_status")
    earnings.record_order_money(order=order, at=now)
    events.order_cancelled_event(
        order=order, actor=actor, at=now, reason=reason, note=note, refund=_refund_params(refund, order.currency)
    )
    # No step is owed on a cancelled order: every alert asking for one is settled.
    resolve_step_alerts(order=order, steps=ALERTS_ASKING_FOR, at=now)
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_CANCELLED,
        recipient=order.customer_email,
        context={"reason": reason, **_refund_params(refund, order.currency)},
        at=now,
    )
    reserve_short_lines_of(product_ids=freed, actor=actor, at=now)
    return order


@transaction.atomic
def cancel_line(
    *,
    order_id: int,
    seller_id: int | None,
    line_id: int,
    quantity: int,
    actor: Actor,
    reason: str,
    note: str = "",
    at: datetime | None = None,
) -> Order:
    """Cancel `quantity` units of one line, refunding them; cancelling the last open units cancels the order.

    Guards: as `cancel_order`, then the line on this order (404) and 1 ≤ quantity ≤ its open
    quantity (422). Writes: the units given back with their stock moves (the line released when
    none is left open); the line's open substitute offers withdrawn; the Cancellation and the
    refund of those units and their tax share; the ledger; the `line_cancelled` event; queues the
    customer's email; then a short line that now fits is reserved and freed stock goes to other
    orders' short lines.
    """
    _validate_reason(reason, note)
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = lock_lines(order)
    workflow.check_transition(Action.CANCEL_LINE, facts_of(order, lines), actor.kind)
    line = next((each for each in lines if each.pk == line_id), None)
    if line is None:
        raise NotFound("Order line not found.")
    # Units already in a parcel have left: only the units still to ship can be cancelled.
    shipped = (
        parcels.units_in_parcels(order_id=order.pk).get(line.pk, 0) if order.status == OrderStatus.PROCESSING else 0
    )
    cancellable = line.open_quantity - shipped
    if shipped and cancellable < 1:
        raise ValidationFailed(
            "Every unit of this line has shipped.", details={"quantity": ["Nothing of this line is left to cancel."]}
        )
    if not isinstance(quantity, int) or not 1 <= quantity <= cancellable:
        where = "the units not yet shipped" if shipped else "the line's open quantity"
        raise ValidationFailed("Invalid quantity.", details={"quantity": [f"Between 1 and {cancellable}, {where}."]})
    now = at or timezone.now()
    if sum(each.open_quantity for each in lines) == quantity:
        return _cancel_locked(order=order, lines=lines, actor=actor, reason=reason, note=note, now=now)

    if line.stock == LineStock.SHORT:
        # A short line holds no units, so giving it back locks nothing; whether its smaller rest
        # now fits is decided at the end, after the refund event has locked the shop's credit-note
        # series. Lock its product now, in the documented lock order, or a concurrent cancel that
        # holds the product and waits for the series would deadlock with this one.
        stock.lock_product(product_id=line.product_id)
    refund = line_cancellation_refund(order=order, lines=lines, line=line, quantity=quantity)
    moves: list[StockMove] = []
    withdraw_substitute_offers(order=order, line_ids=[line.pk], now=now)
    _give_back(order=order, line=line, quantity=quantity, actor=actor, moves=moves, at=now)
    freed = line.stock in (LineStock.RESERVED, LineStock.DEDUCTED)
    line.quantity_cancelled += quantity
    if line.quantity_cancelled == line.quantity:
        line.stock = LineStock.RELEASED
    line.save(update_fields=["quantity_cancelled", "stock"])
    stock.write_moves(moves)

    refund_amount = refund.total
    cancellation = Cancellation.objects.create(
        seller_id=order.seller_id,
        order=order,
        line=line,
        quantity=quantity,
        reason=reason,
        note=note,
        actor_kind=actor.kind.value,
        actor_label=actor.label[:200],
        refund_amount=refund_amount,
        refund_items=refund.items,
        refund_tax=refund.tax,
        created_at=now,
    )
    if refund_amount > 0:
        count_refund(order, amount=refund_amount, tax=refund.tax)
        record_refund(
            order=order,
            amount=refund_amount,
            tax=refund.tax,
            actor=actor,
            cancellation=cancellation,
            reason=reason,
            at=now,
        )
    save_fields(order, "refunded_total", "refunded_tax", "payment_status")
    earnings.record_order_money(order=order, at=now)
    events.line_cancelled_event(
        order=order,
        actor=actor,
        at=now,
        line_id=line.pk,
        sku=line.sku,
        quantity=quantity,
        reason=reason,
        note=note,
        refund=_refund_params(refund, order.currency),
    )
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_LINE_CANCELLED,
        stage=f"cancellation-{cancellation.pk}",
        recipient=order.customer_email,
        context={"sku": line.sku, "quantity": quantity, **_refund_params(refund, order.currency)},
        at=now,
    )
    if order.status == OrderStatus.PROCESSING:
        # The units left to ship were cancelled: a partly shipped order is now wholly on its way.
        ship_if_all_in_parcels(order=order, lines=lines, actor=actor, now=now)
    # A short line that is now smaller may fit the shelf; units given back may fit another order.
    if line.stock == LineStock.SHORT and stock.try_reserve(product_id=line.product_id, quantity=line.open_quantity):
        mark_reserved(line=line, order=order, actor=actor, at=now)
    if freed:
        reserve_short_lines(product_id=line.product_id, actor=actor, at=now)
    return order


@transaction.atomic
def request_cancellation(
    *, order_id: int, seller_id: int | None, actor: Actor, note: str = "", at: datetime | None = None
) -> Order:
    """The customer asks to cancel: a pending order is cancelled at once (`customer_request`);
    a confirmed or processing one becomes a request the seller answers (cancel, or ship anyway).

    Guards: the customer, or a platform relaying them (403); a note of at most 2000 characters
    (422); pending, confirmed or processing (409 invalid_transition); one request per order (409).
    Writes, for a request: the `cancel_requested` event; the seller's alert and email and the
    customer's acknowledgement (each once per order).
    """
    if actor.kind not in (ActorKind.CUSTOMER, ActorKind.PLATFORM):
        raise PermissionDenied("Only the customer asks to cancel; the shop cancels.")
    if len(note or "") > 2000:
        raise ValidationFailed("The note is too long.", details={"note": ["At most 2000 characters."]})
    order = lock_order(order_id=order_id, seller_id=seller_id)
    if order.status == OrderStatus.PENDING:
        lines = lock_lines(order)
        workflow.check_transition(Action.CANCEL, facts_of(order, lines), ActorKind.CUSTOMER)
        return _cancel_locked(
            order=order, lines=lines, actor=actor, reason="customer_request", note=note, now=at or timezone.now()
        )
    if order.status not in terms.OPEN_STATUSES:
        raise InvalidTransition(
            f"The order is {order.status}; it can no longer be cancelled.",
            details={"status": order.status, "allowed_actions": []},
        )
    now = at or timezone.now()
    row = queue_notification(
        order=order,
        kind=Notification.Kind.SELLER_CANCEL_REQUESTED,
        recipient=order.seller.email,
        context={"note": note or ""},
        at=now,
    )
    if row is None:
        raise StateConflict("The customer already asked to cancel this order.", details={"status": order.status})
    events.cancel_requested_event(order=order, actor=actor, at=now, note=note or "")
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_CANCEL_REQUESTED,
        recipient=order.customer_email,
        context={"note": note or ""},
        at=now,
    )
    return order
