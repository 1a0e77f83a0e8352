"""Stock: reserve at place, deduct at process, release or restock on cancel, and counts.

Every change is a conditional UPDATE (`reserved + q <= on_hand`, …) so the database decides
under its own row lock; the CHECK constraints on Product are the last line of defence.
Lock order across Shipdesk: order, then its lines (by id), then products (by SKU).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from shipdesk import money
from shipdesk.actors import Actor
from shipdesk.errors import NotFound, StateConflict, ValidationFailed
from shipdesk.single_line import single_line_errors, single_line_problem

from .models import MAX_ON_HAND, Product, StockMove

# Short lines re-reserved per stock change; more wait for the next change or the sweep. Keeps a
# restock of a popular SKU from turning into one unbounded transaction.
RESERVE_BATCH = 500

# Who acts when a product gains free units (stock added): each is called with `product_id` and
# `actor` inside the transaction that added them. Orders registers the re-reservation of its short
# lines here at start-up (shipdesk.orders.registrations, from OrdersConfig.ready): inventory sits
# below order services and names them only through this list (docs/architecture.md).
STOCK_ADDED: list[Callable[..., object]] = []


def build_stock_move(
    *,
    product_id: int,
    seller_id: int,
    kind: str,
    actor: Actor,
    on_hand_delta=0,
    reserved_delta=0,
    order_id=None,
    reason="",
    at=None,
):
    # `at`: when the units moved, the moment of the action that moved them (default now).
    return StockMove(
        created_at=at or timezone.now(),
        seller_id=seller_id,
        product_id=product_id,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        order_id=order_id,
        reason=reason[:200],
        actor=actor.label[:200],
        user_id=actor.user_id,
    )


def try_reserve(*, product_id: int, quantity: int) -> bool:
    """Hold `quantity` if that many are available; True if held. One atomic statement."""
    return bool(
        Product.objects.filter(pk=product_id, reserved__lte=F("on_hand") - quantity).update(
            reserved=F("reserved") + quantity
        )
    )


def reserve_locked(*, products: list[Product], quantities: dict[int, int]) -> set[int]:
    """Hold each product's quantity where all of it is available; returns the ids held. One statement.

    Precondition: the caller holds these rows locked (SELECT … FOR NO KEY UPDATE in its
    transaction), so the `on_hand` and `reserved` it read are current and stay so until commit:
    availability is decided from them, and every hold is written in one UPDATE. The CHECK
    constraints on Product still refuse anything that would break `reserved <= on_hand`.
    """
    held = {
        p.pk: quantities[p.pk] for p in products if p.pk in quantities and p.on_hand - p.reserved >= quantities[p.pk]
    }
    if held:
        extra = Case(*(When(pk=pk, then=Value(quantity)) for pk, quantity in held.items()), output_field=IntegerField())
        Product.objects.filter(pk__in=list(held)).update(reserved=F("reserved") + extra)
        for product in products:
            product.reserved += held.get(product.pk, 0)
    return set(held)


def release(*, product_id: int, quantity: int) -> None:
    Product.objects.filter(pk=product_id).update(reserved=F("reserved") - quantity)


def deduct(*, product_id: int, quantity: int) -> None:
    # Both drop together: the units leave the shelf and stop being held.
    Product.objects.filter(pk=product_id).update(on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity)


def take_available(*, product_id: int, quantity: int) -> bool:
    """Take `quantity` free units off the shelf (a reshipment): True if that many were available.

    One conditional statement: units held for other orders are never taken.
    """
    return bool(
        Product.objects.filter(pk=product_id, on_hand__gte=F("reserved") + quantity).update(
            on_hand=F("on_hand") - quantity
        )
    )


def restock(*, product_id: int, quantity: int) -> None:
    Product.objects.filter(pk=product_id).update(on_hand=F("on_hand") + quantity)


def write_moves(moves: Iterable[StockMove]) -> None:
    StockMove.objects.bulk_create(list(moves))


@transaction.atomic
def change_stock(
    *, seller_id: int, sku: str, actor: Actor, reason: str, delta: int | None = None, on_hand: int | None = None
) -> Product:
    """Receive, count or correct stock: `delta` adds or removes units, `on_hand` sets the count.

    When units become available, short order lines for the SKU are reserved, oldest first.
    """
    if (delta is None) == (on_hand is None):
        raise ValidationFailed(
            "Give exactly one of delta or on_hand.", details={"delta": ["Give delta or on_hand, not both."]}
        )
    if not reason or not reason.strip():
        raise ValidationFailed("A reason is required.", details={"reason": ["This field is required."]})
    if problem := single_line_problem(reason):
        raise ValidationFailed("Invalid reason.", details={"reason": [problem]})
    product = Product.objects.select_for_update(no_key=True).filter(seller_id=seller_id, sku=sku).first()
    if product is None:
        raise NotFound(f"No product with SKU {sku!r}.")
    new_on_hand = product.on_hand + delta if delta is not None else on_hand
    field = "delta" if delta is not None else "on_hand"
    if new_on_hand < 0:
        raise ValidationFailed("Stock cannot go below zero.", details={field: [f"On hand would be {new_on_hand}."]})
    if new_on_hand > MAX_ON_HAND:
        too_many = f"On hand would be {new_on_hand:,}; at most {MAX_ON_HAND:,} units."
        raise ValidationFailed(too_many, details={field: [too_many]})
    if new_on_hand < product.reserved:
        raise StateConflict(
            f"{product.reserved} units are reserved for open orders; on hand cannot go below that. "
            "Cancel those lines first.",
            details={"reserved": product.reserved, "on_hand": product.on_hand},
        )
    change = new_on_hand - product.on_hand
    if change == 0 and delta is None:
        return product
    Product.objects.filter(pk=product.pk).update(on_hand=new_on_hand)
    kind = (
        StockMove.Kind.SET
        if on_hand is not None
        else (StockMove.Kind.RECEIVED if change > 0 else StockMove.Kind.ADJUSTED)
    )
    write_moves(
        [
            build_stock_move(
                product_id=product.pk, seller_id=seller_id, kind=kind, actor=actor, on_hand_delta=change, reason=reason
            )
        ]
    )
    if change > 0:
        for stock_added in STOCK_ADDED:
            stock_added(product_id=product.pk, actor=actor)
    product.refresh_from_db(fields=["on_hand", "reserved", "updated_at"])
    return product


def create_product(
    *,
    seller_id: int,
    sku: str,
    title: str,
    price,
    currency: str,
    barcode: str = "",
    bin_location: str = "",
    on_hand: int = 0,
    low_stock_threshold: int = 5,
    actor: Actor,
    at=None,
) -> Product:
    errors: dict[str, list[str]] = {}
    if not money.is_currency(currency):
        errors["currency"] = [f"Unknown currency {currency!r} (ISO 4217)."]
    elif not money.fits_currency(price, currency):
        errors["price"] = [f"{currency} has {money.minor_units(currency)} decimal places."]
    if not sku.strip() or any(c.isspace() for c in sku):
        errors["sku"] = ["A SKU is one word without spaces."]
    if not 0 <= on_hand <= MAX_ON_HAND:
        errors["on_hand"] = [f"Between 0 and {MAX_ON_HAND:,}."]
    if not 0 <= low_stock_threshold <= MAX_ON_HAND:
        errors["low_stock_threshold"] = [f"Between 0 and {MAX_ON_HAND:,}."]
    errors.update(
        single_line_errors(sku=sku, title=title, barcode=barcode, bin_location=bin_location, currency=currency)
    )
    if errors:
        raise ValidationFailed("The product has invalid fields.", details=errors)
    if Product.objects.filter(seller_id=seller_id, sku=sku).exists():
        raise StateConflict(f"A product with SKU {sku!r} exists.", details={"sku": sku})
    if barcode and Product.objects.filter(seller_id=seller_id, barcode=barcode).exists():
        raise StateConflict(f"Barcode {barcode} is on another product.", details={"barcode": barcode})
    try:
        with transaction.atomic():
            product = Product.objects.create(
                seller_id=seller_id,
                sku=sku,
                title=title,
                barcode=barcode,
                bin_location=bin_location,
                price=price,
                currency=currency,
                on_hand=on_hand,
                low_stock_threshold=low_stock_threshold,
            )
            if on_hand:
                write_moves(
                    [
                        build_stock_move(
                            product_id=product.pk,
                            seller_id=seller_id,
                            kind=StockMove.Kind.RECEIVED,
                            actor=actor,
                            on_hand_delta=on_hand,
                            reason="initial stock",
                            at=at,
                        )
                    ]
                )
    except IntegrityError as exc:  # a concurrent create of the same SKU or barcode
        raise StateConflict("A product with this SKU or barcode exists.", details={"sku": sku}) from exc
    return product


@transaction.atomic
def update_product(*, seller_id: int, sku: str, changes: dict) -> Product:
    """Change descriptive fields. Stock changes go through `change_stock`, never here."""
    product = Product.objects.select_for_update(no_key=True).filter(seller_id=seller_id, sku=sku).first()
    if product is None:
        raise NotFound("Product not found.")
    allowed = {"title", "barcode", "bin_location", "price", "low_stock_threshold", "is_active"}
    changes = {k: v for k, v in changes.items() if k in allowed and v is not None}
    texts = {k: v for k, v in changes.items() if k in ("title", "barcode", "bin_location")}
    if errors := single_line_errors(**texts):
        raise ValidationFailed("The product has invalid fields.", details=errors)
    if not 0 <= changes.get("low_stock_threshold", 0) <= MAX_ON_HAND:
        raise ValidationFailed(
            "The product has invalid fields.", details={"low_stock_threshold": [f"Between 0 and {MAX_ON_HAND:,}."]}
        )
    if "price" in changes and not money.fits_currency(changes["price"], product.currency):
        raise ValidationFailed(
            "Invalid price.",
            details={"price": [f"{product.currency} has {money.minor_units(product.currency)} decimal places."]},
        )
    if (
        changes.get("barcode")
        and Product.objects.filter(seller_id=seller_id, barcode=changes["barcode"]).exclude(pk=product.pk).exists()
    ):
        raise StateConflict(
            f"Barcode {changes['barcode']} is on another product.", details={"barcode": changes["barcode"]}
        )
    for key, value in changes.items():
        setattr(product, key, value)
    if changes:
        product.save(update_fields=[*changes, "updated_at"])
    return product
