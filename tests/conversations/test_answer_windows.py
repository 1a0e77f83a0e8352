"""When a customer's message is due an answer: elapsed hours, or the shop's business hours."""

from __future__ import annotations

from datetime import UTC, datetime

from shipdesk.conversations.answer_windows import answer_due_at, answered_in_time, time_left
from shipdesk.orders.deadlines import BusinessCalendar

NEW_YORK = BusinessCalendar(timezone="America/New_York", country="US")


def ny(*args) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("America/New_York"))


def test_elapsed_hours_run_through_the_weekend():
    friday = ny(2026, 12, 4, 17, 0)
    assert answer_due_at(received_at=friday, hours=24, calendar=None) == ny(2026, 12, 5, 17, 0).astimezone(UTC)


def test_business_hours_skip_the_weekend():
    friday = ny(2026, 12, 4, 17, 0)  # 7 business hours left on Friday, 17 on Monday
    assert answer_due_at(received_at=friday, hours=24, calendar=NEW_YORK) == ny(2026, 12, 7, 17, 0).astimezone(UTC)


def test_a_message_received_on_saturday_is_due_at_the_end_of_monday():
    saturday = ny(2026, 12, 5, 11, 30)
    assert answer_due_at(received_at=saturday, hours=24, calendar=NEW_YORK) == ny(2026, 12, 8, 0, 0).astimezone(UTC)


def test_a_public_holiday_does_not_count():
    christmas_eve = ny(2026, 12, 24, 12, 0)  # Thursday; Friday 25th is Christmas
    due = answer_due_at(received_at=christmas_eve, hours=24, calendar=NEW_YORK)
    assert due == ny(2026, 12, 28, 12, 0).astimezone(UTC)


def test_exactly_at_the_due_time_is_in_time():
    due = ny(2026, 12, 7, 17, 0)
    assert answered_in_time(due_at=due, answered_at=due)
    assert not answered_in_time(due_at=due, answered_at=ny(2026, 12, 7, 17, 0, 1))
    assert not answered_in_time(due_at=due, answered_at=None)
    assert time_left(due_at=due, now=ny(2026, 12, 7, 11, 40)) == "5 h 20 min left"
    assert time_left(due_at=due, now=ny(2026, 12, 7, 19, 0)) == "overdue by 2 h 0 min"
