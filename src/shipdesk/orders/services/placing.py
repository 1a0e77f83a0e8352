"""Placing an order: validate the storefront's request, hold stock, number it, tell the seller.

Idempotent: a repeat of the same request (same external id or Idempotency-Key, same body) returns
the order it placed; the same key with another body is refused (409 idempotency_conflict).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_countries import countries

from shipdesk import money
from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import policy_for
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.errors import IdempotencyConflict, NotFound, ValidationFailed
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders import events
from shipdesk.orders.deadlines import confirm_deadline
from shipdesk.orders.models import LineStock, Order, OrderLine, OrderStatus, PaymentStatus
from shipdesk.orders.placed_at_window import placed_at_problem
from shipdesk.orders.selectors import hold

# The country's own rules for an address, one rule for every address Shipdesk takes (customers'
# and shops'): field name → problems.
from shipdesk.postal_addresses import address_problems as country_address_errors
from shipdesk.single_line import single_line_problem

MAX_LINES = 100

MAX_QUANTITY = 10_000


@dataclass(frozen=True)
class NewOrderLine:
    sku: str
    quantity: int
    unit_price: Decimal
    tax: Decimal = Decimal("0")  # on the whole line, all units


@dataclass(frozen=True)
class NewOrder:
    channel: str
    external_id: str
    customer_name: str
    customer_email: str
    ship_name: str
    ship_line1: str
    ship_city: str
    ship_postal_code: str
    ship_country: str
    currency: str
    lines: tuple[NewOrderLine, ...]
    shipping_fee: Decimal = Decimal("0")
    shipping_tax: Decimal = Decimal("0")
    payment_status: str = PaymentStatus.UNPAID
    customer_phone: str = ""
    ship_line2: str = ""
    ship_region: str = ""
    placed_at: datetime | None = None
    note: str = ""
    payment_reference: str = ""
    extra: dict = field(default_factory=dict)
    is_gift: bool = False
    gift_message: str = ""  # one line; printed on the packing slip and the gift slip

    def fingerprint(self) -> str:
        """A hash of what was asked, to tell a retry (same body) from a conflicting reuse of a key."""
        body = asdict(self)
        # Zero tax is left out, so a request from before tax existed still hashes as it did then
        # and its retry is a replay, not a conflict; any non-zero tax is part of what was asked.
        if not self.shipping_tax:
            del body["shipping_tax"]
        for line in body["lines"]:
            if not line["tax"]:
                del line["tax"]
        # Likewise an order that is no gift hashes as it did before gifts existed.
        if not self.is_gift and not self.gift_message:
            del body["is_gift"], body["gift_message"]
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


# A gift message's length: what a gift card holds (the Order column's max_length).
GIFT_MESSAGE_LIMIT = 300

# A shipping address's fields: (name, most characters, required). Placing an order and
# correcting its address (`addresses.correct_address`) hold it to the same rules.
ADDRESS_FIELDS = (
    ("name", 200, True),
    ("line1", 200, True),
    ("line2", 200, False),
    ("city", 100, True),
    ("region", 100, False),
    ("postal_code", 20, False),
)


def address_errors(address: dict[str, str]) -> dict[str, list[str]]:
    """Problems with a shipping address (`name`, `line1`, `line2`, `city`, `region`,
    `postal_code`, `country`), per field: lengths and one-line text, then the country's rules."""
    errors: dict[str, list[str]] = {}
    for name, limit, required in ADDRESS_FIELDS:
        value = address.get(name) or ""
        if required and not value.strip():
            errors[name] = ["This field is required."]
        elif len(value) > limit:
            errors[name] = [f"At most {limit} characters."]
        elif problem := single_line_problem(value):
            errors[name] = [problem]
    if errors:
        return errors
    return country_address_errors(
        country=address.get("country") or "",
        region=address.get("region") or "",
        city=address.get("city") or "",
        postal_code=address.get("postal_code") or "",
        line1=address.get("line1") or "",
        line2=address.get("line2") or "",
    )


