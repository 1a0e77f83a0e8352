"""Stock: reserve at place, deduct at process, release or restock on cancel, and counts.

Every change is a conditional UPDATE (`reserved + q <= on_hand`, …) so the database decides
under its own row lock; the CHECK constraints on Product are the last line of defence.
Lock order across Shipdesk: order, then its lines (by id), then products (by SKU).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from shipdesk import money
from shipdesk.actors import Actor
from shipdesk.errors import NotFound, StateConflict, ValidationFailed
from shipdesk.notifications.models import Alert
from shipdesk.notifications.services import raise_alert
from shipdesk.single_line import single_line_errors, single_line_problem

from .handling_notes import handling_note_problem, normalized_handling_notes
from .models import MAX_ON_HAND, MAX_SIDE_CM, MAX_WEIGHT_GRAMS, Product, StockMove

# Short lines re-reserved per stock change; more wait for the next change or the sweep. Keeps a
# restock of a popular SKU from turning into one unbounded transaction.
RESERVE_BATCH = 500

# Who acts when a product gains free units (stock added): each is called with `product_id` and
# `actor` inside the transaction that added them. Orders registers the re-reservation of its short
# lines here at start-up (shipdesk.orders.registrations, from OrdersConfig.ready): inventory sits
# below order services and names them only through this list (docs/architecture.md).
STOCK_ADDED: list[Callable[..., object]] = []

# Who hears that a product's available stock fell to its low-stock threshold: each is called with
# `product` and `at` inside the transaction that moved the stock, once per fall (the product's
# `low_stock_since` marks it low until its available stock is back above the threshold).
# Outgoing webhooks register here at start-up (webhooks_out.apps): `stock.low`.
STOCK_LOW: list[Callable[..., object]] = []
# available <= threshold, i.e. on_hand - reserved <= low_stock_threshold
_LOW = Q(on_hand__lte=F("reserved") + F("low_stock_threshold"))


def _is_low(product: Product) -> bool:
    return product.available <= product.low_stock_threshold


def note_stock_levels(*, product_ids: Iterable[int] = (), locked: Iterable[Product] = (), at=None) -> None:
    """Mark the products whose available stock fell to their threshold, raising one seller alert
    and announcing each fall once (`STOCK_LOW`); unmark those back above it. Call after moving
    their stock, in that transaction (the rows are then locked by it, so two movers of one
    product cannot both announce its fall). `product_ids` are read (one query); `locked` are
    rows the caller holds locked with their current counts, decided without a read."""
    crossed = [product for product in locked if (product.low_stock_since is None) == _is_low(product)]
    ids = list(product_ids)
    if ids:
        crossed += list(
            Product.objects.filter(pk__in=ids).filter(
                (Q(low_stock_since__isnull=True) & _LOW) | (Q(low_stock_since__isnull=False) & ~_LOW)
            )
        )
    if not crossed:
        return
    now = at or timezone.now()
    fallen = [product for product in crossed if product.low_stock_since is None]
    back = [product.pk for product in crossed if product.low_stock_since is not None]
    if back:
        Product.objects.filter(pk__in=back).update(low_stock_since=None)
    if fallen:
        Product.objects.filter(pk__in=[product.pk for product in fallen]).update(low_stock_since=now)
    for product in fallen:
        product.low_stock_since = now
        raise_alert(
            seller_id=product.seller_id,
            order=None,
            kind=Alert.STOCK_LOW,
            title=f"Low stock: {product.sku} has {max(product.available, 0)} available "
            f"(threshold {product.low_stock_threshold})",
            at=now,
        )
        for stock_low in STOCK_LOW:
            stock_low(product=product, at=now)


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


def lock_product(*, product_id: int) -> None:
    """Lock the product row until the transaction ends, for a writer that will change it only
    later: it takes it at its place in the lock order (after the order and its lines, before the
    seller's ledger and invoice series) instead of after whatever it locked in between."""
    Product.objects.select_for_update(no_key=True).filter(pk=product_id).values_list("pk").first()


def try_reserve(*, product_id: int, quantity: int) -> bool:
    """Hold `quantity` if that many are available; True if held. One atomic statement."""
    held = bool(
        Product.objects.filter(pk=product_id, reserved__lte=F("on_hand") - quantity).update(
            reserved=F("reserved") + quantity
        )
    )
    if held:
        note_stock_levels(product_ids=[product_id])
    return held


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
        note_stock_levels(locked=[product for product in products if product.pk in held])
    return set(held)


def release(*, product_id: int, quantity: int) -> None:
    Product.objects.filter(pk=product_id).update(reserved=F("reserved") - quantity)
    note_stock_levels(product_ids=[product_id])


def give_back_many(*, released: dict[int, int], restocked: dict[int, int]) -> None:
    """Give back an order's units in two statements, however many products: `released` units
    stop being held, `restocked` units return to the shelf (product id → quantity).

    The products are locked first, in the lock order (by SKU, as placing takes them), so a
    multi-row UPDATE never takes them in another order; the low-stock marks are then decided
    from the locked rows without reading them again."""
    ids = set(released) | set(restocked)
    if not ids:
        return
    products = list(Product.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("sku"))
    Product.objects.filter(pk__in=ids).update(
        reserved=F("reserved") - _per_product(released), on_hand=F("on_hand") + _per_product(restocked)
    )
    for product in products:
        product.reserved -= released.get(product.pk, 0)
        product.on_hand += restocked.get(product.pk, 0)
    note_stock_levels(locked=products)


def deduct(*, product_id: int, quantity: int) -> None:
    # Both drop together: the units leave the shelf and stop being held.
    Product.objects.filter(pk=product_id).update(on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity)


def deduct_many(*, quantities: dict[int, int]) -> None:
    """`deduct` for an order's products (product id → quantity): one statement for one product,
    two for any number — the products locked in the lock order (by SKU, as placing takes them),
    then one UPDATE. Available stock does not change, so no low-stock mark moves."""
    if len(quantities) <= 1:
        for product_id, quantity in quantities.items():
            deduct(product_id=product_id, quantity=quantity)
        return
    list(Product.objects.select_for_update(no_key=True).filter(pk__in=quantities).order_by("sku").values_list("pk"))
    taken = _per_product(quantities)
    Product.objects.filter(pk__in=quantities).update(on_hand=F("on_hand") - taken, reserved=F("reserved") - taken)


def _per_product(quantities: dict[int, int]) -> Case:
    """A CASE giving each product's quantity (0 for any other), for one multi-row UPDATE."""
    return Case(
        *(When(pk=pk, then=Value(quantity)) for pk, quantity in quantities.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


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
    note_stock_levels(product_ids=[product_id])


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
    note_stock_levels(product_ids=[product.pk])
    product.refresh_from_db(fields=["on_hand", "reserved", "low_stock_since", "updated_at"])
    return product


SIZE_FIELDS = ("weight_grams", "length_cm", "width_cm", "height_cm")


def _size_problems(sizes: dict) -> dict[str, list[str]]:
    """A unit's weight (whole grams) and sides (centimetres, one decimal): positive and bounded."""
    errors: dict[str, list[str]] = {}
    for name, value in sizes.items():
        if value is None:
            continue
        limit = MAX_WEIGHT_GRAMS if name == "weight_grams" else MAX_SIDE_CM
        if not 0 < value <= limit:
            errors[name] = [f"Greater than 0 and at most {limit:,}."]
        elif name != "weight_grams" and Decimal(value) != Decimal(value).quantize(Decimal("0.1")):
            errors[name] = ["At most one decimal place."]
    return errors


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
    weight_grams: int | None = None,
    length_cm=None,
    width_cm=None,
    height_cm=None,
    handling_notes=(),
    actor: Actor,
    at=None,
) -> Product:
    errors: dict[str, list[str]] = _size_problems(
        {"weight_grams": weight_grams, "length_cm": length_cm, "width_cm": width_cm, "height_cm": height_cm}
    )
    if problem := handling_note_problem(handling_notes or ()):
        errors["handling_notes"] = [problem]
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
                # Created at or under its threshold: low from the start, nothing fell (no announcement).
                low_stock_since=(at or timezone.now()) if on_hand <= low_stock_threshold else None,
                weight_grams=weight_grams,
                length_cm=length_cm,
                width_cm=width_cm,
                height_cm=height_cm,
                handling_notes=normalized_handling_notes(handling_notes or ()),
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
    allowed = {
        "title",
        "barcode",
        "bin_location",
        "price",
        "low_stock_threshold",
        "is_active",
        "handling_notes",
        *SIZE_FIELDS,
    }
    changes = {k: v for k, v in changes.items() if k in allowed and v is not None}
    if "handling_notes" in changes:
        if problem := handling_note_problem(changes["handling_notes"]):
            raise ValidationFailed("The product has invalid fields.", details={"handling_notes": [problem]})
        changes["handling_notes"] = normalized_handling_notes(changes["handling_notes"])
    if errors := _size_problems({k: v for k, v in changes.items() if k in SIZE_FIELDS}):
        raise ValidationFailed("The product has invalid fields.", details=errors)
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
    if "low_stock_threshold" in changes:
        note_stock_levels(product_ids=[product.pk])
        product.refresh_from_db(fields=["low_stock_since"])
    return product
