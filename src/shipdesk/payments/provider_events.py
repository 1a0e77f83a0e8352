"""Applying a payment provider's event to its order: once per event id, through `update_payment`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction

from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import ShipdeskError
from shipdesk.orders.models import Order

from .models import PaymentWebhookReceipt
from .webhooks import PaymentEvent

logger = logging.getLogger(__name__)

# What a payment event does to its order: called with `order_id`, `seller_id`, `actor`, `status`,
# `amount` and `reference` inside the receipt's transaction. Orders registers
# `orders.services.update_payment` here at start-up (shipdesk.orders.registrations, from
# OrdersConfig.ready): payments sits below order services and names them only through this list.
PAYMENT_APPLIERS: list[Callable[..., object]] = []

# What a dispute (chargeback) event does to its order: called with `order_id`, `seller_id`,
# `actor`, `provider`, `dispute` (a `DisputeFacts`) and `at` inside the receipt's transaction;
# returns True when it changed something, False for news already known (a dispute closed before
# this event). Claims registers `claims.disputes.apply_dispute` here at start-up (ClaimsConfig.ready).
DISPUTE_APPLIERS: list[Callable[..., bool]] = []


def _find_order(event: PaymentEvent) -> Order | None:
    if event.order_id is not None:
        order = Order.objects.filter(pk=event.order_id).first()
        # An order id with another payment's reference is not this payment's order.
        if order is not None and (not event.reference or order.payment_reference in ("", event.reference)):
            return order
        return None
    if event.reference:
        return Order.objects.filter(payment_reference=event.reference).order_by("id").first()
    return None


def apply_payment_event(*, provider: str, event: PaymentEvent, now: datetime) -> str:
    """Returns the outcome: applied, duplicate, ignored, unknown_order or refused (all acknowledged)."""
    try:
        with transaction.atomic():
            receipt = PaymentWebhookReceipt.objects.create(
                provider=provider, event_id=event.event_id, kind=event.kind[:64], outcome="ignored", received_at=now
            )
            if event.status is None:
                return "ignored"
            order = _find_order(event)
            if event.problem:
                logger.warning(
                    "%s payment event %s (%s) refused: %s.", provider, event.event_id, event.kind, event.problem
                )
                receipt.order, receipt.outcome = order, "refused"
                receipt.save(update_fields=["order", "outcome"])
                return "refused"
            if event.dispute is not None:
                outcome = _apply_dispute(provider=provider, event=event, order=order, now=now)
            else:
                outcome = _apply(provider=provider, event=event, order=order)
            receipt.order = order
            receipt.outcome = outcome
            receipt.save(update_fields=["order", "outcome"])
            return outcome
    except IntegrityError:
        if PaymentWebhookReceipt.objects.filter(provider=provider, event_id=event.event_id).exists():
            return "duplicate"
        raise


def _apply_dispute(*, provider: str, event: PaymentEvent, order: Order | None, now: datetime) -> str:
    if order is None:
        logger.warning("%s dispute event %s (%s) matches no order.", provider, event.event_id, event.kind)
        return "unknown_order"
    if event.currency != order.currency:
        logger.warning(
            "%s dispute event %s is in %s; order %s is in %s.",
            provider,
            event.event_id,
            event.currency,
            order.pk,
            order.currency,
        )
        return "refused"
    actor = Actor(kind=ActorKind.PLATFORM, label=f"{provider} webhook")
    try:
        with transaction.atomic():
            if not DISPUTE_APPLIERS:
                raise RuntimeError("No dispute applier is registered (ClaimsConfig.ready registers one).")
            changed = False
            for apply_dispute in DISPUTE_APPLIERS:
                changed = (
                    bool(
                        apply_dispute(
                            order_id=order.pk,
                            seller_id=order.seller_id,
                            actor=actor,
                            provider=provider,
                            dispute=event.dispute,
                            at=now,
                        )
                    )
                    or changed
                )
    except ShipdeskError as exc:
        logger.warning("%s dispute event %s refused for order %s: %s", provider, event.event_id, order.pk, exc)
        return "refused"
    return "applied" if changed else "ignored"


def _apply(*, provider: str, event: PaymentEvent, order: Order | None) -> str:
    if order is None:
        logger.warning("%s payment event %s (%s) matches no order.", provider, event.event_id, event.kind)
        return "unknown_order"
    if event.currency != order.currency:
        logger.warning(
            "%s payment event %s is in %s; order %s is in %s.",
            provider,
            event.event_id,
            event.currency,
            order.pk,
            order.currency,
        )
        return "refused"
    amount = event.amount
    if event.status == "refunded":
        # The provider reports its running total; refunds already on the order are not counted twice.
        amount = event.amount - order.refunded_total
        if amount <= 0:
            return "ignored"
    elif event.status == "failed" and order.payment_status == "failed":
        return "ignored"
    actor = Actor(kind=ActorKind.PLATFORM, label=f"{provider} webhook")
    try:
        # A savepoint: a refused update leaves the receipt, so a redelivery is not retried for ever.
        with transaction.atomic():
            if not PAYMENT_APPLIERS:
                raise RuntimeError("No payment applier is registered (OrdersConfig.ready registers one).")
            for apply_payment in PAYMENT_APPLIERS:
                apply_payment(
                    order_id=order.pk,
                    seller_id=order.seller_id,
                    actor=actor,
                    status=event.status,
                    amount=amount,
                    reference=event.reference,
                )
    except ShipdeskError as exc:
        logger.warning("%s payment event %s refused for order %s: %s", provider, event.event_id, order.pk, exc)
        return "refused"
    return "applied"
