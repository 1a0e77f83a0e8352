"""Payment-provider webhooks: each provider's signature, and its body read into a `PaymentEvent`.

Providers (POST /api/v1/webhooks/payments/<provider>):

- `generic`, our own format, signed with `Shipdesk-Payment-Signature: t=<unix>,v1=<hex
  HMAC-SHA256 of "payment.<t>.<raw body>">` (5 minutes' tolerance; shipdesk.signatures) with
  SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET, a secret of its own. The header and the signed
  `payment.` prefix keep a generic tracking webhook (another header, no prefix) from ever being
  taken for a payment, whatever the secrets. Body: `{"id", "type": "payment.succeeded" | "payment.failed" |
  "payment.refunded", "order_id"?, "payment_reference"?, "currency", "amount"}` where `amount`
  is a decimal string: the amount paid, or for a refund the total refunded so far.
  Disputes: `"type": "dispute.created" | "dispute.updated" | "dispute.closed"` with `dispute_id`,
  `status` (Stripe's dispute statuses), `reason`, `amount` (decimal string), `currency`,
  `evidence_due_by` (ISO 8601, optional), `fee` (decimal string, optional) and the order as above.
- `stripe`: an Event, signed with `Stripe-Signature: t=…,v1=…` (the same scheme) with
  SHIPDESK_STRIPE_WEBHOOK_SECRET. `payment_intent.succeeded` (a PaymentIntent whose status is
  `succeeded`: paid `amount_received`), `payment_intent.payment_failed`, and `charge.refunded`
  (`amount_refunded` is the total refunded on the charge so far). Orders are found by
  `metadata.order_id`, else by the payment intent id as the order's payment reference.
  `charge.dispute.created`, `.updated` and `.closed` carry a Dispute: `amount` (minor units),
  `status`, `reason`, `evidence_details.due_by` (Unix time) and `balance_transactions[].fee`
  (the provider's dispute fee); its order is found by `payment_intent`.

A refund event carries the provider's running total, and only what exceeds the order's refunded
total is recorded: the refunds Shipdesk itself asked for come back as events too, and must not be
counted twice. Every other event type is acknowledged and ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from shipdesk import money
from shipdesk.errors import InvalidSignature, MalformedWebhook
from shipdesk.signatures import verify_timestamped
from shipdesk.single_line import clean_single_line

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DisputeFacts:
    """A dispute (chargeback) as the provider describes it in one event."""

    dispute_id: str
    status: str  # the provider's dispute status (claims.terms.DISPUTE_STATUSES)
    reason: str
    amount: Decimal
    currency: str
    evidence_due_by: datetime | None = None
    fee: Decimal = Decimal("0")


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
    # Set for a dispute event (status "dispute"): applied through DISPUTE_APPLIERS.
    dispute: DisputeFacts | None = None


DISPUTE = "dispute"  # PaymentEvent.status of a dispute event
_DISPUTE_STATUSES = frozenset(
    {
        "warning_needs_response",
        "warning_under_review",
        "warning_closed",
        "needs_response",
        "under_review",
        "won",
        "lost",
    }
)


def _dispute_status(value: Any) -> str:
    status = _text(value, 32)
    if status not in _DISPUTE_STATUSES:
        raise MalformedWebhook(f"Unknown dispute status {value!r}.")
    return status


def _dispute_event(*, event_id: str, kind: str, facts: DisputeFacts, reference: str, order_id) -> PaymentEvent:
    problem = _amount_problem(facts.amount) or _amount_problem(facts.fee)
    if not problem and facts.amount <= 0:
        problem = "a dispute of no money"
    return PaymentEvent(
        event_id=event_id,
        kind=kind,
        status=DISPUTE,
        amount=facts.amount,
        currency=facts.currency,
        reference=reference,
        order_id=order_id,
        problem=problem,
        dispute=facts,
    )


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


_GENERIC_DISPUTE_TYPES = frozenset({"dispute.created", "dispute.updated", "dispute.closed"})


def _decimal(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MalformedWebhook(f"`{field}` must be a decimal string.") from None
    if not amount.is_finite() or amount < 0:
        raise MalformedWebhook(f"`{field}` must be a decimal string.")
    return amount


def _parse_generic_dispute(data: dict, *, event_id: str, kind: str) -> PaymentEvent:
    dispute_id = _text(data.get("dispute_id"))
    if not dispute_id:
        raise MalformedWebhook("A dispute event names its `dispute_id`.")
    due = data.get("evidence_due_by")
    evidence_due_by = None
    if due is not None:
        try:
            evidence_due_by = parse_datetime(due) if isinstance(due, str) else None
        except ValueError:
            evidence_due_by = None
        if evidence_due_by is None or evidence_due_by.tzinfo is None:
            raise MalformedWebhook("`evidence_due_by` must be an ISO 8601 date-time with its offset.")
    facts = DisputeFacts(
        dispute_id=dispute_id,
        status=_dispute_status(data.get("status")),
        reason=_text(data.get("reason"), 40) or "general",
        amount=_decimal(data.get("amount"), "amount"),
        currency=_currency(data.get("currency")),
        evidence_due_by=evidence_due_by,
        fee=_decimal(data.get("fee", "0"), "fee"),
    )
    return _dispute_event(
        event_id=event_id,
        kind=kind,
        facts=facts,
        reference=_text(data.get("payment_reference")),
        order_id=_order_id(data.get("order_id")),
    )


def _parse_generic(data: dict) -> PaymentEvent:
    event_id = _event_id(data.get("id"))
    kind = _text(data.get("type"), 64)
    if kind in _GENERIC_DISPUTE_TYPES:
        return _parse_generic_dispute(data, event_id=event_id, kind=kind)
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


_STRIPE_DISPUTE_TYPES = frozenset({"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"})


def _stripe_dispute(obj: dict, *, event_id: str, kind: str) -> PaymentEvent:
    currency = _currency(obj.get("currency"))
    dispute_id = _text(obj.get("id"))
    if not dispute_id:
        raise MalformedWebhook("A Stripe dispute without its id.")
    details = obj.get("evidence_details") if isinstance(obj.get("evidence_details"), dict) else {}
    due = details.get("due_by")
    evidence_due_by = (
        datetime.fromtimestamp(due, tz=UTC) if isinstance(due, int) and not isinstance(due, bool) and due > 0 else None
    )
    # The dispute fee is on the balance transactions the dispute moved (the withdrawal, and the
    # reinstatement of a win): the fee charged is their sum.
    transactions = obj.get("balance_transactions") if isinstance(obj.get("balance_transactions"), list) else []
    fee = sum(
        (_minor(t.get("fee", 0), currency) for t in transactions if isinstance(t, dict)),
        Decimal("0"),
    )
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    facts = DisputeFacts(
        dispute_id=dispute_id,
        status=_dispute_status(obj.get("status")),
        reason=_text(obj.get("reason"), 40) or "general",
        amount=_minor(obj.get("amount"), currency),
        currency=currency,
        evidence_due_by=evidence_due_by,
        fee=fee,
    )
    return _dispute_event(
        event_id=event_id,
        kind=kind,
        facts=facts,
        reference=_text(obj.get("payment_intent")),
        order_id=_order_id(metadata.get("order_id")),
    )


def _parse_stripe(data: dict) -> PaymentEvent:
    event_id = _event_id(data.get("id"))
    kind = _text(data.get("type"), 64)
    obj = (data.get("data") or {}).get("object") if isinstance(data.get("data"), dict) else None
    if kind in _STRIPE_DISPUTE_TYPES:
        if not isinstance(obj, dict):
            raise MalformedWebhook("A Stripe event without its object.")
        return _stripe_dispute(obj, event_id=event_id, kind=kind)
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
