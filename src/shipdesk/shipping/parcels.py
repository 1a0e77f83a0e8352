"""Parcels: the shipments of an order and the units of its lines each one holds.

An order ships in one or more parcels (`Shipment` rows of purpose "order"), each with its own
carrier, service level, tracking number, ETA and carrier events; `ShipmentLine` rows say which
units went in which parcel. A claim's replacement parcel is a shipment of purpose "reshipment":
it holds units too, but they are not counted against the order's own lines.

Written only inside an order action that holds the order's lock (`orders.locks.lock_order`):
the units already in parcels are read under that lock, so two clerks shipping parcels of one
order at once queue on the order row and the second sees the first's parcel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum

from shipdesk.errors import TrackingNumberInUse
from shipdesk.orders.models import LineStock, Order, OrderLine

from .carriers import get_carrier
from .models import Shipment, ShipmentLine, ShipmentPurpose
from .selectors import require_tracking_number_free
from .tracking import trackable_number


def units_in_parcels(*, order_id: int) -> dict[int, int]:
    """Per order line id, the units already in the order's own parcels (reshipments not counted)."""
    rows = (
        ShipmentLine.objects.filter(shipment__order_id=order_id, shipment__purpose=ShipmentPurpose.ORDER)
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    return {row["line_id"]: row["units"] for row in rows}


def units_in(shipments: Iterable[Shipment]) -> dict[int, int]:
    """`units_in_parcels` counted from the order's shipments already read with their lines."""
    units: dict[int, int] = {}
    for shipment in shipments:
        if shipment.purpose == ShipmentPurpose.ORDER:
            for item in shipment.lines.all():
                units[item.line_id] = units.get(item.line_id, 0) + item.quantity
    return units


def open_units(lines: list[OrderLine]) -> dict[int, int]:
    """Per order line id, the units the order still owes (not cancelled)."""
    return {line.pk: line.open_quantity for line in lines if line.stock != LineStock.RELEASED}


def order_parcels(*, order_id: int, purpose: str | None = ShipmentPurpose.ORDER) -> list[Shipment]:
    """The order's parcels (of `purpose`, or every purpose with None) in the order they left."""
    qs = Shipment.objects.filter(order_id=order_id)
    if purpose is not None:
        qs = qs.filter(purpose=purpose)
    return list(qs.order_by("shipped_at", "id"))


def create_parcel(
    *,
    order: Order,
    lines: Mapping[int, int],
    carrier: str,
    service_level: str,
    number: str,
    shipped_at: datetime,
    eta: datetime | None,
    purpose: str = ShipmentPurpose.ORDER,
) -> Shipment:
    """Write one parcel and its lines. The caller holds the order's lock and has checked the
    carrier, the number (`selectors.check_tracking`) and the units (`orders.workflow.parcel_problems`).

    Two parcels with one tracking number (of one shop or two) written at once both pass the
    caller's check; a unique key on Shipment lets one in, and the other, once the winner has
    committed, gets 409 `tracking_number_in_use` instead of a database error.
    """
    carrier_info = get_carrier(carrier)
    # A scanned barcode may carry routing digits the carrier's page does not look up.
    page_number = trackable_number(carrier=carrier, number=number) or number
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                seller_id=order.seller_id,
                order=order,
                purpose=purpose,
                carrier=carrier,
                service_level=service_level,
                tracking_number=number,
                tracking_url=(carrier_info.tracking_url_for(page_number) if carrier_info else None) or "",
                shipped_at=shipped_at,
                eta=eta,
            )
    except IntegrityError:
        require_tracking_number_free(seller_id=order.seller_id, carrier=carrier, number=number)
        raise TrackingNumberInUse(
            f"Tracking number {number} is already in use on another shipment.", details={"tracking_number": number}
        ) from None
    ShipmentLine.objects.bulk_create(
        [
            ShipmentLine(seller_id=order.seller_id, shipment=shipment, line_id=line_id, quantity=units)
            for line_id, units in sorted(lines.items())
        ]
    )
    return shipment
