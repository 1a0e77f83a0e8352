"""Refunds: decided inside the cancelling transaction, paid out by the worker through the provider
(`payments.settlement`, run by the task `payments.tasks.settle_refund`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shipdesk.actors import Actor
from shipdesk.orders.events import refund_recorded_event

from .models import Refund
from .providers import get_payment_provider
from .tasks import settle_refund


def record_refund(
    *,
    order,
    amount: Decimal,
    actor: Actor,
    cancellation=None,
    reason: str = "",
    tax: Decimal = Decimal("0"),
    at: datetime | None = None,
) -> Refund:
    """Owe the customer `amount`, of which `tax` is tax. Call inside the transaction that locked `order`.

    The caller has counted the refund on the order (`orders.services.count_refund`, which owns the
    order's refunded amounts and payment state), so every screen and the seller's earnings agree
    at once; the money moves when the worker settles the refund.
    """
    assert transaction.get_connection().in_atomic_block, "record_refund must run inside the caller's transaction"
    refund = Refund.objects.create(
        seller_id=order.seller_id,
        order=order,
        cancellation=cancellation,
        amount=amount,
        currency=order.currency,
        provider=get_payment_provider().name,
        idempotency_key=uuid.uuid4().hex,
        created_at=at or timezone.now(),
    )
    refund_recorded_event(
        order=order, actor=actor, at=at, refund_id=refund.pk, amount=str(amount), tax=str(tax), reason=reason
    )
    # The task row is written in this same transaction (database backend): a refund is never
    # decided without the job that pays it.
    settle_refund.enqueue(refund.pk)
    return refund
