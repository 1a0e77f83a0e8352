"""Reads for shipping, always inside one seller (None only for a platform token)."""

from __future__ import annotations

import zoneinfo

from django.db.models import Prefetch
from django_countries import countries

from shipdesk.errors import NotFound, StateConflict, ValidationFailed
from shipdesk.orders.models import LineStock, Order, OrderLine

from .carriers import get_carrier
from .documents import DocumentLine, DocumentOrder, DocumentShipment

MAX_DOCUMENT_ORDERS = 500


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _document(order: Order) -> DocumentOrder:
    seller = order.seller
    shipment = getattr(order, "shipment", None)
    carrier = get_carrier(shipment.carrier) if shipment else None
    service = carrier.service(shipment.service_level) if carrier and shipment else None
    region_line = " ".join(x for x in (order.ship_city, order.ship_region, order.ship_postal_code) if x)
    return DocumentOrder(
        order_id=order.pk,
        number=order.number,
        placed_at=order.placed_at.astimezone(_zone(seller.timezone)),
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
            DocumentLine(sku=line.sku, title=line.title, quantity=line.open_quantity, bin_location=line.product.bin_location)
            for line in order.lines.all()
            if line.stock != LineStock.RELEASED
        ),
        shipment=None
        if shipment is None
        else DocumentShipment(
            carrier=carrier.name if carrier else shipment.carrier,
            service=service.name if service else shipment.service_level,
            tracking_number=shipment.tracking_number,
            sandbox=bool(carrier and carrier.sandbox),
        ),
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
        raise ValidationFailed("Too many orders.", details={"order_ids": [f"At most {MAX_DOCUMENT_ORDERS} per document."]})
    qs = Order.objects.filter(pk__in=ids)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    found = {
        order.pk: order
        for order in qs.select_related("seller", "shipment").prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("Order not found.", details={"order_ids": missing})
    if need_shipment:
        unshipped = [found[i].number for i in ids if getattr(found[i], "shipment", None) is None]
        if unshipped:
            raise StateConflict(
                "A label needs a shipment: ship these orders first.", details={"unshipped_orders": unshipped}
            )
    return [_document(found[i]) for i in ids]

