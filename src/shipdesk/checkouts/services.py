"""Placing a marketplace checkout: one basket from several shops becomes one order per shop.

All or none: every shop's order is placed through `orders.services.place_order` inside one
transaction, and anything wrong with any of them — a bad field, an unknown shop or SKU, a line
that cannot be reserved in full, a payment that does not match the orders' totals to the cent —
rolls back all of them, with every reason found. Idempotent like an order: the same reference
or Idempotency-Key with the same body returns the same checkout; with another body it is 409.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.actors import Actor
from shipdesk.errors import IdempotencyConflict, StateConflict, StockShort, ValidationFailed
from shipdesk.inventory.models import Product
from shipdesk.orders.models import LineStock, OrderLine
from shipdesk.orders.services import MAX_LINES, NewOrder, NewOrderLine, place_order

from .models import Checkout, CheckoutOrder

# The channel every order of a checkout is placed on; its external id is the checkout's reference.
CHECKOUT_CHANNEL = "checkout"
MAX_SHOPS = 20


@dataclass(frozen=True)
class CheckoutLine:
    seller: str  # the shop's slug
    sku: str
    quantity: int
    unit_price: Decimal
    tax: Decimal = Decimal("0")  # on the whole line, all units


@dataclass(frozen=True)
class ShopShipping:
    seller: str
    fee: Decimal
    tax: Decimal = Decimal("0")


@dataclass(frozen=True)
class NewCheckout:
    reference: str
    customer_name: str
    customer_email: str
    ship_name: str
    ship_line1: str
    ship_city: str
    ship_postal_code: str
    ship_country: str
    currency: str
    lines: tuple[CheckoutLine, ...]
    payment_status: str
    payment_amount: Decimal
    shipping: tuple[ShopShipping, ...] = ()
    payment_reference: str = ""
    customer_phone: str = ""
    ship_line2: str = ""
    ship_region: str = ""
    placed_at: datetime | None = None
    note: str = ""

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()


def _existing(*, reference: str, idempotency_key: str | None) -> Checkout | None:
    found = Checkout.objects.filter(reference=reference).first()
    if found is None and idempotency_key:
        found = Checkout.objects.filter(idempotency_key=idempotency_key).first()
    return found


def _replay(checkout: Checkout, fingerprint: str) -> Checkout:
    if checkout.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"Checkout {checkout.reference} was already placed with this reference or idempotency key "
            "and a different body.",
            details={"checkout_id": checkout.pk},
        )
    return checkout


def place_checkout(
    *, data: NewCheckout, actor: Actor, idempotency_key: str | None = None, at: datetime | None = None
) -> tuple[Checkout, bool]:
    """Place one order per shop of the basket, all or none; returns (checkout, created).

    Guards (nothing is written unless all pass): every line names an active shop (422
    `lines.<i>.seller`), every shop's order passes `place_order`'s checks (422, the paths mapped
    back to the checkout's: `lines.<i>.sku`, `shipping.<k>.fee`, `customer.email`…), every line
    is reserved in full (409 `insufficient_stock`, `details.short_lines` naming each short line
    with what is available), and the payment amount equals the sum of the orders' totals (422
    `payment.amount`). Writes, in one transaction: the checkout, each shop's order (numbered by
    its shop, with its own shipping fee, stock reserved, events, messages and webhooks), and the
    part of the payment allocated to each order — its total, so the parts add up to the payment.
    """
    fingerprint = data.fingerprint()
    existing = _existing(reference=data.reference, idempotency_key=idempotency_key)
    if existing is not None:
        return _replay(existing, fingerprint), False
    try:
        with transaction.atomic():
            return _place(data=data, actor=actor, idempotency_key=idempotency_key, fingerprint=fingerprint, at=at), True
    except IntegrityError:
        # A concurrent identical checkout won the unique reference: return it.
        existing = _existing(reference=data.reference, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fingerprint), False


def _group(data: NewCheckout) -> tuple[dict[Seller, list[int]], dict[str, list[str]]]:
    """The basket's line indexes per shop (shops in id order), and the problems with its shops."""
    errors: dict[str, list[str]] = {}
    if not data.lines:
        errors["lines"] = ["A checkout needs at least one line."]
    slugs = {line.seller for line in data.lines} | {entry.seller for entry in data.shipping}
    sellers = {s.slug: s for s in Seller.objects.filter(slug__in=slugs, is_active=True)}
    by_shop: dict[Seller, list[int]] = defaultdict(list)
    for i, line in enumerate(data.lines):
        seller = sellers.get(line.seller)
        if seller is None:
            errors.setdefault(f"lines.{i}.seller", []).append(f"Unknown shop {line.seller!r}.")
        else:
            by_shop[seller].append(i)
    if len(by_shop) > MAX_SHOPS:
        errors.setdefault("lines", []).append(f"At most {MAX_SHOPS} shops in one checkout.")
    for shop, indexes in by_shop.items():
        if len(indexes) > MAX_LINES:
            errors.setdefault("lines", []).append(f"At most {MAX_LINES} lines from {shop.slug}.")
    shops_with_lines = {line.seller for line in data.lines}
    seen: set[str] = set()
    for k, entry in enumerate(data.shipping):
        if entry.seller in seen:
            errors.setdefault(f"shipping.{k}.seller", []).append(f"{entry.seller} has a shipping entry already.")
        elif entry.seller not in shops_with_lines:
            errors.setdefault(f"shipping.{k}.seller", []).append(f"No line of the checkout is from {entry.seller!r}.")
        seen.add(entry.seller)
    return dict(sorted(by_shop.items(), key=lambda item: item[0].pk)), errors