def _field_errors(seller: Seller, data: NewOrder, *, now: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    for path, value, limit, required in (
        ("channel", data.channel, 32, True),
        ("external_id", data.external_id, 128, True),
        ("customer.name", data.customer_name, 200, True),
        ("customer.email", data.customer_email, 254, True),
        ("customer.phone", data.customer_phone, 32, False),
        ("shipping_address.name", data.ship_name, 200, True),
        ("shipping_address.line1", data.ship_line1, 200, True),
        ("shipping_address.line2", data.ship_line2, 200, False),
        ("shipping_address.city", data.ship_city, 100, True),
        ("shipping_address.region", data.ship_region, 100, False),
        ("shipping_address.postal_code", data.ship_postal_code, 20, False),
        ("note", data.note, 5000, False),
        ("payment_reference", data.payment_reference, 200, False),
        ("gift_message", data.gift_message, GIFT_MESSAGE_LIMIT, False),
    ):
        if required and not (value or "").strip():
            add(path, "This field is required.")
        elif len(value or "") > limit:
            add(path, f"At most {limit} characters.")
        elif path != "note" and (problem := single_line_problem(value or "")):
            add(path, problem)
    if errors:
        return errors  # the checks below would only repeat these

    try:
        validate_email(data.customer_email)
    except DjangoValidationError:
        add("customer.email", "Enter a valid email address.")
    if data.customer_phone:
        try:
            parsed = phonenumbers.parse(
                data.customer_phone, data.ship_country if data.ship_country in countries else None
            )
            if not phonenumbers.is_possible_number(parsed):
                add("customer.phone", "Not a possible phone number.")
        except phonenumbers.NumberParseException:
            add("customer.phone", "Not a phone number.")

    for name, problems in country_address_errors(
        country=data.ship_country,
        region=data.ship_region,
        city=data.ship_city,
        postal_code=data.ship_postal_code,
        line1=data.ship_line1,
        line2=data.ship_line2,
    ).items():
        for problem in problems:
            add(f"shipping_address.{name}", problem)

    currency_ok = money.is_currency(data.currency)
    if not currency_ok:
        add("currency", f"Unknown currency {data.currency!r} (ISO 4217).")
    if data.payment_status not in (PaymentStatus.UNPAID, PaymentStatus.PAID):
        add("payment_status", "Must be unpaid or paid.")
    for path, amount in (("shipping_fee", data.shipping_fee), ("shipping_tax", data.shipping_tax)):
        if amount < 0:
            add(path, "Must not be negative.")
        elif currency_ok and not money.fits_currency(amount, data.currency):
            add(path, f"{data.currency} has {money.minor_units(data.currency)} decimal places.")
    if data.placed_at is not None and (problem := placed_at_problem(data.placed_at, now=now)):
        add("placed_at", problem)

    if not data.lines:
        add("lines", "An order needs at least one line.")
    if len(data.lines) > MAX_LINES:
        add("lines", f"At most {MAX_LINES} lines.")
    seen: set[str] = set()
    for i, line in enumerate(data.lines[:MAX_LINES]):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            add(f"lines.{i}.quantity", f"Must be between 1 and {MAX_QUANTITY}.")
        for name, amount in (("unit_price", line.unit_price), ("tax", line.tax)):
            if amount < 0:
                add(f"lines.{i}.{name}", "Must not be negative.")
            elif currency_ok and not money.fits_currency(amount, data.currency):
                add(f"lines.{i}.{name}", f"{data.currency} has {money.minor_units(data.currency)} decimal places.")
        if problem := single_line_problem(line.sku):
            add(f"lines.{i}.sku", problem)
        if line.sku in seen:
            add(f"lines.{i}.sku", "Each SKU appears once per order; add up the quantities.")
        seen.add(line.sku)
    return errors


def _existing_order(*, seller_id: int, data: NewOrder, idempotency_key: str | None) -> Order | None:
    # Unique lookups, read without ORDER BY (`.first()` would add one by id): with it the planner
    # may walk the seller's orders by id instead of using the unique index.
    found = Order.objects.filter(seller_id=seller_id, channel=data.channel, external_id=data.external_id)[:1]
    if not found and idempotency_key:
        found = Order.objects.filter(seller_id=seller_id, idempotency_key=idempotency_key)[:1]
    return next(iter(found), None)


def _replay(order: Order, fingerprint: str) -> Order:
    if order.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"Order #{order.number} was already placed with this external id or idempotency key and a different body.",
            details={"order_id": order.pk, "number": order.number},
        )
    return order


