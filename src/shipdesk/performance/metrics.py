"""Seller performance rules: the metrics, their targets, statuses, standing, points and the hold.

Pure: no ORM, no I/O. The queries that count the orders behind each figure are in
`performance.selectors`; everything they feed into is decided here (docs/performance.md says
the same in words for sellers and operators).

Rules, in one place:

* **Rates** are `numerator / denominator × 100`, rounded to 2 decimals (half up); a metric with
  no orders in its window has no value and the status `no_data` (it can neither breach nor help).
* **Targets** are strict, as the marketplaces word them: a "max" rate must stay *below* its
  target (late shipment 4.00 % is a breach of "< 4 %"), a "min" rate must stay *above* it.
* **At risk** is the last 20 % of the allowed margin before the target: a "max" rate at or above
  80 % of its target (late shipment ≥ 3.20 %); a "min" rate whose failure share (100 − value) is
  at or above 80 % of the allowed failure share (valid tracking ≤ 96.00 % against > 95 %).
* **Too few orders to judge**: a rate with fewer than `MIN_ORDERS` (10) orders in its window
  is shown but not judged — status `no_data` — so one late parcel of a shop's first two orders
  is not "50 % late" and a penalty.
* Metrics without a target (handling time, review rating) are informational: `good` with data.
* **Standing**: `penalised` if any metric is in breach or the active points reach
  `PENALISED_POINTS`; else `at_risk` if any metric is at risk or any points are active; else `good`.
* **Points**: a breached metric earns its `points` on the day it is found in breach, at most once
  per its window (a breach that lasts earns again when a whole new window has passed in breach:
  30 days for the 30-day metrics). Points expire `POINTS_LIFETIME_DAYS` (90, a quarter) after
  the day they were earned.
* **Hold**: each active point adds one day to the earnings hold, at most `MAX_HOLD_EXTRA_DAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

GOOD, AT_RISK, PENALISED = "good", "at_risk", "penalised"
STANDINGS = (GOOD, AT_RISK, PENALISED)
# Worst first: the operator's ranking sorts by this.
STANDING_RANK = {PENALISED: 0, AT_RISK: 1, GOOD: 2}

# Metric statuses.
S_GOOD, S_AT_RISK, S_BREACH, S_NO_DATA = "good", "at_risk", "breach", "no_data"

AT_RISK_FRACTION = Decimal("0.80")
MIN_ORDERS = 10
PENALISED_POINTS = 8
POINTS_LIFETIME_DAYS = 90
MAX_HOLD_EXTRA_DAYS = 14

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    window_days: int
    target: Decimal | None  # None: informational, never breached
    direction: str  # "max": must stay below the target; "min": must stay above it
    unit: str  # percent | hours | stars
    points: int  # penalty points for a breach
    what_to_fix: str  # advice in the standing email and on the performance page
    definition: str  # what is counted, in one sentence (docs, tooltips)


LATE_CONFIRMATION = "late_confirmation"
LATE_SHIPMENT = "late_shipment"
CANCELLATION = "cancellation"
VALID_TRACKING = "valid_tracking"
ON_TIME_DELIVERY = "on_time_delivery"
HANDLING_TIME = "handling_time"
RATING = "rating"
ORDER_DEFECT = "order_defect"
RESPONSE_TIME = "response_time"
RETURN_RATE = "return_rate"
RETURN_RESPONSE = "return_response"

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric(
            LATE_CONFIRMATION, "Late confirmation rate", 30, Decimal("5.00"), "max", "percent", 2,
            "Confirm paid orders within 24 hours: check new orders at least twice a day, and turn on the due-soon "
            "alerts.",
            "Paid orders whose confirmation deadline passed in the last 30 days (or that were confirmed in them) "
            "that were confirmed after the deadline, or not at all.",
        ),
        Metric(
            LATE_SHIPMENT, "Late shipment rate", 30, Decimal("4.00"), "max", "percent", 3,
            "Ship within 3 business days of starting processing; add closure days before holidays so deadlines move "
            "with you.",
            "Orders shipped in the last 30 days (or whose ship deadline passed in them unshipped) that shipped after "
            "the deadline, or not at all.",
        ),
        Metric(
            CANCELLATION, "Seller-caused cancellation rate", 7, Decimal("2.50"), "max", "percent", 3,
            "Keep stock counts accurate so orders are not cancelled for missing stock, and confirm paid orders "
            "before they time out.",
            "Paid orders placed in the last 7 days that the shop cancelled (whole or in part; any reason but the "
            "customer's request or a payment problem), or that were cancelled because the shop did not confirm "
            "them in time.",
        ),
        Metric(
            VALID_TRACKING, "Valid tracking rate", 30, Decimal("95.00"), "min", "percent", 2,
            "Ship with a tracked carrier and hand the parcel over the day you mark it shipped, so the carrier scans "
            "it.",
            "Orders shipped in the last 30 days with a tracked carrier whose number the carrier has scanned at least "
            "once.",
        ),
        Metric(
            ON_TIME_DELIVERY, "On-time delivery rate", 30, Decimal("97.00"), "min", "percent", 2,
            "Choose a service level whose transit time you can keep, and ship early in the day.",
            "Shipped orders whose delivery estimate fell in the last 30 days (or delivered in them) that were "
            "delivered by it.",
        ),
        Metric(
            ORDER_DEFECT, "Order defect rate", 60, Decimal("1.00"), "max", "percent", 3,
            "Answer delivery problems within 2 business days with a refund, a reshipment or a return, keep the "
            "evidence pack of every chargeback, and fix what 1- and 2-star reviews say.",
            "Paid orders placed in the last 60 days with a defect: a delivery problem the marketplace decided against "
            "the shop, a chargeback (not won, not a mere inquiry), or a review of 1 or 2 stars.",
        ),
        Metric(
            HANDLING_TIME, "Average handling time", 30, None, "max", "hours", 0,
            "Pack and ship sooner after payment.",
            "Business hours from payment (or placing, if later) to shipping, averaged over the orders shipped in the "
            "last 30 days.",
        ),
        Metric(
            RATING, "Average review rating", 90, None, "min", "stars", 0,
            "Answer reviews and fix what customers mention most.",
            "Average stars of the reviews customers left in the last 90 days.",
        ),
        Metric(
            RESPONSE_TIME, "Messages answered within 24 h", 30, Decimal("90.00"), "min", "percent", 1,
            "Answer every customer message within 24 hours (the Messages page lists who is waiting); mark "
            "the ones that need no answer, such as a thank-you.",
            "Customer messages whose answer was due in the last 30 days (or that were answered in them) that "
            "the shop answered by the due time; messages marked as needing no answer are not counted.",
        ),
        # Informational: how often customers send things back depends on what a shop sells
        # (clothes far more than books), so one target would judge the category, not the shop.
        Metric(
            RETURN_RATE, "Return rate", 30, None, "max", "percent", 0,
            "Describe items exactly (sizes, materials, photos) and pack them so they arrive intact; the returns "
            "list says why customers send things back.",
            "Orders delivered in the last 30 days for which the customer asked for a return.",
        ),
        Metric(
            RETURN_RESPONSE, "Returns answered within 2 business days", 30, Decimal("90.00"), "min", "percent", 1,
            "Approve or reject every return request within 2 business days (Needs action lists them by deadline).",
            "Return requests whose answer was due in the last 30 days (or that were answered in them) that the "
            "shop approved or rejected by the deadline.",
        ),
    )
}  # fmt: skip

RATE_METRICS = tuple(k for k, m in METRICS.items() if m.unit == "percent")


@dataclass(frozen=True)
class MetricFigure:
    """One metric of one seller as of one instant, with what it was computed from.

    Rates: numerator / denominator in percent. `handling_time`: numerator = total business hours
    (rounded to whole hours; the value is from the exact sum), denominator = orders shipped.
    `rating`: numerator = the sum of stars, denominator = the number of reviews.
    """

    key: str
    label: str
    window_days: int
    value: Decimal | None  # None when the denominator is 0
    numerator: int
    denominator: int
    target: Decimal | None
    direction: str  # max | min
    unit: str  # percent | hours | stars
    status: str  # good | at_risk | breach | no_data


def rate(numerator: int, denominator: int) -> Decimal | None:
    if denominator <= 0:
        return None
    return (Decimal(numerator) * _HUNDRED / Decimal(denominator)).quantize(_CENT, rounding=ROUND_HALF_UP)


def average(total: Decimal | float | int, count: int) -> Decimal | None:
    if count <= 0:
        return None
    return (Decimal(str(total)) / Decimal(count)).quantize(_CENT, rounding=ROUND_HALF_UP)


def status_of(metric: Metric, value: Decimal | None, denominator: int | None = None) -> str:
    """The status of `value`; `denominator` (the orders counted), when given, must reach
    MIN_ORDERS for a rate with a target to be judged."""
    if value is None:
        return S_NO_DATA
    if metric.target is not None and denominator is not None and denominator < MIN_ORDERS:
        return S_NO_DATA
    if metric.target is None:
        return S_GOOD
    if metric.direction == "max":
        if value >= metric.target:
            return S_BREACH
        return S_AT_RISK if value >= metric.target * AT_RISK_FRACTION else S_GOOD
    if value <= metric.target:
        return S_BREACH
    allowed = _HUNDRED - metric.target
    return S_AT_RISK if _HUNDRED - value >= allowed * AT_RISK_FRACTION else S_GOOD


def figure(key: str, *, numerator: int, denominator: int, total=None) -> MetricFigure:
    """The figure of metric `key`. `total` is the sum averaged by handling time and rating."""
    metric = METRICS[key]
    if metric.unit == "percent":
        value = rate(numerator, denominator)
        # Judged on the exact fraction, shown rounded: 799 late of 20,000 is 3.995 %, below a
        # "< 4 %" target, although it reads 4.00 %.
        exact = Decimal(numerator) * _HUNDRED / Decimal(denominator) if denominator > 0 else None
    else:
        value = exact = average(total if total is not None else numerator, denominator)
    return MetricFigure(
        key=key,
        label=metric.label,
        window_days=metric.window_days,
        value=value,
        numerator=numerator,
        denominator=denominator,
        target=metric.target,
        direction=metric.direction,
        unit=metric.unit,
        status=status_of(metric, exact, denominator),
    )


def breached(figures: list[MetricFigure]) -> list[str]:
    return [f.key for f in figures if f.status == S_BREACH]


def standing_of(figures: list[MetricFigure], points: int) -> str:
    statuses = {f.status for f in figures}
    if S_BREACH in statuses or points >= PENALISED_POINTS:
        return PENALISED
    if S_AT_RISK in statuses or points > 0:
        return AT_RISK
    return GOOD


@dataclass(frozen=True)
class Award:
    metric: str
    points: int


def points_to_award(figures: list[MetricFigure], *, day: date, last_awarded: dict[str, date]) -> list[Award]:
    """Points earned on `day` for the breaches in `figures`.

    `last_awarded` is, per metric, the latest day points were earned for it. A breach earns once
    per the metric's window: again only when a whole window has passed since the last award.
    """
    awards = []
    for f in figures:
        metric = METRICS[f.key]
        if f.status != S_BREACH or metric.points <= 0:
            continue
        last = last_awarded.get(f.key)
        if last is not None and day - last < timedelta(days=metric.window_days):
            continue
        awards.append(Award(metric=f.key, points=metric.points))
    return awards


def expires_on(awarded_on: date) -> date:
    """The first day a point no longer counts."""
    return awarded_on + timedelta(days=POINTS_LIFETIME_DAYS)


def active_points(awards: list[tuple[date, int]], *, day: date) -> int:
    """The sum of the points earned on or before `day` that have not expired by `day`."""
    return sum(points for awarded_on, points in awards if awarded_on <= day < expires_on(awarded_on))


def hold_extra_days(points: int) -> int:
    return max(0, min(points, MAX_HOLD_EXTRA_DAYS))
