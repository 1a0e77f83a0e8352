"""The response-time figure: customer messages answered by their due time over 30 days, counted
exactly across weekends, with the conversations behind it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shipdesk.conversations.services import mark_no_answer_needed, receive_message, send_message
from shipdesk.performance import metrics
from shipdesk.performance.selectors import compute_figures, metric_orders
from tests.builders import SELLER_ACTOR


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    # November 2026: Friday the 20th, Saturday 21st, Monday 23rd, Tuesday 24th.
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def shop(make_seller, make_product):
    shop = make_seller("ny-shop", tz="America/New_York", country="US")
    make_product(shop, on_hand=100)
    return shop


def _asked(place, shop, at: datetime):
    order = place(shop)
    receive_message(order_id=order.pk, body="Where is my parcel?", channel="order_page", author_label="Ada", at=at)
    return order


def _answer(shop, order, at: datetime):
    send_message(order_id=order.pk, seller_id=shop.pk, actor=SELLER_ACTOR, body="On its way.", at=at)


def _figure(shop, as_of):
    return next(
        f for f in compute_figures(as_of=as_of, seller_ids=[shop.pk])[shop.pk] if f.key == metrics.RESPONSE_TIME
    )


def test_answers_in_business_hours_across_a_weekend_count_exactly(shop, place, settings):
    settings.SHIPDESK_CONVERSATIONS = {**settings.SHIPDESK_CONVERSATIONS, "answer_in_business_hours": True}
    friday_in_time = _asked(place, shop, ny(20, 17))  # due Monday 17:00
    _answer(shop, friday_in_time, ny(23, 16))
    friday_late = _asked(place, shop, ny(20, 17))
    _answer(shop, friday_late, ny(23, 18))
    saturday = _asked(place, shop, ny(21, 10))  # due at the end of Monday
    _answer(shop, saturday, ny(23, 23))
    monday_unanswered = _asked(place, shop, ny(23, 9))  # due Tuesday 09:00, missed
    _asked(place, shop, ny(24, 9, 30))  # due Wednesday: not decided yet, not counted
    thanked = _asked(place, shop, ny(23, 8))
    mark_no_answer_needed(
        message_id=thanked.conversation.messages.get().pk, seller_id=shop.pk, actor=SELLER_ACTOR, at=ny(23, 8, 5)
    )

    figure = _figure(shop, ny(24, 10))

    assert (figure.numerator, figure.denominator, figure.value) == (2, 4, metrics.rate(2, 4))
    rows, _ = metric_orders(seller_id=shop.pk, metric=metrics.RESPONSE_TIME, now=ny(24, 10))
    assert [(r.order_id, r.counted_in_numerator) for r in rows] == [
        (saturday.pk, True),
        (friday_in_time.pk, True),
        (monday_unanswered.pk, False),
        (friday_late.pk, False),
    ]
    assert rows[0].reason == "answered in 61 h" and rows[2].reason == "not answered by the due time"


def test_in_elapsed_hours_the_weekend_counts(shop, place, settings):
    settings.SHIPDESK_CONVERSATIONS = {**settings.SHIPDESK_CONVERSATIONS, "answer_in_business_hours": False}
    friday = _asked(place, shop, ny(20, 17))  # due Saturday 17:00
    _answer(shop, friday, ny(23, 16))
    on_saturday = _asked(place, shop, ny(21, 10))
    _answer(shop, on_saturday, ny(21, 12))

    figure = _figure(shop, ny(24, 10))

    assert (figure.numerator, figure.denominator) == (1, 2)


def test_an_answer_exactly_at_the_due_time_is_in_time_and_later_is_not(shop, place):
    exactly = _asked(place, shop, ny(16, 9))
    _answer(shop, exactly, ny(17, 9))
    a_minute_late = _asked(place, shop, ny(16, 9))
    _answer(shop, a_minute_late, ny(17, 9, 1))

    figure = _figure(shop, ny(24, 10))

    assert (figure.numerator, figure.denominator) == (1, 2)


def test_messages_older_than_30_days_drop_out_and_the_target_is_above_90_percent(shop, place):
    old = _asked(place, shop, ny(1, 9))
    _answer(shop, old, ny(3, 9))  # late, but decided on 2 November: outside the window on 3 December
    figure = next(
        f
        for f in compute_figures(
            as_of=datetime(2026, 12, 3, 12, tzinfo=ZoneInfo("America/New_York")), seller_ids=[shop.pk]
        )[shop.pk]
        if f.key == metrics.RESPONSE_TIME
    )
    assert figure.denominator == 0 and figure.status == metrics.S_NO_DATA
    assert (
        metrics.METRICS[metrics.RESPONSE_TIME].target == 90
        and metrics.METRICS[metrics.RESPONSE_TIME].direction == "min"
    )
