"""The performance page's SVG charts: pure functions, no database."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

from shipdesk.performance.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, format_value, line_chart, y_range

SVG = "{http://www.w3.org/2000/svg}"
DAY = date(2026, 9, 1)


def days(values):
    return [(DAY + timedelta(days=i), v) for i, v in enumerate(values)]


def path_points(svg: str) -> list[tuple[str, float, float]]:
    d = ET.fromstring(svg).find(f"{SVG}path").get("d")
    return [(c, float(x), float(y)) for c, x, y in re.findall(r"([ML])([\d.]+) ([\d.]+)", d)]


def test_points_are_scaled_into_the_plot_left_to_right_and_bottom_to_top():
    svg = line_chart(
        points=days([Decimal("0"), Decimal("2.5"), Decimal("5.0")]), target=None, unit="stars", title="Rating"
    )

    (_, x0, y0), (_, x1, y1), (_, x2, y2) = path_points(svg)

    assert (x0, x2) == (LEFT, WIDTH - RIGHT) and x1 == (LEFT + WIDTH - RIGHT) / 2
    assert y0 == HEIGHT - BOTTOM and y2 == TOP and y1 == (y0 + y2) / 2


def test_the_target_is_a_dashed_line_at_its_height_with_a_label():
    svg = line_chart(points=days([1, 2, 3]), target=Decimal("4.00"), unit="percent", title="Late shipment rate")
    root = ET.fromstring(svg)

    target = root.find(f"{SVG}line[@class='chart-target']")
    bottom, top = y_range([1.0, 2.0, 3.0], 4.0, "percent", "max")
    expected_y = TOP + (HEIGHT - TOP - BOTTOM) * (1 - (4.0 - bottom) / (top - bottom))

    assert target.get("stroke-dasharray") and abs(float(target.get("y1")) - expected_y) < 0.1
    assert "target 4.0 %" in svg


def test_a_min_rate_is_drawn_near_100_percent_not_on_a_flat_zero_to_100_axis():
    assert y_range([96.0, 99.0], 95.0, "percent", "min") == (90.0, 100.0)
    assert y_range([1.0, 3.0], 5.0, "percent", "max")[0] == 0.0


def test_a_day_without_data_breaks_the_line_and_a_lone_day_gets_a_dot():
    svg = line_chart(points=days([1, 2, None, 3, None, None]), target=None, unit="hours", title="Handling time")

    moves = [c for c, _, _ in path_points(svg)]

    assert moves == ["M", "L", "M"]
    assert len(ET.fromstring(svg).findall(f"{SVG}circle")) == 1  # the lone last value


def test_an_empty_history_says_no_data_yet_and_still_has_its_axes_and_title():
    svg = line_chart(points=[], target=Decimal("95"), unit="percent", direction="min", title="Valid tracking rate")
    root = ET.fromstring(svg)

    assert "No data yet" in svg and root.find(f"{SVG}path") is None
    assert root.find(f"{SVG}title").text == "Valid tracking rate"
    assert root.find(f"{SVG}line[@class='chart-target']") is not None


def test_titles_and_descriptions_are_escaped_and_the_svg_is_accessible():
    svg = line_chart(
        points=days([1]),
        target=None,
        unit="percent",
        title='<script>alert("x")</script>',
        description="a & b",
        chart_id='c"x',
    )
    root = ET.fromstring(svg)  # well-formed XML: nothing broke out of an attribute or element

    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script>'
    assert root.find(f"{SVG}desc").text == "a & b"
    assert root.get("role") == "img" and root.get("aria-labelledby") == 'c"x-title c"x-desc'
    assert "style=" not in svg  # presentation attributes only: the strict CSP blocks style attributes


def test_values_read_in_their_unit():
    assert [
        format_value(Decimal("4.17"), "percent"),
        format_value(30.6, "hours"),
        format_value(Decimal("4.5"), "stars"),
        format_value(None, "hours"),
    ] == [
        "4.2 %",
        "31 h",
        "4.5 ★",
        "—",
    ]


def test_a_history_shorter_than_the_period_starts_part_way_along_the_axis():
    svg = line_chart(
        points=days([1, 2]),
        target=None,
        unit="hours",
        title="Handling",
        first_day=DAY - timedelta(days=88),
        last_day=DAY + timedelta(days=1),
    )

    (_, x0, _), (_, x1, _) = path_points(svg)

    assert abs(x0 - (LEFT + (WIDTH - LEFT - RIGHT) * 88 / 89)) < 0.1
    assert x1 == WIDTH - RIGHT
    assert f"{(DAY - timedelta(days=88)).day} {(DAY - timedelta(days=88)):%b}" in svg
