"""When an order may say it was placed: the window `placed_at` must fall in. Pure.

Not before 2000-01-01: no order a seller still fulfils is older, and an earlier value is a
system's "no date" placeholder (0001-01-01) or a typo; taken at face value it would be
auto-cancelled at once, counted in no performance window, and near year 1 it cannot even be
converted to UTC (OverflowError). Not more than five minutes ahead of our clock: the storefront
says when the customer ordered, and only clock skew can put that in the future; a later value
would push every deadline out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(minutes=5)


def placed_at_problem(value: datetime, *, now: datetime) -> str | None:
    """Why `value` (aware) cannot be an order's placed_at, or None. Comparisons only: they never
    overflow, where converting a year-1 or year-9999 time to UTC can."""
    if value < EARLIEST:
        return "Must not be before 2000-01-01."
    if value > now + MAX_AHEAD:
        return "Must not be in the future."
    return None
