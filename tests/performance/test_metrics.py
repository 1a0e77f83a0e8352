"""The pure performance rules: rates, statuses, standing, points, decay and the hold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shipdesk.performance import metrics as m

DAY = date(2026, 11, 10)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 100, Decimal("5.00")),
        (0, 100, Decimal("0.00")),
        (1, 3, Decimal("33.33")),
        (2, 3, Decimal("66.67")),
        (1, 8, Decimal("12.50")),
        (0, 0, None),
        (3, 3, Decimal("100.00")),
    ],
)
def test_a_rate_is_the_numerator_over_the_denominator_in_percent_rounded_half_up(numerator, denominator, expected):
    assert m.rate(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("key", "value", "status"),
    [
        ("late_shipment", Decimal("0.00"), "good"),
        ("late_shipment", Decimal("3.19"), "good"),
        ("late_shipment", Decimal("3.20"), "at_risk"),  # 80 % of the 4 % target
        ("late_shipment", Decimal("3.99"), "at_risk"),
        ("late_shipment", Decimal("4.00"), "breach"),  # "< 4 %": exactly 4 % misses it
        ("late_shipment", Decimal("5.00"), "breach"),
        ("late_confirmation", Decimal("3.99"), "good"),
        ("late_confirmation", Decimal("4.00"), "at_risk"),
        ("late_confirmation", Decimal("5.00"), "breach"),
        ("cancellation", Decimal("1.99"), "good"),
        ("cancellation", Decimal("2.00"), "at_risk"),
        ("cancellation", Decimal("2.50"), "breach"),
        ("valid_tracking", Decimal("100.00"), "good"),
        ("valid_tracking", Decimal("96.01"), "good"),
        ("valid_tracking", Decimal("96.00"), "at_risk"),  # 4 % failing is 80 % of the 5 % allowed
        ("valid_tracking", Decimal("95.01"), "at_risk"),
        ("valid_tracking", Decimal("95.00"), "breach"),  # "> 95 %": exactly 95 % misses it
        ("on_time_delivery", Decimal("97.61"), "good"),
        ("on_time_delivery", Decimal("97.60"), "at_risk"),
        ("on_time_delivery", Decimal("97.00"), "breach"),
        ("handling_time", Decimal("400.00"), "good"),  # informational: no target
        ("rating", Decimal("1.00"), "good"),
        ("late_shipment", None, "no_data"),
        ("rating", None, "no_data"),
    ],
)
def test_the_status_of_a_figure_against_its_target(key, value, status):
    assert m.status_of(m.METRICS[key], value) == status


def test_every_metric_has_a_label_window_unit_and_advice():
    assert list(m.METRICS) == [
        "late_confirmation",
        "late_shipment",
        "cancellation",
        "valid_tracking",
        "on_time_delivery",
        "order_defect",
        "handling_time",
        "rating",
        "response_time",
        "return_rate",
        "return_response",
    ]
    windows = {k: x.window_days for k, x in m.METRICS.items()}
    assert windows == {
        "late_confirmation": 30,
        "late_shipment": 30,
        "cancellation": 7,
        "valid_tracking": 30,
        "on_time_delivery": 30,
        "order_defect": 60,
        "handling_time": 30,
        "rating": 90,
        "response_time": 30,
        "return_rate": 30,
        "return_response": 30,
    }
    assert all(
        x.label and x.what_to_fix and x.definition and x.unit in ("percent", "hours", "stars")
        for x in m.METRICS.values()
    )
    # Every judged metric is a rate; the return rate is a rate shown without a target.
    assert {k for k, x in m.METRICS.items() if x.target is not None} == set(m.RATE_METRICS) - {"return_rate"}


def test_an_average_figure_keeps_the_sum_and_the_count():
    f = m.figure("rating", numerator=11, denominator=3)
    assert (f.value, f.numerator, f.denominator, f.unit, f.status) == (Decimal("3.67"), 11, 3, "stars", "good")
    hours = m.figure("handling_time", numerator=18, denominator=2, total=17.5)
    assert hours.value == Decimal("8.75")


def test_a_figure_with_no_orders_has_no_value():
    f = m.figure("late_shipment", numerator=0, denominator=0)
    assert (f.value, f.status, f.target) == (None, "no_data", Decimal("4.00"))


def _figures(**statuses):
    values = {"breach": Decimal("50"), "at_risk": Decimal("3.5"), "good": Decimal("0")}
    return [m.figure("late_shipment", numerator=0, denominator=0)] + [
        m.MetricFigure(
            key=k,
            label=k,
            window_days=30,
            value=values[s],
            numerator=0,
            denominator=1,
            target=Decimal("4"),
            direction="max",
            unit="percent",
            status=s,
        )
        for k, s in statuses.items()
    ]


@pytest.mark.parametrize(
    ("statuses", "points", "standing"),
    [
        ({}, 0, "good"),
        ({"late_shipment": "good", "cancellation": "good"}, 0, "good"),
        ({"late_shipment": "at_risk"}, 0, "at_risk"),
        ({"late_shipment": "good"}, 1, "at_risk"),  # points from an old breach still active
        ({"late_shipment": "good"}, 7, "at_risk"),
        ({"late_shipment": "good"}, 8, "penalised"),  # too many points
        ({"late_shipment": "breach"}, 0, "penalised"),
        ({"late_shipment": "breach", "cancellation": "at_risk"}, 3, "penalised"),
    ],
)
def test_standing_from_the_statuses_and_points(statuses, points, standing):
    assert m.standing_of(_figures(**statuses), points) == standing


def test_a_breach_earns_its_metrics_points_once_per_window():
    figures = _figures(late_shipment="breach", cancellation="breach", valid_tracking="at_risk")

    first = m.points_to_award(figures, day=DAY, last_awarded={})
    assert {(a.metric, a.points) for a in first} == {("late_shipment", 3), ("cancellation", 3)}

    again = m.points_to_award(
        figures, day=DAY + timedelta(days=1), last_awarded={"late_shipment": DAY, "cancellation": DAY}
    )
    assert again == []
    # The cancellation rate has a 7-day window, the late shipment rate 30 days.
    week = m.points_to_award(
        figures, day=DAY + timedelta(days=7), last_awarded={"late_shipment": DAY, "cancellation": DAY}
    )
    assert [a.metric for a in week] == ["cancellation"]
    month = m.points_to_award(
        figures, day=DAY + timedelta(days=30), last_awarded={"late_shipment": DAY, "cancellation": DAY}
    )
    assert {a.metric for a in month} == {"late_shipment", "cancellation"}


def test_informational_metrics_never_earn_points():
    figures = [m.figure("rating", numerator=1, denominator=1), m.figure("handling_time", numerator=900, denominator=1)]
    assert m.points_to_award(figures, day=DAY, last_awarded={}) == []


def test_points_count_for_90_days_and_not_before_they_were_earned():
    awards = [(DAY, 3), (DAY + timedelta(days=10), 2)]
    assert m.active_points(awards, day=DAY - timedelta(days=1)) == 0
    assert m.active_points(awards, day=DAY) == 3
    assert m.active_points(awards, day=DAY + timedelta(days=10)) == 5
    assert m.active_points(awards, day=DAY + timedelta(days=89)) == 5
    assert m.active_points(awards, day=DAY + timedelta(days=90)) == 2  # the first award expired
    assert m.active_points(awards, day=DAY + timedelta(days=100)) == 0
    assert m.expires_on(DAY) == DAY + timedelta(days=90)


@pytest.mark.parametrize(("points", "days"), [(0, 0), (1, 1), (3, 3), (8, 8), (14, 14), (40, 14)])
def test_each_active_point_adds_a_hold_day_up_to_two_weeks(points, days):
    assert m.hold_extra_days(points) == days


def test_a_rate_over_fewer_than_10_orders_is_shown_but_not_judged():
    small = m.figure("late_shipment", numerator=1, denominator=9)
    assert (small.value, small.status) == (Decimal("11.11"), "no_data")
    assert m.figure("late_shipment", numerator=1, denominator=10).status == "breach"
    assert m.figure("rating", numerator=1, denominator=1).status == "good"  # informational: judged by nobody


@pytest.mark.parametrize(
    "key, numerator, denominator, shown, status",
    [
        # 3.995 % reads 4.00 % but is below the "< 4 %" target: judged on the exact fraction
        ("late_shipment", 799, 20_000, Decimal("4.00"), "at_risk"),
        ("late_shipment", 800, 20_000, Decimal("4.00"), "breach"),
        # 95.004 % reads 95.00 % but is above the "> 95 %" target
        ("valid_tracking", 23_751, 25_000, Decimal("95.00"), "at_risk"),
        ("valid_tracking", 23_750, 25_000, Decimal("95.00"), "breach"),
    ],
)
def test_a_rate_is_judged_on_its_exact_value_not_the_rounded_one(key, numerator, denominator, shown, status):
    f = m.figure(key, numerator=numerator, denominator=denominator)

    assert (f.value, f.status) == (shown, status)
