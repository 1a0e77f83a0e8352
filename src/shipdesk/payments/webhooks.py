"""Payment-provider webhooks: each provider's signature, and its body read into a `PaymentEvent`.

Providers (POST /api/v1/webhooks/payments/<provider>):

- `generic`, our own format, signed with `Shipdesk-Payment-Signature: t=<unix>,v1=<hex
  HMAC-SHA256 of "payment.<t>.<raw body>">` (5 minutes' tolerance; shipdesk.signatures) with
  SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET, a secret of its own. The header and the signed
  `payment.` prefix keep a generic tracking webhook (another header, no prefix) from ever being
  taken for a payment, whatever the secrets. Body: `{"id", "type": "payment.succeeded" | "payment.failed" |
  "payment.refunded", "order_id"?, "payment_reference"?, "currency", "amount"}` where `amount`
  is a decimal string: the amount paid, or for a refund the total refunded so far.
- `stripe`: an Event, signed with `Stripe-Signature: t=…,v1=…` (the same scheme) with
  SHIPDESK_STRIPE_WEBHOOK_SECRET. `payment_intent.succeeded` (a PaymentIntent whose status is
  `succeeded`: paid `amount_received`), `payment_intent.payment_failed`, and `charge.refunded`
  (`amount_refunded` is the total refunded on the charge so far). Orders are found by
  `metadata.order_id`, else by the payment intent id as the order's payment reference.

A refund event carries the provider's running total, and only what exceeds the order's refunded
total is recorded: the refunds Shipdesk itself asked for come back as events too, and must not be
counted twice. Every other event type is acknowledged and ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from shipdesk import money
from shipdesk.errors import InvalidSignature, MalformedWebhook
from shipdesk.signatures import verify_timestamped
from shipdesk.single_line import clean_single_line

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str
    kind: str  # the provider's event type, as sent
    status: str | None  # paid, failed, refunded; None for an event we ignore
    amount: Decimal | None = None
    currency: str = ""
    reference: str = ""  # the provider's payment id (Stripe: the PaymentIntent)
    order_id: int | None = None
    # Why a correctly signed event can never apply (an amount no order can hold): acknowledged
    # as `refused` and logged, so the provider stops redelivering it.
    problem: str = ""


def _amount_problem(amount: Decimal) -> str:
    return (
        ""
        if money.storable(amount)
        else f"amount {amount} is beyond any order's total (at most 14 digits before the point)"
    )


def _text(value: Any, limit: int = 200) -> str:
    # Third-party text is cleaned, not refused (shipdesk.single_line): the event must still apply.
    return clean_single_line(value)[:limit] if isinstance(value, str) else ""


def _event_id(value: Any) -> str:
    if not _text(value):
        raise MalformedWebhook("The webhook has no event id.")
    return _text(value)


def _order_id(value: Any) -> int | None:
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() and len(text) < 12 else None


def _currency(value: Any) -> str:
    code = _text(value, 3).upper()
    if not money.is_currency(code):
        raise MalformedWebhook(f"Unknown currency {value!r}.")
    return code


# --- generic --------------------------------------------------------------------------------

_GENERIC_TYPES = {"payment.succeeded": "paid", "payment.failed": "failed", "payment.refunded": "refunded"}


def _parse_generic(data: dict) -> PaymentEvent:
    event_id = _event_id(data.get("id"))
    kind = _text(data.get("type"), 64)
    status = _GENERIC_TYPES.get(kind)
    if status is None:
        return PaymentEvent(event_id=event_id, kind=kind, status=None)
    currency = _currency(data.get("currency"))
    try:
        amount = Decimal(str(data.get("amount")))
    except InvalidOperation:
        raise MalformedWebhook("`amount` must be a decimal string.") from None
    if not amount.is_finite():
        raise MalformedWebhook("`amount` must be a decimal string.")
    return PaymentEvent(
        event_id=event_id,
        kind=kind,
        status=status,
        amount=amount,
        currency=currency,
        reference=_text(data.get("payment_reference")),
        order_id=_order_id(data.get("order_id")),
        problem=_amount_problem(amount),
    )


# --- Stripe ---------------------------------------------------------------------------------


def _minor(value: Any, currency: str) -> Decimal:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedWebhook("A Stripe amount is a non-negative integer of minor units.")
    return Decimal(value).scaleb(-money.minor_units(currency))


def _parse_stripe(data: dict) -> PaymentEvent:
    event_id = _event_id(data.get("id"))
    kind = _text(data.get("type"), 64)
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    if kind not in ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"):
        return PaymentEvent(event_id=event_id, kind=kind, status=None)
    if not isinstance(obj, dict):
        raise MalformedWebhook("A Stripe event without its object.")
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    currency = _currency(obj.get("currency"))
    if kind.startswith("payment_intent."):
        # The type alone is not trusted: only a PaymentIntent that really succeeded is a payment.
        if kind == "payment_intent.succeeded" and obj.get("status") != "succeeded":
            return PaymentEvent(event_id=event_id, kind=kind, status=None)
        paid = kind == "payment_intent.succeeded"
        amount = _minor(obj.get("amount_received") if paid else obj.get("amount"), currency)
        return PaymentEvent(
            event_id=event_id,
            kind=kind,
            status="paid" if paid else "failed",
            amount=amount,
            currency=currency,
            reference=_text(obj.get("id")),
            order_id=_order_id(metadata.get("order_id")),
            problem=_amount_problem(amount),
        )
    amount = _minor(obj.get("amount_refunded"), currency)
    return PaymentEvent(
        event_id=event_id,
        kind=kind,
        status="refunded",
        amount=amount,
        currency=currency,
        reference=_text(obj.get("payment_intent")),
        order_id=_order_id(metadata.get("order_id")),
        problem=_amount_problem(amount),
    )


# --- the providers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    name: str
    header: str
    secret_setting: str
    parse: Callable[[dict], PaymentEvent]
    purpose: str = ""  # signed in front of the timestamp (shipdesk.signatures); Stripe signs none


PROVIDERS: Mapping[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            "generic",
            "Shipdesk-Payment-Signature",
            "SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET",
            _parse_generic,
            purpose="payment",
        ),
        Provider("stripe", "Stripe-Signature", "SHIPDESK_STRIPE_WEBHOOK_SECRET", _parse_stripe),
    )
}


def read_webhook(*, provider: Provider, body: bytes, headers: Mapping[str, str], now: datetime) -> PaymentEvent:
    """Verify the signature over the raw body, then read it; nothing is changed when it raises."""
    secret = settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS.get(provider.name) or ""
    if not secret:
        logger.error("Refused a %s payment webhook: %s is not set.", provider.name, provider.secret_setting)
    if not verify_timestamped(headers.get(provider.header, ""), body, secret, now, purpose=provider.purpose):
        raise InvalidSignature("The webhook signature does not match.")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedWebhook("The webhook body is not JSON.") from exc
    if not isinstance(data, dict):
        raise MalformedWebhook("The webhook body must be a JSON object.")
    return provider.parse(data)
