"""Carrier webhooks: each provider's signature scheme, and its body read into a `TrackingUpdate`.

Providers (POST /api/v1/webhooks/tracking/<provider>):

- `generic`, our own format, signed like Stripe's: header
  `Shipdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, accepted within
  5 minutes of `t` (a captured request cannot be replayed later). Several `v1=` may be sent while
  a secret is rotated; one matching is enough. Body:
  `{"id", "tracking_number", "carrier"?, "status", "occurred_at", "description"?, "location"?,
  "estimated_delivery"?}` (a revised delivery date or date and time: the parcel's new ETA).
- `easypost`: an Event (`tracker.created` / `tracker.updated`, the Tracker in `result`), header
  `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>`, keyed with the webhook
  secret in Unicode NFKD form (EasyPost's documented `validate_webhook`).
- `aftership`: `{"event": "tracking_update", "event_id", "msg": <Tracking>, "ts"}`, header
  `aftership-hmac-sha256: <base64 HMAC-SHA256 of the raw body>`.

Secrets come from settings (`SHIPDESK_<PROVIDER>_WEBHOOK_SECRET`; for `generic`,
`SHIPDESK_GENERIC_TRACKING_WEBHOOK_SECRET`, distinct from the payments one, with the deprecated
`SHIPDESK_GENERIC_WEBHOOK_SECRET` as its fallback). The signature is checked over
the raw bytes before anything is parsed; a provider without a secret accepts nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime

from shipdesk.errors import InvalidSignature, MalformedWebhook, ValidationFailed
from shipdesk.ops.metrics import counted_webhook
from shipdesk.signatures import verify_timestamped
from shipdesk.single_line import clean_single_line

from .models import TrackingStatus
from .services import Scan, TrackingUpdate

SIGNATURE_TOLERANCE_SECONDS = 300
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ignored:
    """A signed message that is not a tracking update (another event type): acknowledged, not applied."""

    event_id: str
    kind: str


Parsed = TrackingUpdate | Ignored


def _hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


# --- signatures -----------------------------------------------------------------------------


def _verify_generic(body: bytes, headers: Mapping[str, str], secret: str, now: datetime) -> bool:
    return verify_timestamped(
        headers.get("Shipdesk-Signature", ""), body, secret, now, tolerance=SIGNATURE_TOLERANCE_SECONDS
    )


def _verify_easypost(body: bytes, headers: Mapping[str, str], secret: str, now: datetime) -> bool:
    key = unicodedata.normalize("NFKD", secret).encode()
    expected = "hmac-sha256-hex=" + _hmac_sha256(key, body).hex()
    return hmac.compare_digest(expected.encode(), headers.get("X-Hmac-Signature", "").encode("utf-8", "replace"))


def _verify_aftership(body: bytes, headers: Mapping[str, str], secret: str, now: datetime) -> bool:
    expected = base64.b64encode(_hmac_sha256(secret.encode(), body))
    return hmac.compare_digest(expected, headers.get("aftership-hmac-sha256", "").encode("utf-8", "replace"))


# --- reading values -------------------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    # A carrier's scan text is kept, never refused: refusing the event for a stray control
    # character would lose a delivery scan the carrier will not send again. So control, bidi and
    # zero-width characters become spaces (NUL cannot even be stored in PostgreSQL text), where
    # our own users' text is refused with a field error (shipdesk.single_line).
    return clean_single_line(value)[:limit] if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None:
        return None
    # A carrier time without an offset is taken as UTC rather than dropped.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _eta(value: Any) -> datetime | None:
    """A carrier's expected delivery: a date and time, or a bare date (the end of that day, UTC)."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            return None
        return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    return _time(value)


def _place(*parts: Any) -> str:
    return ", ".join(_text(p, 200) for p in parts if _text(p, 200))[:200]


def _id(value: Any) -> str:
    if isinstance(value, (str, int)) and not isinstance(value, bool) and _text(str(value), 200):
        return _text(str(value), 200)
    raise MalformedWebhook("The webhook has no event id.")


