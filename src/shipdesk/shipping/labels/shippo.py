"""The Shippo label provider, shaped on Shippo's documented bodies.

Rates: `POST /shipments/` with `address_from`, `address_to` and `parcels[]` (centimetres, grams),
`async: false`, answers a Shipment with `rates[]` (`object_id`, `provider`, `servicelevel.token`,
`amount`, `currency`, `estimated_days`/`days`). Buy: `POST /transactions/` with the rate's
`object_id`, `label_file_type: PDF_4x6`, `async: false`, answers a Transaction whose `status` is
SUCCESS (`tracking_number`, `label_url`) or ERROR (`messages[]`). Void: `POST /refunds/` with the
transaction's `object_id` answers a Refund whose `status` is QUEUED, PENDING, SUCCESS or ERROR.
`Authorization: ShippoToken <SHIPDESK_SHIPPO_API_TOKEN>`.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings

from shipdesk.errors import LabelProviderUnavailable

from .providers import Purchase, Quote, Shipping, VoidOutcome, http_call, refused

logger = logging.getLogger(__name__)

# Shippo's service level token → (our carrier, our service level); tokens not listed are not offered.
SERVICES = {
    "usps_priority": ("usps", "priority"),
    "usps_priority_express": ("usps", "priority_express"),
    "usps_ground_advantage": ("usps", "ground_advantage"),
    "usps_media_mail": ("usps", "media_mail"),
    "usps_priority_mail_international": ("usps", "priority_international"),
    "usps_priority_mail_express_international": ("usps", "priority_express_international"),
    "ups_ground": ("ups", "ground"),
    "ups_ground_saver": ("ups", "ground_saver"),
    "ups_3_day_select": ("ups", "3_day_select"),
    "ups_second_day_air": ("ups", "2nd_day_air"),
    "ups_next_day_air_saver": ("ups", "next_day_air_saver"),
    "ups_next_day_air": ("ups", "next_day_air"),
    "ups_saver": ("ups", "worldwide_saver"),
    "ups_expedited": ("ups", "worldwide_expedited"),
    "fedex_ground": ("fedex", "ground"),
    "fedex_home_delivery": ("fedex", "home_delivery"),
    "fedex_ground_economy": ("fedex", "ground_economy"),
    "fedex_express_saver": ("fedex", "express_saver"),
    "fedex_2_day": ("fedex", "2day"),
    "fedex_standard_overnight": ("fedex", "standard_overnight"),
    "fedex_priority_overnight": ("fedex", "priority_overnight"),
    "fedex_international_economy": ("fedex", "international_economy"),
    "fedex_international_priority": ("fedex", "international_priority"),
    "dhl_express_worldwide": ("dhl_express", "express_worldwide"),
    "dhl_express_1200": ("dhl_express", "express_12"),
    "dhl_express_0900": ("dhl_express", "express_9"),
    "dhl_express_economy_select": ("dhl_express", "economy_select"),
    "canada_post_regular_parcel": ("canada_post", "regular"),
    "canada_post_expedited_parcel": ("canada_post", "expedited"),
    "canada_post_xpresspost": ("canada_post", "xpresspost"),
    "canada_post_priority": ("canada_post", "priority"),
    "royal_mail_tracked_24": ("royal_mail", "tracked_24"),
    "royal_mail_tracked_48": ("royal_mail", "tracked_48"),
    "dpd_de_classic": ("dpd", "classic"),
}
ACCEPTED_REFUNDS = {"QUEUED", "PENDING", "SUCCESS"}


def _address(address) -> dict:
    return {
        "name": address.name,
        "company": address.company,
        "street1": address.line1,
        "street2": address.line2,
        "city": address.city,
        "state": address.region,
        "zip": address.postal_code,
        "country": address.country,
        "phone": address.phone,
        "email": address.email,
    }


def parse_rates(shipment: dict) -> list[Quote]:
    """The rates of a Shippo Shipment body that Shipdesk can ship with, cheapest first."""
    quotes = []
    for rate in shipment.get("rates") or []:
        token = str((rate.get("servicelevel") or {}).get("token", ""))
        ours = SERVICES.get(token)
        if ours is None:
            logger.info("Shippo rate %s has no Shipdesk service; not offered.", token)
            continue
        try:
            price = Decimal(str(rate["amount"]))
        except (KeyError, InvalidOperation):
            continue
        days = rate.get("estimated_days") or rate.get("days")
        quotes.append(
            Quote(
                rate_id=str(rate["object_id"]),
                carrier=ours[0],
                service_level=ours[1],
                price=price,
                currency=str(rate.get("currency") or "USD"),
                delivery_days=int(days) if days else None,
                shipment_id=str(rate.get("shipment") or shipment.get("object_id") or ""),
            )
        )
    return sorted(quotes, key=lambda quote: quote.price)


def _flatten(body, prefix: str = "") -> dict[str, list[str]]:
    """Shippo's 400 bodies name fields by nesting (`{"address_to": {"zip": ["…"]}}`): one path each."""
    details: dict[str, list[str]] = {}
    if isinstance(body, dict):
        for key, value in body.items():
            details.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(body, list) and all(isinstance(x, str) for x in body):
        details[prefix or "provider"] = [x[:300] for x in body]
    elif isinstance(body, list):
        for i, value in enumerate(body):
            details.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        details[prefix or "provider"] = [str(body)[:300]]
    return details


