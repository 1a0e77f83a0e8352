"""Refunds after shipment: money back on a shipped or delivered order.

The one money step of everything that happens after the parcel leaves: a seller's goodwill, a
received return, a delivery claim, an operator's decision. It refunds units of lines (their
price and their exact share of the line's tax, as a cancellation would), the shipping once (its
fee and its tax), or an amount (goodwill, whose tax is in proportion to what is left), and never
more than is left to refund. The money goes through the payment provider exactly as a
cancellation's refund does (`payments.services.record_refund`, settled by the worker), and the
seller's ledger is reversed by the non-tax part at the sale's commission rate
(`earnings.services.record_order_money`) — out of the available balance once the earnings were
released, which may take it below zero until the next payout nets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shipdesk import money
from shipdesk.actors import Actor, ActorKind
from shipdesk.earnings import services as earnings
from shipdesk.errors import IdempotencyConflict, InvalidTransition, PermissionDenied, StateConflict, ValidationFailed
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders import events, refunds, terms
from shipdesk.orders.locks import lock_lines, lock_order
from shipdesk.orders.models import OrderLine, ShippedRefund, ShippedRefundLine
from shipdesk.orders.selectors import shipping_refunded
from shipdesk.payments.services import record_refund

from ._saving import save_fields
from .payment import count_refund

# Who may give money back after shipment: whoever acts for the shop, and the system (a claim
# escalated past its deadline is decided by the operator or the system, never the customer).
REFUNDERS = frozenset({ActorKind.SELLER, ActorKind.OPERATOR, ActorKind.PLATFORM, ActorKind.SYSTEM})
MAX_NOTE = 2000
MAX_KEY = 200


def _check_fields(
    *,
    lines: Sequence[tuple[int, int]],
    amount: Decimal | None,
    shipping: bool,
    reason: str,
    source: str,
    note: str,
    idempotency_key: str | None,
) -> None:
    """What can be refused before the order is read (422, nothing written)."""
    errors: dict[str, list[str]] = {}
    if reason not in terms.REFUND_REASONS:
        errors["reason"] = [f"One of: {', '.join(terms.REFUND_REASONS.values)}."]
    if source not in terms.REFUND_SOURCES:
        errors["source"] = [f"One of: {', '.join(terms.REFUND_SOURCES.values)}."]
    if len(note or "") > MAX_NOTE:
        errors["note"] = [f"At most {MAX_NOTE} characters."]
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY:
        errors["idempotency_key"] = [f"Between 1 and {MAX_KEY} characters."]
    if amount is not None and (lines or shipping):
        errors["amount"] = ["Give an amount, or lines and shipping, not both."]
    elif amount is None and not lines and not shipping:
        errors["lines"] = ["Give the lines to refund, the shipping, or an amount."]
    if errors:
        raise ValidationFailed("Invalid refund.", details=errors)


def _line_parts(
    *, by_id: dict[int, OrderLine], lines: Sequence[tuple[int, int]], errors: dict
) -> list[tuple[OrderLine, int]]:
    chosen: list[tuple[OrderLine, int]] = []
    seen: set[int] = set()
    for index, (line_id, quantity) in enumerate(lines):
        line = by_id.get(line_id)
        if line is None:
            errors[f"lines.{index}.line_id"] = ["Not a line of this order."]
            continue
        if line_id in seen:
            errors[f"lines.{index}.line_id"] = ["Each line once."]
            continue
        seen.add(line_id)
        left = line.open_quantity - line.quantity_refunded
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= left:
            errors[f"lines.{index}.quantity"] = [
                f"Between 1 and {left}, the units of this line not yet refunded."
                if left
                else "Every unit of this line was refunded already."
            ]
            continue
        chosen.append((line, quantity))
    return chosen


@transaction.atomic
def refund_shipped_order(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    lines: Sequence[tuple[int, int]] = (),
    amount: Decimal | None = None,
    shipping: bool = False,
    reason: str,
    source: str,
    note: str = "",
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> ShippedRefund:
    """Give money back on a shipped or delivered order; returns the `ShippedRefund`.

    `lines`: (line_id, quantity) pairs — those units and their exact tax share; `shipping`: the
    order's shipping fee and its tax, once per order; `amount`: an amount instead (goodwill),
    carrying tax in proportion to what is left. `source`: goodwill, return, claim or operator
    (`orders.terms.REFUND_SOURCES`); `reason`: `orders.terms.REFUND_REASONS`.

    Guards: known reason and source, a note of at most 2000 characters, lines and/or shipping or
    an amount (422); the same `idempotency_key` again returns the first refund (409
    idempotency_conflict if it was for another order); a person or system acting for the shop
    (403); shipped or delivered (409 invalid_transition); something left to refund (409); each
    line on this order once, 1 ≤ quantity ≤ its units not yet refunded, the shipping not refunded
    before, an amount in the currency's minor units and at most what is left (422). Locks the
    order, then its lines. Writes: the `ShippedRefund` and its lines, the lines' refunded units;
    the order's refunded amounts and payment state (`count_refund`); the provider refund and the
    job that pays it (`payments.record_refund`); the ledger's reversal; the
    `refunded_after_shipment` event; queues the customer's "refunded" email.
    """
    _check_fields(
        lines=lines,
        amount=amount,
        shipping=shipping,
        reason=reason,
        source=source,
        note=note,
        idempotency_key=idempotency_key,
    )
    order = lock_order(order_id=order_id, seller_id=seller_id)
    if idempotency_key is not None:
        # Read under the order's lock: a concurrent retry with the same key waits here, then
        # finds the first one's refund.
        existing = ShippedRefund.objects.filter(seller_id=order.seller_id, idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.order_id != order.pk:
                raise IdempotencyConflict(
                    "This idempotency key was used for a refund of another order.",
                    details={"idempotency_key": idempotency_key},
                )
            return existing
    if actor.kind not in REFUNDERS:
        raise PermissionDenied(f"A {actor.kind.value} cannot refund orders.")
    if order.status not in terms.DISPATCHED_STATUSES:
        raise InvalidTransition(
            f"Only a shipped or delivered order is refunded this way; this one is {order.status}"
            + (" (cancel it or its lines instead)." if order.status in terms.OPEN_STATUSES else "."),
            details={"status": order.status},
        )
    if order.payment_status not in terms.PAID_FOR_STATES or order.refunded_total >= order.total:
        raise StateConflict(
            "Everything paid for this order was refunded already.", details={"payment_status": order.payment_status}
        )
    order_lines = lock_lines(order)
    by_id = {line.pk: line for line in order_lines}
    currency = order.currency
    remaining_total = order.total - order.refunded_total
    remaining_tax = order.tax_total - order.refunded_tax
    errors: dict[str, list[str]] = {}
    chosen = _line_parts(by_id=by_id, lines=lines, errors=errors)
    if shipping and shipping_refunded(order):
        errors["shipping"] = ["The shipping of this order was refunded already."]
    if amount is not None:
        if amount <= 0:
            errors["amount"] = ["Must be positive."]
        elif not money.fits_currency(amount, currency):
            errors["amount"] = [f"{currency} has {money.minor_units(currency)} decimal places."]
        elif amount > remaining_total:
            errors["amount"] = [f"At most {money.format_amount(remaining_total, currency)}, what is left to refund."]
    if errors:
        raise ValidationFailed("Invalid refund.", details=errors)

    # Each part is capped by what is left, non-tax and tax apart (a provider may have refunded
    # part of the order directly): the order's refunded amounts never pass its totals.
    net_left, tax_left = remaining_total - remaining_tax, remaining_tax
    line_rows: list[ShippedRefundLine] = []
    items_total = tax_total = shipping_total = Decimal("0")
    if amount is not None:
        tax_total = refunds.tax_part_of(
            amount=amount, remaining_total=remaining_total, remaining_tax=remaining_tax, currency=currency
        )
        items_total = amount - tax_total
    for line, quantity in sorted(chosen, key=lambda part: part[0].pk):
        share = refunds.line_tax_share(
            tax=line.tax,
            quantity=line.quantity,
            # Cumulative over every unit that left the line, cancelled or refunded, so the
            # line's tax comes back exactly however its units are given back.
            cancelled_before=line.quantity_cancelled + line.quantity_refunded,
            cancelling=quantity,
            currency=currency,
        )
        items = max(Decimal("0"), min(line.unit_price * quantity, net_left))
        tax = max(Decimal("0"), min(share, tax_left))
        net_left -= items
        tax_left -= tax
        items_total += items
        tax_total += tax
        line_rows.append(
            ShippedRefundLine(seller_id=order.seller_id, line=line, quantity=quantity, items=items, tax=tax)
        )
    if shipping:
        shipping_total = max(Decimal("0"), min(order.shipping_fee, net_left))
        shipping_tax = max(Decimal("0"), min(order.shipping_tax, tax_left))
        tax_total += shipping_tax
    breakdown = refunds.RefundBreakdown(items=items_total, shipping=shipping_total, tax=tax_total)
    if breakdown.total <= 0:
        raise ValidationFailed(
            "There is nothing left to refund for these units.",
            details={"lines" if lines else "shipping": ["Nothing is left to refund for them."]},
        )

    now = at or timezone.now()
    refund = ShippedRefund.objects.create(
        seller_id=order.seller_id,
        order=order,
        source=source,
        reason=reason,
        note=note or "",
        actor_kind=actor.kind.value,
        actor_label=actor.label[:200],
        amount=breakdown.total,
        items=breakdown.items,
        shipping=breakdown.shipping,
        tax=breakdown.tax,
        goodwill=amount is not None,
        with_shipping=shipping,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    for row in line_rows:
        row.refund = refund
        row.line.quantity_refunded += row.quantity
    ShippedRefundLine.objects.bulk_create(line_rows)
    OrderLine.objects.bulk_update([row.line for row in line_rows], ["quantity_refunded"])

    count_refund(order, amount=breakdown.total, tax=breakdown.tax)
    refund.payment_refund = record_refund(
        order=order, amount=breakdown.total, tax=breakdown.tax, actor=actor, reason=f"{source}: {reason}", at=now
    )
    refund.save(update_fields=["payment_refund"])
    save_fields(order, "refunded_total", "refunded_tax", "payment_status")
    earnings.record_order_money(order=order, at=now)
    parts = refund_params(breakdown, currency)
    events.refunded_after_shipment_event(
        order=order,
        actor=actor,
        at=now,
        shipped_refund_id=refund.pk,
        source=source,
        reason=reason,
        note=note or "",
        refund=parts,
        lines=[{"line_id": row.line_id, "sku": row.line.sku, "quantity": row.quantity} for row in line_rows],
    )
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_REFUNDED,
        stage=f"refund-{refund.pk}",
        recipient=order.customer_email,
        context={
            "source": source,
            "reason": reason,
            "refunded_lines": [{"sku": row.line.sku, "quantity": row.quantity} for row in line_rows],
            **parts,
        },
        lines=order_lines,
        at=now,
    )
    return refund


def refund_params(refund: refunds.RefundBreakdown, currency: str) -> dict[str, str]:
    """The refund's parts for the timeline event and the customer's email (decimal strings)."""
    return {
        "refund_amount": money.format_amount(refund.total, currency),
        "refund_items": money.format_amount(refund.items, currency),
        "refund_shipping": money.format_amount(refund.shipping, currency),
        "refund_tax": money.format_amount(refund.tax, currency),
    }
