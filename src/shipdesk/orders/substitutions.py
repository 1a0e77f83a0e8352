"""Out of stock: offer the customer a substitute SKU; the customer accepts or declines by link.

The guide: "offer alternatives or cancel the item". A line is short when its stock could not be
reserved; instead of cancelling it the seller may offer another SKU at the line's price (never
more: the customer already paid). The customer answers on `/s/<token>/`:

- accept: the line becomes the substitute (SKU, title, product) and its units are reserved;
  the order can then be confirmed like any other;
- decline: the line is cancelled with reason `out_of_stock` and refunded (the last open line
  cancels the order, as a line cancel always does).

Each action is one transaction in the usual lock order (order, its lines, then products), writes
its timeline event, and queues its messages. An offer whose line no longer needs it (the
original stock arrived, the line or order was cancelled, the order moved on) is withdrawn when
anyone acts on it, and says so to the customer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import NotFound, StateConflict, StockShort, ValidationFailed
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification, raise_alert

from . import events, services
from .locks import lock_lines, lock_order
from .models import CancelReason, LineStock, Order, OrderLine, OrderStatus, SubstituteOffer

OFFER_SALT = "shipdesk.substitute-offer"
# The customer has this long to answer; the unconfirmed-order auto-cancel may come first.
OFFER_VALID_FOR = timedelta(days=3)
MAX_NOTE = 500

CUSTOMER = Actor(kind=ActorKind.CUSTOMER, label="customer (substitute offer link)")


# --- the customer's link ------------------------------------------------------------------------


def offer_token(offer_id: int) -> str:
    return signing.dumps(offer_id, salt=OFFER_SALT)


def offer_path(offer_id: int) -> str:
    return f"/s/{offer_token(offer_id)}/"


def offer_url(offer_id: int) -> str:
    return f"{settings.SHIPDESK_BASE_URL}{offer_path(offer_id)}"


def offer_id_from_token(token: str) -> int | None:
    """The offer a link names, or None when it is forged or altered. Expiry is the offer's own
    `expires_at` (checked when acting), so an old link still shows what was decided."""
    try:
        value = signing.loads(token, salt=OFFER_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


# --- rules ------------------------------------------------------------------------------------


def offer_needed(*, order: Order, line: OrderLine) -> str | None:
    """Why `line` cannot take a substitute now, or None when it can (a pure check on loaded rows)."""
    if order.status != OrderStatus.PENDING:
        return "Only a pending order's short lines can be substituted."
    if line.open_quantity == 0:
        return "This line is cancelled."
    if line.stock != LineStock.SHORT:
        return "This line has its stock; it needs no substitute."
    return None


# --- actions --------------------------------------------------------------------------------


@transaction.atomic
def offer_substitute(
    *,
    order_id: int,
    seller_id: int | None,
    line_id: int,
    sku: str,
    actor: Actor,
    note: str = "",
    at: datetime | None = None,
) -> SubstituteOffer:
    """Offer `sku` in place of a short line; emails the customer the link. A newer offer for the
    same line withdraws the open one."""
    order = lock_order(order_id=order_id, seller_id=seller_id)
    lines = lock_lines(order)
    line = next((candidate for candidate in lines if candidate.pk == line_id), None)
    if line is None:
        raise NotFound("Order line not found.")
    if (why := offer_needed(order=order, line=line)) is not None:
        raise StateConflict(why, details={"status": order.status, "stock": line.stock})
    sku = (sku or "").strip()
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if not sku:
        errors["sku"] = ["This field is required."]
    if len(note) > MAX_NOTE:
        errors["note"] = [f"At most {MAX_NOTE} characters."]
    if "\x00" in sku or "\x00" in note:
        errors.setdefault("sku" if "\x00" in sku else "note", []).append("Contains a NUL character.")
    if errors:
        raise ValidationFailed("Invalid substitute offer.", details=errors)
    product = Product.objects.filter(seller_id=order.seller_id, sku=sku).first()
    if product is None or not product.is_active:
        raise ValidationFailed("Unknown SKU.", details={"sku": [f"No active product with SKU {sku!r} in this shop."]})
    if product.pk == line.product_id:
        raise ValidationFailed(
            "Same SKU.", details={"sku": ["Offer a different SKU than the one that is out of stock."]}
        )
    if any(other.product_id == product.pk and other.open_quantity for other in lines):
        # One line per SKU in an order (as at placing): packing, pick lists and the list assume it.
        raise ValidationFailed(
            "Already on the order.",
            details={"sku": [f"{sku} is already on this order; cancel this line instead, or offer another SKU."]},
        )
    if product.currency != order.currency:
        raise ValidationFailed(
            "Other currency.",
            details={"sku": [f"{sku} is sold in {product.currency}; this order is in {order.currency}."]},
        )
    # Offer only what could be sent today; it is reserved when the customer accepts, and
    # checked again then (someone else may buy it meanwhile).
    if product.on_hand - product.reserved < line.open_quantity:
        available = max(0, product.on_hand - product.reserved)
        raise StockShort(
            f"Only {available} of {sku} available; the line needs {line.open_quantity}.",
            details={"sku": sku, "available": available, "needed": line.open_quantity},
        )
    now = at or timezone.now()
    for previous in SubstituteOffer.objects.select_for_update().filter(
        line=line, status=SubstituteOffer.Status.OFFERED
    ):
        _close(previous, SubstituteOffer.Status.WITHDRAWN, now)
    offer = SubstituteOffer.objects.create(
        seller_id=order.seller_id,
        order=order,
        line=line,
        original_sku=line.sku,
        substitute=product,
        substitute_sku=product.sku,
        substitute_title=product.title,
        quantity=line.open_quantity,
        note=note,
        expires_at=now + OFFER_VALID_FOR,
        created_at=now,
    )
    events.substitute_offered_event(
        order=order, actor=actor, at=now,
        offer_id=offer.pk, line_id=line.pk, sku=line.sku, substitute_sku=product.sku, quantity=offer.quantity,
    )  # fmt: skip
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_SUBSTITUTE_OFFER,
        stage=f"offer-{offer.pk}",
        recipient=order.customer_email,
        context={
            "sku": f"{line.title} ({line.sku})",
            "substitute_sku": product.sku,
            "substitute_title": product.title,
            "offer_url": offer_url(offer.pk),
            "note": note,
            "expires_at": offer.expires_at.isoformat(),
        },
        at=now,
    )
    return offer


def _lock_open_offer(*, offer_id: int) -> tuple[SubstituteOffer, Order, OrderLine]:
    """The offer with its order and lines locked (order first, the usual order), still open."""
    found = SubstituteOffer.objects.filter(pk=offer_id).values_list("order_id", flat=True).first()
    if found is None:
        raise NotFound("No such offer.")
    order = lock_order(order_id=found, seller_id=None)
    lines = lock_lines(order)
    offer = SubstituteOffer.objects.select_for_update().get(pk=offer_id)
    if offer.status != SubstituteOffer.Status.OFFERED:
        raise StateConflict(f"This offer was already {offer.status}.", details={"status": offer.status})
    line = next(candidate for candidate in lines if candidate.pk == offer.line_id)
    return offer, order, line


def _still_open(offer: SubstituteOffer, order: Order, line: OrderLine, now: datetime) -> str | None:
    if now >= offer.expires_at:
        return "This offer has expired."
    if offer_needed(order=order, line=line) is not None or line.open_quantity != offer.quantity:
        return "This offer is no longer needed: the order changed since it was made."
    return None


def _answer(offer_id: int, decide: Callable[[SubstituteOffer, Order, OrderLine, datetime], None]) -> SubstituteOffer:
    """Run the customer's answer on an open offer; an expired or moot offer is withdrawn instead.

    The withdrawal commits even though the answer is refused (the refusal is raised after the
    transaction), so the next visit shows the offer closed.
    """
    with transaction.atomic():
        offer, order, line = _lock_open_offer(offer_id=offer_id)
        now = timezone.now()
        why = _still_open(offer, order, line, now)
        if why is None:
            decide(offer, order, line, now)
            return offer
        _close(offer, SubstituteOffer.Status.WITHDRAWN, now)
    raise StateConflict(why, details={"status": SubstituteOffer.Status.WITHDRAWN})


def _close(offer: SubstituteOffer, status: str, now: datetime) -> None:
    offer.status, offer.decided_at = status, now
    offer.save(update_fields=["status", "decided_at"])


def accept_substitute(*, offer_id: int, actor: Actor = CUSTOMER) -> SubstituteOffer:
    """The customer takes the substitute: the line becomes it, and its units are reserved.

    Refused (409 `insufficient_stock`, the offer stays open and nothing changes) when the
    substitute sold out meanwhile.
    """

    def take(offer: SubstituteOffer, order: Order, line: OrderLine, now: datetime) -> None:
        product = Product.objects.get(pk=offer.substitute_id)
        if not product.is_active:
            raise StockShort(
                f"Sorry, {product.title} is no longer sold. The shop has been told.", details={"sku": product.sku}
            )
        if (
            OrderLine.objects.filter(order=order, product=product)
            .exclude(pk=line.pk)
            .exclude(stock=LineStock.RELEASED)
            .exists()
        ):
            # Another line became this SKU meanwhile (two offers of it, both accepted).
            raise StateConflict(
                f"{product.title} is already on your order. The shop has been told.", details={"sku": product.sku}
            )
        if not stock.try_reserve(product_id=product.pk, quantity=line.open_quantity):
            raise StockShort(
                f"Sorry, {product.title} has just sold out. The shop has been told.",
                details={"sku": product.sku, "needed": line.open_quantity},
            )
        original_sku = line.sku
        line.product, line.sku, line.title, line.stock = product, product.sku, product.title, LineStock.RESERVED
        line.save(update_fields=["product", "sku", "title", "stock"])
        stock.write_moves(
            [
                stock.build_stock_move(
                    product_id=product.pk, seller_id=order.seller_id, kind=StockMove.Kind.RESERVED, actor=actor,
                    reserved_delta=line.open_quantity, order_id=order.pk,
                    reason=f"order #{order.number}: substitute for {original_sku} accepted",
                )
            ]
        )  # fmt: skip
        _close(offer, SubstituteOffer.Status.ACCEPTED, now)
        events.substitute_accepted_event(
            order=order,
            actor=actor,
            at=now,
            offer_id=offer.pk,
            line_id=line.pk,
            sku=original_sku,
            substitute_sku=product.sku,
            quantity=line.open_quantity,
        )
        raise_alert(
            seller_id=order.seller_id, order=order, kind="substitute_accepted",
            title=f"Order #{order.number}: the customer accepted {product.sku} instead of {original_sku}",
        )  # fmt: skip

    return _answer(offer_id, take)


def decline_substitute(*, offer_id: int, actor: Actor = CUSTOMER) -> SubstituteOffer:
    """The customer refuses the substitute: the line is cancelled (`out_of_stock`) and refunded."""

    def refuse(offer: SubstituteOffer, order: Order, line: OrderLine, now: datetime) -> None:
        _close(offer, SubstituteOffer.Status.DECLINED, now)
        events.substitute_declined_event(
            order=order,
            actor=actor,
            at=now,
            offer_id=offer.pk,
            line_id=line.pk,
            sku=line.sku,
            substitute_sku=offer.substitute_sku,
            quantity=line.open_quantity,
        )
        # In this transaction: the line cancel locks again the rows this one already holds.
        services.cancel_line(
            order_id=order.pk, seller_id=order.seller_id, line_id=line.pk, quantity=line.open_quantity,
            actor=actor, reason=CancelReason.OUT_OF_STOCK, note=f"declined the substitute {offer.substitute_sku}",
        )  # fmt: skip
        raise_alert(
            seller_id=order.seller_id, order=order, kind="substitute_declined",
            title=(
                f"Order #{order.number}: the customer declined {offer.substitute_sku}; "
                f"{line.sku} was cancelled and refunded"
            ),
        )  # fmt: skip

    return _answer(offer_id, refuse)