def place_order(
    *,
    seller_id: int,
    data: NewOrder,
    actor: Actor,
    idempotency_key: str | None = None,
    seller: Seller | None = None,
    at: datetime | None = None,
) -> tuple[Order, bool]:
    """Place an order; returns (order, created). A repeat of the same request returns the same order.

    Guards: an active seller; every field valid (422 per field: lengths, one-line text, email,
    phone, address for the country, currency and its minor units, at most MAX_LINES lines of
    known active SKUs in that currency, each SKU once). Writes, in one transaction: the order
    numbered per seller, its lines reserved where stock allows (short otherwise) with their
    stock moves, the `placed` event, the ledger if paid at checkout, and the seller's new-order
    (and out-of-stock) messages. The confirm deadline starts at payment.

    Two identical requests racing both pass the existence check; the unique constraints let one
    commit and roll the other back whole (its reservations included), which then returns the winner.
    """
    fingerprint = data.fingerprint()
    existing = _existing_order(seller_id=seller_id, data=data, idempotency_key=idempotency_key)
    if existing is not None:
        return _replay(existing, fingerprint), False
    try:
        with transaction.atomic():
            return _place(
                seller_id=seller_id,
                data=data,
                actor=actor,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                seller=seller,
                at=at,
            ), True
    except IntegrityError:
        existing = _existing_order(seller_id=seller_id, data=data, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fingerprint), False


