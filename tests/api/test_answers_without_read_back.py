"""An action's answer is built from what the action holds, not read back (issue 20), so each one
is checked against a later GET of the same order: the same bytes, field for field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.builders import UPS_NUMBER, order_payload

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday
SHIP_UPS = {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}
LINES = [
    {"sku": "MUG-1", "quantity": 2, "unit_price": "12.50", "tax": "2.06"},
    {"sku": "CAP-1", "quantity": 1, "unit_price": "8.00"},
]


@pytest.fixture
def shop(seller, make_product):
    make_product(seller, "MUG-1", on_hand=10)
    make_product(seller, "CAP-1", on_hand=5, price="8.00")
    make_product(seller, "RARE-1", on_hand=1, price="30.00")
    return seller


def _same_as_a_later_read(answer, api, order_id: int) -> dict:
    """The answer's body equals GET /orders/{id} read afterwards, byte for byte."""
    read = api.get(f"/orders/{order_id}")
    assert read.status_code == 200
    assert answer.json() == read.json()  # field by field first: a difference is named
    assert answer.content == read.content
    return answer.json()


def test_placing_a_paid_gift_order_with_a_short_line_answers_what_a_later_read_of_it_shows(shop, platform_api):
    # given a paid order, placed with an offset two hours east of UTC, whose second line cannot be held
    body = order_payload(
        lines=[LINES[0], {"sku": "RARE-1", "quantity": 3, "unit_price": "30.00"}],
        gift_message="Happy birthday, Ada!",
        placed_at="2026-03-02T15:30:00.123456+02:00",
        shipping_tax="0.40",
    )

    # when it is placed
    with time_machine.travel(T0, tick=False):
        placed = platform_api.post("/orders", body)

    # then the 201 answer is exactly what reading the order afterwards gives
    assert placed.status_code == 201, placed.json()
    order = _same_as_a_later_read(placed, platform_api, placed.json()["id"])
    assert [line["stock"] for line in order["lines"]] == ["reserved", "short"]
    assert order["is_gift"] and order["gift_message"] == "Happy birthday, Ada!"
    assert [event["type"] for event in order["events"]] == ["placed"]


def test_a_replayed_placement_answers_the_same_order_as_the_first(shop, platform_api):
    with time_machine.travel(T0, tick=False):
        first = platform_api.post("/orders", order_payload(lines=LINES))
        again = platform_api.post("/orders", order_payload(lines=LINES))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.content == again.content


def test_each_step_of_an_orders_life_answers_what_a_later_read_of_the_order_shows(
    shop, seller, place, seller_api, platform_api
):
    # given a paid order of two lines, one unit of which was cancelled before it was confirmed
    with time_machine.travel(T0, tick=False):
        placed = platform_api.post("/orders", order_payload(lines=[{**LINES[0], "quantity": 3}, LINES[1]]))
    order_id = placed.json()["id"]
    mug = placed.json()["lines"][0]["id"]
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        partly = seller_api.post(f"/orders/{order_id}/lines/{mug}/cancel", {"quantity": 1, "reason": "out_of_stock"})
    assert partly.status_code == 200, partly.json()

    # when it is confirmed, processed, shipped and delivered, each answer is what a read then shows
    steps = [
        ("confirm", seller_api, None, "confirmed"),
        ("process", seller_api, None, "processing"),
        ("ship", seller_api, SHIP_UPS, "shipped"),
        ("deliver", platform_api, {"delivered_at": (T0 + timedelta(minutes=35)).isoformat()}, "delivered"),
    ]
    for minutes, (step, api, body, status) in enumerate(steps, start=1):
        with time_machine.travel(T0 + timedelta(minutes=10 * minutes), tick=False):
            answer = api.post(f"/orders/{order_id}/{step}", body)
            assert answer.status_code == 200, answer.json()
            shown = _same_as_a_later_read(answer, api, order_id)
        assert shown["status"] == status
    assert [line["quantity_shipped"] for line in shown["lines"]] == [2, 1]
    assert len(shown["cancellations"]) == 1


@pytest.mark.parametrize("when", ["pending", "confirmed", "processing"])
def test_cancelling_answers_what_a_later_read_of_the_order_shows(shop, seller_api, platform_api, when):
    # given a paid order that has reached `when`
    with time_machine.travel(T0, tick=False):
        placed = platform_api.post("/orders", order_payload(lines=LINES))
    order_id = placed.json()["id"]
    for step in {"pending": [], "confirmed": ["confirm"], "processing": ["confirm", "process"]}[when]:
        assert seller_api.post(f"/orders/{order_id}/{step}").status_code == 200

    # when the seller cancels it
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        answer = seller_api.post(f"/orders/{order_id}/cancel", {"reason": "customer_request", "note": "Asked by phone"})
        assert answer.status_code == 200, answer.json()

        # then the answer, refund and restocked lines included, is what a read then shows
        shown = _same_as_a_later_read(answer, seller_api, order_id)
    assert shown["status"] == "cancelled"
    assert shown["payment_status"] == "refunded"
    assert {line["stock"] for line in shown["lines"]} == {"released"}
