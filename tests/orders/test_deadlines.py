"""Deadline arithmetic: business days per seller timezone and country, and lateness."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipdesk.orders.deadlines import (
    BusinessCalendar,
    confirm_deadline,
    due_soon_at,
    is_overdue,
)

NEW_YORK = ZoneInfo("America/New_York")
NAIROBI = ZoneInfo("Africa/Nairobi")
RIYADH = ZoneInfo("Asia/Riyadh")
LONDON = ZoneInfo("Europe/London")

US_SELLER = BusinessCalendar(timezone="America/New_York", country="US")
# Saudi weekends are Fri/Sat, so this seller works on the Sundays when the US and UK move
# their clocks: the only way to land a deadline inside a DST gap or overlap.
SUNDAY_WORKER_IN_NEW_YORK = BusinessCalendar(timezone="America/New_York", country="SA")
SUNDAY_WORKER_IN_LONDON = BusinessCalendar(timezone="Europe/London", country="SA")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Public holidays and weekends per country ---------------------------------------------


def test_thanksgiving_is_a_us_holiday_but_the_friday_after_is_a_business_day():
    # The holidays package lists federal holidays only; Black Friday is not one.
    assert not US_SELLER.is_business_day(date(2026, 11, 26))
    assert US_SELLER.is_business_day(date(2026, 11, 27))


def test_an_order_confirmed_before_thanksgiving_skips_the_holiday_and_the_weekend():
    # given an order confirmed on Wednesday 25 Nov 2026 at 14:00 in New York
    confirmed = datetime(2026, 11, 25, 14, 0, tzinfo=NEW_YORK)

    # when it gets 1 and 2 business days
    one_day = US_SELLER.add_business_days(confirmed, 1)
    two_days = US_SELLER.add_business_days(confirmed, 2)

    # then Thanksgiving is skipped, Friday counts, the weekend does not
    assert one_day == datetime(2026, 11, 27, 14, 0, tzinfo=NEW_YORK)
    assert two_days == datetime(2026, 11, 30, 14, 0, tzinfo=NEW_YORK)
    assert two_days == utc(2026, 11, 30, 19, 0)
    assert two_days.tzinfo is UTC


def test_kenyan_seller_does_not_count_jamhuri_day():
    kenya = BusinessCalendar(timezone="Africa/Nairobi", country="KE")
    # given Thursday 11 Dec 2025, the day before Jamhuri Day (a Friday that year)
    confirmed = datetime(2025, 12, 11, 9, 0, tzinfo=NAIROBI)

    # when one business day is added
    due = kenya.add_business_days(confirmed, 1)

    # then it skips Jamhuri Day and the weekend, at 09:00 Nairobi (UTC+3)
    assert due == utc(2025, 12, 15, 6, 0)


def test_kenyan_seller_does_not_count_jamhuri_day_observed_on_the_monday():
    kenya = BusinessCalendar(timezone="Africa/Nairobi", country="KE")
    # given Jamhuri Day 2027 falls on a Sunday, so Kenya observes it on Monday 13 Dec
    confirmed = datetime(2027, 12, 10, 9, 0, tzinfo=NAIROBI)

    due = kenya.add_business_days(confirmed, 1)

    assert due == datetime(2027, 12, 14, 9, 0, tzinfo=NAIROBI)


def test_saudi_seller_works_sunday_to_thursday():
    saudi = BusinessCalendar(timezone="Asia/Riyadh", country="SA")
    assert not saudi.is_business_day(date(2026, 1, 16))  # Friday
    assert not saudi.is_business_day(date(2026, 1, 17))  # Saturday
    assert saudi.is_business_day(date(2026, 1, 18))  # Sunday

    # given an order confirmed on Thursday; then one business day later is Sunday
    confirmed = datetime(2026, 1, 15, 10, 0, tzinfo=RIYADH)
    assert saudi.add_business_days(confirmed, 1) == datetime(2026, 1, 18, 10, 0, tzinfo=RIYADH)


def test_seller_closure_days_are_skipped():
    # given a seller closed on Tuesday 6 Jan 2026
    closed_tuesday = BusinessCalendar(
        timezone="America/New_York", country="US", closure_days=frozenset({date(2026, 1, 6)})
    )
    confirmed = datetime(2026, 1, 5, 10, 0, tzinfo=NEW_YORK)  # Monday

    # when two business days are added, then Wednesday and Thursday count instead
    assert not closed_tuesday.is_business_day(date(2026, 1, 6))
    assert closed_tuesday.add_business_days(confirmed, 2) == utc(2026, 1, 8, 15, 0)


def test_closure_days_given_as_a_set_keep_the_calendar_hashable():
    calendar = BusinessCalendar(timezone="America/New_York", country="US", closure_days={date(2026, 1, 6)})
    assert calendar.closure_days == frozenset({date(2026, 1, 6)})
    assert hash(calendar) == hash(calendar)


def test_unknown_country_falls_back_to_saturday_and_sunday_weekends_without_holidays():
    nowhere = BusinessCalendar(timezone="UTC", country="XX")
    assert nowhere.is_business_day(date(2026, 12, 25))  # no holidays known
    assert not nowhere.is_business_day(date(2026, 12, 26))  # Saturday
    assert nowhere.add_business_days(utc(2026, 12, 25, 9), 1) == utc(2026, 12, 28, 9)


def test_a_lower_case_country_code_finds_the_country():
    assert not BusinessCalendar(timezone="America/New_York", country="us").is_business_day(date(2026, 11, 26))


def test_an_unknown_timezone_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus_Mons'"):
        BusinessCalendar(timezone="Mars/Olympus_Mons", country="US")


def test_a_seller_closed_for_over_a_year_has_no_next_business_day():
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(800))
    always_closed = BusinessCalendar(timezone="UTC", country="US", closure_days=every_day)
    with pytest.raises(ValueError, match="no business day within"):
        always_closed.add_business_days(utc(2026, 1, 5, 9), 1)


def test_is_business_day_refuses_a_datetime_whose_local_date_is_ambiguous():
    with pytest.raises(TypeError):
        US_SELLER.is_business_day(utc(2026, 1, 5, 3))


# --- Starting on a day off ----------------------------------------------------------------


def test_an_order_confirmed_on_saturday_starts_counting_at_monday_midnight():
    confirmed = datetime(2026, 1, 10, 10, 0, tzinfo=NEW_YORK)  # Saturday

    monday_midnight = datetime(2026, 1, 12, 0, 0, tzinfo=NEW_YORK)
    assert US_SELLER.add_business_days(confirmed, 0) == monday_midnight
    # Monday and Tuesday in full
    assert US_SELLER.add_business_days(confirmed, 2) == utc(2026, 1, 14, 5, 0)


def test_an_order_confirmed_on_a_holiday_starts_counting_at_the_next_business_midnight():
    confirmed = datetime(2026, 11, 26, 9, 0, tzinfo=NEW_YORK)  # Thanksgiving

    assert US_SELLER.add_business_days(confirmed, 0) == utc(2026, 11, 27, 5, 0)
    assert US_SELLER.add_business_days(confirmed, 1) == utc(2026, 11, 30, 5, 0)


def test_the_business_day_is_judged_in_the_sellers_local_time_not_utc():
    # given Saturday 03:00 UTC, which is still Friday 22:00 in New York
    confirmed = utc(2026, 1, 10, 3, 0)

    # then Friday counts as the start day and the local wall-clock time is kept
    assert US_SELLER.add_business_days(confirmed, 1) == datetime(2026, 1, 12, 22, 0, tzinfo=NEW_YORK)


def test_zero_business_days_on_a_business_day_returns_the_start_in_utc():
    confirmed = datetime(2026, 1, 6, 14, 30, tzinfo=NEW_YORK)
    result = US_SELLER.add_business_days(confirmed, 0)
    assert result == confirmed
    assert result.tzinfo is UTC


def test_negative_business_days_are_refused():
    with pytest.raises(ValueError):
        US_SELLER.add_business_days(utc(2026, 1, 6), -1)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        US_SELLER.add_business_days(datetime(2026, 1, 6, 14, 0), 1)


# --- Daylight saving time -----------------------------------------------------------------


def test_new_york_spring_forward_keeps_the_local_time_and_changes_the_offset():
    # given Friday 6 Mar 2026 14:00 EST (UTC-5); clocks go forward on Sunday 8 Mar
    confirmed = datetime(2026, 3, 6, 14, 0, tzinfo=NEW_YORK)
    assert confirmed == utc(2026, 3, 6, 19, 0)

    # then Monday 14:00 EDT (UTC-4)
    assert US_SELLER.add_business_days(confirmed, 1) == utc(2026, 3, 9, 18, 0)


def test_new_york_fall_back_keeps_the_local_time_and_changes_the_offset():
    # given Friday 30 Oct 2026 14:00 EDT; clocks go back on Sunday 1 Nov
    confirmed = datetime(2026, 10, 30, 14, 0, tzinfo=NEW_YORK)

    # then Monday 14:00 EST
    assert US_SELLER.add_business_days(confirmed, 1) == utc(2026, 11, 2, 19, 0)


def test_a_time_in_the_spring_forward_gap_becomes_the_first_instant_after_it():
    # given Thursday 02:30 in New York; 02:30 does not exist on Sunday 8 Mar 2026
    confirmed = datetime(2026, 3, 5, 2, 30, tzinfo=NEW_YORK)

    due = SUNDAY_WORKER_IN_NEW_YORK.add_business_days(confirmed, 1)

    # then the deadline is 03:00 EDT, the moment the clocks jump
    assert due == utc(2026, 3, 8, 7, 0)
    assert due.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 0)


def test_an_ambiguous_fall_back_time_takes_its_first_occurrence():
    # given Thursday 01:30 EDT; 01:30 happens twice on Sunday 1 Nov 2026
    confirmed = datetime(2026, 10, 29, 1, 30, tzinfo=NEW_YORK)

    # then the deadline is the first 01:30, still EDT (UTC-4)
    assert SUNDAY_WORKER_IN_NEW_YORK.add_business_days(confirmed, 1) == utc(2026, 11, 1, 5, 30)


def test_a_start_in_the_repeated_hour_keeps_its_own_instant_for_zero_days():
    # given the second 01:30 of 1 Nov 2026 (EST), which is 06:30 UTC
    second_occurrence = utc(2026, 11, 1, 6, 30)

    assert SUNDAY_WORKER_IN_NEW_YORK.add_business_days(second_occurrence, 0) == second_occurrence
    assert SUNDAY_WORKER_IN_NEW_YORK.add_business_days(second_occurrence, 1) == utc(2026, 11, 2, 6, 30)


def test_london_spring_forward_keeps_the_local_time():
    uk = BusinessCalendar(timezone="Europe/London", country="GB")
    # given Friday 27 Mar 2026 09:00 GMT; British Summer Time starts Sunday 29 Mar
    confirmed = datetime(2026, 3, 27, 9, 0, tzinfo=LONDON)
    assert confirmed == utc(2026, 3, 27, 9, 0)

    # then Monday 09:00 BST, which is 08:00 UTC
    assert uk.add_business_days(confirmed, 1) == utc(2026, 3, 30, 8, 0)


def test_london_spring_forward_gap_becomes_two_oclock_summer_time():
    confirmed = datetime(2026, 3, 26, 1, 30, tzinfo=LONDON)  # Thursday, GMT

    # 01:30 does not exist on Sunday 29 Mar 2026; the clocks jump from 01:00 to 02:00 BST
    assert SUNDAY_WORKER_IN_LONDON.add_business_days(confirmed, 1) == utc(2026, 3, 29, 1, 0)


# --- Business hours between two instants --------------------------------------------------


def test_business_hours_over_a_weekend_count_only_friday_and_monday():
    # given Friday noon to Monday noon in New York
    start = datetime(2026, 1, 9, 12, 0, tzinfo=NEW_YORK)
    end = datetime(2026, 1, 12, 12, 0, tzinfo=NEW_YORK)

    # then 12 hours of Friday and 12 of Monday count, the weekend does not
    assert US_SELLER.business_hours_between(start, end) == 24.0


def test_business_hours_within_one_day_are_the_elapsed_hours():
    start = datetime(2026, 1, 6, 9, 0, tzinfo=NEW_YORK)
    assert US_SELLER.business_hours_between(start, start + timedelta(hours=3.5)) == 3.5


def test_business_hours_skip_a_public_holiday():
    # Wednesday noon before Thanksgiving to Friday noon after it
    start = datetime(2026, 11, 25, 12, 0, tzinfo=NEW_YORK)
    end = datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK)
    assert US_SELLER.business_hours_between(start, end) == 24.0


def test_business_hours_of_a_spring_forward_day_are_twenty_three():
    start = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    end = datetime(2026, 3, 9, 0, 0, tzinfo=NEW_YORK)
    assert SUNDAY_WORKER_IN_NEW_YORK.business_hours_between(start, end) == 23.0


def test_business_hours_are_negative_when_the_end_is_before_the_start():
    start = datetime(2026, 1, 9, 12, 0, tzinfo=NEW_YORK)
    end = datetime(2026, 1, 12, 12, 0, tzinfo=NEW_YORK)
    assert US_SELLER.business_hours_between(end, start) == -24.0


def test_business_hours_refuse_naive_datetimes():
    with pytest.raises(ValueError):
        US_SELLER.business_hours_between(datetime(2026, 1, 9), utc(2026, 1, 10))


# --- Confirm deadline, due soon, overdue --------------------------------------------------


def test_the_confirm_deadline_is_24_hours_after_payment_when_paid_after_placing():
    placed = utc(2026, 1, 6, 10, 0)
    paid = utc(2026, 1, 6, 12, 0)
    assert confirm_deadline(placed_at=placed, paid_at=paid) == utc(2026, 1, 7, 12, 0)


def test_the_confirm_deadline_is_24_hours_after_placing_when_paid_at_checkout():
    placed = utc(2026, 1, 6, 10, 0)
    paid = utc(2026, 1, 6, 9, 59)
    assert confirm_deadline(placed_at=placed, paid_at=paid) == utc(2026, 1, 7, 10, 0)


def test_an_unpaid_order_has_no_confirm_deadline():
    assert confirm_deadline(placed_at=utc(2026, 1, 6, 10), paid_at=None) is None


def test_the_confirm_deadline_counts_elapsed_hours_across_a_clock_change():
    # given an order paid Saturday noon EST, the day before the clocks go forward
    paid = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)

    deadline = confirm_deadline(placed_at=paid, paid_at=paid)

    # then the deadline is 24 real hours later: 13:00 on the local clock
    assert deadline == utc(2026, 3, 8, 17, 0)
    assert deadline.astimezone(NEW_YORK).hour == 13


def test_the_confirm_window_is_a_policy_setting():
    placed = utc(2026, 1, 6, 10, 0)
    assert confirm_deadline(placed_at=placed, paid_at=placed, hours=48) == utc(2026, 1, 8, 10, 0)


def test_a_naive_payment_time_is_refused():
    with pytest.raises(ValueError):
        confirm_deadline(placed_at=utc(2026, 1, 6), paid_at=datetime(2026, 1, 6))


def test_due_soon_is_at_three_quarters_of_the_window():
    start = datetime(2026, 1, 6, 0, 0, tzinfo=NEW_YORK)
    deadline = start + timedelta(hours=24)

    alert = due_soon_at(window_start=start, deadline=deadline)

    assert alert == utc(2026, 1, 6, 23, 0)  # 18:00 New York
    assert alert.tzinfo is UTC


def test_due_soon_measures_the_window_in_real_hours_across_a_clock_change():
    # given a 24-hour window from Saturday noon EST to Sunday 13:00 EDT, both New York times
    start = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    deadline = datetime(2026, 3, 8, 13, 0, tzinfo=NEW_YORK)

    # then the alert is 18 real hours in, not 75 % of the 25 wall-clock hours
    assert due_soon_at(window_start=start, deadline=deadline) == utc(2026, 3, 8, 11, 0)


def test_due_soon_accepts_a_decimal_fraction_from_policy():
    start = utc(2026, 1, 6)
    alert = due_soon_at(window_start=start, deadline=utc(2026, 1, 7), fraction=Decimal("0.5"))
    assert alert == utc(2026, 1, 6, 12)


def test_due_soon_refuses_a_fraction_outside_the_window():
    with pytest.raises(ValueError):
        due_soon_at(window_start=utc(2026, 1, 6), deadline=utc(2026, 1, 7), fraction=1.5)


def test_an_order_handled_exactly_at_the_deadline_is_on_time():
    deadline = utc(2026, 1, 7, 12, 0)
    assert not is_overdue(deadline=deadline, now=deadline)


def test_an_order_one_microsecond_past_the_deadline_is_overdue():
    deadline = utc(2026, 1, 7, 12, 0)
    assert is_overdue(deadline=deadline, now=deadline + timedelta(microseconds=1))


def test_an_order_without_a_deadline_is_never_overdue():
    assert not is_overdue(deadline=None, now=utc(2026, 1, 7))


def test_the_second_occurrence_of_a_repeated_hour_is_past_a_deadline_at_the_first():
    # given a deadline at the first 01:30 of 1 Nov 2026 in New York (EDT)
    deadline = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)
    # when the clock shows 01:30 again an hour later (EST)
    now = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)

    assert is_overdue(deadline=deadline, now=now)


def test_overdue_compares_instants_whatever_their_zones():
    deadline = datetime(2026, 1, 7, 12, 0, tzinfo=NEW_YORK)  # 17:00 UTC
    assert not is_overdue(deadline=deadline, now=utc(2026, 1, 7, 16, 59))
    assert is_overdue(deadline=deadline, now=utc(2026, 1, 7, 17, 1))


# --- Properties ---------------------------------------------------------------------------

_SELLERS = [
    ("America/New_York", "US"),
    ("Europe/London", "GB"),
    ("Africa/Nairobi", "KE"),
    ("Asia/Riyadh", "SA"),
    ("America/New_York", "SA"),  # works on DST Sundays
    ("America/Santiago", "CL"),
    ("Australia/Lord_Howe", "AU"),  # half-hour DST shift
]


@st.composite
def calendars_and_starts(draw):
    zone_name, country = draw(st.sampled_from(_SELLERS))
    zone = ZoneInfo(zone_name)
    start = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2035, 12, 31),
            timezones=st.just(zone),
            allow_imaginary=False,
        )
    )
    # Closures near the start, so they actually get in the way.
    offsets = draw(st.sets(st.integers(min_value=0, max_value=30), max_size=10))
    closures = frozenset(start.date() + timedelta(days=n) for n in offsets)
    calendar = BusinessCalendar(timezone=zone_name, country=country, closure_days=closures)
    return calendar, start


@settings(deadline=None)  # the first lookup of a (country, year) builds its holidays
@given(calendar_and_start=calendars_and_starts(), days=st.integers(min_value=1, max_value=15))
def test_adding_business_days_moves_forward_onto_a_business_day_and_grows_with_days(calendar_and_start, days):
    calendar, start = calendar_and_start

    due = calendar.add_business_days(start, days)
    later = calendar.add_business_days(start, days + 1)

    assert due > start
    assert due.tzinfo is UTC
    assert calendar.is_business_day(due.astimezone(ZoneInfo(calendar.timezone)).date())
    assert later > due
