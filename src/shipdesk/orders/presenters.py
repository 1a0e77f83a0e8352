"""Orders as the API shows them: one function builds the JSON shape both API and exports use."""

from __future__ import annotations

from django.utils import timezone

from shipdesk.actors import ActorKind
from shipdesk.money import format_amount
from shipdesk.shipping.tracking_links import tracking_page_url

from . import workflow
from .models import Order
from .selectors import order_facts, order_parcels
from .substitutions import offer_url


def order_summary(order: Order) -> dict:
    return {
        "id": order.pk,
        "number": order.number,
        "seller": order.seller.slug,
        "channel": order.channel,
        "external_id": order.external_id,
        "status": order.status,
        "payment_status": order.payment_status,
        "customer_name": order.customer_name,
        "currency": order.currency,
        "total": format_amount(order.total, order.currency),
        "placed_at": order.placed_at,
        "next_deadline": order.action_due_at,
        "overdue": order.action_due_at is not None and order.action_due_at < timezone.now(),
    }


def _parcel(order: Order, shipment) -> dict:
    return {
        "id": shipment.pk,
        "purpose": shipment.purpose,
        "carrier": shipment.carrier,
        "service_level": shipment.service_level,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "customer_tracking_url": tracking_page_url(order.pk),
        "shipped_at": shipment.shipped_at,
        "eta": shipment.eta,
        "delivered_at": shipment.delivered_at,
        "tracking_status": shipment.tracking_status or None,
        "delayed": shipment.delayed,
        "delay_reason": shipment.delay_reason or None,
        "lines": [{"line_id": item.line_id, "quantity": item.quantity} for item in shipment.lines.all()],
    }


def order_detail(order: Order, *, actor_kind: ActorKind) -> dict:
    """`order` must come from `selectors.get_order`, or from an action through
    `selectors.order_answer` (lines, events, parcels, cancellations, substitute offers loaded)."""
    c = order.currency
    parcels = order_parcels(order)
    lines = list(order.lines.all())
    in_parcels: dict[int, int] = {}
    for parcel in parcels:
        for item in parcel.lines.all():
            in_parcels[item.line_id] = in_parcels.get(item.line_id, 0) + item.quantity
    return {
        **order_summary(order),
        "payment_reference": order.payment_reference,
        "customer": {"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone},
        "shipping_address": {
            "name": order.ship_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "region": order.ship_region,
            "postal_code": order.ship_postal_code,
            "country": order.ship_country,
        },
        "note": order.note,
        "is_gift": order.is_gift,
        "gift_message": order.gift_message,
        "subtotal": format_amount(order.subtotal, c),
        "shipping_fee": format_amount(order.shipping_fee, c),
        "shipping_tax": format_amount(order.shipping_tax, c),
        "tax_total": format_amount(order.tax_total, c),
        "refunded_total": format_amount(order.refunded_total, c),
        "refunded_tax": format_amount(order.refunded_tax, c),
        "lines": [
            {
                "id": line.pk,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "quantity_cancelled": line.quantity_cancelled,
                "quantity_refunded": line.quantity_refunded,
                "unit_price": format_amount(line.unit_price, c),
                "tax": format_amount(line.tax, c),
                "stock": line.stock,
                "quantity_shipped": in_parcels.get(line.pk, 0),
            }
            for line in lines
        ],
        "paid_at": order.paid_at,
        "confirmed_at": order.confirmed_at,
        "processing_at": order.processing_at,
        "shipped_at": order.shipped_at,
        "delivered_at": order.delivered_at,
        "cancelled_at": order.cancelled_at,
        "deadlines": {
            "confirm_by": order.confirm_by,
            "process_by": order.process_by,
            "ship_by": order.ship_by,
            "deliver_by": order.deliver_by,
        },
        "late": {
            "confirm": order.confirmed_late,
            "process": order.processed_late,
            "ship": order.shipped_late,
            "deliver": order.delivered_late,
        },
        # The first parcel, as before orders shipped in several; every parcel is in `shipments`.
        "shipment": _parcel(order, parcels[0]) if parcels else None,
        "shipments": [_parcel(order, each) for each in order.shipments.all()],
        "cancellations": [
            {
                "line_id": x.line_id,
                "quantity": x.quantity,
                "reason": x.reason,
                "note": x.note,
                "actor": x.actor_label,
                "refund_amount": format_amount(x.refund_amount, c),
                "refund_items": format_amount(x.refund_items, c),
                "refund_shipping": format_amount(x.refund_shipping, c),
                "refund_tax": format_amount(x.refund_tax, c),
                "created_at": x.created_at,
            }
            for x in order.cancellations.all()
        ],
        "substitute_offers": [
            {
                "id": x.pk,
                "line_id": x.line_id,
                "original_sku": x.original_sku,
                "substitute_sku": x.substitute_sku,
                "substitute_title": x.substitute_title,
                "quantity": x.quantity,
                "note": x.note,
                "status": x.status,
                "expires_at": x.expires_at,
                "decided_at": x.decided_at,
                "customer_url": offer_url(x.pk),
            }
            for x in order.substitute_offers.all()
        ],
        "allowed_actions": workflow.allowed_actions(order_facts(order), actor_kind),
        "events": [
            {
                "id": e.pk,
                "type": e.type,
                "actor": {"kind": e.actor_kind, "label": e.actor_label},
                "params": e.params,
                "created_at": e.created_at,
            }
            for e in order.events.all()
        ],
    }


def shipped_refund_detail(refund) -> dict:
    """A refund after shipment (`orders.ShippedRefund`) as the API shows it."""
    c = refund.order.currency
    return {
        "id": refund.pk,
        "order_id": refund.order_id,
        "source": refund.source,
        "reason": refund.reason,
        "note": refund.note,
        "currency": c,
        "amount": format_amount(refund.amount, c),
        "items": format_amount(refund.items, c),
        "shipping": format_amount(refund.shipping, c),
        "tax": format_amount(refund.tax, c),
        "lines": [
            {
                "line_id": x.line_id,
                "sku": x.line.sku,
                "quantity": x.quantity,
                "items": format_amount(x.items, c),
                "tax": format_amount(x.tax, c),
            }
            for x in refund.lines.select_related("line").order_by("line_id")
        ],
        "actor": refund.actor_label,
        "created_at": refund.created_at,
    }
