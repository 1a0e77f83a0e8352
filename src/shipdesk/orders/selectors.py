"""Reads of orders, always inside one seller (None only for the platform's cross-seller reads)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.db import connections, models, router
from django.db.models import Count, F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shipdesk.errors import NotFound
from shipdesk.notifications.models import Notification
from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.models import Shipment, ShipmentLine, ShipmentPurpose

from . import refunds
from .models import (
    Cancellation,
    LineStock,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ShippedRefund,
    SubstituteOffer,
)
from .terms import PAID_FOR_STATES
from .workflow import OrderFacts

SORTS = {
    # name: (fields, descending)
    "-placed_at": ("placed_at", True),
    "placed_at": ("placed_at", False),
    "deadline": ("action_due_at", False),  # "needs action": nearest deadline first
}
MAX_LIMIT = 200
_NUMBER = re.compile(r"^#?(\d{1,9})$")


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    payment_status: str | None = None
    q: str | None = None
    overdue: bool | None = None
    placed_after: datetime | None = None
    placed_before: datetime | None = None


def _scoped(seller_id: int | None) -> QuerySet[Order]:
    qs = Order.objects.all()
    return qs if seller_id is None else qs.filter(seller_id=seller_id)


def _search(qs: QuerySet[Order], q: str, seller_id: int | None) -> QuerySet[Order]:
    q = q.strip()[:200]
    if not q:
        return qs
    number = _NUMBER.match(q)
    if number:
        return qs.filter(number=int(number.group(1)))
    if "@" in q:
        return qs.filter(customer_email=q.lower())
    lines = OrderLine.objects.filter(sku=q)
    if seller_id is not None:
        lines = lines.filter(seller_id=seller_id)
    return qs.filter(
        Q(customer_name__icontains=q)
        | Q(pk__in=lines.values("order_id"))
        | Q(pk__in=_orders_with_tracking_number(q.replace(" ", "").upper(), seller_id))
    )


def _orders_with_tracking_number(number: str, seller_id: int | None) -> QuerySet:
    # A subquery, not a join: an order with several parcels must come back once.
    parcels = Shipment.objects.filter(tracking_number=number)
    if seller_id is not None:
        parcels = parcels.filter(seller_id=seller_id)
    return parcels.values("order_id")


def filter_orders(*, seller_id: int | None, filters: OrderFilters) -> QuerySet[Order]:
    qs = _scoped(seller_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.payment_status:
        qs = qs.filter(payment_status=filters.payment_status)
    if filters.overdue is not None:
        now = timezone.now()
        qs = qs.filter(action_due_at__lt=now) if filters.overdue else qs.exclude(action_due_at__lt=now)
    if filters.placed_after:
        qs = qs.filter(placed_at__gte=filters.placed_after)
    if filters.placed_before:
        qs = qs.filter(placed_at__lt=filters.placed_before)
    if filters.q:
        qs = _search(qs, filters.q, seller_id)
    return qs


@dataclass(frozen=True)
class Page:
    items: list[Order]
    next_cursor: str | None
    prev_cursor: str | None = None  # the page before this one; None on the first page


# A cursor names a row and a direction: the rows after it (the next page) or before it.
_AFTER, _BEFORE = "after", "before"


def _row_cursor(sort: str, field: str, row: Order, direction: str) -> str:
    return encode_cursor(sort, [getattr(row, field).isoformat(), row.pk, direction])


def _decode_row_cursor(cursor: str, sort: str) -> tuple[datetime, int, str]:
    values = decode_cursor(cursor, sort)
    # Cursors handed out before directions existed are [value, id]: the rows after.
    if isinstance(values, list) and len(values) == 2:
        values = [*values, _AFTER]
    if not (isinstance(values, list) and len(values) == 3):
        raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
    value, last_id, direction = values
    value = parse_datetime(value) if isinstance(value, str) else None
    if value is None or not isinstance(last_id, int) or direction not in (_AFTER, _BEFORE):
        raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
    return value, last_id, direction


def list_orders(
    *,
    seller_id: int | None,
    filters: OrderFilters,
    sort: str = "-placed_at",
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """One page of orders in `sort` order, and the cursors of the pages after and before it.

    Both directions read one range of the (seller, field, id) index: the page before is the
    `limit` rows just before this page's first row, read in reverse and turned back.
    """
    field, descending = SORTS[sort]
    limit = max(1, min(limit, MAX_LIMIT))
    base = filter_orders(seller_id=seller_id, filters=filters).select_related("seller")
    if field == "action_due_at":
        base = base.filter(action_due_at__isnull=False)
    ordering = [f"-{field}", "-id"] if descending else [field, "id"]
    if not cursor:
        rows = list(base.order_by(*ordering)[: limit + 1])
        return Page(
            items=rows[:limit],
            next_cursor=_row_cursor(sort, field, rows[limit - 1], _AFTER) if len(rows) > limit else None,
        )
    value, row_id, direction = _decode_row_cursor(cursor, sort)
    # A row-value comparison, `(field, id) < (value, row_id)`: the database reads it as one range
    # of the index, where the equivalent OR of two conditions is a filter over every row before
    # the cursor (page 200 would cost 200 pages).
    key = Tuple(F(field), F("id"))
    forward = direction == _AFTER
    # After the cursor in a newest-first list is "less than" it; before it is "greater than", read
    # nearest first (the list's order reversed) and turned back below.
    less = descending if forward else not descending
    reversed_ordering = [field, "id"] if descending else [f"-{field}", "-id"]
    qs = base.filter((TupleLessThan if less else TupleGreaterThan)(key, (value, row_id)))
    rows = list(qs.order_by(*(ordering if forward else reversed_ordering))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if forward:
        # Reached by a cursor, so a page before exists (it may have emptied meanwhile).
        return Page(
            items=rows,
            next_cursor=_row_cursor(sort, field, rows[-1], _AFTER) if more else None,
            prev_cursor=_row_cursor(sort, field, rows[0], _BEFORE) if rows else None,
        )
    if not more and len(rows) < limit:
        # Back at the start with a short page (rows left the list meanwhile): show the first page.
        return list_orders(seller_id=seller_id, filters=filters, sort=sort, limit=limit)
    rows.reverse()
    return Page(
        items=rows,
        next_cursor=_row_cursor(sort, field, rows[-1], _AFTER) if rows else None,
        prev_cursor=_row_cursor(sort, field, rows[0], _BEFORE) if more else None,
    )


def count_matches_by_status(
    *, seller_id: int, filters: OrderFilters, outside_needs_action: bool = False
) -> dict[str, int]:
    """How many orders match `filters` in each status, whatever status they ask for: where a
    search's matches are, so a list showing one status can say which others hold them. With
    `outside_needs_action`, only orders with no step due (those "needs action" does not show).
    One query."""
    qs = filter_orders(seller_id=seller_id, filters=replace(filters, status=None))
    if outside_needs_action:
        qs = qs.filter(action_due_at__isnull=True)
    return qs.aggregate(**{status: Count("id", filter=Q(status=status)) for status in OrderStatus.values})


def count_orders_by_status(*, seller_id: int | None) -> dict[str, int]:
    """Orders per status, plus "needs action" (a step is due) and "overdue" (that step is late).

    A shop's delivered orders are nearly all its orders (hundreds of thousands for a big shop),
    and counting them row by row costs ~100 ms however the index is built. They are counted as
    "all orders minus the others" instead: numbers are handed out one by one under the seller's
    row lock in the transaction that inserts the order, and orders are never deleted, so a
    shop's orders are exactly its numbers from the first to the last (two index lookups). The
    other statuses are open orders and cancellations, a few index ranges.

    Never cached: every order a seller moves changes these, and "overdue" changes with the clock.
    """
    if seller_id is None:  # the operator's view across shops: a plain count
        counts = dict(_scoped(seller_id).values_list("status").annotate(n=Count("id")).order_by())
        due = (
            _scoped(seller_id)
            .filter(action_due_at__isnull=False)
            .aggregate(needs_action=Count("id"), overdue=Count("id", filter=Q(action_due_at__lt=timezone.now())))
        )
        return {**{status: counts.get(status, 0) for status in OrderStatus.values}, **due}
    others = [status for status in OrderStatus.values if status != OrderStatus.DELIVERED]
    connection = connections[router.db_for_read(Order)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [seller_id, seller_id, seller_id, now, seller_id]
    for status in others:
        params += [seller_id, status]
    with connection.cursor() as cursor:
        cursor.execute(_seller_counts_sql(len(others)), params)
        first, last, needs_action, overdue, *other_counts = cursor.fetchone()
    counts = dict(zip(others, other_counts, strict=True))
    total = last - first + 1 if last is not None else 0
    counts[OrderStatus.DELIVERED] = total - sum(other_counts)
    return {
        **{status: counts[status] for status in OrderStatus.values},
        "needs_action": needs_action,
        "overdue": overdue,
    }


@functools.cache
def _seller_counts_sql(statuses: int) -> str:
    """One statement of index lookups: the shop's first and last numbers, its orders with a step
    due and those past it, and the count of each of `statuses` statuses. Written by hand because
    the dashboard's orders page and the API's counts ask on every request, and composing it
    through the ORM (seven subqueries) cost more CPU than the database took to answer it."""
    meta = Order._meta
    table = meta.db_table
    seller, number, status, due = (
        meta.get_field(name).column for name in ("seller", "number", "status", "action_due_at")
    )
    of_shop = f"FROM {table} WHERE {seller} = %s"
    parts = [
        f"(SELECT {number} {of_shop} ORDER BY {number} ASC LIMIT 1)",
        f"(SELECT {number} {of_shop} ORDER BY {number} DESC LIMIT 1)",
        f"(SELECT COUNT(*) {of_shop} AND {due} IS NOT NULL)",
        # Over the shop's open orders (its due index), not every shop's overdue ones.
        f"(SELECT COUNT(CASE WHEN {due} < %s THEN 1 END) {of_shop} AND {due} IS NOT NULL)",
        *[f"(SELECT COUNT(*) {of_shop} AND {status} = %s)"] * statuses,
    ]
    return "SELECT " + ", ".join(parts)


def _detail_prefetches() -> tuple[Prefetch, ...]:
    """What an order's detail view shows besides the order itself, each read in one query; the one
    definition `get_order` and `order_answer` share, so a fresh read and an action's answer are
    built from the same rows in the same order."""
    return (
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch(
            "shipments",
            queryset=Shipment.objects.order_by("shipped_at", "id").prefetch_related(
                Prefetch("lines", queryset=ShipmentLine.objects.order_by("line_id"))
            ),
        ),
        Prefetch("events", queryset=OrderEvent.objects.order_by("id")),
        Prefetch("cancellations", queryset=Cancellation.objects.all()),
        Prefetch("substitute_offers", queryset=SubstituteOffer.objects.order_by("id")),
    )


def get_order(*, seller_id: int | None, order_id: int) -> Order:
    """One order with everything its detail view shows, in a fixed number of queries."""
    order = (
        _scoped(seller_id).select_related("seller").prefetch_related(*_detail_prefetches()).filter(pk=order_id).first()
    )
    if order is None:
        raise NotFound("Order not found.")
    return order


def hold(instance: models.Model, relation: str, rows: Iterable[models.Model]) -> None:
    """Cache `rows` as `instance.<relation>.all()`, as `prefetch_related` would have.

    For an action that already holds the rows it just locked, wrote or knows to be none: the
    answer built from the instance then reads nothing more for them. Only the rows as they stand
    at the end of the action may be held (`refresh_from_db` drops the cache)."""
    queryset = getattr(instance, relation).get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[relation] = queryset


def _as_read_back(instance: models.Model) -> None:
    # The database hands every time back in UTC; an action may hold the same instant in another
    # zone (a `placed_at` sent with an offset): the answer shows what a later read shows.
    for f in instance._meta.concrete_fields:
        value = getattr(instance, f.attname) if isinstance(f, models.DateTimeField) else None
        if value is not None:
            setattr(instance, f.attname, value.astimezone(UTC))


def order_answer(order: Order) -> Order:
    """The order an action just changed (its seller loaded), ready for its detail view without
    reading back what the action wrote: the relations the action held (`hold`) are used as they
    are, only the others are read, each in one query, as `get_order` reads them."""
    _as_read_back(order)
    for relation in ("lines", "events", "cancellations", "substitute_offers"):
        for row in getattr(order, "_prefetched_objects_cache", {}).get(relation, ()):
            _as_read_back(row)
    prefetch_related_objects([order], *_detail_prefetches())
    # Parcels an action held come without their lines: those are read here, in one query.
    prefetch_related_objects(
        list(order.shipments.all()), Prefetch("lines", queryset=ShipmentLine.objects.order_by("line_id"))
    )
    return order


def list_orders_after(
    *, seller_id: int, after_id: int, filters: OrderFilters, needs_action: bool = False, limit: int = 50
) -> list[Order]:
    """Orders newer than `after_id` (the newest a seller's open list shows), newest first.

    What the dashboard's order list polls for: ids grow, so "id after the newest shown" is the
    set the seller has not seen yet, read from the primary key. (Two orders placed at the same
    instant may commit out of id order; the slower one then shows at the next page load.)
    """
    qs = filter_orders(seller_id=seller_id, filters=filters).filter(pk__gt=after_id)
    if needs_action:
        qs = qs.filter(action_due_at__isnull=False)
    return list(qs.select_related("seller").order_by("-id")[: max(1, min(limit, MAX_LIMIT))])


def with_lines(orders: list[Order]) -> list[Order]:
    """Load the lines of a page of orders in one query (the list shows what each order holds)."""
    prefetch_related_objects(orders, Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
    return orders


def newest_order_id(*, seller_id: int) -> int:
    """The id of the shop's newest order (0 if none): the mark an open list polls from."""
    return _scoped(seller_id).order_by("-id").values_list("id", flat=True).first() or 0


def order_numbers(*, seller_id: int, order_ids: list[int]) -> dict[int, int]:
    """id → human number for the given orders of one shop (others' ids are simply absent)."""
    return dict(_scoped(seller_id).filter(pk__in=order_ids).values_list("id", "number"))


# --- what the guards and the refund previews read ------------------------------------------------


def order_parcels(order: Order) -> list[Shipment]:
    """The order's own parcels (reshipments left out), in the order they left; uses what
    `get_order` prefetched."""
    return [each for each in order.shipments.all() if each.purpose == ShipmentPurpose.ORDER]


def facts_of(order: Order, lines: list[OrderLine]) -> OrderFacts:
    """What the workflow's guards need to know about an order and its lines (read under its lock)."""
    tracked, sent = True, False
    if order.status in (OrderStatus.PROCESSING, OrderStatus.SHIPPED):
        parcels = order_parcels(order)
        sent = bool(parcels)
        on_the_way = [get_carrier(each.carrier) for each in parcels if each.delivered_at is None] or [
            get_carrier(each.carrier) for each in parcels
        ]
        # The seller may mark delivered only when no parcel on its way is tracked by its carrier.
        tracked = any(bool(carrier and carrier.tracked) for carrier in on_the_way) if on_the_way else True
    return OrderFacts(
        status=order.status,
        payment_status=order.payment_status,
        has_short_line=any(line.stock == LineStock.SHORT for line in lines),
        open_units=sum(line.open_quantity for line in lines),
        shipment_tracked=tracked,
        parcels_sent=sent,
    )


def order_facts(order: Order) -> OrderFacts:
    """The guard facts of an order whose lines (and parcels) are already loaded."""
    return facts_of(order, list(order.lines.all()))


def _refundable(order: Order) -> bool:
    return order.payment_status in PAID_FOR_STATES


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
    if sum(each.open_quantity for each in lines) == quantity:
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


# --- refunds after shipment ------------------------------------------------------------------------


def shipping_refunded(order: Order) -> bool:
    """Whether a refund after shipment already gave back the order's shipping (once per order)."""
    return ShippedRefund.objects.filter(order=order, with_shipping=True).exists()


def refundable_units(line: OrderLine) -> int:
    """Units of a line that shipped and were not refunded since."""
    return line.open_quantity - line.quantity_refunded


def left_to_refund(order: Order) -> refunds.RefundBreakdown:
    """What is left to refund on an order, non-tax and tax apart (the cap of every refund)."""
    if not _refundable(order):
        return refunds.NOTHING
    tax = order.tax_total - order.refunded_tax
    return refunds.RefundBreakdown(items=order.total - order.refunded_total - tax, tax=tax)


def cancel_requested(order: Order) -> bool:
    """Whether the customer asked to cancel this order (the request waits for the seller)."""
    return Notification.objects.filter(order=order, kind=Notification.Kind.SELLER_CANCEL_REQUESTED).exists()
