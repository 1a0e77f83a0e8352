"""A channel's order as Shipdesk reads it, before SKUs are mapped: what every connector produces.

Each connector (`channels.connectors`) turns its channel's documented order shape into an
`IncomingOrder`; `channels.services.receive_order` maps its SKUs and places it. What a connector
cannot read exactly (money that does not fit the currency, a missing address) goes into
`problems`, so the order is held for review instead of being placed wrong or lost. Pure.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.core.serializers.json import DjangoJSONEncoder
from django_countries import countries

from shipdesk import money
from shipdesk.orders.placed_at_window import EARLIEST
from shipdesk.orders.terms import CANCELLED, CONFIRMED, PENDING, PROCESSING, SHIPPED
from shipdesk.shipping.carriers import CARRIERS

# The statuses a channel's order may land in here (delivered is never inferred: carriers say it).
LANDING_STATUSES = (PENDING, CONFIRMED, PROCESSING, SHIPPED, CANCELLED)
# The order a landing status is reached in from pending, one service action per step.
STEPS_TO = {
    PENDING: (),
    CONFIRMED: (CONFIRMED,),
    PROCESSING: (CONFIRMED, PROCESSING),
    SHIPPED: (CONFIRMED, PROCESSING, SHIPPED),
}


@dataclass
class IncomingLine:
    channel_sku: str  # the channel's SKU, or its listing/product id when the line has no SKU
    title: str
    quantity: int
    unit_price: Decimal
    tax: Decimal = Decimal("0")  # on the whole line
    channel_line_id: str = ""  # the channel's id of the line (fulfilment requests name it)
    cancelled: bool = False  # the channel cancelled this item


@dataclass
class IncomingOrder:
    external_id: str
    currency: str
    lines: list[IncomingLine]
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    ship_name: str = ""
    ship_line1: str = ""
    ship_line2: str = ""
    ship_city: str = ""
    ship_region: str = ""
    ship_postal_code: str = ""
    ship_country: str = ""
    shipping_fee: Decimal = Decimal("0")
    shipping_tax: Decimal = Decimal("0")
    paid: bool = False
    status: str = PENDING  # where it lands here: one of LANDING_STATUSES
    channel_status: str = ""  # the channel's own word, shown beside ours
    placed_at: datetime | None = None
    channel_updated_at: datetime | None = None
    note: str = ""
    payment_reference: str = ""
    carrier: str = ""  # shipped on the channel: the carrier and number it gave
    tracking_number: str = ""
    cancel_reason: str = "other"  # an orders.terms cancel reason, when the channel cancelled it
    channel_total: Decimal | None = None  # the total the channel charged, checked against ours
    data: dict = field(default_factory=dict)  # what a fulfilment request needs later (ids)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, path: str, message: str) -> None:
        self.problems.setdefault(path, []).append(message)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        tax = sum((line.tax for line in self.lines), Decimal("0")) + self.shipping_tax
        return self.subtotal + self.shipping_fee + tax

    def check_total(self) -> None:
        """A channel total that differs from lines + shipping + tax (a discount or fee we do not
        represent) holds the order for review rather than placing it with other money."""
        if self.channel_total is not None and self.lines and not self.problems and self.total != self.channel_total:
            self.problem(
                "total",
                f"The channel charged {self.channel_total} {self.currency}; lines, shipping and tax add up to "
                f"{self.total}. A discount or fee the order cannot hold?",
            )

    def to_json(self) -> dict:
        """JSON-ready (amounts as decimal strings, times in ISO 8601): what a HeldOrder keeps."""
        return json.loads(json.dumps(asdict(self), cls=DjangoJSONEncoder))

    @classmethod
    def from_json(cls, data: dict) -> IncomingOrder:
        data = dict(data)
        lines = [
            IncomingLine(**{**line, "unit_price": Decimal(line["unit_price"]), "tax": Decimal(line["tax"])})
            for line in data.pop("lines")
        ]
        for name in ("shipping_fee", "shipping_tax"):
            data[name] = Decimal(data[name])
        if data.get("channel_total") is not None:
            data["channel_total"] = Decimal(data["channel_total"])
        for name in ("placed_at", "channel_updated_at"):
            if data.get(name):
                data[name] = datetime.fromisoformat(data[name])
        return cls(lines=lines, **data)


# --- reading a channel's values ---------------------------------------------------------------


def decimal_of(value, *, default: str = "0") -> Decimal:
    """A decimal from a channel's money string or number ("12.50", 12, None → default)."""
    if value is None or value == "":
        return Decimal(default)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not money.storable(amount):
        raise ValueError(f"{value!r} is not an amount")
    return amount


