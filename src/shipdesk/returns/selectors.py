"""Reads of returns, always inside one seller (None only for the platform's cross-seller reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Prefetch, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shipdesk.errors import NotFound
from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor

from . import terms
from .models import ReturnLine, ReturnRequest

SORTS = {
    # name: (field, descending)
    "-requested_at": ("requested_at", True),
    "requested_at": ("requested_at", False),
    "deadline": ("action_due_at", False),  # "needs action": the nearest step first
}
MAX_LIMIT = 200


@dataclass(frozen=True)
class ReturnFilters:
    status: str | None = None
    order_id: int | None = None
    overdue: bool | None = None
    needs_action: bool | None = None


@dataclass(frozen=True)
class ReturnPage:
    items: list[ReturnRequest]
    next_cursor: str | None


def _scoped(seller_id: int | None) -> QuerySet[ReturnRequest]:
    qs = ReturnRequest.objects.all()
    return qs if seller_id is None else qs.filter(seller_id=seller_id)


def _with_lines(qs: QuerySet[ReturnRequest]) -> QuerySet[ReturnRequest]:
    return qs.select_related("order", "seller", "shipped_refund").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("line").order_by("line_id"))
    )


def filter_returns(*, seller_id: int | None, filters: ReturnFilters) -> QuerySet[ReturnRequest]:
    qs = _scoped(seller_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.order_id is not None:
        qs = qs.filter(order_id=filters.order_id)
    if filters.needs_action is not None:
        qs = qs.filter(action_due_at__isnull=not filters.needs_action)
    if filters.overdue is not None:
        now = timezone.now()
        qs = qs.filter(action_due_at__lt=now) if filters.overdue else qs.exclude(action_due_at__lt=now)
    return qs


def list_returns(
    *, seller_id: int | None, filters: ReturnFilters, sort: str = "-requested_at", limit: int = 50, cursor: str | None
) -> ReturnPage:
    """One page of returns in `sort` order (keyset: the cursor names the last row seen)."""
    field, descending = SORTS[sort]
    limit = max(1, min(limit, MAX_LIMIT))
    qs = filter_returns(seller_id=seller_id, filters=filters)
    if field == "action_due_at":
        qs = qs.filter(action_due_at__isnull=False)
    if cursor:
        value, last_id = _decode(cursor, sort)
        key = Tuple(F(field), F("id"))
        qs = qs.filter((TupleLessThan if descending else TupleGreaterThan)(key, (value, last_id)))
    ordering = [f"-{field}", "-id"] if descending else [field, "id"]
    rows = list(_with_lines(qs).order_by(*ordering)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(f"returns{sort}", [getattr(rows[-1], field).isoformat(), rows[-1].pk]) if more else None
    return ReturnPage(items=rows, next_cursor=next_cursor)


def _decode(cursor: str, sort: str) -> tuple[datetime, int]:
    values = decode_cursor(cursor, f"returns{sort}")
    if not (isinstance(values, list) and len(values) == 2 and isinstance(values[1], int)):
        raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
    value = parse_datetime(values[0]) if isinstance(values[0], str) else None
    if value is None:
        raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
    return value, values[1]


def get_return(*, seller_id: int | None, return_id: int) -> ReturnRequest:
    request = _with_lines(_scoped(seller_id)).filter(pk=return_id).first()
    if request is None:
        raise NotFound("Return not found.")
    return request


def returns_of_order(*, seller_id: int | None, order_id: int) -> list[ReturnRequest]:
    return list(_with_lines(_scoped(seller_id)).filter(order_id=order_id).order_by("-requested_at", "-id"))


def returns_needing_action(*, seller_id: int, limit: int = 20) -> list[ReturnRequest]:
    """Returns with a step owed (answer, refund), the nearest deadline first."""
    return list(
        _with_lines(_scoped(seller_id).filter(action_due_at__isnull=False)).order_by("action_due_at", "id")[:limit]
    )


def count_needing_action(*, seller_id: int) -> int:
    return _scoped(seller_id).filter(action_due_at__isnull=False).count()


def step_owed(request: ReturnRequest) -> terms.Step | None:
    """The step the seller owes this return now, if any."""
    return terms.STEP_BY_STATUS.get(request.status)
