"""The order's payment state: what the provider reports (`update_payment`) and what refunds take.

This module owns `Order.payment_status`, `refunded_total` and `refunded_tax`: every change of
them goes through `update_payment` or `count_refund`. The payments app pays refunds out
(`payments.services.record_refund` writes the refund and the job that settles it).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shipdesk import money
from shipdesk.accounts.policy import policy_for
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.errors import StateConflict, ValidationFailed
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders import events, refunds, terms
from shipdesk.orders.deadlines import confirm_deadline
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Order, OrderStatus, PaymentStatus
from shipdesk.payments.services import record_refund

from ._saving import save_fields


def count_refund(order: Order, *, amount: Decimal, tax: Decimal) -> None:
    """Add a refund of `amount` (of which `tax` is tax) to the locked order; the caller saves it.

    The payment state follows: refunded once everything is, partially refunded before.
    """
    order.refunded_total += amount
    order.refunded_tax += tax
    order.payment_status = (
        PaymentStatus.REFUNDED if order.refunded_total >= order.total else PaymentStatus.PARTIALLY_REFUNDED
    )


@transaction.atomic
def update_payment(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    status: str,
    amount: Decimal,
    reference: str,
    at: datetime | None = None,
) -> Order:
    """Record what the payment provider says: paid, failed, or refunded (outside Shipdesk).

    Guards: a known status, a positive amount in the currency's minor units, a reference of at
    most 200 characters (422). Paid: once (a repeat with the same reference changes nothing),
    not on a cancelled order, for exactly the total; the confirm deadline starts now, and units
    cancelled while unpaid are refunded at once. Failed: only while unpaid; the seller is
    alerted. Refunded: only while paid, at most what is left; the tax part follows the order's
    remaining tax. Writes the order's payment fields, the ledger and the `payment_updated` event.
    """
    order = lock_order(order_id=order_id, seller_id=seller_id)
    errors = {}
    if status not in ("paid", "failed", "refunded"):
        errors["status"] = ["One of: paid, failed, refunded."]
    if amount is None or amount <= 0:
        errors["amount"] = ["Must be positive."]
    elif not money.fits_currency(amount, order.currency):
        errors["amount"] = [f"{order.currency} has {money.minor_units(order.currency)} decimal places."]
    if len(reference or "") > 200:
        errors["reference"] = ["At most 200 characters."]
    if errors:
        raise ValidationFailed("Invalid payment update.", details=errors)
    now = at or timezone.now()
    previous = order.payment_status

    if status == "paid":
        if previous in terms.CAPTURED_STATES:
            if reference and reference == order.payment_reference:
                return order  # the provider repeating itself
            if reference and not order.payment_reference and amount == order.total:
                # Placed as paid at checkout without a reference; the provider now names it.
                order.payment_reference = reference
                save_fields(order, "payment_reference")
                return order
            raise StateConflict(f"The order is already {previous}.", details={"payment_status": previous})
        if order.status == OrderStatus.CANCELLED:
            raise StateConflict(
                "The order is cancelled; refund this payment instead.", details={"status": order.status}
            )
        if amount != order.total:
            raise ValidationFailed(
                "The amount paid must equal the order total.",
                details={"amount": [f"The order total is {order.total} {order.currency}."]},
            )
        order.payment_status = PaymentStatus.PAID
        order.paid_at = now
        order.payment_reference = reference or order.payment_reference
        fields = ["payment_status", "paid_at", "payment_reference"]
        if order.status == OrderStatus.PENDING:
            # The seller's 24 hours start when the money is there, not when the basket was placed.
            order.confirm_by = confirm_deadline(
                placed_at=order.placed_at, paid_at=now, hours=policy_for(order.seller).confirm_hours
            )
            order.action_due_at = order.confirm_by
            fields += ["confirm_by", "action_due_at"]
        save_fields(order, *fields)
        # The customer paid the placed total, but units cancelled while the order was unpaid are
        # not owed: refund them now, so cancelling before payment costs the customer nothing.
        cancelled = [line for line in order.lines.all() if line.quantity_cancelled]
        cancelled_value = sum((line.unit_price * line.quantity_cancelled for line in cancelled), Decimal("0"))
        cancelled_tax = sum(
            (
                refunds.line_tax_share(
                    tax=line.tax,
                    quantity=line.quantity,
                    cancelled_before=0,
                    cancelling=line.quantity_cancelled,
                    currency=order.currency,
                )
                for line in cancelled
            ),
            Decimal("0"),
        )
        if cancelled_value + cancelled_tax > 0:
            count_refund(order, amount=cancelled_value + cancelled_tax, tax=cancelled_tax)
            record_refund(
                order=order,
                amount=cancelled_value + cancelled_tax,
                tax=cancelled_tax,
                actor=actor,
                reason="units cancelled before payment",
                at=now,
            )
            save_fields(order, "refunded_total", "refunded_tax", "payment_status")
    elif status == "failed":
        if previous not in terms.NOT_PAID_STATES:
            raise StateConflict(f"The order is already {previous}.", details={"payment_status": previous})
        order.payment_status = PaymentStatus.FAILED
        order.payment_reference = reference or order.payment_reference
        save_fields(order, "payment_status", "payment_reference")
        queue_notification(
            order=order,
            kind=Notification.Kind.SELLER_PAYMENT_FAILED,
            stage=reference[:64],
            recipient=order.seller.email,
            at=now,
        )
    else:  # refunded by the provider directly (its dashboard, a dispute): record it, pay nothing.
        if previous not in terms.PAID_FOR_STATES:
            raise StateConflict(
                f"The order is {previous}; there is nothing to refund.", details={"payment_status": previous}
            )
        if amount > order.total - order.refunded_total:
            raise ValidationFailed(
                "More than what is left to refund.",
                details={"amount": [f"At most {order.total - order.refunded_total}."]},
            )
        tax = refunds.tax_part_of(
            amount=amount,
            remaining_total=order.total - order.refunded_total,
            remaining_tax=order.tax_total - order.refunded_tax,
            currency=order.currency,
        )
        count_refund(order, amount=amount, tax=tax)
        save_fields(order, "refunded_total", "refunded_tax", "payment_status")
    earnings.record_order_money(order=order, at=now)
    events.payment_updated_event(
        order=order, actor=actor, at=now, previous=previous, amount=str(amount), reference=reference
    )
    return order
