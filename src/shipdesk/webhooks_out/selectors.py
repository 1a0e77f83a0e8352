"""Reads of outgoing webhooks, always inside one owner (a seller's id, or None for the platform's)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from shipdesk.errors import NotFound
from shipdesk.pagination import decode_cursor, encode_cursor

from .models import WebhookAttempt, WebhookDelivery, WebhookSubscription

LOG_SORT = "-id"


def _owned(owner: int | None):
    subscriptions = WebhookSubscription.objects.all()
    return subscriptions.filter(seller__isnull=True) if owner is None else subscriptions.filter(seller_id=owner)


def list_subscriptions(*, owner: int | None) -> list[WebhookSubscription]:
    return list(_owned(owner).order_by("id"))


def get_subscription(*, owner: int | None, subscription_id: int) -> WebhookSubscription:
    subscription = _owned(owner).filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("Webhook subscription not found.")
    return subscription


@dataclass(frozen=True)
class DeliveryPage:
    items: list[WebhookDelivery]
    next_cursor: str | None


def _with_attempts(deliveries):
    return deliveries.select_related("event").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("id"))
    )


def list_deliveries(
    *,
    owner: int | None,
    subscription_id: int,
    state: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> DeliveryPage:
    """The subscription's deliveries, newest first (keyset on id), each with its attempts."""
    subscription = get_subscription(owner=owner, subscription_id=subscription_id)
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    if state:
        deliveries = deliveries.filter(state=state)
    if cursor:
        (last_id,) = decode_cursor(cursor, LOG_SORT)
        deliveries = deliveries.filter(id__lt=int(last_id))
    rows = list(_with_attempts(deliveries).order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return DeliveryPage(items=rows, next_cursor=encode_cursor(LOG_SORT, [rows[-1].pk]) if more and rows else None)


def get_delivery(*, owner: int | None, delivery_id: int) -> WebhookDelivery:
    deliveries = WebhookDelivery.objects.filter(pk=delivery_id)
    if owner is None:
        deliveries = deliveries.filter(subscription__seller__isnull=True)
    else:
        deliveries = deliveries.filter(subscription__seller_id=owner)
    delivery = _with_attempts(deliveries).first()
    if delivery is None:
        raise NotFound("Delivery not found.")
    return delivery
