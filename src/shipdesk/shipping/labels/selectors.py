"""Reads for labels, always inside one seller: what a parcel weighs, who sends it, which labels exist."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from shipdesk.accounts.models import ShopAddress
from shipdesk.errors import NotFound, ShipFromAddressMissing, ValidationFailed
from shipdesk.orders import workflow
from shipdesk.orders.models import LineStock, Order, OrderLine

from .. import parcels as shipping_parcels
from .models import Box, Label, LabelBatch
from .parcels import BoxSize, ParcelSize, Unit, parcel_for
from .providers import PostalAddress, Shipping


def _sides(holder) -> tuple[Decimal, Decimal, Decimal] | None:
    sides = (holder.length_cm, holder.width_cm, holder.height_cm)
    return None if any(side is None for side in sides) else sides


def boxes_of(*, seller_id: int) -> list[Box]:
    return list(Box.objects.filter(seller_id=seller_id).order_by("-is_default", "name"))


def parcel_contents(order: Order, lines: Mapping[int, int] | None = None) -> dict[int, int]:
    """What a parcel of the order holds, line id → units: `lines` if every one of them is still to
    ship (422 otherwise, as shipping it would be), else every unit not yet in a parcel."""
    order_lines = list(OrderLine.objects.filter(order_id=order.pk).exclude(stock=LineStock.RELEASED))
    left = workflow.units_left_to_ship(
        open_units=shipping_parcels.open_units(order_lines),
        in_parcels=shipping_parcels.units_in_parcels(order_id=order.pk),
    )
    if not lines:
        return left
    contents = {int(line_id): int(units) for line_id, units in lines.items()}
    if problems := workflow.parcel_problems(parcel=contents, left=left):
        raise ValidationFailed("This parcel cannot be sent as it is.", details={"lines": problems})
    return contents


def parcel_of(order: Order, contents: Mapping[int, int] | None = None) -> ParcelSize:
    """The parcel's units (`contents`, default: every unit left to ship) in the shop's boxes
    (`parcels.parcel_for`)."""
    contents = parcel_contents(order) if contents is None else contents
    lines = OrderLine.objects.filter(order_id=order.pk, pk__in=list(contents)).select_related("product")
    units = [
        Unit(quantity=contents[line.pk], weight_grams=line.product.weight_grams, sides_cm=_sides(line.product))
        for line in lines
    ]
    boxes = [
        BoxSize(name=box.name, sides_cm=_sides(box), weight_grams=box.weight_grams, is_default=box.is_default)
        for box in boxes_of(seller_id=order.seller_id)
    ]
    return parcel_for(units, boxes)


def ship_from_of(*, seller_id: int, shop_name: str, email: str = "") -> PostalAddress:
    """The shop's ship-from address as the sender of a label; 409 until the shop has set one."""
    address = ShopAddress.objects.filter(seller_id=seller_id, kind=ShopAddress.Kind.SHIP_FROM).first()
    if address is None:
        raise ShipFromAddressMissing(
            "Set your shop's ship-from address (Settings → Addresses) before buying labels.",
            details={"ship_from": ["Not set."]},
        )
    return PostalAddress(
        company=shop_name,
        name=address.name,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        region=address.region,
        postal_code=address.postal_code,
        country=str(address.country),
        phone=address.phone,
        email=email,
    )


def shipping_for(order: Order, contents: Mapping[int, int] | None = None) -> Shipping:
    """What a rate request for a parcel of the order says: sender, recipient, parcel, reference."""
    seller = order.seller
    return Shipping(
        ship_from=ship_from_of(seller_id=seller.pk, shop_name=seller.name, email=seller.email),
        ship_to=PostalAddress(
            name=order.ship_name,
            line1=order.ship_line1,
            line2=order.ship_line2,
            city=order.ship_city,
            region=order.ship_region,
            postal_code=order.ship_postal_code,
            country=order.ship_country,
            phone=order.customer_phone,
            email=order.customer_email,
        ),
        parcel=parcel_of(order, contents),
        reference=f"Order #{order.number}",
        currency=order.currency,
    )


def order_is_visible(*, order_id: int, seller_id: int | None) -> bool:
    qs = Order.objects.filter(pk=order_id)
    return (qs if seller_id is None else qs.filter(seller_id=seller_id)).exists()


def labels_of_order(*, seller_id: int | None, order_id: int) -> list[Label]:
    qs = Label.objects.filter(order_id=order_id).defer("pdf").order_by("-created_at", "-id")
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    return list(qs)


def get_label(*, seller_id: int | None, label_id: int, with_pdf: bool = False) -> Label:
    """One label of the seller's (another seller's is a 404)."""
    qs = Label.objects.select_related("order")
    if not with_pdf:
        qs = qs.defer("pdf")
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    label = qs.filter(pk=label_id).first()
    if label is None:
        raise NotFound("Label not found.")
    return label


def get_batch(*, seller_id: int | None, batch_id: int, with_pdf: bool = False) -> LabelBatch:
    qs = LabelBatch.objects.all() if with_pdf else LabelBatch.objects.defer("pdf")
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    batch = qs.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("Label batch not found.")
    return batch