_ORDER_LINE_PATH = re.compile(r"^lines\.(\d+)\.(.+)$")


def _checkout_path(path: str, *, indexes: list[int], shipping_index: int | None) -> str:
    """A field path of one shop's order (`lines.0.sku`) as a path of the checkout (`lines.3.sku`)."""
    if match := _ORDER_LINE_PATH.match(path):
        position = int(match.group(1))
        if position < len(indexes):
            return f"lines.{indexes[position]}.{match.group(2)}"
    if path in ("shipping_fee", "shipping_tax"):
        return (
            f"shipping.{shipping_index}.{'fee' if path == 'shipping_fee' else 'tax'}"
            if shipping_index is not None
            else "shipping"
        )
    return {
        "external_id": "reference",
        "payment_reference": "payment.reference",
        "payment_status": "payment.status",
    }.get(path, path)


def _place(
    *, data: NewCheckout, actor: Actor, idempotency_key: str | None, fingerprint: str, at: datetime | None
) -> Checkout:
    now = at or timezone.now()
    # Problems are collected across every shop (the shops' own checks run too), then refused at once.
    by_shop, errors = _group(data)
    # First, so that a concurrent identical checkout waits here on the unique reference, then
    # replays this one, instead of racing it shop by shop.
    checkout = Checkout.objects.create(
        reference=data.reference,
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        currency=data.currency,
        payment_status=data.payment_status,
        payment_amount=data.payment_amount,
        payment_reference=data.payment_reference,
        customer_email=data.customer_email.strip().lower(),
        created_at=now,
    )
    shipping_of = {entry.seller: (k, entry) for k, entry in enumerate(data.shipping)}
    placed = []
    short_lines: list[dict] = []
    for seller, indexes in by_shop.items():
        shipping_index, shipping = shipping_of.get(
            seller.slug, (None, ShopShipping(seller=seller.slug, fee=Decimal(0)))
        )
        order_data = NewOrder(
            channel=CHECKOUT_CHANNEL,
            external_id=data.reference,
            customer_name=data.customer_name,
            customer_email=data.customer_email,
            customer_phone=data.customer_phone,
            ship_name=data.ship_name,
            ship_line1=data.ship_line1,
            ship_line2=data.ship_line2,
            ship_city=data.ship_city,
            ship_region=data.ship_region,
            ship_postal_code=data.ship_postal_code,
            ship_country=data.ship_country,
            currency=data.currency,
            lines=tuple(
                NewOrderLine(
                    sku=data.lines[i].sku,
                    quantity=data.lines[i].quantity,
                    unit_price=data.lines[i].unit_price,
                    tax=data.lines[i].tax,
                )
                for i in indexes
            ),
            shipping_fee=shipping.fee,
            shipping_tax=shipping.tax,
            payment_status=data.payment_status,
            payment_reference=data.payment_reference,
            placed_at=data.placed_at,
            note=data.note,
        )
        try:
            order, created = place_order(seller_id=seller.pk, data=order_data, actor=actor, seller=seller, at=now)
        except ValidationFailed as exc:
            # Keep looking at the other shops, so the storefront hears every problem at once.
            for path, problems in exc.details.items():
                key = _checkout_path(path, indexes=indexes, shipping_index=shipping_index)
                errors.setdefault(key, []).extend(p for p in problems if p not in errors.get(key, []))
            continue
        if not created:
            raise StateConflict(
                f"{seller.slug} already has an order from checkout {data.reference}, placed outside this checkout.",
                details={"reference": data.reference, "seller": seller.slug},
            )
        placed.append((seller, order))
        short_lines.extend(_short_lines(order, indexes=indexes, seller=seller))
    if errors:
        raise ValidationFailed("The checkout has invalid fields.", details=errors)
    if short_lines:
        listing = ", ".join(
            f"{line['seller']} {line['sku']} ({line['available']} of {line['quantity']})" for line in short_lines
        )
        raise StockShort(f"Not enough stock for: {listing}. Nothing was ordered.", details={"short_lines": short_lines})
    total = sum((order.total for _, order in placed), Decimal("0"))
    if total != data.payment_amount:
        raise ValidationFailed(
            "The payment does not match the orders' totals.",
            details={"payment.amount": [f"The checkout's orders total {total:f} {data.currency}; pay exactly that."]},
        )
    CheckoutOrder.objects.bulk_create(
        [
            CheckoutOrder(checkout=checkout, seller=seller, order=order, allocated=order.total)
            for seller, order in placed
        ]
    )
    return checkout


def _short_lines(order, *, indexes: list[int], seller: Seller) -> list[dict]:
    # The lines were written in the order they were given, so the n-th by id is indexes[n].
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    short = [(n, line) for n, line in enumerate(lines) if line.stock == LineStock.SHORT]
    if not short:
        return []
    available = {
        p["pk"]: p["on_hand"] - p["reserved"]
        for p in Product.objects.filter(pk__in=[line.product_id for _, line in short]).values(
            "pk", "on_hand", "reserved"
        )
    }
    return [
        {
            "line": indexes[n],
            "seller": seller.slug,
            "sku": line.sku,
            "quantity": line.quantity,
            "available": max(0, available.get(line.product_id, 0)),
        }
        for n, line in short
    ]
