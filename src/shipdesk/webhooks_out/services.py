"""Outgoing webhooks: subscribe, change, rotate the secret, ping, redeliver — and announce events.

Every function is one transaction. `owner` is whose subscriptions are meant: a seller's id, or
None for the platform's own (a platform token, the operator). Another owner's subscription or
delivery is `NotFound`, like an unknown one.

Announcing: `announce_order_event` (in `orders.events.EVENT_OBSERVERS`) and `announce_stock_low`
(in `inventory.services.STOCK_LOW`) run inside the transaction of the fact they announce. They
write the event with its payload and one delivery row per subscription that wants it — the
outbox — and send nothing: the worker does (`webhooks_out.delivery`). A rolled-back fact leaves
no event; a committed one always has its deliveries.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shipdesk.errors import NotFound, StateConflict, ValidationFailed
from shipdesk.inventory.models import Product
from shipdesk.orders.models import Order
from shipdesk.single_line import single_line_problem

from . import payloads, terms
from .models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .targets import TargetRefused, check_target

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _config() -> dict:
    return settings.SHIPDESK_WEBHOOKS


def _owned(owner: int | None):
    subscriptions = WebhookSubscription.objects.all()
    return subscriptions.filter(seller__isnull=True) if owner is None else subscriptions.filter(seller_id=owner)


def _lock_subscription(*, subscription_id: int, owner: int | None) -> WebhookSubscription:
    subscription = _owned(owner).select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("Webhook subscription not found.")
    return subscription


def _clean(*, url: str | None, event_types: list[str] | None, description: str | None) -> dict:
    """The fields given, checked: 422 with every field's problems, nothing written."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if url is not None:
        try:
            check_target(url)
            cleaned["url"] = url
        except TargetRefused as exc:
            errors["url"] = [str(exc)]
    if event_types is not None:
        unknown = [value for value in event_types if value not in terms.EVENT_TYPES]
        if unknown:
            known = ", ".join(terms.EVENT_TYPES.values)
            errors["event_types"] = [f"Unknown event type {value!r} (one of: {known})." for value in unknown]
        elif not event_types:
            errors["event_types"] = ["Subscribe to at least one event type."]
        else:
            # In the vocabulary's order, each once.
            cleaned["event_types"] = [value for value in terms.EVENT_TYPES.values if value in set(event_types)]
    if description is not None:
        if len(description) > 200:
            errors["description"] = ["At most 200 characters."]
        elif problem := single_line_problem(description):
            errors["description"] = [problem]
        else:
            cleaned["description"] = description.strip()
    if errors:
        raise ValidationFailed("The webhook subscription has invalid fields.", details=errors)
    return cleaned


# --- subscriptions -----------------------------------------------------------------------------


@transaction.atomic
def create_subscription(
    *, owner: int | None, url: str, event_types: list[str], description: str = "", at: datetime | None = None
) -> WebhookSubscription:
    """Subscribe `url` to `event_types`; the new secret is on the returned row (show it once).

    Guards: an http(s) URL whose every address is public (or allowed by the operator), known
    event types, a one-line description, at most `max_subscriptions` per owner (422 per field).
    """
    fields = _clean(url=url, event_types=event_types, description=description)
    limit = _config()["max_subscriptions"]
    if _owned(owner).count() >= limit:
        raise ValidationFailed(
            f"At most {limit} webhook endpoints; delete one first.", details={"url": [f"At most {limit} endpoints."]}
        )
    now = at or timezone.now()
    return WebhookSubscription.objects.create(
        seller_id=owner, secret=new_secret(), created_at=now, updated_at=now, **fields
    )


@transaction.atomic
def update_subscription(
    *,
    subscription_id: int,
    owner: int | None,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    at: datetime | None = None,
) -> WebhookSubscription:
    """Change the URL, the event types or the description (only those given); 422 per field."""
    subscription = _lock_subscription(subscription_id=subscription_id, owner=owner)
    fields = _clean(url=url, event_types=event_types, description=description)
    for name, value in fields.items():
        setattr(subscription, name, value)
    subscription.updated_at = at or timezone.now()
    subscription.save(update_fields=[*fields, "updated_at"])
    return subscription


