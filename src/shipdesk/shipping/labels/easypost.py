"""The EasyPost label provider, shaped on EasyPost's documented v2 bodies.

Rates: `POST /shipments` with the two addresses and the parcel (inches, ounces) answers a
Shipment with `rates[]` (`id`, `carrier`, `service`, `rate`, `currency`, `delivery_days`,
`delivery_date`, `shipment_id`). Buy: `POST /shipments/{id}/buy` with `{"rate": {"id"}}` answers
the Shipment with `tracking_code` and `postage_label`; a label not in PDF is converted by
`GET /shipments/{id}/label?file_format=PDF`. Void: `POST /shipments/{id}/refund` answers
`refund_status` (submitted, refunded, rejected, not_applicable). Errors are
`{"error": {"code", "message", "errors": [{"field", "message"}]}}`. HTTP basic auth with the
API key as the user name (SHIPDESK_EASYPOST_API_KEY).
"""

from __future__ import annotations

import base64
import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings

from shipdesk.errors import LabelProviderUnavailable

from .providers import Purchase, Quote, Shipping, VoidOutcome, http_call, refused

logger = logging.getLogger(__name__)

CARRIERS = {
    "USPS": "usps",
    "UPS": "ups",
    "UPSDAP": "ups",
    "FedEx": "fedex",
    "FedExDefault": "fedex",
    "DHLExpress": "dhl_express",
    "CanadaPost": "canada_post",
    "AmazonShipping": "amazon",
    "OnTrac": "ontrac",
    "RoyalMail": "royal_mail",
    "DPD": "dpd",
    "DPDUK": "dpd",
}
# (our carrier, EasyPost's service) → our service level; services not listed are not offered.
SERVICES = {
    ("usps", "Express"): "priority_express",
    ("usps", "Priority"): "priority",
    ("usps", "GroundAdvantage"): "ground_advantage",
    ("usps", "MediaMail"): "media_mail",
    ("usps", "PriorityMailInternational"): "priority_international",
    ("usps", "ExpressMailInternational"): "priority_express_international",
    ("ups", "Ground"): "ground",
    ("ups", "UPSGroundsaver"): "ground_saver",
    ("ups", "3DaySelect"): "3_day_select",
    ("ups", "2ndDayAir"): "2nd_day_air",
    ("ups", "NextDayAirSaver"): "next_day_air_saver",
    ("ups", "NextDayAir"): "next_day_air",
    ("ups", "Expedited"): "worldwide_expedited",
    ("ups", "UPSSaver"): "worldwide_saver",
    ("fedex", "FEDEX_GROUND"): "ground",
    ("fedex", "GROUND_HOME_DELIVERY"): "home_delivery",
    ("fedex", "SMART_POST"): "ground_economy",
    ("fedex", "FEDEX_EXPRESS_SAVER"): "express_saver",
    ("fedex", "FEDEX_2_DAY"): "2day",
    ("fedex", "STANDARD_OVERNIGHT"): "standard_overnight",
    ("fedex", "PRIORITY_OVERNIGHT"): "priority_overnight",
    ("fedex", "INTERNATIONAL_ECONOMY"): "international_economy",
    ("fedex", "INTERNATIONAL_PRIORITY"): "international_priority",
    ("dhl_express", "ExpressWorldwideNonDoc"): "express_worldwide",
    ("dhl_express", "Express1200NonDoc"): "express_12",
    ("dhl_express", "Express900NonDoc"): "express_9",
    ("dhl_express", "EconomySelectNonDoc"): "economy_select",
    ("canada_post", "RegularParcel"): "regular",
    ("canada_post", "ExpeditedParcel"): "expedited",
    ("canada_post", "Xpresspost"): "xpresspost",
    ("canada_post", "Priority"): "priority",
}
GRAMS_PER_OUNCE = Decimal("28.349523125")
CM_PER_INCH = Decimal("2.54")
ACCEPTED_REFUNDS = {"submitted", "refunded"}


def _address(address) -> dict:
    return {
        "name": address.name,
        "company": address.company or None,
        "street1": address.line1,
        "street2": address.line2 or None,
        "city": address.city,
        "state": address.region or None,
        "zip": address.postal_code or None,
        "country": address.country,
        "phone": address.phone or None,
        "email": address.email or None,
    }


def _inches(cm: Decimal) -> str:
    return str((cm / CM_PER_INCH).quantize(Decimal("0.1")))


