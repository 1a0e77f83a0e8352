"""The label-provider interface: rates for a parcel, buying one of them, voiding a label.

A provider speaks to a carrier aggregator (EasyPost, Shippo) or, in the sandbox, to no one. Each
adapter maps its provider's bodies onto these plain values and its errors onto Shipdesk's:
`LabelProviderRefused` (422, the provider's words per field) for what the provider refuses,
`LabelProviderUnavailable` (503) for a provider that cannot be reached or is not set up. Which
provider a deployment uses is a setting (`SHIPDESK_LABEL_PROVIDER`); keys come from the environment.

Rates are kept only for services Shipdesk knows (`shipping.carriers`): a parcel shipped with a
service the carrier registry does not list could not be given an ETA or a checked tracking number.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django_countries import countries

from shipdesk.errors import LabelProviderRefused, LabelProviderUnavailable

from .parcels import ParcelSize

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class PostalAddress:
    name: str
    line1: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    line2: str = ""
    region: str = ""
    postal_code: str = ""
    phone: str = ""
    company: str = ""
    email: str = ""

    def lines(self) -> tuple[str, ...]:
        """As printed on a label: company, name, street, place, country; empty parts left out."""
        place = " ".join(x for x in (self.city, self.region, self.postal_code) if x)
        country = countries.name(self.country) or self.country
        return tuple(x for x in (self.company, self.name, self.line1, self.line2, place, country) if x)


@dataclass(frozen=True)
class Quote:
    """One rate for the parcel: a carrier's service at a price, arriving in so many days."""

    rate_id: str  # the provider's id of the rate: what buying names
    carrier: str  # our carrier code
    service_level: str  # our service level code
    price: Decimal
    currency: str
    delivery_days: int | None = None
    delivery_date: date | None = None
    shipment_id: str = ""  # the provider's shipment the rate belongs to (EasyPost buys through it)


@dataclass(frozen=True)
class Purchase:
    """A bought label."""

    label_id: str  # the provider's id of the purchase: what a void names
    tracking_number: str
    pdf: bytes  # the 4×6 in label
    price: Decimal | None = None  # what the provider says it charged, when it says
    currency: str = ""


@dataclass(frozen=True)
class VoidOutcome:
    accepted: bool  # the provider took the void (refund submitted or done)
    status: str  # the provider's word for it


@dataclass(frozen=True)
class Shipping:
    """What a rate request or a purchase is about."""

    ship_from: PostalAddress
    ship_to: PostalAddress
    parcel: ParcelSize
    reference: str  # the order number, printed on the label where the provider supports it
    currency: str  # the order's currency: the sandbox quotes in it; real providers in their own


class LabelProvider(Protocol):
    name: str

    def rates(self, *, shipping: Shipping) -> list[Quote]: ...

    def buy(self, *, quote: Quote, shipping: Shipping) -> Purchase: ...

    def void(self, *, label_id: str) -> VoidOutcome: ...


# --- HTTP for the adapters ---------------------------------------------------------------------


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: dict
    content: bytes


def http_call(
    method: str, url: str, *, headers: dict[str, str], payload: dict | None = None, provider: str, raw: bool = False
) -> HttpAnswer:
    """One request to a provider: JSON in, JSON (or raw bytes) out; never raises for an HTTP status.

    A provider that cannot be reached, or answers with something that is not JSON where JSON is
    expected, is `LabelProviderUnavailable`: nothing can have been bought that we know of.
    """
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Accept": "application/json", **headers})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, content = exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        logger.error("Label provider %s unreachable at %s: %s", provider, url.split("?")[0], exc)
        raise LabelProviderUnavailable(f"{provider} cannot be reached; nothing was bought. Try again shortly.") from exc
    if raw and status < 400:
        return HttpAnswer(status=status, body={}, content=content)
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        logger.error("Label provider %s answered %s with a body that is not JSON.", provider, status)
        raise LabelProviderUnavailable(f"{provider} answered with something unexpected; nothing was bought.") from None
    if not isinstance(body, dict):
        body = {"results": body}
    if status in (401, 403):
        # Our key, not the seller's request: the operator must fix the setting.
        logger.error("Label provider %s refused our API key (%s).", provider, status)
        raise LabelProviderUnavailable(f"{provider} refused Shipdesk's API key; the operator has been told.")
    if status >= 500 or status == 429:
        logger.error("Label provider %s answered %s.", provider, status)
        raise LabelProviderUnavailable(f"{provider} is not answering now ({status}); nothing was bought.")
    return HttpAnswer(status=status, body=body, content=content)


def refused(provider: str, message: str, details: dict[str, list[str]]) -> LabelProviderRefused:
    return LabelProviderRefused(f"{provider}: {message}"[:500], details=details)
