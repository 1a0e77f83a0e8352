"""A claim's reshipment: the claimed units sent again in a parcel of their own.

The new parcel is a `Shipment` of purpose "reshipment" beside the order's own parcels, with
its own lines, carrier, tracking number, ETA and carrier scans (`shipping.parcels.create_parcel`;
the carrier webhooks find it by its number like any parcel, and its delivery never changes the
order's status). The units leave the shelf at once: free stock only, never units held for
other orders (409 `insufficient_stock` otherwise). Called inside `answer_claim`'s transaction,
with the order locked; products are taken in id order (the lock order).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from shipdesk.accounts.policy import calendar_for
from shipdesk.actors import Actor
from shipdesk.errors import StockShort
from shipdesk.inventory.models import StockMove
from shipdesk.inventory.services import build_stock_move, take_available, write_moves
from shipdesk.orders.models import OrderLine
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.models import Shipment, ShipmentPurpose
from shipdesk.shipping.parcels import create_parcel
from shipdesk.shipping.selectors import check_tracking, require_tracking_number_free


def reship(
    *,
    order,
    lines: list[tuple[int, int]],
    actor: Actor,
    carrier: str,
    service_level: str,
    tracking_number: str,
    reason: str,
    at: datetime,
) -> Shipment:
    assert transaction.get_connection().in_atomic_block, "reship runs inside the answering transaction"
    number = check_tracking(carrier_code=carrier, service_level=service_level, tracking_number=tracking_number)
    require_tracking_number_free(seller_id=order.seller_id, carrier=carrier, number=number)
    carrier_info = get_carrier(carrier)
    quantities = dict(lines)
    order_lines = sorted(
        OrderLine.objects.filter(order=order, pk__in=list(quantities)).select_related("product"),
        key=lambda line: line.product_id,
    )
    moves = []
    for line in order_lines:
        quantity = quantities[line.pk]
        if not take_available(product_id=line.product_id, quantity=quantity):
            raise StockShort(
                f"Not enough {line.sku} in stock to send {quantity} again.",
                details={"sku": line.sku, "needed": quantity},
            )
        moves.append(
            build_stock_move(
                product_id=line.product_id,
                seller_id=order.seller_id,
                kind=StockMove.Kind.DEDUCTED,
                actor=actor,
                on_hand_delta=-quantity,
                order_id=order.pk,
                reason=reason,
                at=at,
            )
        )
    write_moves(moves)
    eta = calendar_for(order.seller).add_business_days(at, carrier_info.service(service_level).transit_days)
    return create_parcel(
        order=order,
        lines=quantities,
        carrier=carrier,
        service_level=service_level,
        number=number,
        shipped_at=at,
        eta=eta,
        purpose=ShipmentPurpose.RESHIPMENT,
    )
