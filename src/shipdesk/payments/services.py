"""Refunds: decided inside the cancelling transaction, paid out by the worker through the provider."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shipdesk.actors import Actor
from shipdesk.orders.events import refund_recorded_event, refund_settled_event

from .models import Refund
from .providers import PaymentProviderError, get_payment_provider

logger = logging.getLogger(__name__)


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
    from .tasks import settle_refund

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


def settle_refund(*, refund_id: int) -> str:
    refund = Refund.objects.select_related("order").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.PENDING:
        return "nothing to do"
    provider = get_payment_provider()
    # The provider is called outside any transaction (no row lock held over the network); its
    # idempotency key makes a repeated call after a crash the same refund, not a second one.
    try:
        result = provider.refund(
            payment_reference=refund.order.payment_reference,
            amount=refund.amount,
            currency=refund.currency,
            idempotency_key=refund.idempotency_key,
        )
    except PaymentProviderError as exc:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(last_error=str(exc)[:2000])
        raise
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("order").get(pk=refund_id)
        if refund.status != Refund.Status.PENDING:
            return "already settled"
        refund.status = Refund.Status.SUCCEEDED
        refund.provider_reference = result.reference
        refund.attempts += 1
        refund.settled_at = timezone.now()
        refund.save(update_fields=["status", "provider_reference", "attempts", "settled_at"])
        refund_settled_event(
            order=refund.order,
            refund_id=refund.pk,
            amount=str(refund.amount),
            provider=refund.provider,
            provider_reference=result.reference,
        )
    return "settled"
