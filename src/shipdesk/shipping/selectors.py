"""Reads for shipping, always inside one seller (None only for a platform token).

One read looks across sellers on purpose: whether a tracking number is taken. It answers only
yes or no, never whose parcel it is.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, Q
from django_countries import countries

from shipdesk.accounts.models import Seller
from shipdesk.accounts.paper_images import stored_image
from shipdesk.errors import (
    InvalidTrackingNumber,
    NotFound,
    StateConflict,
    TrackingNumberInUse,
    ValidationFailed,
)
from shipdesk.inventory.handling_notes import handling_note_labels
from shipdesk.orders.models import LineStock, Order, OrderLine

from .carriers import get_carrier
from .document_data import DocumentLine, DocumentOrder, DocumentShipment
from .models import DelayReason, Shipment, ShipmentPurpose, TrackingEvent, TrackingStatus
from .tracking import detect_carriers, normalize_tracking_number, validate_tracking_number

MAX_DOCUMENT_ORDERS = 500


# --- is a tracking number free? ---------------------------------------------------------------


def require_tracking_number_free(*, seller_id: int, carrier: str, number: str) -> None:
    """Raise TrackingNumberInUse (409) unless `number` (normalised) may go on a new shipment.

    A carrier's number names one parcel: it is taken while it is on an undelivered parcel of any
    shop with that carrier (else one carrier scan would move two shops' orders), and, within a
    shop, on any of its parcels, delivered or not (a reused number is the seller's typo). Untracked
    ("other") numbers are free text. The ship service calls this, and so can a live check of the
    ship form; the database's unique keys on Shipment hold the same rule under concurrency.
    """
    if carrier == "other" or not number:
        return
    taken = Shipment.objects.filter(
        Q(seller_id=seller_id) | Q(delivered_at__isnull=True), carrier=carrier, tracking_number=number
    ).values_list("seller_id", flat=True)[:1]
    for owner_id in taken:
        if owner_id == seller_id:
            message = f"Tracking number {number} is already used on another of your shipments."
        else:
            # Said without naming the other shop: only that the parcel is someone else's and on its way.
            message = (
                f"Tracking number {number} is already in use on a parcel that has not been delivered yet. "
                "A tracking number names one parcel: check the label."
            )
        raise TrackingNumberInUse(message, details={"tracking_number": number})


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _document_shipment(shipment: Shipment) -> DocumentShipment:
    carrier = get_carrier(shipment.carrier)
    service = carrier.service(shipment.service_level) if carrier else None
    return DocumentShipment(
        carrier=carrier.name if carrier else shipment.carrier,
        service=service.name if service else shipment.service_level,
        tracking_number=shipment.tracking_number,
        sandbox=bool(carrier and carrier.sandbox),
    )


def _own_parcels(order: Order) -> list[Shipment]:
    # Prefetched in the order they left (document_orders).
    return [each for each in order.shipments.all() if each.purpose == ShipmentPurpose.ORDER]


@dataclass(frozen=True)
class _ShopPapers:
    """What a shop prints on every paper besides the order: read once per shop in a batch."""

    logo: bytes | None
    insert_text: str
    insert_image: bytes | None

    @classmethod
    def of(cls, seller: Seller) -> _ShopPapers:
        return cls(
            logo=stored_image(seller.logo),
            insert_text=seller.insert_text,
            insert_image=stored_image(seller.insert_image),
        )


def _document(order: Order, papers: _ShopPapers) -> DocumentOrder:
    seller = order.seller
    parcels = tuple(_document_shipment(each) for each in _own_parcels(order))
    region_line = " ".join(x for x in (order.ship_city, order.ship_region, order.ship_postal_code) if x)
    zone = _zone(seller.timezone)
    return DocumentOrder(
        order_id=order.pk,
        number=order.number,
        placed_at=order.placed_at.astimezone(zone),
        shop_timezone=zone.key,
        shop_name=seller.name,
        shop_email=seller.email,
        shop_country=str(seller.country),
        thank_you_note=seller.thank_you_note,
        customer_note=order.note,
        ship_to=(
            order.ship_name,
            order.ship_line1,
            order.ship_line2,
            region_line,
            countries.name(order.ship_country) or order.ship_country,
        ),
        lines=tuple(
            DocumentLine(
                sku=line.sku,
                title=line.title,
                quantity=line.open_quantity,
                bin_location=line.product.bin_location,
                handling=handling_note_labels(line.product.handling_notes or ()),
            )
            for line in order.lines.all()
            if line.stock != LineStock.RELEASED
        ),
        shipment=parcels[0] if parcels else None,
        parcels=parcels,
        logo=papers.logo,
        is_gift=order.is_gift,
        gift_message=order.gift_message,
        insert_text=papers.insert_text,
        insert_image=papers.insert_image,
    )


def document_orders(*, seller_id: int | None, order_ids: list[int], need_shipment: bool = False) -> list[DocumentOrder]:
    """The orders to print, in the order asked (repeats dropped), in a fixed number of queries.

    Any id that is unknown or another seller's is a 404 for the whole request: a batch is never
    printed with a page silently missing.
    """
    ids = list(dict.fromkeys(order_ids))
    if not ids:
        raise ValidationFailed("Name at least one order.", details={"order_ids": ["At least one order id."]})
    if len(ids) > MAX_DOCUMENT_ORDERS:
        raise ValidationFailed(
            "Too many orders.", details={"order_ids": [f"At most {MAX_DOCUMENT_ORDERS} per document."]}
        )
    # An id beyond the database's 64-bit keys names no order (and the driver refuses to bind it).
    qs = Order.objects.filter(pk__in=[i for i in ids if 0 < i < 2**63])
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    found = {
        order.pk: order
        for order in qs.select_related("seller").prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id")),
            Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at", "id")),
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("Order not found.", details={"order_ids": missing})
    if need_shipment:
        unshipped = [found[i].number for i in ids if not _own_parcels(found[i])]
        if unshipped:
            raise StateConflict(
                "A label needs a shipment: ship these orders first.", details={"unshipped_orders": unshipped}
            )
    papers = {seller.pk: _ShopPapers.of(seller) for seller in {order.seller for order in found.values()}}
    return [_document(found[i], papers[found[i].seller_id]) for i in ids]


# --- the customer's tracking page -------------------------------------------------------------

# The newest scans shown to the customer; a parcel rarely has more, and the page stays bounded.
TRACKING_PAGE_EVENTS = 50

# A delay in the customer's words: what happened, not our internal flag.
DELAY_FOR_CUSTOMERS = {
    DelayReason.EXCEPTION: "The carrier reported a problem with this parcel; the shop has been told.",
    DelayReason.RETURN_TO_SENDER: "The carrier is returning this parcel to the shop; the shop has been told.",
    DelayReason.NO_MOVEMENT: "The carrier has not scanned this parcel for a few days.",
    DelayReason.MISSED_ETA: "This parcel is later than its expected delivery date.",
}


@dataclass(frozen=True)
class TrackingPageStep:
    label: str
    done: bool
    at: datetime | None


@dataclass(frozen=True)
class TrackingPageScan:
    at: datetime
    status: str
    description: str
    location: str


@dataclass(frozen=True)
class TrackingPageParcel:
    """One parcel as the customer sees it: its carrier, number, ETA, delay, scans and contents."""

    carrier: str
    service: str
    tracking_number: str
    carrier_url: str  # the carrier's own tracking page, from its URL template
    eta: datetime | None
    delivered_at: datetime | None
    delay: str
    scans: tuple[TrackingPageScan, ...]
    items: tuple[tuple[str, int], ...]  # (title, units) in this parcel


@dataclass(frozen=True)
class TrackingPage:
    """What a customer may see of their order: no address line, no email, no money.

    The link travels in emails and may be forwarded, so the page shows where the parcel is and
    what is in it, and only the town it is going to. An order shipped in several parcels shows
    each; the single-parcel fields (`carrier` … `scans`) are those of its first parcel.
    """

    shop_name: str
    number: int
    status: str
    timezone: zoneinfo.ZoneInfo
    steps: tuple[TrackingPageStep, ...]
    items: tuple[tuple[str, int], ...]
    destination: str
    carrier: str = ""
    service: str = ""
    tracking_number: str = ""
    carrier_url: str = ""
    eta: datetime | None = None
    delivered_at: datetime | None = None
    delay: str = ""
    scans: tuple[TrackingPageScan, ...] = ()
    parcels: tuple[TrackingPageParcel, ...] = ()
    items_to_ship: int = 0  # units not yet in any parcel (part of the order is still being prepared)


def customer_tracking_page(*, order_id: int) -> TrackingPage:
    """The order a tracking link names (the link was verified by the caller), in a fixed number of queries."""
    order = Order.objects.select_related("seller").filter(pk=order_id).first()
    if order is None:
        raise NotFound("No such order.")
    zone = _zone(order.seller.timezone)
    lines = list(OrderLine.objects.filter(order_id=order.pk).exclude(stock=LineStock.RELEASED).order_by("id"))
    items = tuple((line.title, line.open_quantity) for line in lines)
    titles = {line.pk: line.title for line in lines}
    cancelled = order.status == "cancelled"
    steps = (
        TrackingPageStep("Order placed", True, order.placed_at),
        TrackingPageStep("Confirmed", order.confirmed_at is not None, order.confirmed_at),
        TrackingPageStep("Shipped", order.shipped_at is not None, order.shipped_at),
        TrackingPageStep("Delivered", order.delivered_at is not None, order.delivered_at),
    )
    page = TrackingPage(
        shop_name=order.seller.name,
        number=order.number,
        status=order.status,
        timezone=zone,
        steps=() if cancelled else steps,
        items=items,
        destination=", ".join(
            x for x in (order.ship_city, countries.name(order.ship_country) or order.ship_country) if x
        ),
    )
    shipments = list(Shipment.objects.filter(order_id=order.pk).prefetch_related("lines").order_by("shipped_at", "id"))
    if not shipments:
        return page
    scans_by_parcel: dict[int, list[TrackingEvent]] = {}
    scans = TrackingEvent.objects.filter(
        seller_id=order.seller_id, shipment_id__in=[each.pk for each in shipments]
    ).order_by("-occurred_at", "-id")
    for scan in scans[: TRACKING_PAGE_EVENTS * len(shipments)]:
        scans_by_parcel.setdefault(scan.shipment_id, []).append(scan)
    parcels = tuple(_tracking_page_parcel(each, scans_by_parcel.get(each.pk, []), titles) for each in shipments)
    in_parcels: dict[int, int] = {}
    for each in shipments:
        if each.purpose == ShipmentPurpose.ORDER:
            for line in each.lines.all():
                in_parcels[line.line_id] = in_parcels.get(line.line_id, 0) + line.quantity
    first = parcels[0]
    return replace(
        page,
        carrier=first.carrier,
        service=first.service,
        tracking_number=first.tracking_number,
        carrier_url=first.carrier_url,
        eta=first.eta,
        delivered_at=order.delivered_at if len(parcels) > 1 else (first.delivered_at or order.delivered_at),
        delay=first.delay,
        scans=first.scans,
        parcels=parcels,
        items_to_ship=sum(max(0, line.open_quantity - in_parcels.get(line.pk, 0)) for line in lines),
    )


def _tracking_page_parcel(shipment: Shipment, scans: list[TrackingEvent], titles: dict[int, str]) -> TrackingPageParcel:
    carrier = get_carrier(shipment.carrier)
    service = carrier.service(shipment.service_level) if carrier else None
    delivered_at = shipment.delivered_at
    return TrackingPageParcel(
        carrier=carrier.name if carrier else shipment.carrier,
        service=service.name if service else shipment.service_level,
        tracking_number=shipment.tracking_number,
        carrier_url=shipment.tracking_url,
        eta=shipment.eta,
        delivered_at=delivered_at,
        delay=DELAY_FOR_CUSTOMERS.get(shipment.delay_reason, "") if shipment.delayed and not delivered_at else "",
        scans=tuple(
            TrackingPageScan(
                at=scan.occurred_at,
                status=TrackingStatus(scan.status).label if scan.status in TrackingStatus.values else scan.status,
                description=scan.description,
                location=scan.location,
            )
            for scan in scans[:TRACKING_PAGE_EVENTS]
        ),
        items=tuple((titles.get(line.line_id, ""), line.quantity) for line in shipment.lines.all()),
    )


def check_tracking(*, carrier_code: str, service_level: str, tracking_number: str) -> str:
    """The normalised tracking number, or the validation error that refuses the shipment."""
    carrier = get_carrier(carrier_code or "")
    # The sandbox carrier invents its deliveries: only where the operator turned it on (demo).
    if carrier is None or (carrier.sandbox and not settings.SHIPDESK_SANDBOX_CARRIER):
        raise ValidationFailed("Unknown carrier.", details={"carrier": [f"Unknown carrier {carrier_code!r}."]})
    if carrier.service(service_level or "") is None:
        raise ValidationFailed(
            "Unknown service level.",
            details={"service_level": [f"{carrier.name} offers: {', '.join(s.code for s in carrier.services)}."]},
        )
    # Typed or scanned numbers carry spaces; the limit applies to the normalised number.
    number = normalize_tracking_number((tracking_number or "")[:256])
    if len(tracking_number or "") > 256 or len(number) > 64:
        raise InvalidTrackingNumber(
            "A tracking number has at most 64 characters.", details={"tracking_number": ["Too long."]}
        )
    if not validate_tracking_number(carrier=carrier.code, number=number):
        looks_like = [m.carrier for m in detect_carriers(number) if m.valid]
        hint = f" It looks like a {', '.join(get_carrier(c).name for c in looks_like)} number." if looks_like else ""
        raise InvalidTrackingNumber(
            f"{number or 'That'} is not a valid {carrier.name} tracking number.{hint}",
            details={"tracking_number": [f"Not a valid {carrier.name} tracking number."], "looks_like": looks_like},
        )
    return number
