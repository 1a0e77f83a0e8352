"""Label writes on the shipping side: rate quotes, and a label's steps from buying to voided.

The provider is called outside any transaction; the rows that say what it answered are written
under the order's lock by the order service that drives a purchase or a void
(`orders.services.labels`), which also writes the timeline and the ledger's postage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from shipdesk import money
from shipdesk.errors import (
    InvalidTransition,
    LabelExists,
    NotFound,
    PaymentRequired,
    StateConflict,
    ValidationFailed,
)
from shipdesk.orders.models import Order
from shipdesk.orders.terms import PAID_FOR_STATES, PROCESSING
from shipdesk.single_line import single_line_errors

from ..carriers import get_carrier
from ..tracking import normalize_tracking_number, validate_tracking_number
from .choice import label_provider
from .models import Box, Label, LabelStatus, RateQuote
from .parcels import ParcelSize
from .providers import Purchase, Quote
from .selectors import parcel_contents, shipping_for

logger = logging.getLogger(__name__)

# A purchase whose process died between asking the provider and recording the answer leaves a
# BUYING label; after this long it no longer blocks the order (the provider may have bought it:
# the operator sees it in the log and the admin).
BUYING_ABANDONED_AFTER = timedelta(minutes=10)


def require_labelable(order: Order) -> None:
    """Labels are bought for a processing order that is paid for (409 otherwise)."""
    if order.status != PROCESSING:
        raise InvalidTransition(
            f"Labels are bought for processing orders; order #{order.number} is {order.status}.",
            details={"status": order.status, "allowed_actions": []},
        )
    if order.payment_status not in PAID_FOR_STATES:
        raise PaymentRequired(
            f"Order #{order.number} is not paid for.", details={"payment_status": order.payment_status}
        )


@dataclass(frozen=True)
class Rates:
    parcel: ParcelSize
    quotes: list[RateQuote]


def quote_rates(
    *, order_id: int, seller_id: int | None, lines: dict[int, int] | None = None, at: datetime | None = None
) -> Rates:
    """Rates for a parcel of the order from the configured provider, kept so a purchase charges them.

    `lines` (line id → units): the parcel's contents; None, every unit not yet shipped. Guards:
    the seller's order (404), processing and paid for (409), each line still to ship in those
    units (422 on `lines`), the shop's ship-from address set (409 ship_from_address_missing); the
    provider's refusals (422) and outages (503). Writes one RateQuote per rate offered.
    """
    qs = Order.objects.select_related("seller")
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    order = qs.filter(pk=order_id).first()
    if order is None:
        raise NotFound("Order not found.")
    require_labelable(order)
    contents = parcel_contents(order, lines)
    shipping = shipping_for(order, contents)
    provider = label_provider()
    quotes = provider.rates(shipping=shipping)
    now = at or timezone.now()
    parcel = shipping.parcel
    rows = [
        RateQuote(
            seller_id=order.seller_id,
            order=order,
            provider=provider.name,
            provider_rate_id=quote.rate_id[:100],
            provider_shipment_id=quote.shipment_id[:100],
            carrier=quote.carrier,
            service_level=quote.service_level,
            price=quote.price,
            currency=quote.currency,
            delivery_days=quote.delivery_days,
            delivery_date=quote.delivery_date,
            weight_grams=parcel.weight_grams,
            length_cm=parcel.length_cm,
            width_cm=parcel.width_cm,
            height_cm=parcel.height_cm,
            # Kept only when the seller chose the lines: {} ships whatever is left when it ships.
            lines={str(line_id): units for line_id, units in sorted(contents.items())} if lines else {},
            created_at=now,
        )
        for quote in quotes
        if money.is_currency(quote.currency)
    ]
    RateQuote.objects.bulk_create(rows, ignore_conflicts=True)
    return Rates(parcel=parcel, quotes=sorted(rows, key=lambda row: (row.price, row.delivery_days or 99)))


def quote_of(row: RateQuote) -> Quote:
    return Quote(
        rate_id=row.provider_rate_id,
        carrier=row.carrier,
        service_level=row.service_level,
        price=row.price,
        currency=row.currency,
        delivery_days=row.delivery_days,
        delivery_date=row.delivery_date,
        shipment_id=row.provider_shipment_id,
    )


def start_purchase(*, order: Order, quote: RateQuote, bought_by: str, now: datetime) -> Label:
    """Reserve the order's one pending label (inside the caller's transaction, the order locked).

    A pending label already there is 409 label_exists: two clerks buying at once buy one label.
    """
    assert transaction.get_connection().in_atomic_block
    Label.objects.filter(order=order, status=LabelStatus.BUYING, created_at__lt=now - BUYING_ABANDONED_AFTER).update(
        status=LabelStatus.FAILED, failure="abandoned: the purchase never finished"
    )
    pending = Label.objects.filter(
        order=order, status__in=[LabelStatus.BUYING, LabelStatus.BOUGHT, LabelStatus.VOIDING]
    )
    if existing := pending.first():
        raise LabelExists(
            f"Order #{order.number} already has a label ({existing.status}); void it to buy another.",
            details={"label_id": existing.pk, "status": existing.status},
        )
    try:
        with transaction.atomic():
            return Label.objects.create(
                seller_id=order.seller_id,
                order=order,
                status=LabelStatus.BUYING,
                provider=quote.provider,
                provider_rate_id=quote.provider_rate_id,
                provider_shipment_id=quote.provider_shipment_id,
                carrier=quote.carrier,
                service_level=quote.service_level,
                price=quote.price,
                currency=quote.currency,
                delivery_date=quote.delivery_date,
                weight_grams=quote.weight_grams,
                lines=quote.lines,
                bought_by=bought_by[:200],
                created_at=now,
            )
    except IntegrityError:
        raise LabelExists(f"Order #{order.number} already has a label.", details={}) from None


def finish_purchase(*, label_id: int, purchase: Purchase, now: datetime) -> Label:
    """The provider sold the label: bought, with its tracking number and PDF (caller holds the order)."""
    label = Label.objects.select_for_update().get(pk=label_id)
    number = normalize_tracking_number(purchase.tracking_number)[:64]
    if not validate_tracking_number(carrier=label.carrier, number=number):
        # The provider's number is the carrier's word; shipping checks it again and says so.
        logger.warning(
            "Label %s: %s returned %r, not a valid %s number.", label.pk, label.provider, number, label.carrier
        )
    if purchase.price is not None and purchase.currency == label.currency and purchase.price != label.price:
        logger.info("Label %s: %s charged %s, quoted %s.", label.pk, label.provider, purchase.price, label.price)
        label.price = purchase.price
    label.status = LabelStatus.BOUGHT
    label.tracking_number = number
    label.provider_label_id = purchase.label_id[:100]
    label.pdf = purchase.pdf
    label.bought_at = now
    label.save(update_fields=["status", "tracking_number", "provider_label_id", "pdf", "bought_at", "price"])
    return label


def fail_purchase(*, label_id: int, failure: str) -> None:
    """The provider refused or failed: nothing bought, nothing charged; the order may try again."""
    Label.objects.filter(pk=label_id, status=LabelStatus.BUYING).update(
        status=LabelStatus.FAILED, failure=failure[:500]
    )


def tracking_url_of(label: Label) -> str:
    carrier = get_carrier(label.carrier)
    return (carrier.tracking_url_for(label.tracking_number) if carrier and label.tracking_number else None) or ""


# --- boxes ------------------------------------------------------------------------------------


def add_box(
    *, seller_id: int, name: str, length_cm, width_cm, height_cm, weight_grams: int = 0, is_default: bool = False
) -> Box:
    """A box the shop packs into. Guards: a one-line name unique in the shop (409), sides above 0
    and at most 1000 cm, one decimal. `is_default`: tried first for every parcel (the old default
    stops being one)."""
    errors: dict[str, list[str]] = single_line_errors(name=name or "")
    if not (name or "").strip():
        errors.setdefault("name", []).append("This field is required.")
    for field, value in (("length_cm", length_cm), ("width_cm", width_cm), ("height_cm", height_cm)):
        if value is None or not Decimal("0") < Decimal(value) <= Decimal("1000"):
            errors[field] = ["Greater than 0 and at most 1000."]
        elif Decimal(value) != Decimal(value).quantize(Decimal("0.1")):
            errors[field] = ["At most one decimal place."]
    if not 0 <= (weight_grams or 0) <= 100_000:
        errors["weight_grams"] = ["Between 0 and 100000."]
    if errors:
        raise ValidationFailed("The box is not valid.", details=errors)
    with transaction.atomic():
        if Box.objects.filter(seller_id=seller_id, name=name.strip()).exists():
            raise StateConflict(f"A box named {name.strip()!r} exists.", details={"name": name.strip()})
        if is_default:
            Box.objects.filter(seller_id=seller_id, is_default=True).update(is_default=False)
        try:
            with transaction.atomic():
                return Box.objects.create(
                    seller_id=seller_id,
                    name=name.strip(),
                    length_cm=length_cm,
                    width_cm=width_cm,
                    height_cm=height_cm,
                    weight_grams=weight_grams or 0,
                    is_default=is_default,
                )
        except IntegrityError:
            raise StateConflict("A box with this name exists.", details={"name": name.strip()}) from None


@transaction.atomic
def remove_box(*, seller_id: int, box_id: int) -> None:
    deleted, _ = Box.objects.filter(seller_id=seller_id, pk=box_id).delete()
    if not deleted:
        raise NotFound("Box not found.")
