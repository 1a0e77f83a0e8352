"""Paying a recorded refund: the worker's half of a refund (`payments.services.record_refund` is
the cancelling transaction's half). Run by the task `payments.tasks.settle_refund`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shipdesk.orders.events import refund_settled_event

from .models import Refund
from .providers import PaymentProviderError, get_payment_provider


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
