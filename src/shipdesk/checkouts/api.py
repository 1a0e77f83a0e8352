"""The checkout endpoint (platform token): one basket from several shops → one order per shop."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from shipdesk.api.auth import actor_of, require_platform
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import ValidationFailed
from shipdesk.money import format_amount

from . import selectors, services
from .models import Checkout
from .schemas import CheckoutIn, CheckoutOut

router = Router(tags=["checkouts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def checkout_out(checkout: Checkout) -> dict:
    parts = selectors.parts_of(checkout)
    return {
        "id": checkout.pk,
        "reference": checkout.reference,
        "currency": checkout.currency,
        "payment_status": checkout.payment_status,
        "payment_amount": format_amount(checkout.payment_amount, checkout.currency),
        "payment_reference": checkout.payment_reference,
        "orders": [
            {
                "seller": part.seller.slug,
                "order_id": part.order_id,
                "number": part.order.number,
                "status": part.order.status,
                "payment_status": part.order.payment_status,
                "subtotal": format_amount(part.order.subtotal, checkout.currency),
                "shipping_fee": format_amount(part.order.shipping_fee, checkout.currency),
                "tax_total": format_amount(part.order.tax_total, checkout.currency),
                "total": format_amount(part.order.total, checkout.currency),
                "allocated": format_amount(part.allocated, checkout.currency),
            }
            for part in parts
        ],
        "created_at": checkout.created_at,
    }


@router.post(
    "",
    response={200: CheckoutOut, 201: CheckoutOut, **ERRORS},
    summary="Place a checkout: one order per shop, all or none (platform token)",
    openapi_extra={
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "A retry with the same key (or reference) and body returns the same checkout (200).",
            }
        ]
    },
)
def place_checkout(request: HttpRequest, payload: CheckoutIn):
    """Every line names its shop; each shop gets one order with its own number and shipping fee.
    A short line, a bad line or a payment that does not equal the orders' totals refuses the whole
    checkout (409 `insufficient_stock` with `details.short_lines`, or 422 per field)."""
    require_platform(request)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise ValidationFailed("Idempotency-Key is too long.", details={"Idempotency-Key": ["At most 200 characters."]})
    data = services.NewCheckout(
        reference=payload.reference,
        customer_name=payload.customer.name,
        customer_email=payload.customer.email,
        customer_phone=payload.customer.phone,
        ship_name=payload.shipping_address.name,
        ship_line1=payload.shipping_address.line1,
        ship_line2=payload.shipping_address.line2,
        ship_city=payload.shipping_address.city,
        ship_region=payload.shipping_address.region,
        ship_postal_code=payload.shipping_address.postal_code,
        ship_country=payload.shipping_address.country,
        currency=payload.currency,
        lines=tuple(
            services.CheckoutLine(
                seller=line.seller, sku=line.sku, quantity=line.quantity, unit_price=line.unit_price, tax=line.tax
            )
            for line in payload.lines
        ),
        shipping=tuple(services.ShopShipping(seller=s.seller, fee=s.fee, tax=s.tax) for s in payload.shipping),
        payment_status=payload.payment.status,
        payment_amount=payload.payment.amount,
        payment_reference=payload.payment.reference,
        placed_at=payload.placed_at,
        note=payload.note,
    )
    checkout, created = services.place_checkout(data=data, actor=actor_of(request), idempotency_key=key)
    return Status(201 if created else 200, checkout_out(checkout))


@router.get("/{int:checkout_id}", response={200: CheckoutOut, **ERRORS}, summary="One checkout (platform token)")
def get_checkout(request: HttpRequest, checkout_id: int):
    require_platform(request)
    return checkout_out(selectors.get_checkout(checkout_id=checkout_id))
