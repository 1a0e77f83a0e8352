"""When a customer's message must be answered by, and what "answered in time" means.

Pure rules (no ORM, no I/O). The platform sets the window (`SHIPDESK_CONVERSATIONS`:
`answer_hours`, 24 by default) and whether it counts every hour or only the hours of the shop's
business days (`answer_in_business_hours`):

* Elapsed hours: due at `received_at + hours`, whatever the day.
* Business hours: the hours of the shop's business days only (`orders.deadlines.BusinessCalendar`:
  its weekends, public holidays and closure days, in its timezone), counted in real time as
  `business_hours_between` counts them. A message received on Friday 17:00 in a Monday–Friday
  shop is due on Monday 17:00 (7 hours on Friday, 17 on Monday); one received on Saturday is due
  at the end of Monday.
* Answered in time: an answer at or before the due instant; strictly after it is late (the same
  rule as every deadline, `orders.deadlines.is_overdue`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shipdesk.orders.deadlines import BusinessCalendar, day_bounds

_MAX_DAYS = 366


def answer_due_at(*, received_at: datetime, hours: int, calendar: BusinessCalendar | None) -> datetime:
    """The instant a message received at `received_at` must be answered by.

    `calendar` None: elapsed hours. Otherwise `hours` business hours of that calendar.
    """
    if received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    received_at = received_at.astimezone(UTC)
    if calendar is None:
        return received_at + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    zone = ZoneInfo(calendar.timezone)
    day = received_at.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        day_start, day_end = day_bounds(day, zone)
        if calendar.is_business_day(day):
            start = max(received_at, day_start)
            span = day_end - start
            if span >= remaining:
                return start + remaining
            if span > timedelta(0):
                remaining -= span
        day += timedelta(days=1)
    raise ValueError("the shop has no business day within a year")


def answered_in_time(*, due_at: datetime, answered_at: datetime | None) -> bool:
    return answered_at is not None and answered_at <= due_at


def time_left(*, due_at: datetime, now: datetime) -> str:
    """ "5 h 20 min left" or "overdue by 2 h", for the inbox."""
    seconds = int((due_at - now).total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"{span} left" if seconds >= 0 else f"overdue by {span}"
