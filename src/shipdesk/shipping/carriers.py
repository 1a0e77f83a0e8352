"""The carriers a seller can ship with: their service levels and public tracking pages.

Pure data, no Django: the ship action, the ETA (shipped + the service level's transit business
days, docs/workflow.md) and `GET /api/v1/carriers` all read this registry.

`transit_days` is the slow end of the delivery time each carrier publishes for the service, in
business days. Taking the slow end means an ETA is a date the carrier itself commits to, so a
missed ETA ("delayed" alert, delay notice to the customer) is a real delay, not an optimistic guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from urllib.parse import quote


@dataclass(frozen=True)
class ServiceLevel:
    code: str
    name: str
    transit_days: int  # transit time in business days, for the ETA


# What kind of operator a carrier is: a parcel carrier with its own numbers, a national post
# (its tracked items carry UPU S10 numbers ending in its country code), or untracked ("other").
PARCEL_CARRIER = "parcel"
POSTAL_OPERATOR = "postal"
UNTRACKED = "untracked"


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    services: tuple[ServiceLevel, ...]
    tracking_url: str | None  # the carrier's own tracking page, a template with {number}; None when it has none
    tracked: bool  # reports scans and deliveries; False only for "other"
    sandbox: bool = False  # the simulated carrier of the demo (SANDBOX below)
    kind: str = PARCEL_CARRIER  # PARCEL_CARRIER, POSTAL_OPERATOR or UNTRACKED
    country: str = ""  # a postal operator's ISO 3166-1 country: the suffix of its S10 numbers

    def service(self, code: str) -> ServiceLevel | None:
        return next((s for s in self.services if s.code == code), None)

    def tracking_url_for(self, number: str) -> str | None:
        if self.tracking_url is None:
            return None
        # Quoted so that whatever reaches here stays inside the URL's query or fragment.
        return self.tracking_url.format(number=quote(number, safe=""))


def _carrier(code: str, name: str, tracking_url: str | None, *services: tuple[str, str, int]) -> Carrier:
    return Carrier(
        code=code,
        name=name,
        services=tuple(ServiceLevel(code=c, name=n, transit_days=d) for c, n, d in services),
        tracking_url=tracking_url,
        tracked=tracking_url is not None,
        kind=PARCEL_CARRIER if tracking_url is not None else UNTRACKED,
    )


def _post(code: str, name: str, country: str, tracking_url: str | None, *services: tuple[str, str, int]) -> Carrier:
    """A national postal operator: tracked (S10 numbers ending in `country`), maybe without a public page."""
    return Carrier(
        code=code,
        name=name,
        services=tuple(ServiceLevel(code=c, name=n, transit_days=d) for c, n, d in services),
        tracking_url=tracking_url,
        tracked=True,
        kind=POSTAL_OPERATOR,
        country=country,
    )


def _with_post(carrier: Carrier, country: str) -> Carrier:
    # A parcel carrier that is also its country's post (USPS, Canada Post, Royal Mail).
    return replace(carrier, kind=POSTAL_OPERATOR, country=country)


_ALL = (
    _carrier(
        "ups",
        "UPS",
        "https://www.ups.com/track?tracknum={number}",
        ("ground", "UPS Ground", 5),  # 1–5 days in the contiguous US
        ("ground_saver", "UPS Ground Saver", 7),  # 2–7 days (formerly SurePost)
        ("3_day_select", "UPS 3 Day Select", 3),
        ("2nd_day_air", "UPS 2nd Day Air", 2),
        ("next_day_air_saver", "UPS Next Day Air Saver", 1),
        ("next_day_air", "UPS Next Day Air", 1),
        ("worldwide_expedited", "UPS Worldwide Expedited", 5),  # 2–5 days
        ("worldwide_saver", "UPS Worldwide Saver", 3),  # 1–3 days
    ),
    _with_post(
        _carrier(
            "usps",
            "USPS",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
            ("ground_advantage", "USPS Ground Advantage", 5),  # 2–5 days
            ("priority", "Priority Mail", 3),  # 1–3 days
            ("priority_express", "Priority Mail Express", 2),  # 1–2 days
            ("media_mail", "Media Mail", 8),  # 2–8 days
            ("priority_international", "Priority Mail International", 10),  # 6–10 days
            ("priority_express_international", "Priority Mail Express International", 5),  # 3–5 days
        ),
        "US",
    ),
    _carrier(
        "fedex",
        "FedEx",
        "https://www.fedex.com/fedextrack/?trknbr={number}",
        ("ground", "FedEx Ground", 5),  # 1–5 days
        ("home_delivery", "FedEx Home Delivery", 5),  # 1–5 days
        ("ground_economy", "FedEx Ground Economy", 7),  # 2–7 days (formerly SmartPost)
        ("express_saver", "FedEx Express Saver", 3),
        ("2day", "FedEx 2Day", 2),
        ("standard_overnight", "FedEx Standard Overnight", 1),
        ("priority_overnight", "FedEx Priority Overnight", 1),
        ("international_economy", "FedEx International Economy", 5),  # 2–5 days
        ("international_priority", "FedEx International Priority", 3),  # 1–3 days
    ),
    _carrier(
        "dhl_express",
        "DHL Express",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
        ("express_worldwide", "DHL Express Worldwide", 3),
        ("express_12", "DHL Express 12:00", 2),
        ("express_9", "DHL Express 9:00", 2),
        ("economy_select", "DHL Economy Select", 6),  # road network, 2–6 days in Europe
    ),
    _carrier(
        "amazon",
        "Amazon Shipping",
        "https://track.amazon.com/tracking/{number}",
        ("standard", "Amazon Shipping Standard", 4),
        ("ground", "Amazon Shipping Ground", 5),
        ("two_day", "Amazon Shipping Two-Day", 2),
        ("one_day", "Amazon Shipping One-Day", 1),
    ),
    _carrier(
        "ontrac",
        "OnTrac",  # LaserShip merged into OnTrac (2021) and trades under its name since 2024
        "https://www.ontrac.com/tracking/?number={number}",
        ("ground", "OnTrac Ground", 2),
    ),
    _with_post(
        _carrier(
            "canada_post",
            "Canada Post",
            "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
            ("regular", "Regular Parcel", 7),
            ("expedited", "Expedited Parcel", 5),
            ("xpresspost", "Xpresspost", 2),
            ("priority", "Priority", 1),
            ("tracked_packet_usa", "Tracked Packet – USA", 10),  # 6–10 days
            ("tracked_packet_international", "Tracked Packet – International", 10),  # 6–10 days
        ),
        "CA",
    ),
    _carrier(
        "dpd",
        "DPD",
        "https://tracking.dpd.de/status/en_US/parcel/{number}",
        ("classic", "DPD Classic", 3),  # road, 1–3 days within Europe
        ("express", "DPD Express", 1),
    ),
    _with_post(
        _carrier(
            "royal_mail",
            "Royal Mail",
            "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
            ("tracked_48", "Royal Mail Tracked 48", 2),
            ("tracked_24", "Royal Mail Tracked 24", 1),
            ("special_delivery", "Special Delivery Guaranteed", 1),
            ("international_tracked", "International Tracked", 7),  # 3–7 days, UPU S10 numbers
        ),
        "GB",
    ),
    # National posts: their tracked items carry UPU S10 numbers ending in the country's code
    # (shipping.tracking validates them by the post's country). Transit times are the slow end
    # of each post's published times for its tracked domestic and international items.
    _post(
        "deutsche_post",
        "Deutsche Post",
        "DE",
        "https://www.deutschepost.de/de/s/sendungsverfolgung.html?piececode={number}",
        ("einschreiben", "Einschreiben (registered)", 3),
        ("international_tracked", "Warenpost International Premium / Einschreiben International", 10),
    ),
    _post(
        "la_poste",
        "La Poste",
        "FR",
        "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
        ("lettre_suivie", "Lettre suivie", 3),
        ("international_tracked", "Lettre recommandée internationale", 10),
    ),
    _post(
        "correos",
        "Correos",
        "ES",
        "https://www.correos.es/es/en/tools/tracker/items/details?tracking-number={number}",
        ("certificado", "Carta certificada", 4),
        ("international_tracked", "Paquete Internacional Premium", 10),
    ),
    _post(
        "poste_italiane",
        "Poste Italiane",
        "IT",
        "https://www.poste.it/cerca/index.html#/risultati-spedizioni/{number}",
        ("raccomandata", "Raccomandata", 4),
        ("international_tracked", "Raccomandata Internazionale", 10),
    ),
    _post(
        "australia_post",
        "Australia Post",
        "AU",
        "https://auspost.com.au/mypost/track/details/{number}",
        ("registered", "Registered Post", 6),
        ("international_tracked", "International Standard (tracked)", 15),
    ),
    _post(
        "nz_post",
        "NZ Post",
        "NZ",
        "https://www.nzpost.co.nz/tools/tracking/item/{number}",
        ("tracked", "Tracked", 4),
        ("international_tracked", "International Tracked", 15),
    ),
    _post(
        "japan_post",
        "Japan Post",
        "JP",
        "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en",
        ("registered", "Registered mail (kakitome)", 3),
        ("international_tracked", "International ePacket / EMS", 10),
    ),
    # Posta Kenya publishes no tracking page that takes a number in its address: its parcels are
    # followed on Shipdesk's own page (/t/), from the scans its webhooks or an aggregator send.
    _post(
        "posta_kenya",
        "Posta Kenya",
        "KE",
        None,
        ("registered", "Registered parcel", 5),
        ("ems", "EMS Kenya", 3),
        ("international_tracked", "International registered / EMS", 15),
    ),
    _carrier(
        "other",
        "Other (untracked)",
        None,
        ("standard", "Standard", 5),
    ),
)

# Ordered as a seller sees them in the ship form; read-only so no caller can change the registry.
CARRIERS: Mapping[str, Carrier] = MappingProxyType({c.code: c for c in _ALL})
# Each country's national post, by ISO code: the carrier list offers a seller theirs first.
NATIONAL_POSTS: Mapping[str, Carrier] = MappingProxyType(
    {c.country: c for c in _ALL if c.kind == POSTAL_OPERATOR and c.country}
)


def carriers_for(country: str) -> list[Carrier]:
    """The registry as a seller in `country` sees it: their national post first, then the rest in order."""
    own = NATIONAL_POSTS.get((country or "").upper())
    return [*([own] if own else []), *(c for c in CARRIERS.values() if c is not own)]


# A pretend carrier for the demo and for trying Shipdesk out: `shipping.polling` moves its parcels
# from pre-transit to delivered over a few minutes, through the same path as a real carrier's
# events. It is tracked (it reports deliveries itself) but has no public tracking page. Kept out
# of CARRIERS: a seller can use it only where the operator turns it on
# (settings.SHIPDESK_SANDBOX_CARRIER), since its deliveries are invented.
SANDBOX = Carrier(
    code="sandbox",
    name="Sandbox carrier",
    services=(
        ServiceLevel(code="standard", name="Sandbox Standard", transit_days=1),
        # The label sandbox (shipping.labels.sandbox) quotes these too, so a seller trying
        # Shipdesk out compares a cheap slow rate with a dear fast one.
        ServiceLevel(code="economy", name="Sandbox Economy", transit_days=3),
        ServiceLevel(code="express", name="Sandbox Express", transit_days=1),
    ),
    tracking_url=None,
    tracked=True,
    sandbox=True,
)


def get_carrier(code: str) -> Carrier | None:
    return SANDBOX if code == SANDBOX.code else CARRIERS.get(code)


def service_choice_problem(*, carrier: str, service_level: str) -> dict[str, list[str]]:
    """Why (carrier, service level) is not a service a shop may choose, per field; empty if it is.

    Both blank is a choice too: "no preference".
    """
    if not carrier and not service_level:
        return {}
    found = get_carrier(carrier)
    if found is None:
        return {"carrier": [f"Unknown carrier {carrier!r}."]}
    if found.service(service_level) is None:
        return {"service_level": [f"{found.name} offers: {', '.join(s.code for s in found.services)}."]}
    return {}