@transaction.atomic
def disable_subscription(
    *, subscription_id: int, owner: int | None, reason: str = "turned off", at: datetime | None = None
) -> WebhookSubscription:
    """Stop sending to the endpoint; its queued deliveries wait until it is enabled again."""
    subscription = _lock_subscription(subscription_id=subscription_id, owner=owner)
    if subscription.state == terms.DISABLED:
        return subscription
    now = at or timezone.now()
    subscription.state, subscription.disabled_at, subscription.disabled_reason = terms.DISABLED, now, reason[:300]
    subscription.updated_at = now
    subscription.save(update_fields=["state", "disabled_at", "disabled_reason", "updated_at"])
    return subscription


@transaction.atomic
def enable_subscription(*, subscription_id: int, owner: int | None, at: datetime | None = None) -> WebhookSubscription:
    """Send to the endpoint again: its failure streak starts afresh and its queued deliveries are due now.

    Guard: the URL must still pass the address check (422 on `url`).
    """
    subscription = _lock_subscription(subscription_id=subscription_id, owner=owner)
    if subscription.state == terms.ACTIVE:
        return subscription
    _clean(url=subscription.url, event_types=None, description=None)
    now = at or timezone.now()
    subscription.state, subscription.disabled_at, subscription.disabled_reason = terms.ACTIVE, None, ""
    subscription.failing_since, subscription.updated_at = None, now
    subscription.save(update_fields=["state", "disabled_at", "disabled_reason", "failing_since", "updated_at"])
    WebhookDelivery.objects.filter(subscription=subscription, state=terms.QUEUED).update(next_attempt_at=now)
    return subscription


@transaction.atomic
def delete_subscription(*, subscription_id: int, owner: int | None) -> None:
    """Remove the endpoint and its delivery log. A delivery being sent right now still ends;
    its outcome is not recorded (the worker's fenced write finds no row)."""
    subscription = _lock_subscription(subscription_id=subscription_id, owner=owner)
    subscription.delete()


@transaction.atomic
def rotate_secret(
    *, subscription_id: int, owner: int | None, overlap_hours: int | None = None, at: datetime | None = None
) -> WebhookSubscription:
    """A new secret (on the returned row: show it once); the old one keeps signing for `overlap_hours`.

    Both sign every delivery meanwhile (two `v1=` in the signature header), so a receiver that
    still knows only the old secret keeps verifying until it is updated. 0 hours: the old secret
    stops at once (it leaked). Guard: 0 ≤ overlap ≤ 168 hours (422).
    """
    hours = _config()["rotation_overlap_hours"] if overlap_hours is None else overlap_hours
    if not 0 <= hours <= 168:
        raise ValidationFailed("Overlap between 0 and 168 hours.", details={"overlap_hours": ["0 to 168 hours."]})
    subscription = _lock_subscription(subscription_id=subscription_id, owner=owner)
    now = at or timezone.now()
    subscription.previous_secret = subscription.secret if hours else ""
    subscription.previous_secret_expires_at = now + timedelta(hours=hours) if hours else None
    subscription.secret = new_secret()
    subscription.updated_at = now
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return subscription