def transaction_messages(transaction: dict) -> dict[str, list[str]]:
    messages = [
        f"{m.get('source', 'Shippo')}: {m.get('text', '')}"[:300]
        for m in transaction.get("messages") or []
        if isinstance(m, dict)
    ]
    return {"provider": messages or ["The label could not be bought."]}


class ShippoProvider:
    name = "shippo"

    def __init__(self, *, api_token: str | None = None, base_url: str | None = None):
        self.api_token = api_token if api_token is not None else settings.SHIPDESK_SHIPPO_API_TOKEN
        self.base_url = (base_url or settings.SHIPDESK_SHIPPO_API_URL).rstrip("/")

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        if not self.api_token:
            raise LabelProviderUnavailable("Shippo is not set up: SHIPDESK_SHIPPO_API_TOKEN is empty.")
        answer = http_call(
            method,
            f"{self.base_url}{path}",
            headers={"Authorization": f"ShippoToken {self.api_token}"},
            payload=payload,
            provider="Shippo",
        )
        if answer.status >= 400:
            details = _flatten(answer.body)
            raise refused("Shippo", str(answer.body.get("detail") or "The request was refused."), details)
        return answer.body

    def rates(self, *, shipping: Shipping) -> list[Quote]:
        parcel = shipping.parcel
        body = self._call(
            "POST",
            "/shipments/",
            {
                "address_from": _address(shipping.ship_from),
                "address_to": _address(shipping.ship_to),
                "parcels": [
                    {
                        "length": str(parcel.length_cm),
                        "width": str(parcel.width_cm),
                        "height": str(parcel.height_cm),
                        "distance_unit": "cm",
                        "weight": str(parcel.weight_grams),
                        "mass_unit": "g",
                    }
                ],
                "metadata": shipping.reference,
                "async": False,
            },
        )
        return parse_rates(body)

    def buy(self, *, quote: Quote, shipping: Shipping) -> Purchase:
        transaction = self._call(
            "POST",
            "/transactions/",
            {"rate": quote.rate_id, "label_file_type": "PDF_4x6", "metadata": shipping.reference, "async": False},
        )
        if transaction.get("status") in ("QUEUED", "WAITING") and transaction.get("object_id"):
            # Asked synchronously, Shippo still may queue; one look again before giving up.
            transaction = self._call("GET", f"/transactions/{transaction['object_id']}")
        if transaction.get("status") == "ERROR":
            raise refused("Shippo", "The label could not be bought.", transaction_messages(transaction))
        if transaction.get("status") != "SUCCESS" or not transaction.get("label_url"):
            raise LabelProviderUnavailable("Shippo has not finished the label yet; nothing is charged until it has.")
        pdf = http_call("GET", str(transaction["label_url"]), headers={}, provider="Shippo", raw=True).content
        rate = transaction.get("rate")
        price = Decimal(str(rate["amount"])) if isinstance(rate, dict) and rate.get("amount") else None
        return Purchase(
            label_id=str(transaction["object_id"]),
            tracking_number=str(transaction.get("tracking_number") or ""),
            pdf=pdf,
            price=price,
            currency=str(rate.get("currency") or "") if isinstance(rate, dict) else "",
        )

    def void(self, *, label_id: str) -> VoidOutcome:
        refund = self._call("POST", "/refunds/", {"transaction": label_id, "async": False})
        status = str(refund.get("status") or "")
        return VoidOutcome(accepted=status in ACCEPTED_REFUNDS, status=status)