def split_exactly(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """`total` shared in proportion to `weights`, in the currency's minor units, adding up exactly
    (cumulative rounding: each share is the rounded running total minus what was given before)."""
    whole = sum(weights, Decimal("0"))
    if not weights:
        return []
    if whole == 0:
        return [total] + [Decimal("0")] * (len(weights) - 1)
    shares, given, running = [], Decimal("0"), Decimal("0")
    for weight in weights:
        running += weight
        upto = money.quantize(total * running / whole, currency)
        shares.append(upto - given)
        given = upto
    return shares


def unit_price_of(line_total: Decimal, quantity: int, currency: str) -> Decimal | None:
    """The price of one unit when a channel gives the line's total; None when it is not a whole
    number of minor units (17.95 for 2 units): the order is then held, never rounded."""
    if quantity <= 0:
        return None
    unit = line_total / quantity
    if money.is_currency(currency) and not money.fits_currency(unit, currency):
        return None
    return unit


def aware(value: str | None) -> datetime | None:
    """An ISO 8601 time from a channel, aware (naive means UTC); None for nothing or a placeholder
    date before 2000 (SP-API's sandbox answers 1970), which the order would refuse."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed if parsed >= EARLIEST else None


def from_timestamp(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return parsed if parsed >= EARLIEST else None


def country_code(value: str) -> str:
    """An ISO 3166 alpha-2 code from a code or an English name ("United States" → "US")."""
    text = (value or "").strip()
    if len(text) == 2:
        return text.upper()
    return countries.by_name(text) or COUNTRY_ALIASES.get(text.lower(), text)


# How exports name countries where the ISO name differs ("United States of America").
COUNTRY_ALIASES = {
    "united states": "US",
    "usa": "US",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "russia": "RU",
    "south korea": "KR",
    "vietnam": "VN",
    "the netherlands": "NL",
}


def text(value, limit: int | None = None) -> str:
    """A channel's text value as one stripped string ("" for null)."""
    result = "" if value is None else str(value).strip()
    return result[:limit] if limit else result


def placeholder_email(kind: str, external_id: str) -> str:
    """An address that can never receive mail, for a channel that keeps the buyer's to itself
    (Amazon's reports, Etsy's CSV): the order needs one; nobody can be written to at it."""
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in external_id)[:60] or "order"
    return f"{kind}-{safe}@buyer.invalid"


def carrier_of(name: str) -> str:
    """Our carrier code for a channel's carrier name ("UPS", "FedEx", "DHL Express"); "" if none."""
    wanted = (name or "").strip().lower()
    if not wanted:
        return ""
    for carrier in CARRIERS.values():
        if wanted in (carrier.code, carrier.name.lower()) or wanted.replace(" ", "_") == carrier.code:
            return carrier.code
    for carrier in CARRIERS.values():
        if carrier.code != "other" and carrier.name.lower().split()[0] in wanted:
            return carrier.code
    return ""


def service_level_of(carrier: str) -> str:
    """The carrier's first service level: a channel names the carrier, rarely our service level."""
    found = CARRIERS.get(carrier)
    return found.services[0].code if found else ""
