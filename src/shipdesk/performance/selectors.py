"""Reads of seller performance: live figures, the orders behind them, history and the ranking.

Every figure is counted in the database by one GROUP BY seller query per metric
(`compute_figures`), so the daily evaluation of every seller costs the same handful of queries
as one seller's page; `performance.metrics` decides what the counts mean. The drill-down
(`metric_orders`) uses the very same conditions (`_scope`), so the rows listed are exactly the
rows counted.

Lateness is computed from the timestamps against the deadlines, not read from the `*_late`
flags, so a figure is exact even before the deadline sweep has run; it agrees with the flags'
meaning: done exactly at the deadline is on time, done after it (or not done by it) is late.

Each order counts once, at the moment its outcome was decided: when the step was done on time,
or when its deadline passed with the step not done. So a "30-day" rate covers the orders decided
in the 30 days up to `as_of`; an order whose deadline is still ahead and which is not done yet
is not counted (it may still be on time).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import calendars_for
from shipdesk.claims import terms as claim_terms
from shipdesk.claims.models import Claim, Dispute
from shipdesk.conversations.models import Message
from shipdesk.conversations.terms import FROM_CUSTOMER
from shipdesk.errors import NotFound, ValidationFailed
from shipdesk.orders.deadlines import BusinessCalendar
from shipdesk.orders.models import Cancellation, CancelReason, Order
from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor
from shipdesk.returns.models import ReturnRequest
from shipdesk.shipping.models import TrackingEvent, TrackingStatus

from . import metrics as m
from .metrics import METRICS, MetricFigure
from .models import PerformanceSnapshot, Review, SellerStanding

MAX_LIMIT = 200

# A parcel counts for the valid-tracking rate from a day after it was marked shipped: the
# carrier's first scan comes when it collects the parcel, and a shipment marked an hour ago
# without a scan yet is not a tracking failure.
TRACKING_GRACE = timedelta(hours=24)

# Shop-caused cancellations (docs/workflow.md): the shop cancelled for its own reasons, or never
# confirmed a paid order (the system's unconfirmed timeout). Not: the customer's request, a
# payment problem, or an order never paid (the unpaid timeout).
SELLER_CANCEL_REASONS = (CancelReason.OUT_OF_STOCK, CancelReason.ADDRESS_ISSUE, CancelReason.OTHER)


@dataclass(frozen=True)
class SellerPerformance:
    seller_id: int
    as_of: datetime
    metrics: list[MetricFigure]  # in METRICS order
    standing: str  # good | at_risk | penalised
    points: int  # active penalty points
    hold_extra_days: int
    evaluated_at: datetime | None  # the last daily evaluation; None before the first


@dataclass(frozen=True)
class MetricOrderRow:
    order_id: int
    number: int
    counted_in_numerator: bool  # late / cancelled by the shop / scanned / delivered on time; always True for averages
    reason: str  # short, e.g. "shipped after the deadline"
    at: datetime | None  # the timestamp that decided it


@dataclass(frozen=True)
class DailyPerformance:
    day: date
    standing: str
    points: int
    values: dict[str, Decimal | None]  # metric key -> value


@dataclass(frozen=True)
class RankedSeller:
    seller_id: int
    slug: str
    name: str
    standing: str
    points: int
    hold_extra_days: int
    breached: list[str]  # metric keys in breach at the last evaluation
    evaluated_on: date | None


# --- what each metric counts -------------------------------------------------------------------


def _stage_scope(step: str, deadline: str, *, start: datetime, as_of: datetime) -> tuple[Q, Q]:
    """(counted, late) for a step with a deadline, over the window (start, as_of].

    An order counts at the instant its outcome was decided: when the step was done, if it was
    done by the deadline (on time); at the deadline, if it was missed (late, whether the step was
    done afterwards or not at all). An order cancelled by its deadline with the step undone does
    not count: nothing was owed any more.
    """
    on_time = Q(**{f"{step}__gt": start, f"{step}__lte": as_of}) & Q(**{f"{step}__lte": F(deadline)})
    late = Q(**{f"{step}__isnull": True}) | Q(**{f"{step}__gt": F(deadline)})
    not_cancelled_in_time = Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=F(deadline))
    missed = Q(**{f"{deadline}__gt": start, f"{deadline}__lt": as_of}) & late & not_cancelled_in_time
    counted = Q(**{f"{deadline}__isnull": False}) & (on_time | missed)
    return counted, late


def _seller_cancelled(as_of: datetime) -> Exists:
    return Exists(
        Cancellation.objects.filter(
            seller_id=OuterRef("seller_id"), order_id=OuterRef("pk"), created_at__lte=as_of
        ).filter(
            # Running out of stock is the shop's doing whoever cancels: the seller, or the customer
            # declining a substitute offered for the missing item.
            Q(reason__in=[CancelReason.UNCONFIRMED_TIMEOUT, CancelReason.OUT_OF_STOCK])
            | Q(actor_kind="seller", reason__in=SELLER_CANCEL_REASONS)
        )
    )


def _scanned(as_of: datetime) -> Exists:
    # Any scan but "label created": that one comes from the label, not from the parcel.
    return Exists(
        TrackingEvent.objects.filter(
            seller_id=OuterRef("seller_id"), shipment__order_id=OuterRef("pk"), occurred_at__lte=as_of
        ).exclude(status__in=[TrackingStatus.PRE_TRANSIT, TrackingStatus.UNKNOWN])
    )


def _scope(metric: str, as_of: datetime):
    """(counted, numerator) conditions over Order for the order-based metrics.

    The numerator is what the metric counts: late ones for the "max" rates, good ones for the
    "min" rates (valid tracking, on-time delivery).
    """
    start = as_of - timedelta(days=METRICS[metric].window_days)
    if metric == m.LATE_CONFIRMATION:
        return _stage_scope("confirmed_at", "confirm_by", start=start, as_of=as_of)
    if metric == m.LATE_SHIPMENT:
        return _stage_scope("shipped_at", "ship_by", start=start, as_of=as_of)
    if metric == m.ON_TIME_DELIVERY:
        counted, late = _stage_scope("delivered_at", "deliver_by", start=start, as_of=as_of)
        return counted & Q(shipped_at__isnull=False), ~late
    if metric == m.VALID_TRACKING:
        return Q(shipped_at__gt=start, shipped_at__lte=as_of - TRACKING_GRACE), _scanned(as_of)
    if metric == m.CANCELLATION:
        cancelled = _seller_cancelled(as_of)
        return Q(placed_at__gt=start, placed_at__lte=as_of) & (
            Q(paid_at__isnull=False, paid_at__lte=as_of) | cancelled
        ), cancelled
    if metric == m.HANDLING_TIME:
        return Q(shipped_at__gt=start, shipped_at__lte=as_of), Q(pk__isnull=False)
    if metric == m.ORDER_DEFECT:
        lost_claim, chargeback, low_review = _defects(as_of)
        return Q(placed_at__gt=start, placed_at__lte=as_of, paid_at__isnull=False, paid_at__lte=as_of), (
            lost_claim | chargeback | low_review
        )
    if metric == m.RETURN_RATE:
        return Q(delivered_at__gt=start, delivered_at__lte=as_of), _return_requested(as_of)
    raise KeyError(metric)


def _return_requested(as_of: datetime) -> Exists:
    """The customer asked for a return of the order by `as_of` (whatever the shop answered)."""
    return Exists(
        ReturnRequest.objects.filter(seller_id=OuterRef("seller_id"), order_id=OuterRef("pk"), requested_at__lte=as_of)
    )


# A review at or below this many stars is a defect (Amazon's "negative feedback": 1 or 2 stars).
DEFECT_MAX_STARS = 2


def _defects(as_of: datetime) -> tuple[Exists, Exists, Exists]:
    """What makes an order defective, each known by `as_of`: a claim the operator decided against
    the shop (claims the shop resolved itself, or won, do not count); a chargeback, unless it was
    won or was only an inquiry; a review of 1 or 2 stars."""
    lost_claim = Exists(
        Claim.objects.filter(
            seller_id=OuterRef("seller_id"), order_id=OuterRef("pk"), seller_lost=True, decided_at__lte=as_of
        )
    )
    chargeback = Exists(
        Dispute.objects.filter(seller_id=OuterRef("seller_id"), order_id=OuterRef("pk"), opened_at__lte=as_of).exclude(
            status__in=[claim_terms.WON, *claim_terms.INQUIRY_STATUSES]
        )
    )
    low_review = Exists(
        Review.objects.filter(
            seller_id=OuterRef("seller_id"),
            order_id=OuterRef("pk"),
            rating__lte=DEFECT_MAX_STARS,
            created_at__lte=as_of,
        )
    )
    return lost_claim, chargeback, low_review


_ORDER_METRICS = (
    m.LATE_CONFIRMATION,
    m.LATE_SHIPMENT,
    m.CANCELLATION,
    m.VALID_TRACKING,
    m.ON_TIME_DELIVERY,
    m.ORDER_DEFECT,
    m.RETURN_RATE,
)


def _response_scope(as_of: datetime) -> tuple[Q, Q]:
    """(counted, answered in time) over the customers' messages, as `_stage_scope` counts a step:
    a message counts when its answer came by the due time (at the answer) or when the due time
    passed without one (at the due time). A message marked as needing no answer is not counted."""
    start = as_of - timedelta(days=METRICS[m.RESPONSE_TIME].window_days)
    in_time = Q(answered_at__isnull=False, answered_at__lte=F("answer_due_at"))
    on_time = in_time & Q(answered_at__gt=start, answered_at__lte=as_of)
    missed = Q(answer_due_at__gt=start, answer_due_at__lt=as_of) & ~in_time
    owed = Q(direction=FROM_CUSTOMER, answer_due_at__isnull=False) & (
        Q(needs_answer=True) | Q(answered_at__isnull=False)
    )
    return owed & (on_time | missed), in_time & Q(answered_at__lte=as_of)


def _return_response_scope(as_of: datetime) -> tuple[Q, Q]:
    """(counted, answered in time) over return requests, as `_response_scope` counts messages: a
    request counts when it was approved or rejected by its deadline (at the answer), or when the
    deadline passed without such an answer (at the deadline)."""
    start = as_of - timedelta(days=METRICS[m.RETURN_RESPONSE].window_days)
    in_time = Q(approved_at__lte=F("answer_by")) | Q(rejected_at__lte=F("answer_by"))
    on_time = in_time & (
        Q(approved_at__gt=start, approved_at__lte=as_of) | Q(rejected_at__gt=start, rejected_at__lte=as_of)
    )
    missed = Q(answer_by__gt=start, answer_by__lt=as_of) & ~in_time
    known = Q(requested_at__lte=as_of)
    answered = in_time & (Q(approved_at__lte=as_of) | Q(rejected_at__lte=as_of))
    return known & (on_time | missed), answered


def _scoped(seller_ids: list[int] | None):
    return Order.objects.all() if seller_ids is None else Order.objects.filter(seller_id__in=seller_ids)


def handling_hours(
    calendar: BusinessCalendar, *, placed_at: datetime, paid_at: datetime | None, shipped_at: datetime
) -> float:
    """Business hours from payment (or placing, if later: the confirm window's start) to shipping."""
    start = max(placed_at, paid_at) if paid_at else placed_at
    return max(0.0, calendar.business_hours_between(start, shipped_at))


def compute_figures(*, as_of: datetime, seller_ids: list[int] | None = None) -> dict[int, list[MetricFigure]]:
    """Every metric of every seller in `seller_ids` (all sellers when None) as of `as_of`.

    A constant number of queries, whatever the number of sellers or orders: one aggregate per
    order metric, one for the handling times (with the calendar read), one for the ratings.
    Sellers with no orders get `no_data` figures.
    """
    counts: dict[str, dict[int, tuple[int, int, object]]] = {}
    for key in _ORDER_METRICS:
        counted, numerator = _scope(key, as_of)
        rows = (
            _scoped(seller_ids)
            .filter(counted)
            .values("seller_id")
            .annotate(d=Count("id"), n=Count("id", filter=numerator))
            .order_by()
        )
        counts[key] = {r["seller_id"]: (r["n"], r["d"], None) for r in rows}

    counted, answered = _response_scope(as_of)
    messages = Message.objects.filter(counted)
    if seller_ids is not None:
        messages = messages.filter(seller_id__in=seller_ids)
    counts[m.RESPONSE_TIME] = {
        r["seller_id"]: (r["n"], r["d"], None)
        for r in messages.values("seller_id").annotate(d=Count("id"), n=Count("id", filter=answered)).order_by()
    }

    counted, answered = _return_response_scope(as_of)
    returns = ReturnRequest.objects.filter(counted)
    if seller_ids is not None:
        returns = returns.filter(seller_id__in=seller_ids)
    counts[m.RETURN_RESPONSE] = {
        r["seller_id"]: (r["n"], r["d"], None)
        for r in returns.values("seller_id").annotate(d=Count("id"), n=Count("id", filter=answered)).order_by()
    }

    counted, _ = _scope(m.HANDLING_TIME, as_of)
    shipped = list(_scoped(seller_ids).filter(counted).values_list("seller_id", "placed_at", "paid_at", "shipped_at"))
    calendars = calendars_for({row[0] for row in shipped}) if shipped else {}
    hours: dict[int, list[float]] = defaultdict(list)
    for seller_id, placed_at, paid_at, shipped_at in shipped:
        hours[seller_id].append(
            handling_hours(calendars[seller_id], placed_at=placed_at, paid_at=paid_at, shipped_at=shipped_at)
        )
    counts[m.HANDLING_TIME] = {pk: (round(sum(h)), len(h), sum(h)) for pk, h in hours.items()}

    reviews = Review.objects.filter(
        created_at__gt=as_of - timedelta(days=METRICS[m.RATING].window_days), created_at__lte=as_of
    )
    if seller_ids is not None:
        reviews = reviews.filter(seller_id__in=seller_ids)
    counts[m.RATING] = {
        r["seller_id"]: (r["stars"], r["d"], None)
        for r in reviews.values("seller_id").annotate(d=Count("id"), stars=Sum("rating")).order_by()
    }

    everyone = set(seller_ids) if seller_ids is not None else {pk for per in counts.values() for pk in per}
    return {
        seller_id: [
            m.figure(key, numerator=n, denominator=d, total=total)
            for key in METRICS
            for n, d, total in [counts[key].get(seller_id, (0, 0, None))]
        ]
        for seller_id in everyone
    }


# --- one seller ----------------------------------------------------------------------------------


def current_performance(*, seller_id: int, now: datetime | None = None) -> SellerPerformance:
    """Live figures from the orders as they are at `now`, with the points and standing of the last
    daily evaluation (points change only there); before any evaluation, the standing the live
    figures alone give."""
    now = now or timezone.now()
    if not Seller.objects.filter(pk=seller_id).exists():
        raise NotFound("Seller not found.")
    figures = compute_figures(as_of=now, seller_ids=[seller_id])[seller_id]
    row = SellerStanding.objects.filter(seller_id=seller_id).first()
    points = row.points if row else 0
    return SellerPerformance(
        seller_id=seller_id,
        as_of=now,
        metrics=figures,
        standing=m.standing_of(figures, points),
        points=points,
        hold_extra_days=row.hold_extra_days if row else 0,
        evaluated_at=row.evaluated_at if row else None,
    )


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{max(1, round(hours * 60))} min"


def _row(metric: str, order, counted_in_numerator: bool, calendar: BusinessCalendar | None) -> MetricOrderRow:
    if metric in (m.LATE_CONFIRMATION, m.LATE_SHIPMENT, m.ON_TIME_DELIVERY):
        step, deadline, verb = {
            m.LATE_CONFIRMATION: ("confirmed_at", "confirm_by", "confirmed"),
            m.LATE_SHIPMENT: ("shipped_at", "ship_by", "shipped"),
            m.ON_TIME_DELIVERY: ("delivered_at", "deliver_by", "delivered"),
        }[metric]
        done, due = getattr(order, step), getattr(order, deadline)
        if done is None or done > order.as_of:
            return MetricOrderRow(order.pk, order.number, counted_in_numerator, f"not {verb} by the deadline", due)
        if done > due:
            return MetricOrderRow(
                order.pk, order.number, counted_in_numerator, f"{verb} {_hours(done - due)} after the deadline", done
            )
        return MetricOrderRow(order.pk, order.number, counted_in_numerator, f"{verb} on time", done)
    if metric == m.VALID_TRACKING:
        reason = "scanned by the carrier" if counted_in_numerator else "no carrier scan"
        return MetricOrderRow(order.pk, order.number, counted_in_numerator, reason, order.shipped_at)
    if metric == m.ORDER_DEFECT:
        if not counted_in_numerator:
            return MetricOrderRow(order.pk, order.number, False, "no defect", order.placed_at)
        reasons = [
            text
            for flag, text in (
                ("lost_claim", "delivery problem decided against the shop"),
                ("chargeback", "chargeback"),
                ("low_review", f"review of {DEFECT_MAX_STARS} stars or fewer"),
            )
            if getattr(order, flag, False)
        ]
        return MetricOrderRow(order.pk, order.number, True, ", ".join(reasons) or "defect", order.placed_at)
    if metric == m.RETURN_RATE:
        reason = "return requested" if counted_in_numerator else "no return requested"
        return MetricOrderRow(order.pk, order.number, counted_in_numerator, reason, order.delivered_at)
    if metric == m.CANCELLATION:
        if counted_in_numerator:
            return MetricOrderRow(order.pk, order.number, True, "cancelled by the shop", order.cancelled_at)
        return MetricOrderRow(order.pk, order.number, False, "not cancelled by the shop", order.placed_at)
    hours = handling_hours(calendar, placed_at=order.placed_at, paid_at=order.paid_at, shipped_at=order.shipped_at)
    return MetricOrderRow(order.pk, order.number, True, f"{hours:.1f} business hours", order.shipped_at)


def _page_cursor(values, kind: str) -> list:
    decoded = decode_cursor(values, kind)
    if not (isinstance(decoded, list) and len(decoded) == 2 and all(isinstance(v, int) for v in decoded)):
        raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
    return decoded


def metric_orders(
    *, seller_id: int, metric: str, now: datetime | None = None, limit: int = 50, cursor: str | None = None
) -> tuple[list[MetricOrderRow], str | None]:
    """The orders behind one figure: numerator ones first, then newest first; keyset-paged.

    Exactly the rows `compute_figures` counts (the same conditions). For the rating, the orders
    of the reviews, lowest ratings first; `counted_in_numerator` is True for every row of an
    average. An unknown metric raises `errors.NotFound`.
    """
    if metric not in METRICS:
        raise NotFound("No such metric.", details={"metric": [f"One of: {', '.join(METRICS)}."]})
    now = now or timezone.now()
    limit = max(1, min(limit, MAX_LIMIT))
    sort = f"perf:{metric}"
    after = _page_cursor(cursor, sort) if cursor else None

    if metric == m.RATING:
        qs = Review.objects.filter(
            seller_id=seller_id, created_at__gt=now - timedelta(days=METRICS[m.RATING].window_days), created_at__lte=now
        ).select_related("order")
        if after:
            qs = qs.filter(Q(rating__gt=after[0]) | Q(rating=after[0], id__lt=after[1]))
        reviews = list(qs.order_by("rating", "-id")[: limit + 1])
        more = len(reviews) > limit
        reviews = reviews[:limit]
        rows = [
            MetricOrderRow(
                r.order_id, r.order.number, True, f"{r.rating} star{'s' if r.rating != 1 else ''}", r.created_at
            )
            for r in reviews
        ]
        return rows, encode_cursor(sort, [reviews[-1].rating, reviews[-1].pk]) if more else None

    if metric == m.RETURN_RESPONSE:
        return _return_response_rows(seller_id=seller_id, now=now, limit=limit, after=after, sort=sort)

    if metric == m.RESPONSE_TIME:
        return _response_rows(seller_id=seller_id, now=now, limit=limit, after=after, sort=sort)

    counted, numerator = _scope(metric, now)
    # flag 1 = in the numerator; sorted flag desc, id desc.
    qs = (
        Order.objects.filter(seller_id=seller_id)
        .filter(counted)
        .annotate(flag=Case(When(numerator, then=Value(1)), default=Value(0), output_field=IntegerField()))
    )
    if metric == m.ORDER_DEFECT:
        # Which defects each order has, so the row says why it counts.
        lost_claim, chargeback, low_review = _defects(now)
        qs = qs.annotate(lost_claim=lost_claim, chargeback=chargeback, low_review=low_review)
    if after:
        qs = qs.filter(Q(flag__lt=after[0]) | Q(flag=after[0], id__lt=after[1]))
    orders = list(qs.order_by("-flag", "-id")[: limit + 1])
    more = len(orders) > limit
    orders = orders[:limit]
    calendar = calendars_for([seller_id])[seller_id] if metric == m.HANDLING_TIME and orders else None
    rows = []
    for order in orders:
        order.as_of = now
        rows.append(_row(metric, order, bool(order.flag), calendar))
    return rows, encode_cursor(sort, [orders[-1].flag, orders[-1].pk]) if more else None


def _response_rows(*, seller_id: int, now: datetime, limit: int, after, sort: str):
    """The customer messages behind the response-time figure, as the orders (conversations) they
    belong to: answered in time first, then newest first. Exactly the rows counted."""
    counted, answered = _response_scope(now)
    qs = (
        Message.objects.filter(seller_id=seller_id)
        .filter(counted)
        .select_related("order")
        .annotate(flag=Case(When(answered, then=Value(1)), default=Value(0), output_field=IntegerField()))
    )
    if after:
        qs = qs.filter(Q(flag__lt=after[0]) | Q(flag=after[0], id__lt=after[1]))
    found = list(qs.order_by("-flag", "-id")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    rows = []
    for message in found:
        if message.answered_at is not None and message.answered_at <= now:
            late = message.answered_at > message.answer_due_at
            took = _hours(message.answered_at - message.created_at)
            reason = f"answered in {took}" + (" (after the due time)" if late else "")
            rows.append(
                MetricOrderRow(message.order_id, message.order.number, bool(message.flag), reason, message.answered_at)
            )
        else:
            rows.append(
                MetricOrderRow(
                    message.order_id, message.order.number, False, "not answered by the due time", message.answer_due_at
                )
            )
    return rows, encode_cursor(sort, [found[-1].flag, found[-1].pk]) if more else None


def _return_response_rows(*, seller_id: int, now: datetime, limit: int, after, sort: str):
    """The return requests behind the return-response figure, as their orders: answered in time
    first, then newest first. Exactly the rows counted."""
    counted, answered = _return_response_scope(now)
    qs = (
        ReturnRequest.objects.filter(seller_id=seller_id)
        .filter(counted)
        .select_related("order")
        .annotate(flag=Case(When(answered, then=Value(1)), default=Value(0), output_field=IntegerField()))
    )
    if after:
        qs = qs.filter(Q(flag__lt=after[0]) | Q(flag=after[0], id__lt=after[1]))
    found = list(qs.order_by("-flag", "-id")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    rows = []
    for ret in found:
        answers = [(at, verb) for at, verb in ((ret.approved_at, "approved"), (ret.rejected_at, "rejected")) if at]
        at, verb = min(answers, key=lambda answer: answer[0]) if answers else (None, "")
        if at is not None and at <= now:
            late = at > ret.answer_by
            reason = f"return R{ret.pk} {verb} in {_hours(at - ret.requested_at)}" + (
                " (after the deadline)" if late else ""
            )
            rows.append(MetricOrderRow(ret.order_id, ret.order.number, bool(ret.flag), reason, at))
        else:
            rows.append(
                MetricOrderRow(
                    ret.order_id,
                    ret.order.number,
                    False,
                    f"return R{ret.pk} not answered by the deadline",
                    ret.answer_by,
                )
            )
    return rows, encode_cursor(sort, [found[-1].flag, found[-1].pk]) if more else None


# --- history and ranking ----------------------------------------------------------------------------


def performance_history(*, seller_id: int, days: int = 90, today: date | None = None) -> list[DailyPerformance]:
    """One row per daily snapshot in the `days` days before `today` (seller's local day), oldest first."""
    if today is None:
        tz = Seller.objects.filter(pk=seller_id).values_list("timezone", flat=True).first() or "UTC"
        today = timezone.now().astimezone(ZoneInfo(tz)).date()
    days = max(1, min(days, 366))
    snapshots = PerformanceSnapshot.objects.filter(
        seller_id=seller_id, day__gte=today - timedelta(days=days), day__lt=today
    ).order_by("day")
    return [
        DailyPerformance(
            day=s.day,
            standing=s.standing,
            points=s.points,
            values={
                key: (Decimal(v["value"]) if (v := s.metrics.get(key, {})).get("value") is not None else None)
                for key in METRICS
            },
        )
        for s in snapshots.only("day", "standing", "points", "metrics")
    ]


def seller_ranking(
    *, limit: int = 100, cursor: str | None = None, standing: str | None = None
) -> tuple[list[RankedSeller], str | None]:
    """Every evaluated seller, worst first: penalised, at risk, good; then most points; keyset-paged
    on (rank, points, seller) with the `seller_standing_ranking` index. One query per page."""
    limit = max(1, min(limit, MAX_LIMIT))
    qs = SellerStanding.objects.select_related("seller")
    if standing:
        if standing not in m.STANDINGS:
            raise ValidationFailed("Unknown standing.", details={"standing": [f"One of: {', '.join(m.STANDINGS)}."]})
        qs = qs.filter(standing=standing)
    if cursor:
        values = decode_cursor(cursor, "ranking")
        if not (isinstance(values, list) and len(values) == 3 and all(isinstance(v, int) for v in values)):
            raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
        rank, points, seller_id = values
        qs = qs.filter(
            Q(rank__gt=rank) | Q(rank=rank, points__lt=points) | Q(rank=rank, points=points, seller_id__gt=seller_id)
        )
    rows = list(qs.order_by("rank", "-points", "seller_id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    ranked = [
        RankedSeller(
            seller_id=r.seller_id,
            slug=r.seller.slug,
            name=r.seller.name,
            standing=r.standing,
            points=r.points,
            hold_extra_days=r.hold_extra_days,
            breached=list(r.breached),
            evaluated_on=r.evaluated_on,
        )
        for r in rows
    ]
    return ranked, encode_cursor("ranking", [rows[-1].rank, rows[-1].points, rows[-1].seller_id]) if more else None
