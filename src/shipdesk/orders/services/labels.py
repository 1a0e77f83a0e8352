"""Buying, voiding and shipping with a label bought through Shipdesk (docs/labels.md).

A purchase takes three steps so that no row lock is held while a provider is asked over the
network: (1) under the order's lock, the order's one pending label is reserved (BUYING; a unique
key, so two clerks buying at once buy one label); (2) the provider is asked, outside any
transaction; (3) under the order's lock again, the label is recorded BOUGHT with its tracking
number and PDF, its postage charged to the seller's ledger and the purchase written to the
timeline. A refusal marks the reservation FAILED: nothing charged, the order may try again.
A void mirrors it (VOIDING, the provider, VOIDED with the postage refunded).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shipdesk import money
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.errors import LabelInUse, LabelProviderRefused, NotFound, ShipdeskError, ValidationFailed
from shipdesk.orders import events
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Order
from shipdesk.shipping.labels import services as labels
from shipdesk.shipping.labels.choice import PROVIDERS
from shipdesk.shipping.labels.models import Label, LabelStatus, RateQuote
from shipdesk.shipping.labels.selectors import parcel_contents, shipping_for

from .parcels import ship_parcel


def buy_label(*, order_id: int, seller_id: int | None, actor: Actor, rate_id: str, at: datetime | None = None) -> Label:
    """Buy the label of a rate quoted for this order (`shipping.labels.services.quote_rates`).

    Guards: the seller's order (404); processing and paid for (409); a rate quoted for this order
    (422 on `rate_id`); no other pending label (409 label_exists); what the provider refuses (422
    label_provider_refused) or cannot answer (503). Writes: the Label (bought, tracking number,
    PDF); a `postage` ledger entry of its price; the `label_bought` event.
    """
    now = at or timezone.now()
    with transaction.atomic():
        order = lock_order(order_id=order_id, seller_id=seller_id)
        labels.require_labelable(order)
        quote = RateQuote.objects.filter(order=order, provider_rate_id=rate_id).order_by("-id").first()
        if quote is None:
            raise ValidationFailed(
                "Unknown rate for this order.",
                details={"rate_id": ["Not a rate quoted for this order; ask for rates."]},
            )
        label = labels.start_purchase(order=order, quote=quote, bought_by=actor.label, now=now)
    try:
        contents = {int(line_id): units for line_id, units in quote.lines.items()} or None
        shipping = shipping_for(order, parcel_contents(order, contents))
        purchase = PROVIDERS[quote.provider]().buy(quote=labels.quote_of(quote), shipping=shipping)
        if not purchase.tracking_number or not purchase.pdf:
            raise LabelProviderRefused(
                "The provider sold no label (no tracking number or PDF).", details={"rate_id": ["No label."]}
            )
    except ShipdeskError as exc:
        labels.fail_purchase(label_id=label.pk, failure=exc.message)
        raise
    except Exception as exc:
        labels.fail_purchase(label_id=label.pk, failure=f"{type(exc).__name__}: {exc}")
        raise
    with transaction.atomic():
        order = lock_order(order_id=order_id, seller_id=seller_id)
        label = labels.finish_purchase(label_id=label.pk, purchase=purchase, now=now)
        price = money.quantize(label.price, label.currency)
        earnings.charge_postage(order=order, amount=price, currency=label.currency, label_id=label.pk, at=now)
        events.label_bought_event(
            order=order,
            actor=actor,
            at=now,
            label_id=label.pk,
            carrier=label.carrier,
            service_level=label.service_level,
            tracking_number=label.tracking_number,
            price=money.format_amount(price, label.currency),
            currency=label.currency,
        )
    return label


def _locked_label(*, label_id: int, seller_id: int | None) -> tuple[Order, Label]:
    """The label's order locked first (the lock order), then the label; another seller's is a 404."""
    found = Label.objects.filter(pk=label_id)
    if seller_id is not None:
        found = found.filter(seller_id=seller_id)
    order_id = found.values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("Label not found.")
    order = lock_order(order_id=order_id, seller_id=seller_id)
    return order, Label.objects.select_for_update().get(pk=label_id)


def void_label(*, label_id: int, seller_id: int | None, actor: Actor, at: datetime | None = None) -> Label:
    """Void a bought label the parcel has not shipped with; its postage comes back in the ledger.

    Guards: the seller's label (404); bought and unused (409 label_not_voidable: shipped, voided
    or still being bought); the provider accepting the void (422 label_provider_refused, 503).
    Writes: the label voided; a `postage_refund` ledger entry; the `label_voided` event.
    """
    now = at or timezone.now()
    with transaction.atomic():
        order, label = _locked_label(label_id=label_id, seller_id=seller_id)
        if label.status != LabelStatus.BOUGHT:
            raise LabelInUse(
                f"Only a bought label the parcel has not shipped with can be voided; this one is {label.status}.",
                details={"status": label.status},
            )
        Label.objects.filter(pk=label.pk).update(status=LabelStatus.VOIDING)
    try:
        outcome = PROVIDERS[label.provider]().void(label_id=label.provider_label_id)
    except Exception:
        Label.objects.filter(pk=label.pk, status=LabelStatus.VOIDING).update(status=LabelStatus.BOUGHT)
        raise
    if not outcome.accepted:
        Label.objects.filter(pk=label.pk, status=LabelStatus.VOIDING).update(status=LabelStatus.BOUGHT)
        raise LabelProviderRefused(
            f"The provider would not void this label ({outcome.status or 'refused'}).",
            details={"label": [f"Provider status: {outcome.status or 'refused'}."]},
        )
    with transaction.atomic():
        order, label = _locked_label(label_id=label_id, seller_id=seller_id)
        label.status = LabelStatus.VOIDED
        label.voided_at = now
        label.save(update_fields=["status", "voided_at"])
        price = money.quantize(label.price, label.currency)
        earnings.refund_postage(order=order, amount=price, currency=label.currency, label_id=label.pk, at=now)
        events.label_voided_event(
            order=order,
            actor=actor,
            at=now,
            label_id=label.pk,
            tracking_number=label.tracking_number,
            price=money.format_amount(price, label.currency),
            currency=label.currency,
        )
    return label


@transaction.atomic
def ship_with_label(
    *,
    label_id: int,
    seller_id: int | None,
    actor: Actor,
    confirm_incomplete_pack: bool = False,
    at: datetime | None = None,
) -> Order:
    """Ship the label's parcel with it: carrier, service and tracking number from the label.

    The parcel holds the lines the label was bought for, or every unit not yet shipped; the order
    is shipped when nothing is left (`ship_parcel`). The seller prints the label and marks shipped
    in one step, or the carrier's first scan of the label's number does it
    (`shipping.services.LABEL_SCANNED`). Guards: a bought label (409 label_not_voidable otherwise)
    and everything `ship_parcel` guards. Writes what `ship_parcel` writes; the label becomes the
    parcel's (shipped).
    """
    order, label = _locked_label(label_id=label_id, seller_id=seller_id)
    if label.status != LabelStatus.BOUGHT:
        raise LabelInUse(f"This label is {label.status}; only a bought label ships.", details={"status": label.status})
    shipment = ship_parcel(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=actor,
        carrier=label.carrier,
        service_level=label.service_level,
        tracking_number=label.tracking_number,
        lines={int(line_id): units for line_id, units in label.lines.items()} or None,
        confirm_incomplete_pack=confirm_incomplete_pack,
        at=at,
    )
    label.status = LabelStatus.SHIPPED
    label.shipment = shipment
    label.shipped_at = shipment.shipped_at
    label.save(update_fields=["status", "shipment", "shipped_at"])
    return Order.objects.get(pk=order.pk)