def _place(
    *,
    seller_id: int,
    data: NewOrder,
    actor: Actor,
    idempotency_key: str | None,
    fingerprint: str,
    seller: Seller | None,
    at: datetime | None,
) -> Order:
    # `seller`: the caller's copy (the API authorised the request with it), else read here.
    if seller is None or seller.pk != seller_id:
        seller = Seller.objects.filter(pk=seller_id, is_active=True).first()
    if seller is None or not seller.is_active:
        raise NotFound("Seller not found.")
    now = at or timezone.now()
    errors = _field_errors(seller, data, now=now)
    # Locked (in SKU order, like every multi-product transaction) even where nothing can be
    # reserved: a delivery of the SKU then waits for this order to commit and re-reserves its
    # short line, instead of missing the uncommitted line and leaving the unit on the shelf.
    products = {
        p.sku: p
        for p in Product.objects.select_for_update(no_key=True)
        .filter(seller_id=seller_id, sku__in=[line.sku for line in data.lines])
        .order_by("sku")
    }
    for i, line in enumerate(data.lines[:MAX_LINES]):
        product = products.get(line.sku)
        if product is None or not product.is_active:
            errors.setdefault(f"lines.{i}.sku", []).append(f"Unknown SKU {line.sku!r}.")
        elif product.currency != data.currency:
            errors.setdefault("currency", []).append(f"{line.sku} is sold in {product.currency}.")
    if errors:
        raise ValidationFailed("The order has invalid fields.", details=errors)

    placed_at = data.placed_at or now
    paid = data.payment_status == PaymentStatus.PAID
    paid_at = placed_at if paid else None
    policy = policy_for(seller)

    # The products are locked (above, in SKU order, so two orders for the same SKUs cannot
    # deadlock): what is available is decided from the rows read, all holds in one statement.
    held = stock.reserve_locked(
        products=list(products.values()), quantities={products[line.sku].pk: line.quantity for line in data.lines}
    )
    reserved = {line.sku: products[line.sku].pk in held for line in data.lines}

    # The per-seller number is taken last, so the seller row is locked only for the inserts.
    # One round trip (UPDATE … RETURNING; PostgreSQL and SQLite ≥ 3.35 both have it).
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Seller._meta.db_table)
        cursor.execute(
            f"UPDATE {table} SET last_order_number = last_order_number + 1 WHERE id = %s RETURNING last_order_number",
            [seller_id],
        )
        number = cursor.fetchone()[0]

    subtotal = sum((line.unit_price * line.quantity for line in data.lines), Decimal("0"))
    tax_total = sum((line.tax for line in data.lines), Decimal("0")) + data.shipping_tax
    confirm_by = confirm_deadline(placed_at=placed_at, paid_at=paid_at, hours=policy.confirm_hours)
    order = Order.objects.create(
        seller=seller,  # cached on the order: the ledger and the outbox below read it
        number=number,
        channel=data.channel,
        external_id=data.external_id,
        idempotency_key=idempotency_key or None,
        request_fingerprint=fingerprint,
        status=OrderStatus.PENDING,
        payment_status=data.payment_status,
        payment_reference=data.payment_reference,
        customer_name=data.customer_name,
        customer_email=data.customer_email.strip().lower(),
        customer_phone=data.customer_phone,
        ship_name=data.ship_name,
        ship_line1=data.ship_line1,
        ship_line2=data.ship_line2,
        ship_city=data.ship_city,
        ship_region=data.ship_region,
        ship_postal_code=data.ship_postal_code,
        ship_country=data.ship_country,
        note=data.note,
        is_gift=data.is_gift or bool(data.gift_message.strip()),
        gift_message=data.gift_message.strip(),
        currency=data.currency,
        subtotal=subtotal,
        shipping_fee=data.shipping_fee,
        shipping_tax=data.shipping_tax,
        tax_total=tax_total,
        total=subtotal + data.shipping_fee + tax_total,
        placed_at=placed_at,
        paid_at=paid_at,
        confirm_by=confirm_by,
        action_due_at=confirm_by,
    )
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                seller_id=seller_id,
                order=order,
                product=products[line.sku],
                sku=line.sku,
                title=products[line.sku].title,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax=line.tax,
                stock=LineStock.RESERVED if reserved[line.sku] else LineStock.SHORT,
            )
            for line in data.lines
        ]
    )
    stock.write_moves(
        stock.build_stock_move(
            product_id=line.product_id,
            seller_id=seller_id,
            kind=StockMove.Kind.RESERVED,
            actor=actor,
            reserved_delta=line.quantity,
            order_id=order.pk,
            reason=f"order #{number}",
            at=now,
        )
        for line in lines
        if line.stock == LineStock.RESERVED
    )
    short = [line.sku for line in lines if line.stock == LineStock.SHORT]
    events.order_placed_event(
        order=order, actor=actor, at=now, channel=data.channel, external_id=data.external_id, short_skus=short
    )
    earnings.record_order_money(
        order=order, new_order=True, at=now
    )  # paid at checkout: the sale enters the ledger as pending
    queue_notification(
        order=order,
        kind=Notification.Kind.SELLER_NEW_ORDER,
        recipient=seller.email,
        lines=lines,
        new_order=True,
        at=now,
    )
    if short:
        queue_notification(
            order=order,
            kind=Notification.Kind.SELLER_OUT_OF_STOCK,
            recipient=seller.email,
            context={"skus": short},
            lines=lines,
            new_order=True,
            at=now,
        )
    # The order comes back holding what it is made of, so its answer reads it not back: the lines
    # just inserted (ids in insertion order) and — being new — no parcel, cancellation or
    # substitute offer. Its one event is not held: PostgreSQL's jsonb gives `params` back in its
    # own key order, and the answer must be the very bytes a later read of the order gives.
    hold(order, "lines", sorted(lines, key=lambda line: line.pk))
    for relation in ("shipments", "cancellations", "substitute_offers"):
        hold(order, relation, [])
    return order