def signing_secrets(subscription: WebhookSubscription, *, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous while it overlaps."""
    keys = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and now < expires:
        keys.append(subscription.previous_secret)
    return keys


# --- announcing events -----------------------------------------------------------------------------


def _listeners(*, seller_id: int | None, event_type: str) -> list[WebhookSubscription]:
    """Active subscriptions wanting `event_type`: the seller's own and the platform's."""
    scope = Q(seller__isnull=True) if seller_id is None else Q(seller_id=seller_id) | Q(seller__isnull=True)
    candidates = WebhookSubscription.objects.filter(scope, state=terms.ACTIVE).only("id", "event_types")
    return [s for s in candidates if event_type in (s.event_types or [])]


def _write_event(
    *,
    seller_id: int | None,
    seller_slug: str,
    event_type: str,
    order_id: int | None,
    ordering_key: str,
    data: dict,
    subscriptions: list[WebhookSubscription],
    at: datetime,
) -> WebhookEvent:
    event = WebhookEvent(seller_id=seller_id, type=event_type, order_id=order_id, created_at=at, payload={})
    event.payload = json.loads(
        json.dumps(
            payloads.envelope(
                event_id=event.event_id, type=event_type, created_at=at, seller_slug=seller_slug, data=data
            ),
            default=str,
        )
    )
    event.save(force_insert=True)
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                seller_id=seller_id,
                subscription=subscription,
                event=event,
                ordering_key=ordering_key,
                next_attempt_at=at,
                created_at=at,
            )
            for subscription in subscriptions
        ]
    )
    return event


def announce_order_event(*, type: str, params: dict, order: Order, at: datetime | None = None, **_) -> None:
    """An order timeline event was written: queue its webhook to every subscription that wants it.

    Registered in `orders.events.EVENT_OBSERVERS` (WebhooksOutConfig.ready); called inside the
    transaction writing the event, before its row is saved. Timeline types that announce nothing
    (scans, notes, messages) return at once, with no query.
    """
    event_type = terms.TIMELINE_ANNOUNCES.get(str(type))
    if event_type is None or order.pk is None:
        return
    subscriptions = _listeners(seller_id=order.seller_id, event_type=event_type)
    if not subscriptions:
        return
    _write_event(
        seller_id=order.seller_id,
        seller_slug=order.seller.slug,
        event_type=event_type,
        order_id=order.pk,
        ordering_key=f"order:{order.pk}",
        data=payloads.order_data(order, params),
        subscriptions=subscriptions,
        at=at or timezone.now(),
    )


def announce_stock_low(*, product: Product, at: datetime | None = None) -> None:
    """A product's available stock fell to its threshold: queue `stock.low` to who wants it.

    Registered in `inventory.services.STOCK_LOW` (WebhooksOutConfig.ready), called in the
    transaction that moved the stock, once per fall (inventory keeps the product's low flag).
    """
    subscriptions = _listeners(seller_id=product.seller_id, event_type=terms.STOCK_LOW)
    if not subscriptions:
        return
    _write_event(
        seller_id=product.seller_id,
        seller_slug=product.seller.slug,
        event_type=terms.STOCK_LOW,
        order_id=None,
        ordering_key=f"product:{product.pk}",
        data=payloads.stock_data(product),
        subscriptions=subscriptions,
        at=at or timezone.now(),
    )


@transaction.atomic
def send_test_ping(*, subscription_id: int, owner: int | None, at: datetime | None = None) -> WebhookDelivery:
    """Queue a `ping` event to this one subscription (due now); the log shows how it went.

    Guard: the subscription is active (409 otherwise: a disabled endpoint is sent nothing).
    """
    subscription = _lock_subscription(subscription_id=subscription_id, owner=owner)
    if subscription.state != terms.ACTIVE:
        raise StateConflict("This endpoint is disabled; enable it to send it a ping.")
    now = at or timezone.now()
    event = _write_event(
        seller_id=owner,
        seller_slug=subscription.seller.slug if subscription.seller_id else "",
        event_type=terms.PING,
        order_id=None,
        ordering_key=f"ping:{uuid.uuid4().hex}",  # pings wait for nothing, and nothing waits for them
        data={"subscription": subscription.pk, "message": "A test delivery from Shipdesk."},
        subscriptions=[subscription],
        at=now,
    )
    return WebhookDelivery.objects.select_related("event").get(event=event, subscription=subscription)


@transaction.atomic
def redeliver(*, delivery_id: int, owner: int | None, at: datetime | None = None) -> WebhookDelivery:
    """Send a delivered or failed delivery again, now, with a fresh round of retries.

    The same event id and payload (receivers deduplicate by the id). Guards: not already queued
    or being sent (409), the endpoint active (409).
    """
    deliveries = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription", "event")
        .filter(pk=delivery_id)
    )
    if owner is None:
        deliveries = deliveries.filter(subscription__seller__isnull=True)
    else:
        deliveries = deliveries.filter(subscription__seller_id=owner)
    found = deliveries.first()
    if found is None:
        raise NotFound("Delivery not found.")
    if found.state in terms.OPEN_DELIVERY_STATES:
        raise StateConflict("This delivery is already queued; it goes out with its next attempt.")
    if found.subscription.state != terms.ACTIVE:
        raise StateConflict("This endpoint is disabled; enable it to redeliver.")
    now = at or timezone.now()
    found.state, found.attempts, found.next_attempt_at = terms.QUEUED, 0, now
    found.delivered_at = found.failed_at = None
    found.save(update_fields=["state", "attempts", "next_attempt_at", "delivered_at", "failed_at"])
    return found
