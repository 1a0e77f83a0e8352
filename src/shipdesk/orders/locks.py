"""The one way to lock an order for a change.

Lock order, everywhere (docs/architecture.md): the order row, then its lines by id, then the
products those lines name by id, then the seller's ledger rows. Every writer that changes an order
takes the order through `lock_order` first, so two writers of one order queue on one row and never
deadlock on its children.
"""

from __future__ import annotations

from shipdesk.errors import NotFound

from .models import Order, OrderLine


def lock_order(*, order_id: int, seller_id: int | None, with_seller: bool = True) -> Order:
    """The order, locked until the transaction ends; another seller's order is `NotFound`.

    FOR NO KEY UPDATE: excludes every other writer of the row, but lets rows that merely reference
    the order (events, notifications) be inserted meanwhile. `seller_id=None`: any seller's (the
    system's sweeps, carriers, providers). `with_seller`: the seller comes in the same statement
    (most actions read its policy or name), not locked: OF the order only (the seller row stays
    free for the shop's order intake). An order's parcels are many: read them after the lock.
    """
    related = ["seller"] if with_seller else []
    qs = Order.objects.select_related(*related).select_for_update(no_key=True, of=("self",))
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    order = qs.filter(pk=order_id).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def lock_lines(order: Order) -> list[OrderLine]:
    """The order's lines, locked in id order (take `lock_order` first)."""
    return list(OrderLine.objects.select_for_update(no_key=True).filter(order=order).order_by("id"))
