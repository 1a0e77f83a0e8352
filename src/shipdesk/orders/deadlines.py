"""Deadline arithmetic for orders: business days, due-soon instants, lateness.

Pure rules (no ORM, no I/O); the services and sweeps call these. The product rule:

* Every datetime in and out is timezone-aware; results are in UTC. A naive datetime raises
  ``ValueError`` (guessing its zone would silently move deadlines by hours).
* A seller's business day is a local calendar day that is not a weekend day of the seller's
  country (per the ``holidays`` package, e.g. Fri/Sat in SA; its working-weekend transfers
  count as business days), not a public holiday of that country (observed days included),
  and not one of the seller's ad-hoc ``closure_days``. An unknown country code falls back to
  Sat/Sun weekends and no public holidays; an unknown timezone raises ``ValueError``.
* ``add_business_days(start, n)``: take ``start`` in the seller's local time. If that local
  day is not a business day the clock starts at 00:00 local of the next business day. Then
  move forward ``n`` business days keeping the local wall-clock time, and return that instant
  in UTC. Wed 14:00 New York + 2 → Fri 14:00 New York; Sat 10:00 + 2 → Mon 00:00 + 2 → Wed
  00:00 (Mon and Tue in full). Across DST the wall-clock time is kept, so the UTC offset
  changes. A wall-clock time that does not exist on the target day (spring-forward gap)
  becomes the first valid instant after the gap (02:30 → 03:00 in New York); an ambiguous
  one (fall-back) takes its first occurrence (``fold=0``). ``n = 0`` returns the
  (rolled-forward) start. A seller with no business day within a year raises ``ValueError``.
* ``business_hours_between(start, end)``: elapsed hours that fall on the seller's business
  days, measured in real time (a 23-hour DST day counts 23). Signed: swapping the arguments
  negates the result, so clock skew in the data shows up instead of being hidden.
* ``confirm_deadline``: 24 elapsed (not business) hours after the later of placed and paid;
  ``None`` while unpaid, because the seller cannot confirm an unpaid order.
* ``due_soon_at``: the instant at 75 % of the window from its start to the deadline;
  ``business_due_soon_at``: the instant at 75 % of the window's business hours.
* ``is_overdue``: strictly after the deadline is overdue; exactly at it is on time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from shipdesk.orders import holiday_countries

__all__ = [
    "BusinessCalendar",
    "business_due_soon_at",
    "confirm_deadline",
    "day_bounds",
    "due_soon_at",
    "is_overdue",
]

# A seller closed for longer than this has no next business day: fail loudly rather than
# loop forward for ever (or deep into the future) on a misconfigured calendar.
_MAX_DAYS_WITHOUT_BUSINESS = 366

# Only the countries asked about are imported (not all ~250, ~8 MiB a process): see the module.
holiday_countries.install()

_ONE_DAY = timedelta(days=1)
_FALLBACK_WEEKEND = frozenset({5, 6})  # Saturday, Sunday


@dataclass(frozen=True)
class BusinessCalendar:
    """The days a seller works, in the seller's own timezone and country."""

    timezone: str  # IANA name, e.g. "America/New_York"
    country: str  # ISO 3166-1 alpha-2, e.g. "US", "KE", "SA"
    closure_days: frozenset[date] = frozenset()  # ad-hoc local days the seller is closed

    def __post_init__(self) -> None:
        # Fail at construction, not deep inside a sweep, when the seller's timezone is bad.
        _zone(self.timezone)
        # The holidays package only knows upper-case codes; callers may pass "us".
        object.__setattr__(self, "country", self.country.strip().upper())
        # Accept any iterable of dates but keep the calendar hashable and immutable.
        object.__setattr__(self, "closure_days", frozenset(self.closure_days))

    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` (a local calendar date of the seller) is a business day."""
        if isinstance(day, datetime):
            # A datetime's date depends on its zone; make the caller say which local day.
            raise TypeError("is_business_day takes a local date, not a datetime")
        return _is_business_day(self, day)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """``start`` moved forward ``days`` business days at the same local wall-clock time."""
        start = _as_utc("start", start)
        if days < 0:
            raise ValueError(f"days must be 0 or more, got {days}")
        zone = _zone(self.timezone)
        local = start.astimezone(zone)
        day = local.date()
        if self.is_business_day(day):
            if days == 0:
                return start
            wall = local.time()  # drops fold: an ambiguous time re-resolves to fold=0
        else:
            day = self._next_business_day(day)
            wall = time(0)
        for _ in range(days):
            day = self._next_business_day(day)
        return _to_utc(day, wall, zone)

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """Hours between two instants that fall on business days (negative if end < start)."""
        start = _as_utc("start", start)
        end = _as_utc("end", end)
        if end < start:
            return -self.business_hours_between(end, start)
        zone = _zone(self.timezone)
        total = timedelta(0)
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        while day <= last:
            if self.is_business_day(day):
                # Day bounds as real instants, so DST days count 23 or 25 hours.
                day_start, day_end = day_bounds(day, zone)
                overlap = min(end, day_end) - max(start, day_start)
                if overlap > timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total / timedelta(hours=1)

    def _next_business_day(self, day: date) -> date:
        candidate = day
        for _ in range(_MAX_DAYS_WITHOUT_BUSINESS):
            candidate += _ONE_DAY
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(
            f"no business day within {_MAX_DAYS_WITHOUT_BUSINESS} days after {day} "
            f"for country {self.country!r} with {len(self.closure_days)} closure days"
        )


def confirm_deadline(*, placed_at: datetime, paid_at: datetime | None, hours: int = 24) -> datetime | None:
    """When a paid order must be confirmed by; ``None`` while it is unpaid."""
    placed_at = _as_utc("placed_at", placed_at)
    if paid_at is None:
        return None
    paid_at = _as_utc("paid_at", paid_at)
    if hours < 0:
        raise ValueError(f"hours must be 0 or more, got {hours}")
    # Added in UTC: in a local zone aware arithmetic is wall-clock arithmetic and would
    # make the window 23 or 25 real hours across a DST change.
    return max(placed_at, paid_at) + timedelta(hours=hours)


def due_soon_at(*, window_start: datetime, deadline: datetime, fraction: Decimal | float = 0.75) -> datetime:
    """The instant ``fraction`` of the way from ``window_start`` to ``deadline``."""
    window_start = _as_utc("window_start", window_start)
    deadline = _as_utc("deadline", deadline)
    # str() first so 0.75 means exactly 3/4, not the nearest binary float.
    share = Decimal(str(fraction)) if isinstance(fraction, float) else Decimal(fraction)
    if not share.is_finite() or not 0 <= share <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    if deadline < window_start:
        raise ValueError(f"deadline {deadline} is before window start {window_start}")
    window_us = (deadline - window_start) // timedelta(microseconds=1)
    # Round down so the alert never fires later than the exact share of the window.
    offset_us = int((window_us * share).to_integral_value(rounding=ROUND_FLOOR))
    return window_start + timedelta(microseconds=offset_us)


def business_due_soon_at(
    calendar: BusinessCalendar, *, window_start: datetime, deadline: datetime, fraction: Decimal = Decimal("0.75")
) -> datetime:
    """The instant when `fraction` of the window's business hours have passed.

    The window's business hours are counted exactly as `business_hours_between` counts them
    (local calendar days that are business days, in real time); the result is the first instant
    at which that much business time has elapsed since `window_start`. A window with no business
    time in it falls back to the elapsed-time fraction.
    """
    total = calendar.business_hours_between(window_start, deadline)
    if total <= 0:
        return due_soon_at(window_start=window_start, deadline=deadline, fraction=fraction)
    remaining = timedelta(microseconds=int(total * 3_600_000_000 * float(fraction)))
    zone = ZoneInfo(calendar.timezone)
    day = window_start.astimezone(zone).date()
    while True:
        day_start, day_end = day_bounds(day, zone)
        if day_start >= deadline:
            return deadline
        if calendar.is_business_day(day):
            start = max(window_start.astimezone(UTC), day_start)
            span = min(deadline.astimezone(UTC), day_end) - start
            if span >= remaining:
                return start + remaining
            if span > timedelta(0):
                remaining -= span
        day += timedelta(days=1)


def is_overdue(*, deadline: datetime | None, now: datetime) -> bool:
    """Whether ``now`` is strictly past ``deadline``; no deadline is never overdue."""
    now = _as_utc("now", now)
    if deadline is None:
        return False
    return now > _as_utc("deadline", deadline)


def _as_utc(name: str, value: datetime) -> datetime:
    """``value`` in UTC, refusing naive datetimes.

    Everything is compared and subtracted in UTC because Python ignores the offset (and
    ``fold``) when both operands share a tzinfo: two New York times across a DST change
    would otherwise differ by their wall-clock distance, not the real one.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    # ZoneInfo caches instances per key itself, so calling this per operation is cheap.
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown timezone {name!r}: expected an IANA name such as 'America/New_York'") from exc


# The day loops (business hours of a window, the due-soon instant, every minute for every open
# order) ask about the same few days of the same calendars over and over: a calendar is
# immutable and hashable, so whether a day is a business day, and when a local day starts and
# ends, are computed once per (calendar, day) and (day, zone), not once per order.
@functools.lru_cache(maxsize=65536)
def _is_business_day(calendar: BusinessCalendar, day: date) -> bool:
    if day in calendar.closure_days:
        return False
    public = _public_holidays(calendar.country, day.year)
    if public is None:
        return day.weekday() not in _FALLBACK_WEEKEND
    return public.is_working_day(day)


@functools.lru_cache(maxsize=16384)
def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (UTC) the local ``day`` starts and ends in ``zone``: 23 or 25 hours apart
    across a DST change."""
    return _to_utc(day, time(0), zone), _to_utc(day + _ONE_DAY, time(0), zone)


@functools.lru_cache(maxsize=1024)
def _public_holidays(country: str, year: int) -> holidays.HolidayBase | None:
    """The country's public holidays for one year, or ``None`` for an unknown country.

    Cached because building a country's calendar is far slower than a lookup and the
    business-day loops ask for the same (country, year) many times. ``expand=False`` keeps
    the shared cached object from growing when it is asked about another year. One year per
    object is enough: the package files an observed day under the year it falls in (1 Jan
    2022's Friday 31 Dec 2021 is in the 2021 calendar).
    """
    try:
        return holidays.country_holidays(country, years=year, expand=False)
    except NotImplementedError:
        return None


def _to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant the seller's clock shows ``wall`` on ``day``, in UTC.

    Ambiguous (fall-back) times take the first occurrence; times in a spring-forward gap
    take the first valid instant after the gap.
    """
    local = datetime.combine(day, wall, tzinfo=zone)  # fold=0: first occurrence if ambiguous
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # In a gap fold=0 reads the time with the pre-transition offset (landing after the
    # transition) and fold=1 with the post-transition one (landing before it). Bisect
    # between the two, in whole seconds as tz transitions are, for the transition itself.
    before = int(local.replace(fold=1).timestamp()) - 1
    after = int(instant.timestamp()) + 1
    after_offset = instant.astimezone(zone).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after_offset:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)
