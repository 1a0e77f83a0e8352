"""Short lines: an order line placed without enough stock waits until stock arrives for it.

Stock arriving (a delivery, units given back by a cancellation) reserves the oldest short lines
of the product first, while it lasts; a line reserved this way closes the substitute offers made
for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from shipdesk.actors import Actor
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import StockMove
from shipdesk.orders import events
from shipdesk.orders.models import LineStock, Order, OrderLine, OrderStatus, SubstituteOffer


def withdraw_substitute_offers(*, order: Order, line_ids: list[int] | None, now: datetime) -> None:
    """Close the open substitute offers the change makes moot (the order or the line cancelled, or
    the line's own stock arrived): the customer's link then says the offer is closed."""
    offers = SubstituteOffer.objects.filter(order=order, status=SubstituteOffer.Status.OFFERED)
    if line_ids is not None:
        offers = offers.filter(line_id__in=line_ids)
    offers.update(status=SubstituteOffer.Status.WITHDRAWN, decided_at=now)


def mark_reserved(*, line: OrderLine, order: Order, actor: Actor, at: datetime | None = None) -> None:
    now = at or timezone.now()
    line.stock = LineStock.RESERVED
    line.save(update_fields=["stock"])
    withdraw_substitute_offers(order=order, line_ids=[line.pk], now=now)
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
    events.line_reserved_event(
        order=order, actor=actor, at=now, line_id=line.pk, sku=line.sku, quantity=line.open_quantity
    )


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
            mark_reserved(line=line, order=line.order, actor=actor, at=at)
            count += 1
    return count


def reserve_short_lines_of(*, product_ids: Iterable[int], actor: Actor, at: datetime | None = None) -> int:
    """`reserve_short_lines` for several products freed at once (a cancelled order's): one read
    finds every short line waiting for any of them, instead of one read per product. The same
    rules: oldest first per product while its stock lasts, locked lines skipped, at most
    `RESERVE_BATCH` lines per product in one transaction."""
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    candidates = (
        OrderLine.objects.select_for_update(no_key=True, skip_locked=True, of=("self",))
        .select_related("order")
        .filter(product_id__in=ids, stock=LineStock.SHORT, order__status=OrderStatus.PENDING)
        .order_by("id")[: stock.RESERVE_BATCH * len(ids)]
    )
    count = 0
    tried: dict[int, int] = {}
    for line in candidates:
        tried[line.product_id] = tried.get(line.product_id, 0) + 1
        if tried[line.product_id] > stock.RESERVE_BATCH:
            continue
        if stock.try_reserve(product_id=line.product_id, quantity=line.open_quantity):
            mark_reserved(line=line, order=line.order, actor=actor, at=at)
            count += 1
    return count
