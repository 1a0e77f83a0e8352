"""API shapes of /api/v1/performance (output only: the endpoints are reads)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class MetricOut(Schema):
    key: str
    label: str
    value: str | None  # decimal string; null when no order counts in the window
    numerator: int
    denominator: int
    target: str | None  # null for the informational metrics (handling time, rating)
    direction: str  # max: must stay below the target; min: must stay above it
    unit: str  # percent | hours | stars
    status: str  # good | at_risk | breach | no_data
    window_days: int


class TrendOut(Schema):
    """The daily snapshots of the last 90 days, column-wise: `values[key][i]` is the value of
    metric `key` on `days[i]`."""

    days: list[date]
    standing: list[str]
    points: list[int]
    values: dict[str, list[str | None]]


class PerformanceOut(Schema):
    seller: str
    as_of: datetime
    standing: str  # good | at_risk | penalised
    points: int
    hold_extra_days: int
    evaluated_at: datetime | None
    metrics: list[MetricOut]
    trend: TrendOut


class MetricOrderOut(Schema):
    order_id: int
    number: int
    counted_in_numerator: bool
    reason: str
    at: datetime | None


class MetricOrdersOut(Schema):
    metric: str
    items: list[MetricOrderOut]
    next_cursor: str | None