def _date(value) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def parse_rates(shipment: dict) -> list[Quote]:
    """The rates of an EasyPost Shipment body that Shipdesk can ship with, cheapest first."""
    quotes = []
    for rate in shipment.get("rates") or []:
        carrier = CARRIERS.get(str(rate.get("carrier", "")))
        service = SERVICES.get((carrier, str(rate.get("service", "")))) if carrier else None
        if service is None:
            logger.info(
                "EasyPost rate %s %s has no Shipdesk service; not offered.", rate.get("carrier"), rate.get("service")
            )
            continue
        try:
            price = Decimal(str(rate["rate"]))
        except (KeyError, InvalidOperation):
            continue
        days = rate.get("delivery_days") or rate.get("est_delivery_days")
        quotes.append(
            Quote(
                rate_id=str(rate["id"]),
                carrier=carrier,
                service_level=service,
                price=price,
                currency=str(rate.get("currency") or "USD"),
                delivery_days=int(days) if days else None,
                delivery_date=_date(rate.get("delivery_date")),
                shipment_id=str(rate.get("shipment_id") or shipment.get("id") or ""),
            )
        )
    return sorted(quotes, key=lambda quote: quote.price)


def error_details(body: dict) -> tuple[str, dict[str, list[str]]]:
    """EasyPost's error body as a message and our per-field details."""
    error = body.get("error") or {}
    details: dict[str, list[str]] = {}
    for item in error.get("errors") or []:
        if isinstance(item, dict):
            details.setdefault(str(item.get("field") or "provider"), []).append(str(item.get("message", ""))[:300])
    message = str(error.get("message") or "The request was refused.")
    return message, details or {"provider": [f"{error.get('code', 'ERROR')}: {message}"[:300]]}


class EasyPostProvider:
    name = "easypost"

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None):
        self.api_key = api_key if api_key is not None else settings.SHIPDESK_EASYPOST_API_KEY
        self.base_url = (base_url or settings.SHIPDESK_EASYPOST_API_URL).rstrip("/")

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        if not self.api_key:
            raise LabelProviderUnavailable("EasyPost is not set up: SHIPDESK_EASYPOST_API_KEY is empty.")
        answer = http_call(method, f"{self.base_url}{path}", headers=self._auth(), payload=payload, provider="EasyPost")
        if answer.status >= 400:
            message, details = error_details(answer.body)
            raise refused("EasyPost", message, details)
        return answer.body

    def _auth(self) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()}

    def rates(self, *, shipping: Shipping) -> list[Quote]:
        parcel = shipping.parcel
        body = self._call(
            "POST",
            "/shipments",
            {
                "shipment": {
                    "to_address": _address(shipping.ship_to),
                    "from_address": _address(shipping.ship_from),
                    "parcel": {
                        "length": _inches(parcel.length_cm),
                        "width": _inches(parcel.width_cm),
                        "height": _inches(parcel.height_cm),
                        "weight": str((Decimal(parcel.weight_grams) / GRAMS_PER_OUNCE).quantize(Decimal("0.1"))),
                    },
                    "reference": shipping.reference,
                    "options": {"label_format": "PDF", "label_size": "4x6"},
                }
            },
        )
        return parse_rates(body)

    def buy(self, *, quote: Quote, shipping: Shipping) -> Purchase:
        shipment = self._call("POST", f"/shipments/{quote.shipment_id}/buy", {"rate": {"id": quote.rate_id}})
        label = shipment.get("postage_label") or {}
        if not label.get("label_pdf_url"):
            # Bought as an image by the account's default: ask for the PDF.
            converted = self._call("GET", f"/shipments/{quote.shipment_id}/label?file_format=PDF")
            label = {**label, **{k: v for k, v in (converted.get("postage_label") or {}).items() if v}}
        if not shipment.get("tracking_code") or not (label.get("label_pdf_url") or label.get("label_url")):
            raise LabelProviderUnavailable("EasyPost bought the label but sent no tracking number or label yet.")
        if label.get("label_pdf_url"):
            pdf = http_call("GET", label["label_pdf_url"], headers={}, provider="EasyPost", raw=True).content
        else:
            # Still only the 4×6 PNG: printed as it is, on a 4×6 PDF page.
            image = http_call("GET", label["label_url"], headers={}, provider="EasyPost", raw=True).content
            pdf = _image_pdf(image)
        selected = shipment.get("selected_rate") or {}
        return Purchase(
            label_id=str(shipment.get("id") or quote.shipment_id),
            tracking_number=str(shipment["tracking_code"]),
            pdf=pdf,
            price=Decimal(str(selected["rate"])) if selected.get("rate") else None,
            currency=str(selected.get("currency") or ""),
        )

    def void(self, *, label_id: str) -> VoidOutcome:
        shipment = self._call("POST", f"/shipments/{label_id}/refund")
        status = str(shipment.get("refund_status") or "")
        return VoidOutcome(accepted=status in ACCEPTED_REFUNDS, status=status)


def _image_pdf(image: bytes) -> bytes:
    from shipdesk.shipping import documents  # noqa: PLC0415  (ReportLab loaded at the first label: memory)

    return documents.image_label_pdf(image)