# Carrier names as EasyPost and AfterShip spell them, squeezed to lower-case letters → our codes.
_CARRIER_NAMES = {
    "ups": "ups",
    "usps": "usps",
    "fedex": "fedex",
    "dhl": "dhl_express",
    "dhlexpress": "dhl_express",
    "amazon": "amazon",
    "amazonshipping": "amazon",
    "amazonlogistics": "amazon",
    "ontrac": "ontrac",
    "lasership": "ontrac",
    "canadapost": "canada_post",
    "dpd": "dpd",
    "dpduk": "dpd",
    "royalmail": "royal_mail",
    "deutschepost": "deutsche_post",
    "laposte": "la_poste",
    "colissimo": "la_poste",
    "correos": "correos",
    "correosspain": "correos",
    "posteitaliane": "poste_italiane",
    "australiapost": "australia_post",
    "nzpost": "nz_post",
    "newzealandpost": "nz_post",
    "japanpost": "japan_post",
    "postakenya": "posta_kenya",
    "kenyapost": "posta_kenya",
}


def _carrier(name: Any) -> str | None:
    return _CARRIER_NAMES.get(re.sub(r"[^a-z]", "", name.lower())) if isinstance(name, str) else None


# --- generic --------------------------------------------------------------------------------


def _parse_generic(data: dict) -> Parsed:
    errors: dict[str, list[str]] = {}
    status = data.get("status")
    if status not in TrackingStatus.values:
        errors["status"] = [f"One of: {', '.join(TrackingStatus.values)}."]
    occurred_at = _time(data.get("occurred_at"))
    if occurred_at is None:
        errors["occurred_at"] = ["An ISO 8601 date and time, e.g. 2025-05-01T14:30:00Z."]
    number = data.get("tracking_number")
    if not isinstance(number, str) or not number.strip() or len(number) > 256:
        errors["tracking_number"] = ["Required, at most 64 characters."]
    carrier = data.get("carrier")
    if carrier is not None and not isinstance(carrier, str):
        errors["carrier"] = ["A carrier code, e.g. ups."]
    if errors:
        raise ValidationFailed("The tracking event has invalid fields.", details=errors)
    return TrackingUpdate(
        source="generic",
        event_id=_id(data.get("id")),
        tracking_number=number,
        carrier=carrier or None,
        status=status,
        # Optional: the carrier's revised delivery date, when it announced one.
        estimated_delivery=_eta(data.get("estimated_delivery")),
        scans=(
            Scan(
                status=status,
                occurred_at=occurred_at,
                description=_text(data.get("description"), 500),
                location=_text(data.get("location"), 200),
            ),
        ),
    )


# --- EasyPost -------------------------------------------------------------------------------

_EASYPOST_STATUSES = {
    "unknown": TrackingStatus.UNKNOWN,
    "pre_transit": TrackingStatus.PRE_TRANSIT,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": TrackingStatus.AVAILABLE_FOR_PICKUP,
    "delivered": TrackingStatus.DELIVERED,
    "return_to_sender": TrackingStatus.RETURN_TO_SENDER,
    "failure": TrackingStatus.EXCEPTION,
    "cancelled": TrackingStatus.EXCEPTION,
    "error": TrackingStatus.EXCEPTION,
}


def _easypost_status(value: Any, *, is_return: bool) -> str:
    status = _EASYPOST_STATUSES.get(value, TrackingStatus.UNKNOWN) if isinstance(value, str) else TrackingStatus.UNKNOWN
    # A return tracker "delivered" is the parcel back at the seller's, not at the customer's.
    return TrackingStatus.RETURN_TO_SENDER if is_return and status == TrackingStatus.DELIVERED else status


def _parse_easypost(data: dict) -> Parsed:
    event_id = _id(data.get("id"))
    description = data.get("description")
    if description not in ("tracker.created", "tracker.updated"):
        return Ignored(event_id=event_id, kind=_text(str(description), 64))
    tracker = data.get("result")
    if not isinstance(tracker, dict) or not isinstance(tracker.get("tracking_code"), str):
        raise MalformedWebhook("An EasyPost tracker event without a tracker.")
    is_return = tracker.get("is_return") is True
    scans = []
    details = tracker.get("tracking_details")
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict) or (at := _time(detail.get("datetime"))) is None:
            continue
        location = detail.get("tracking_location") if isinstance(detail.get("tracking_location"), dict) else {}
        scans.append(
            Scan(
                status=_easypost_status(detail.get("status"), is_return=is_return),
                occurred_at=at,
                description=_text(detail.get("message") or detail.get("description"), 500),
                location=_place(
                    location.get("city"), location.get("state"), location.get("zip"), location.get("country")
                ),
            )
        )
    return TrackingUpdate(
        source="easypost",
        event_id=event_id,
        tracking_number=tracker["tracking_code"],
        carrier=_carrier(tracker.get("carrier")),
        status=_easypost_status(tracker.get("status"), is_return=is_return),
        scans=tuple(scans),
        estimated_delivery=None if is_return else _eta(tracker.get("est_delivery_date")),
    )


