"""Correcting an order's shipping address before anything ships (the seller, or at the customer's request)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shipdesk.actors import Actor
from shipdesk.errors import AddressLocked, ValidationFailed
from shipdesk.orders import events
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Order, OrderStatus
from shipdesk.orders.terms import OPEN_STATUSES
from shipdesk.shipping import parcels
from shipdesk.shipping.labels.models import PENDING_LABEL_STATUSES, Label

from ._saving import save_fields
from .placing import address_errors

# The API's address fields and the order's columns that hold them.
ADDRESS_COLUMNS = {
    "name": "ship_name",
    "line1": "ship_line1",
    "line2": "ship_line2",
    "city": "ship_city",
    "region": "ship_region",
    "postal_code": "ship_postal_code",
    "country": "ship_country",
}


def shipping_address(order: Order) -> dict[str, str]:
    return {field: getattr(order, column) for field, column in ADDRESS_COLUMNS.items()}


@transaction.atomic
def correct_address(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    address: dict[str, str],
    customer_request: bool = False,
    at: datetime | None = None,
) -> Order:
    """Replace the shipping address of an order that has not shipped anything yet.

    `address`: the whole corrected address (`name`, `line1`, `line2`, `city`, `region`,
    `postal_code`, `country`); `customer_request`: the customer asked for it (the timeline says
    so). Guards: pending, confirmed or processing with no parcel sent (409 `address_locked`:
    a parcel on its way cannot be readdressed here; nor while a bought label names the old
    address: void it first); every field valid by the rules an order is
    placed with, the country's own included (422 per field). Writes: the changed `ship_*`
    columns and the `address_corrected` event with the old and new value of each changed field.
    The same address again changes nothing and writes nothing.
    """
    order = lock_order(order_id=order_id, seller_id=seller_id)
    if order.status not in OPEN_STATUSES:
        raise AddressLocked(
            f"The order is {order.status}: its address can no longer be corrected.", details={"status": order.status}
        )
    if order.status == OrderStatus.PROCESSING and parcels.units_in_parcels(order_id=order.pk):
        raise AddressLocked(
            "A parcel of this order has shipped to the address it has: it can no longer be corrected.",
            details={"status": order.status},
        )
    pending_label = Label.objects.filter(order=order, status__in=PENDING_LABEL_STATUSES).first()
    if pending_label is not None:
        # The label names the old address and its postage was paid for it: void it first.
        raise AddressLocked(
            f"A label to the current address is {pending_label.status} ({pending_label.tracking_number or 'buying'}): "
            "void it before correcting the address.",
            details={"status": order.status, "label_id": pending_label.pk},
        )
    corrected = {field: (address.get(field) or "").strip() for field in ADDRESS_COLUMNS}
    corrected["country"] = corrected["country"].upper()
    problems = address_errors(corrected)
    if problems:
        raise ValidationFailed("The corrected address is not valid.", details=problems)
    previous = shipping_address(order)
    changed = [field for field in ADDRESS_COLUMNS if corrected[field] != previous[field]]
    if not changed:
        return order
    for field in changed:
        setattr(order, ADDRESS_COLUMNS[field], corrected[field])
    save_fields(order, *(ADDRESS_COLUMNS[field] for field in changed))
    events.address_corrected_event(
        order=order,
        actor=actor,
        at=at or timezone.now(),
        previous={field: previous[field] for field in changed},
        corrected={field: corrected[field] for field in changed},
        customer_request=customer_request,
    )
    return order
