"""Webhook subscriptions endpoints: parse, authorise, call one service or selector, render.

A seller token manages its seller's endpoints; a platform token manages the platform's own, which
receive every seller's events. Another owner's subscription or delivery is a 404.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from shipdesk.api.auth import token_of
from shipdesk.api.parsing import JsonObjectParser
from shipdesk.api.schemas import ErrorOut

from . import selectors, services, terms
from .models import WebhookDelivery, WebhookSubscription
from .schemas import (
    DeliveryOut,
    DeliveryPageOut,
    DeliveryStateValue,
    EventTypeListOut,
    RotateIn,
    SubscriptionIn,
    SubscriptionListOut,
    SubscriptionOut,
    SubscriptionPatch,
    SubscriptionWithSecretOut,
)

router = Router(tags=["webhooks"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _owner(request: HttpRequest) -> int | None:
    """Whose endpoints: the seller token's seller, or None (the platform's) for a platform token."""
    return token_of(request).seller_id


def subscription_out(subscription: WebhookSubscription, *, with_secret: bool = False) -> dict:
    out = {
        "id": subscription.pk,
        "url": subscription.url,
        "description": subscription.description,
        "event_types": subscription.event_types,
        "state": subscription.state,
        "owner": "platform" if subscription.seller_id is None else "seller",
        "failing_since": subscription.failing_since,
        "last_success_at": subscription.last_success_at,
        "disabled_at": subscription.disabled_at,
        "disabled_reason": subscription.disabled_reason,
        "previous_secret_expires_at": subscription.previous_secret_expires_at,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }
    if with_secret:
        out["secret"] = subscription.secret
    return out


def delivery_out(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.pk,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event.event_id,
        "event_type": delivery.event.type,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if delivery.state == terms.QUEUED else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "failed_at": delivery.failed_at,
        "attempt_log": [
            {
                "url": attempt.url,
                "status_code": attempt.status_code,
                "latency_ms": attempt.latency_ms,
                "response_excerpt": attempt.response_excerpt,
                "error": attempt.error,
                "started_at": attempt.started_at,
            }
            for attempt in delivery.attempt_log.all()
        ],
        "payload": delivery.event.payload,
    }


@router.get("/webhook-event-types", response={200: EventTypeListOut, **ERRORS}, summary="Event types to subscribe to")
def event_types(request: HttpRequest):
    return {"items": [{"value": t.value, "label": t.label, "description": t.description} for t in terms.EVENT_TYPES]}


@router.get("/webhook-subscriptions", response={200: SubscriptionListOut, **ERRORS}, summary="List webhook endpoints")
def list_subscriptions(request: HttpRequest):
    return {"items": [subscription_out(s) for s in selectors.list_subscriptions(owner=_owner(request))]}


@router.post(
    "/webhook-subscriptions",
    response={201: SubscriptionWithSecretOut, **ERRORS},
    summary="Subscribe a URL to events (the secret is shown once)",
)
def create_subscription(request: HttpRequest, payload: SubscriptionIn):
    subscription = services.create_subscription(
        owner=_owner(request), url=payload.url, event_types=payload.event_types, description=payload.description
    )
    return Status(201, subscription_out(subscription, with_secret=True))


@router.get(
    "/webhook-subscriptions/{int:subscription_id}", response={200: SubscriptionOut, **ERRORS}, summary="One endpoint"
)
def get_subscription(request: HttpRequest, subscription_id: int):
    return subscription_out(selectors.get_subscription(owner=_owner(request), subscription_id=subscription_id))


@router.patch(
    "/webhook-subscriptions/{int:subscription_id}",
    response={200: SubscriptionOut, **ERRORS},
    summary="Change the URL, events or description; enable or disable",
)
def patch_subscription(request: HttpRequest, subscription_id: int, payload: SubscriptionPatch):
    owner = _owner(request)
    changes = payload.dict(exclude_unset=True)
    enabled = changes.pop("enabled", None)
    if changes:
        services.update_subscription(
            subscription_id=subscription_id,
            owner=owner,
            url=changes.get("url"),
            event_types=changes.get("event_types"),
            description=changes.get("description"),
        )
    if enabled is True:
        services.enable_subscription(subscription_id=subscription_id, owner=owner)
    elif enabled is False:
        services.disable_subscription(subscription_id=subscription_id, owner=owner)
    return subscription_out(selectors.get_subscription(owner=owner, subscription_id=subscription_id))


@router.delete(
    "/webhook-subscriptions/{int:subscription_id}", response={204: None, **ERRORS}, summary="Delete an endpoint"
)
def delete_subscription(request: HttpRequest, subscription_id: int):
    services.delete_subscription(subscription_id=subscription_id, owner=_owner(request))
    return Status(204, None)


@router.post(
    "/webhook-subscriptions/{int:subscription_id}/rotate-secret",
    response={200: SubscriptionWithSecretOut, **ERRORS},
    summary="New secret (shown once); the old one keeps signing for the overlap",
    openapi_extra={
        "requestBody": {"required": False, "content": {"application/json": {"schema": RotateIn.model_json_schema()}}}
    },
)
def rotate_secret(request: HttpRequest, subscription_id: int):
    # The body is optional (none: the default overlap), so it is read here, with the API's parser.
    payload = RotateIn()
    if request.body.strip():
        try:
            data = JsonObjectParser().parse_body(request)
        except Exception as exc:
            raise HttpError(400, "Cannot parse request body") from exc
        try:
            payload = RotateIn.model_validate(data)
        except PydanticValidationError as exc:
            raise ValidationError(
                [{**e, "loc": ("body", "payload", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc
    subscription = services.rotate_secret(
        subscription_id=subscription_id, owner=_owner(request), overlap_hours=payload.overlap_hours
    )
    return subscription_out(subscription, with_secret=True)


@router.post(
    "/webhook-subscriptions/{int:subscription_id}/ping",
    response={202: DeliveryOut, **ERRORS},
    summary="Queue a test ping to this endpoint",
)
def ping(request: HttpRequest, subscription_id: int):
    delivery = services.send_test_ping(subscription_id=subscription_id, owner=_owner(request))
    return Status(202, delivery_out(selectors.get_delivery(owner=_owner(request), delivery_id=delivery.pk)))


class DeliveryFiltersIn(Schema):
    state: DeliveryStateValue | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=500)


@router.get(
    "/webhook-subscriptions/{int:subscription_id}/deliveries",
    response={200: DeliveryPageOut, **ERRORS},
    summary="The endpoint's delivery log, newest first (keyset pagination)",
)
def list_deliveries(request: HttpRequest, subscription_id: int, filters: Query[DeliveryFiltersIn]):
    page = selectors.list_deliveries(
        owner=_owner(request),
        subscription_id=subscription_id,
        state=filters.state,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return {"items": [delivery_out(d) for d in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/webhook-deliveries/{int:delivery_id}",
    response={200: DeliveryOut, **ERRORS},
    summary="One delivery, every attempt",
)
def get_delivery(request: HttpRequest, delivery_id: int):
    return delivery_out(selectors.get_delivery(owner=_owner(request), delivery_id=delivery_id))


@router.post(
    "/webhook-deliveries/{int:delivery_id}/redeliver",
    response={202: DeliveryOut, **ERRORS},
    summary="Send a delivered or failed delivery again",
)
def redeliver(request: HttpRequest, delivery_id: int):
    services.redeliver(delivery_id=delivery_id, owner=_owner(request))
    return Status(202, delivery_out(selectors.get_delivery(owner=_owner(request), delivery_id=delivery_id)))
