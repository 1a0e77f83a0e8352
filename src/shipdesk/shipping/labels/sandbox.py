"""The sandbox label provider: believable rates, and real 4×6 PDF labels with valid tracking numbers.

It asks no one. Its labels are for the sandbox carrier (`carriers.SANDBOX`), whose parcels the
sandbox poller moves along to delivered (`shipping.polling`), so `shipdesk run --demo` shows a
label bought, printed, shipped and delivered without a network. Used only where the operator
turned the sandbox carrier on (SHIPDESK_SANDBOX_CARRIER).

Prices: a base per service plus a price per started kilogram of the billable weight (the larger of
the actual weight and the volumetric weight, length × width × height / 5000), doubled across a
border, in the order's currency.
"""

from __future__ import annotations

import math
import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from shipdesk import money
from shipdesk.errors import LabelProviderRefused

from ..carriers import SANDBOX
from ..document_data import PostageLabel
from ..tracking import sandbox_tracking_number
from .providers import Purchase, Quote, Shipping, VoidOutcome

# service: (base, per started kilogram)
PRICES = {
    "economy": (Decimal("4.20"), Decimal("0.90")),
    "standard": (Decimal("6.10"), Decimal("1.35")),
    "express": (Decimal("14.50"), Decimal("2.80")),
}
VOLUMETRIC_DIVISOR = Decimal("5000")  # cm³ per kilogram, as the express carriers count
MAX_KILOGRAMS = 30


def billable_kilograms(shipping: Shipping) -> int:
    parcel = shipping.parcel
    volumetric = parcel.length_cm * parcel.width_cm * parcel.height_cm / VOLUMETRIC_DIVISOR
    return max(1, math.ceil(max(Decimal(parcel.weight_grams) / 1000, volumetric)))


def _delivery_date(start: date, business_days: int) -> date:
    day, left = start, business_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


class SandboxProvider:
    name = "sandbox"

    def rates(self, *, shipping: Shipping) -> list[Quote]:
        kilograms = billable_kilograms(shipping)
        if kilograms > MAX_KILOGRAMS:
            raise LabelProviderRefused(
                f"The sandbox carrier takes parcels up to {MAX_KILOGRAMS} kg; this one counts {kilograms} kg.",
                details={"parcel": [f"At most {MAX_KILOGRAMS} kg (actual or volumetric)."]},
            )
        abroad = shipping.ship_from.country != shipping.ship_to.country
        today = timezone.now().date()
        quotes = []
        for service in SANDBOX.services:
            base, per_kilogram = PRICES[service.code]
            price = (base + per_kilogram * kilograms) * (2 if abroad else 1)
            days = service.transit_days + (3 if abroad else 0)
            quotes.append(
                Quote(
                    rate_id=f"sbxrate_{service.code}_{secrets.token_hex(6)}",
                    carrier=SANDBOX.code,
                    service_level=service.code,
                    price=money.quantize(price, shipping.currency),
                    currency=shipping.currency,
                    delivery_days=days,
                    delivery_date=_delivery_date(today, days),
                )
            )
        return sorted(quotes, key=lambda quote: quote.price)

    def buy(self, *, quote: Quote, shipping: Shipping) -> Purchase:
        if not quote.rate_id.startswith("sbxrate_"):
            raise LabelProviderRefused("Not a sandbox rate.", details={"rate_id": ["Unknown rate."]})
        # A fresh number each time: a tracking number names one parcel, across shops.
        number = sandbox_tracking_number(secrets.randbelow(10**9))
        service = SANDBOX.service(quote.service_level)
        pdf = _render(
            PostageLabel(
                sender=shipping.ship_from.lines(),
                recipient=shipping.ship_to.lines(),
                carrier=SANDBOX.name,
                service=service.name if service else quote.service_level,
                tracking_number=number,
                weight_grams=shipping.parcel.weight_grams,
                reference=shipping.reference,
                postage=f"{money.format_amount(quote.price, quote.currency)} {quote.currency}",
                sandbox=True,
            )
        )
        return Purchase(
            label_id=f"sbxlabel_{secrets.token_hex(8)}",
            tracking_number=number,
            pdf=pdf,
            price=quote.price,
            currency=quote.currency,
        )

    def void(self, *, label_id: str) -> VoidOutcome:
        return VoidOutcome(accepted=label_id.startswith("sbxlabel_"), status="refunded")


def _render(label: PostageLabel) -> bytes:
    # ReportLab is loaded at the first label a worker renders (see shipping.api on memory).
    from .. import documents  # noqa: PLC0415  (deferred for memory, as said above)

    return documents.postage_label_pdf(label)