# --- AfterShip ------------------------------------------------------------------------------

_AFTERSHIP_TAGS = {
    "Pending": TrackingStatus.UNKNOWN,
    "InfoReceived": TrackingStatus.PRE_TRANSIT,
    "InTransit": TrackingStatus.IN_TRANSIT,
    "OutForDelivery": TrackingStatus.OUT_FOR_DELIVERY,
    "AttemptFail": TrackingStatus.FAILED_ATTEMPT,
    "Delivered": TrackingStatus.DELIVERED,
    "AvailableForPickup": TrackingStatus.AVAILABLE_FOR_PICKUP,
    "Exception": TrackingStatus.EXCEPTION,
    "Expired": TrackingStatus.EXCEPTION,  # no news for 30 days (60 for posts): as good as lost
}
# Exception sub-statuses that mean the parcel is going, or has gone, back to the sender.
_AFTERSHIP_RETURNS = {"Exception_010", "Exception_011"}


def _aftership_status(tag: Any, subtag: Any) -> str:
    if subtag in _AFTERSHIP_RETURNS:
        return TrackingStatus.RETURN_TO_SENDER
    return _AFTERSHIP_TAGS.get(tag, TrackingStatus.UNKNOWN) if isinstance(tag, str) else TrackingStatus.UNKNOWN


def _parse_aftership(data: dict) -> Parsed:
    event_id = _id(data.get("event_id"))
    if data.get("event") != "tracking_update":
        return Ignored(event_id=event_id, kind=_text(str(data.get("event")), 64))
    tracking = data.get("msg")
    if not isinstance(tracking, dict) or not isinstance(tracking.get("tracking_number"), str):
        raise MalformedWebhook("An AfterShip tracking update without a tracking.")
    scans = []
    checkpoints = tracking.get("checkpoints")
    for checkpoint in checkpoints if isinstance(checkpoints, list) else []:
        if not isinstance(checkpoint, dict) or (at := _time(checkpoint.get("checkpoint_time"))) is None:
            continue
        scans.append(
            Scan(
                status=_aftership_status(checkpoint.get("tag"), checkpoint.get("subtag")),
                occurred_at=at,
                description=_text(checkpoint.get("message"), 500),
                location=_text(checkpoint.get("location"), 200)
                or _place(checkpoint.get("city"), checkpoint.get("state"), checkpoint.get("country_name")),
            )
        )
    return TrackingUpdate(
        source="aftership",
        event_id=event_id,
        tracking_number=tracking["tracking_number"],
        carrier=_carrier(tracking.get("slug")),
        status=_aftership_status(tracking.get("tag"), tracking.get("subtag")),
        scans=tuple(scans),
        estimated_delivery=_eta(tracking.get("expected_delivery")),
    )


# --- the providers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    name: str
    verify: Callable[[bytes, Mapping[str, str], str, datetime], bool]
    parse: Callable[[dict], Parsed]


PROVIDERS: Mapping[str, Provider] = {
    p.name: p
    for p in (
        Provider("generic", _verify_generic, _parse_generic),
        Provider("easypost", _verify_easypost, _parse_easypost),
        Provider("aftership", _verify_aftership, _parse_aftership),
    )
}


def secret_setting(provider: str) -> str:
    """The environment variable that holds a tracking provider's secret."""
    return (
        "SHIPDESK_GENERIC_TRACKING_WEBHOOK_SECRET"
        if provider == "generic"
        else f"SHIPDESK_{provider.upper()}_WEBHOOK_SECRET"
    )


def secret_for(provider: str) -> str:
    return settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS.get(provider) or ""


@counted_webhook  # shipdesk_webhook_events_total{provider, outcome}
def read_webhook(*, provider: Provider, body: bytes, headers: Mapping[str, str], now: datetime) -> Parsed:
    """Verify the signature over the raw body, then read it. Raises InvalidSignature, MalformedWebhook
    or ValidationFailed; nothing has been changed when it does."""
    secret = secret_for(provider.name)
    if not secret:
        logger.error("Refused a %s webhook: %s is not set.", provider.name, secret_setting(provider.name))
    if not secret or not provider.verify(body, headers, secret, now):
        raise InvalidSignature("The webhook signature does not match.")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedWebhook("The webhook body is not JSON.") from exc
    if not isinstance(data, dict):
        raise MalformedWebhook("The webhook body must be a JSON object.")
    return provider.parse(data)
