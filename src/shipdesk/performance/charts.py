"""Server-rendered SVG line charts for the performance page. Pure: no ORM, no I/O.

One chart per metric: the daily value over the last 90 days, a dashed line at the target, the
y axis labelled in the metric's unit and the x axis with the first, middle and last day. The SVG
is a string built here with every piece of text escaped (a title is data, not markup); it uses
presentation attributes (`stroke`, `fill`), never `style`, so it renders under the strict CSP.
Days without a value (no orders in the window) break the line instead of drawing it at zero.
It is an image with a title and a description for screen readers; the page puts the same
numbers in a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape

WIDTH = 560
HEIGHT = 190
LEFT, RIGHT, TOP, BOTTOM = 60, 14, 12, 30

LINE = "#2e5bdb"
TARGET = "#b42318"
GRID = "#e2e5ea"
INK = "#4b5565"

# The y axis never shrinks below these, so a flat line near zero does not look like a cliff.
_MIN_TOP = {"percent": 1.0, "hours": 24.0}


def format_value(value: float | Decimal | None, unit: str) -> str:
    """A value as people read it: "4.2 %", "31 h", "4.5 ★"; "—" for no data. Rates are in percent."""
    if value is None:
        return "—"
    number = float(value)
    if unit == "percent":
        return f"{number:.1f} %"
    if unit == "hours":
        return f"{number:.0f} h"
    if unit == "stars":
        return f"{number:.1f} ★"
    return f"{number:g}"


def y_range(values: Sequence[float], target: float | None, unit: str, direction: str) -> tuple[float, float]:
    """(bottom, top) of the y axis: room above the highest value and the target, zero at the
    bottom — except for a "min" rate (valid tracking > 95 %), whose interesting band is near 100 %
    and would be a flat line on a 0–100 axis."""
    if unit == "stars":
        return 0.0, 5.0
    marks = [*values, *([target] if target is not None else [])]
    if unit == "percent" and direction == "min":
        low = min(marks) if marks else 90.0
        return max(0.0, (int(low) // 5) * 5.0 - 5.0), 100.0
    top = max([*marks, _MIN_TOP.get(unit, 1.0)]) * 1.15
    if unit == "percent":
        top = min(top, 100.0)
    return 0.0, top


def _number(value) -> float | None:
    return None if value is None else float(value)


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def line_chart(
    *,
    points: Sequence[tuple[date, float | Decimal | None]],
    target: float | Decimal | None,
    unit: str,
    title: str,
    direction: str = "max",
    description: str = "",
    chart_id: str = "chart",
    first_day: date | None = None,
    last_day: date | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """The SVG markup of one metric's chart. `points` are (day, value) in day order.

    The x axis runs from `first_day` to `last_day` (default: the first and last point), so a
    history shorter than the period shows as a line that starts late, not stretched across it.
    """
    ident = escape(chart_id, quote=True)
    values = [v for v in (_number(v) for _, v in points) if v is not None]
    goal = _number(target)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM

    bottom, top = y_range(values, goal, unit, direction)

    def y_of(value: float) -> float:
        clamped = min(max(value, bottom), top)
        return TOP + plot_h - ((clamped - bottom) / (top - bottom)) * plot_h

    first_day = first_day or (points[0][0] if points else None)
    last_day = last_day or (points[-1][0] if points else first_day)
    span = max(1, (last_day - first_day).days) if first_day and last_day else 1

    def x_of(day: date) -> float:
        return LEFT + ((day - first_day).days / span) * plot_w

    fmt = lambda v: escape(format_value(v, unit))  # noqa: E731
    out = [
        f'<svg class="chart" id="{ident}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    # Grid and y axis labels: the bottom, half way and the top.
    for fraction in (0.0, 0.5, 1.0):
        value = bottom + (top - bottom) * fraction
        y = y_of(value)
        out.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        out.append(
            f'<text class="chart-label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{fmt(value)}</text>'
        )
    # x axis labels: the first, middle and last day.
    if first_day and last_day:
        days = [first_day, first_day + (last_day - first_day) / 2, last_day]
        for day, anchor in zip(days, ("start", "middle", "end"), strict=True):
            out.append(
                f'<text class="chart-label" x="{x_of(day):.1f}" y="{height - 8}" text-anchor="{anchor}" '
                f'font-size="11" fill="{INK}">{escape(_day_label(day))}</text>'
            )
    if goal is not None:
        y = y_of(goal)
        out.append(
            f'<line class="chart-target" x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" '
            f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text class="chart-target-label" x="{width - RIGHT}" y="{y - 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TARGET}">target {fmt(goal)}</text>'
        )
    if not values:
        out.append(
            f'<text class="chart-empty" x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
            f'font-size="13" fill="{INK}">No data yet</text>'
        )
    else:
        # One path; a day without a value starts a new segment (M) instead of joining across it.
        segments: list[list[tuple[float, float]]] = [[]]
        for day, raw in points:
            value = _number(raw)
            if value is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((x_of(day), y_of(value)))
        commands = []
        for segment in segments:
            for i, (x, y) in enumerate(segment):
                commands.append(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}")
        out.append(
            f'<path class="chart-line" d="{" ".join(commands)}" fill="none" stroke="{LINE}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
        # A lone day between gaps has no line to show it: a dot does. The last value gets one too.
        dots = [segment[0] for segment in segments if len(segment) == 1]
        last = next((s[-1] for s in reversed(segments) if s), None)
        if last is not None and last not in dots:
            dots.append(last)
        for x, y in dots:
            out.append(f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}"/>')
    out.append("</svg>")
    return "".join(out)
