"""Payment-provider webhooks. Thin: verify and read the event, apply it once, acknowledge."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import NotFound

from . import webhooks
from .provider_events import apply_payment_event

router = Router(tags=["webhooks"])


class PaymentWebhookAckOut(Schema):
    status: Literal["applied", "duplicate", "ignored", "unknown_order", "refused"]


@router.post(
    "/webhooks/payments/{provider}",
    auth=None,
    response={200: PaymentWebhookAckOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Receive a payment provider's event (generic, stripe)",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
def payment_webhook(request: HttpRequest, provider: str):
    """Signed by the provider, not a bearer token: `generic` with `Shipdesk-Signature`, `stripe`
    with `Stripe-Signature` (both `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, 5 minutes'
    tolerance). A bad or stale signature is 401 and changes nothing. Every signed event is
    acknowledged 200 — `applied`, `duplicate` (event id seen before), `ignored` (a type we do not
    act on), `unknown_order` or `refused` (logged) — so the provider stops retrying."""
    found = webhooks.PROVIDERS.get(provider)
    if found is None:
        raise NotFound(f"No payment webhook provider {provider!r}.", details={"providers": sorted(webhooks.PROVIDERS)})
    now = timezone.now()
    event = webhooks.read_webhook(provider=found, body=request.body, headers=request.headers, now=now)
    return {"status": apply_payment_event(provider=found.name, event=event, now=now)}
