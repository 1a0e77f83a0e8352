"""The orders endpoints over HTTP: every action, every error code, pagination and query counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipdesk.accounts.services import create_api_token, revoke_api_token
from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent
from tests.builders import OTHER_UPS_NUMBER, SELLER_ACTOR, UPS_NUMBER, Api, advance, order_payload

SHIP_UPS = {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def _stock(sku: str, seller) -> tuple[int, int]:
    p = Product.objects.get(seller=seller, sku=sku)
    return p.on_hand, p.reserved


# --- the happy path -------------------------------------------------------------------------


def test_an_order_placed_confirmed_processed_shipped_and_delivered_over_http_keeps_a_full_timeline_and_exact_stock(
    seller, make_product, place, seller_api, platform_api
):
    # given two products, one of them already partly held by another open order
    make_product(seller, "MUG-1", on_hand=10)
    make_product(seller, "CAP-1", on_hand=5, price="8.00")
    place(seller, external_id="OTHER", lines=(("MUG-1", 3, "12.50"),))
    before = {sku: _stock(sku, seller) for sku in ("MUG-1", "CAP-1")}
    lines = [
        {"sku": "MUG-1", "quantity": 2, "unit_price": "12.50"},
        {"sku": "CAP-1", "quantity": 1, "unit_price": "8.00"},
    ]
    steps = [T0 + timedelta(minutes=10 * i) for i in range(5)]

    # when each step is taken over HTTP, ten minutes apart
    with time_machine.travel(steps[0], tick=False):
        placed = platform_api.post("/orders", order_payload(lines=lines))
    assert placed.status_code == 201, placed.json()
    order_id = placed.json()["id"]
    assert {sku: _stock(sku, seller) for sku in before} == {"MUG-1": (10, 5), "CAP-1": (5, 1)}
    with time_machine.travel(steps[1], tick=False):
        assert seller_api.post(f"/orders/{order_id}/confirm").status_code == 200
    with time_machine.travel(steps[2], tick=False):
        processed = seller_api.post(f"/orders/{order_id}/process")
    assert processed.status_code == 200
    assert [line["stock"] for line in processed.json()["lines"]] == ["deducted", "deducted"]
    with time_machine.travel(steps[3], tick=False):
        shipped = seller_api.post(f"/orders/{order_id}/ship", SHIP_UPS)
    assert shipped.status_code == 200, shipped.json()
    with time_machine.travel(steps[4], tick=False):
        delivered = platform_api.post(f"/orders/{order_id}/deliver")

    # then the order is delivered, with one event per step naming who did it and when
    assert delivered.status_code == 200, delivered.json()
    order = delivered.json()
    assert order["status"] == "delivered"
    assert order["allowed_actions"] == []
    assert order["shipment"]["carrier"] == "ups"
    assert order["shipment"]["tracking_number"] == UPS_NUMBER
    assert UPS_NUMBER in order["shipment"]["tracking_url"]
    events = order["events"]
    assert [e["type"] for e in events] == ["placed", "confirmed", "processing_started", "shipped", "delivered"]
    assert [e["actor"]["kind"] for e in events] == ["platform", "seller", "seller", "seller", "platform"]
    assert all(e["actor"]["label"] for e in events)
    assert [datetime.fromisoformat(e["created_at"]) for e in events] == steps
    assert datetime.fromisoformat(order["delivered_at"]) == steps[4]
    # and on_hand dropped by exactly the ordered quantities while reserved is back where it was
    assert _stock("MUG-1", seller) == (before["MUG-1"][0] - 2, before["MUG-1"][1])
    assert _stock("CAP-1", seller) == (before["CAP-1"][0] - 1, before["CAP-1"][1])
    assert StockMove.objects.filter(order_id=order_id, kind="deducted").count() == 2


def test_a_placed_order_shows_its_lines_money_customer_deadlines_and_allowed_actions(product, platform_api, seller_api):
    # given / when
    with time_machine.travel(T0, tick=False):
        response = platform_api.post("/orders", order_payload())

    # then
    assert response.status_code == 201
    order = response.json()
    assert order["status"] == "pending"
    assert order["payment_status"] == "paid"
    assert order["seller"] == "acme"
    assert order["number"] >= 1
    assert order["subtotal"] == "25.00"
    assert order["shipping_fee"] == "4.99"
    assert order["total"] == "29.99"
    assert order["refunded_total"] == "0.00"
    assert order["customer"] == {"name": "Ada Lovelace", "email": "ada@example.com", "phone": ""}
    assert order["shipping_address"]["postal_code"] == "62701"
    [line] = order["lines"]
    assert (line["sku"], line["quantity"], line["quantity_cancelled"], line["unit_price"], line["stock"]) == (
        "MUG-1",
        2,
        0,
        "12.50",
        "reserved",
    )
    assert datetime.fromisoformat(order["deadlines"]["confirm_by"]) == T0 + timedelta(hours=24)
    assert order["late"] == {"confirm": False, "process": False, "ship": False, "deliver": False}
    assert set(order["allowed_actions"]) == {"confirm", "cancel", "cancel_line"}  # two units: one may go
    assert order["shipment"] is None
    # and the seller reads the very same order
    assert seller_api.get(f"/orders/{order['id']}").json()["total"] == "29.99"


def test_a_seller_token_places_an_order_for_its_own_shop_without_naming_it(product, seller_api):
    response = seller_api.post("/orders", order_payload(None))

    assert response.status_code == 201
    assert response.json()["seller"] == "acme"
    assert response.json()["events"][0]["actor"]["kind"] == "seller"


def test_a_platform_token_must_name_the_seller_of_a_new_order(product, platform_api):
    response = platform_api.post("/orders", order_payload(None))

    error = _error(response, 422, "validation_error")
    assert "seller" in error["details"]
    assert Order.objects.count() == 0


def test_a_platform_token_naming_an_unknown_seller_gets_404(product, platform_api):
    error = _error(platform_api.post("/orders", order_payload("no-such-shop")), 404, "not_found")
    assert error["details"] == {}
    assert Order.objects.count() == 0


def test_a_jpy_order_shows_whole_yen_amounts(seller, make_product, platform_api):
    # given a product priced in yen
    make_product(seller, "TEA-1", price="1500", currency="JPY")

    # when
    response = platform_api.post(
        "/orders",
        order_payload(
            currency="JPY", shipping_fee="300", lines=[{"sku": "TEA-1", "quantity": 1, "unit_price": "1500"}]
        ),
    )

    # then no decimals appear anywhere
    assert response.status_code == 201, response.json()
    order = response.json()
    assert (order["lines"][0]["unit_price"], order["subtotal"], order["shipping_fee"], order["total"]) == (
        "1500",
        "1500",
        "300",
        "1800",
    )
    assert order["currency"] == "JPY"


def test_a_usd_unit_price_with_three_decimals_is_refused_per_line(product, platform_api):
    response = platform_api.post(
        "/orders", order_payload(lines=[{"sku": "MUG-1", "quantity": 1, "unit_price": "12.345"}])
    )

    error = _error(response, 422, "validation_error")
    assert list(error["details"]) == ["lines.0.unit_price"]
    assert Order.objects.count() == 0


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_order_sent_twice_is_created_once(product, platform_api):
    first = platform_api.post("/orders", order_payload())
    second = platform_api.post("/orders", order_payload())

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1
    assert OrderEvent.objects.count() == 1
    assert Product.objects.get(sku="MUG-1").reserved == 2


def test_an_idempotency_key_reused_with_the_same_body_returns_the_same_order(product, platform_api):
    headers = {"Idempotency-Key": "key-123"}

    first = platform_api.post("/orders", order_payload(), headers=headers)
    second = platform_api.post("/orders", order_payload(), headers=headers)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    assert StockMove.objects.filter(kind="reserved").count() == 1


def test_an_idempotency_key_reused_with_a_different_body_is_a_conflict(product, platform_api):
    headers = {"Idempotency-Key": "key-123"}
    first = platform_api.post("/orders", order_payload(external_id="A"), headers=headers)

    response = platform_api.post("/orders", order_payload(external_id="B"), headers=headers)

    error = _error(response, 409, "idempotency_conflict")
    assert error["details"]["order_id"] == first.json()["id"]
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="MUG-1").reserved == 2


def test_an_external_id_reused_with_a_different_body_is_a_conflict(product, platform_api):
    platform_api.post("/orders", order_payload(external_id="A"))

    response = platform_api.post(
        "/orders", order_payload(external_id="A", lines=[{"sku": "MUG-1", "quantity": 5, "unit_price": "12.50"}])
    )

    _error(response, 409, "idempotency_conflict")
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="MUG-1").reserved == 2


def test_an_overlong_idempotency_key_is_refused(product, platform_api):
    response = platform_api.post("/orders", order_payload(), headers={"Idempotency-Key": "k" * 201})

    error = _error(response, 422, "validation_error")
    assert "Idempotency-Key" in error["details"]
    assert Order.objects.count() == 0


# --- the workflow actions and their refusals -------------------------------------------------


def test_confirming_an_unpaid_order_is_payment_required(product, place, seller, seller_api):
    order = place(seller, paid=False)

    error = _error(seller_api.post(f"/orders/{order.pk}/confirm"), 409, "payment_required")

    assert error["details"]["payment_status"] == "unpaid"
    order.refresh_from_db()
    assert order.status == "pending"
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_a_short_line_blocks_confirmation_with_insufficient_stock(seller, make_product, place, seller_api):
    make_product(seller, "MUG-1", on_hand=1)
    order = place(seller, lines=(("MUG-1", 2, "12.50"),))
    assert seller_api.get(f"/orders/{order.pk}").json()["lines"][0]["stock"] == "short"

    _error(seller_api.post(f"/orders/{order.pk}/confirm"), 409, "insufficient_stock")

    order.refresh_from_db()
    assert order.status == "pending"


def test_an_action_the_status_does_not_allow_is_an_invalid_transition_naming_the_allowed_actions(
    product, place, seller, seller_api
):
    order = place(seller)

    error = _error(seller_api.post(f"/orders/{order.pk}/ship", SHIP_UPS), 409, "invalid_transition")

    assert error["details"]["status"] == "pending"
    assert set(error["details"]["allowed_actions"]) >= {"confirm", "cancel"}
    assert "ship" not in error["details"]["allowed_actions"]
    order.refresh_from_db()
    assert order.status == "pending"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("pending", "process"),
        ("confirmed", "confirm"),
        ("shipped", "process"),
        ("delivered", "cancel"),
        ("cancelled", "confirm"),
    ],
)
def test_every_refused_transition_is_409_and_changes_nothing(product, place, seller, seller_api, status, action):
    order = advance(place(seller), status)
    events = OrderEvent.objects.filter(order=order).count()
    body = {"reason": "other"} if action == "cancel" else None

    error = _error(seller_api.post(f"/orders/{order.pk}/{action}", body), 409, "invalid_transition")

    assert error["details"]["status"] == status
    assert isinstance(error["details"]["allowed_actions"], list)
    order.refresh_from_db()
    assert order.status == status
    assert OrderEvent.objects.filter(order=order).count() == events


def test_shipping_with_a_ups_number_as_fedex_says_what_it_looks_like(product, place, seller, seller_api):
    order = advance(place(seller), "processing")

    response = seller_api.post(f"/orders/{order.pk}/ship", {**SHIP_UPS, "carrier": "fedex"})

    error = _error(response, 422, "invalid_tracking_number")
    assert error["details"]["looks_like"] == ["ups"]
    assert "tracking_number" in error["details"]
    order.refresh_from_db()
    assert order.status == "processing"


def test_a_tracking_number_with_a_wrong_check_digit_is_refused(product, place, seller, seller_api):
    order = advance(place(seller), "processing")

    response = seller_api.post(f"/orders/{order.pk}/ship", {**SHIP_UPS, "tracking_number": "1Z999AA10123456785"})

    error = _error(response, 422, "invalid_tracking_number")
    assert error["details"]["looks_like"] == []


def test_shipping_accepts_a_number_typed_with_spaces_and_lower_case(product, place, seller, seller_api):
    order = advance(place(seller), "processing")

    response = seller_api.post(f"/orders/{order.pk}/ship", {**SHIP_UPS, "tracking_number": "1z 999 aa1 0123 4567 84"})

    assert response.status_code == 200, response.json()
    assert response.json()["shipment"]["tracking_number"] == UPS_NUMBER
    assert response.json()["deadlines"]["deliver_by"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "pigeon", "service_level": "ground", "tracking_number": UPS_NUMBER}, "carrier"),
        ({"carrier": "ups", "service_level": "warp", "tracking_number": UPS_NUMBER}, "service_level"),
        ({"carrier": "ups", "service_level": "ground"}, "tracking_number"),
    ],
)
def test_a_bad_ship_form_is_refused_per_field(product, place, seller, seller_api, body, field):
    order = advance(place(seller), "processing")

    error = _error(seller_api.post(f"/orders/{order.pk}/ship", body), 422, "validation_error")

    assert field in error["details"]
    order.refresh_from_db()
    assert order.status == "processing"


def test_a_seller_cannot_mark_a_tracked_parcel_delivered(product, place, seller, seller_api):
    order = advance(place(seller), "shipped")

    _error(seller_api.post(f"/orders/{order.pk}/deliver"), 403, "forbidden")

    order.refresh_from_db()
    assert order.status == "shipped"


def test_a_seller_marks_an_untracked_parcel_delivered(product, place, seller, seller_api):
    order = advance(place(seller), "processing")
    shipped = seller_api.post(
        f"/orders/{order.pk}/ship", {"carrier": "other", "service_level": "standard", "tracking_number": "HAND-1"}
    )
    assert shipped.status_code == 200, shipped.json()
    assert "deliver" in shipped.json()["allowed_actions"]

    response = seller_api.post(f"/orders/{order.pk}/deliver")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "delivered"
    assert response.json()["events"][-1]["actor"]["kind"] == "seller"


def test_the_platform_may_give_the_delivery_time(product, place, seller, platform_api):
    with time_machine.travel(T0, tick=False):
        order = advance(place(seller), "shipped")
    arrived = T0 + timedelta(days=2)

    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        response = platform_api.post(f"/orders/{order.pk}/deliver", {"delivered_at": arrived.isoformat()})

    assert response.status_code == 200, response.json()
    assert datetime.fromisoformat(response.json()["delivered_at"]) == arrived


def test_a_deliver_body_with_a_bad_time_is_refused(product, place, seller, platform_api):
    order = advance(place(seller), "shipped")

    error = _error(
        platform_api.post(f"/orders/{order.pk}/deliver", {"delivered_at": "yesterday"}), 422, "validation_error"
    )

    assert "delivered_at" in error["details"]
    order.refresh_from_db()
    assert order.status == "shipped"


def test_cancelling_a_paid_pending_order_releases_stock_and_refunds_it(product, place, seller, seller_api):
    order = place(seller)

    response = seller_api.post(f"/orders/{order.pk}/cancel", {"reason": "customer_request", "note": "asked by phone"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["refunded_total"] == "29.99"
    assert body["cancellations"][0]["reason"] == "customer_request"
    assert body["cancellations"][0]["refund_amount"] == "29.99"
    assert [line["stock"] for line in body["lines"]] == ["released"]
    assert _stock("MUG-1", seller) == (10, 0)
    assert Notification.objects.filter(order=order, kind="customer_cancelled").count() == 1


def test_cancelling_during_processing_restocks(product, place, seller, seller_api):
    order = advance(place(seller), "processing")
    assert _stock("MUG-1", seller) == (8, 0)

    response = seller_api.post(f"/orders/{order.pk}/cancel", {"reason": "address_issue"})

    assert response.status_code == 200
    assert _stock("MUG-1", seller) == (10, 0)


def test_a_cancel_without_a_known_reason_is_refused(product, place, seller, seller_api):
    order = place(seller)

    error = _error(seller_api.post(f"/orders/{order.pk}/cancel", {"reason": "bored"}), 422, "validation_error")

    assert list(error["details"]) == ["reason"]
    order.refresh_from_db()
    assert order.status == "pending"


def test_cancelling_part_of_a_line_refunds_those_units(product, place, seller, seller_api):
    order = place(seller, lines=(("MUG-1", 3, "12.50"),))
    line = order.lines.get()

    response = seller_api.post(f"/orders/{order.pk}/lines/{line.pk}/cancel", {"quantity": 1, "reason": "out_of_stock"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["lines"][0]["quantity_cancelled"] == 1
    assert body["refunded_total"] == "12.50"
    assert body["payment_status"] == "partially_refunded"
    assert _stock("MUG-1", seller) == (10, 2)


def test_cancelling_the_last_open_units_of_an_order_cancels_the_order(product, place, seller, seller_api):
    order = place(seller)
    line = order.lines.get()

    response = seller_api.post(f"/orders/{order.pk}/lines/{line.pk}/cancel", {"quantity": 2, "reason": "out_of_stock"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


@pytest.mark.parametrize("quantity", [0, -1, 3])
def test_a_line_cancel_of_an_impossible_quantity_is_refused(product, place, seller, seller_api, quantity):
    order = place(seller)
    line = order.lines.get()

    error = _error(
        seller_api.post(f"/orders/{order.pk}/lines/{line.pk}/cancel", {"quantity": quantity, "reason": "other"}),
        422,
        "validation_error",
    )

    assert list(error["details"]) == ["quantity"]
    line.refresh_from_db()
    assert line.quantity_cancelled == 0


def test_a_line_cancel_of_an_unknown_line_is_404(product, place, seller, seller_api):
    order = place(seller)
    other = place(seller)

    response = seller_api.post(
        f"/orders/{order.pk}/lines/{other.lines.get().pk}/cancel", {"quantity": 1, "reason": "other"}
    )

    _error(response, 404, "not_found")


def test_the_platform_records_a_payment_and_the_seller_can_then_confirm(
    product, place, seller, platform_api, seller_api
):
    order = place(seller, paid=False)

    paid = platform_api.post(f"/orders/{order.pk}/payment", {"status": "paid", "amount": "29.99", "reference": "ch_1"})

    assert paid.status_code == 200, paid.json()
    assert paid.json()["payment_status"] == "paid"
    assert paid.json()["payment_reference"] == "ch_1"
    assert paid.json()["events"][-1]["type"] == "payment_updated"
    assert seller_api.post(f"/orders/{order.pk}/confirm").status_code == 200


def test_a_seller_token_cannot_record_payments(product, place, seller, seller_api):
    order = place(seller, paid=False)

    _error(seller_api.post(f"/orders/{order.pk}/payment", {"status": "paid", "amount": "29.99"}), 403, "forbidden")

    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_a_payment_of_the_wrong_amount_is_refused(product, place, seller, platform_api):
    order = place(seller, paid=False)

    error = _error(
        platform_api.post(f"/orders/{order.pk}/payment", {"status": "paid", "amount": "10.00"}), 422, "validation_error"
    )

    assert list(error["details"]) == ["amount"]


def test_paying_a_paid_order_again_under_another_reference_is_a_conflict(product, place, seller, platform_api):
    order = place(seller, payment_reference="pi_checkout")

    _error(
        platform_api.post(f"/orders/{order.pk}/payment", {"status": "paid", "amount": "29.99", "reference": "new"}),
        409,
        "conflict",
    )


def test_a_note_lands_on_the_timeline(product, place, seller, seller_api):
    order = place(seller)

    response = seller_api.post(f"/orders/{order.pk}/notes", {"text": "Gift wrap, please."})

    assert response.status_code == 200
    last = response.json()["events"][-1]
    assert (last["type"], last["params"]["text"], last["actor"]["kind"]) == (
        "note_added",
        "Gift wrap, please.",
        "seller",
    )


def test_a_blank_note_is_refused(product, place, seller, seller_api):
    order = place(seller)

    error = _error(seller_api.post(f"/orders/{order.pk}/notes", {"text": "   "}), 422, "validation_error")

    assert list(error["details"]) == ["text"]
    assert OrderEvent.objects.filter(order=order).count() == 1


# --- reading --------------------------------------------------------------------------------


def test_an_unknown_order_is_404(seller_api):
    _error(seller_api.get("/orders/987654"), 404, "not_found")
    _error(seller_api.post("/orders/987654/confirm"), 404, "not_found")


def test_an_unknown_api_url_answers_in_the_error_format(seller_api):
    _error(seller_api.get("/orders/not-a-number"), 404, "not_found")
    _error(seller_api.get("/no-such-thing"), 404, "not_found")


def test_the_order_counts_give_every_status_and_the_due_figures(product, place, seller, seller_api):
    # given a paid pending, a confirmed, a cancelled and an unpaid order, placed on a Monday
    with time_machine.travel(T0, tick=False):
        place(seller)
        advance(place(seller), "confirmed")
        advance(place(seller), "cancelled")
        place(seller, paid=False)

    # when the seller looks 30 hours later
    with time_machine.travel(T0 + timedelta(hours=30), tick=False):
        counts = seller_api.get("/orders/counts").json()

    # then: the paid pending order's 24 hours are up; the confirmed one has 2 business days;
    # the unpaid order has no deadline yet (the clock starts at payment)
    assert counts == {
        "pending": 2,
        "confirmed": 1,
        "processing": 0,
        "shipped": 0,
        "delivered": 0,
        "cancelled": 1,
        "needs_action": 2,
        "overdue": 1,
    }


def test_the_list_filters_by_status_payment_and_search(product, place, seller, seller_api):
    pending = place(seller, customer_name="Grace Hopper", customer_email="grace@example.com")
    unpaid = place(seller, paid=False)
    confirmed = advance(place(seller), "confirmed")

    def ids(query):
        response = seller_api.get(f"/orders?{query}")
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["items"]]

    assert set(ids("status=pending")) == {pending.pk, unpaid.pk}
    assert ids("status=confirmed") == [confirmed.pk]
    assert ids("payment_status=unpaid") == [unpaid.pk]
    assert ids("q=grace") == [pending.pk]
    assert ids("q=grace@example.com") == [pending.pk]
    assert ids(f"q=%23{confirmed.number}") == [confirmed.pk]
    assert set(ids("q=MUG-1")) == {pending.pk, unpaid.pk, confirmed.pk}


def test_a_list_item_is_a_summary_with_money_as_strings(product, place, seller, seller_api):
    order = place(seller)

    [item] = seller_api.get("/orders").json()["items"]

    assert item["id"] == order.pk
    assert item["total"] == "29.99"
    assert item["status"] == "pending"
    assert item["overdue"] is False
    assert item["next_deadline"] is not None


# --- keyset pagination ----------------------------------------------------------------------


def _pages(api, query: str) -> list[list[int]]:
    pages, cursor = [], None
    for _ in range(10):
        response = api.get(f"/orders?{query}" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.json()
        body = response.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
    raise AssertionError("pagination did not end")


@pytest.fixture
def seven_orders(product, place, seller):
    """Seven orders, placed at five distinct times (ties included), two of them confirmed."""
    times = [
        T0,
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=3),
        T0 + timedelta(hours=3),
    ]
    orders = []
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        for at in times:
            orders.append(place(seller, placed_at=at, lines=(("MUG-1", 1, "12.50"),)))
        advance(orders[0], "confirmed")
        advance(orders[5], "confirmed")
    return orders


def test_the_newest_first_list_pages_through_seven_orders_without_gap_or_overlap(seven_orders, seller_api):
    pages = _pages(seller_api, "limit=3&sort=-placed_at")

    assert [len(p) for p in pages] == [3, 3, 1]
    flat = [order_id for page in pages for order_id in page]
    expected = [o.pk for o in sorted(seven_orders, key=lambda o: (o.placed_at, o.pk), reverse=True)]
    assert flat == expected


def test_the_oldest_first_list_pages_in_placed_order(seven_orders, seller_api):
    flat = [i for page in _pages(seller_api, "limit=3&sort=placed_at") for i in page]

    assert flat == [o.pk for o in sorted(seven_orders, key=lambda o: (o.placed_at, o.pk))]


def test_the_needs_action_list_pages_by_nearest_deadline(seven_orders, seller_api):
    pages = _pages(seller_api, "limit=3&sort=deadline")

    assert [len(p) for p in pages] == [3, 3, 1]
    flat = [order_id for page in pages for order_id in page]
    due = {o.pk: o.action_due_at for o in Order.objects.all()}
    assert flat == sorted(due, key=lambda pk: (due[pk], pk))
    # the two confirmed orders wait on a later (process) deadline, so they come last
    assert set(flat[-2:]) == {seven_orders[0].pk, seven_orders[5].pk}


def test_a_cursor_from_one_sort_is_refused_by_another(seven_orders, seller_api):
    cursor = seller_api.get("/orders?limit=3&sort=-placed_at").json()["next_cursor"]

    error = _error(seller_api.get(f"/orders?limit=3&sort=deadline&cursor={cursor}"), 400, "invalid_cursor")

    assert "cursor" in error["details"]


def test_a_tampered_cursor_is_refused(seven_orders, seller_api):
    cursor = seller_api.get("/orders?limit=3").json()["next_cursor"]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")

    _error(seller_api.get(f"/orders?limit=3&cursor={tampered}"), 400, "invalid_cursor")
    _error(seller_api.get("/orders?cursor=not-a-cursor"), 400, "invalid_cursor")


# --- query counts ---------------------------------------------------------------------------


def _queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path)
    assert response.status_code == 200, response.json()
    return len(ctx.captured_queries)


def test_the_order_list_costs_the_same_queries_for_3_and_30_orders(
    seller, make_product, place, seller_api, django_assert_num_queries
):
    # given three orders (and a first request, which stamps the token's last use)
    make_product(seller, "MUG-1", on_hand=100)
    for _ in range(3):
        place(seller, lines=(("MUG-1", 1, "12.50"),))
    seller_api.get("/orders")
    with_3 = _queries(seller_api, "/orders")
    for _ in range(27):
        place(seller, lines=(("MUG-1", 1, "12.50"),))

    # when / then: the token, its rate-limit counter, and one query for the page
    with django_assert_num_queries(with_3):
        response = seller_api.get("/orders")
    assert len(response.json()["items"]) == 30
    assert with_3 == 3


def test_the_order_detail_costs_the_same_queries_for_1_or_5_lines_and_many_events(
    seller, make_product, place, seller_api, django_assert_num_queries
):
    for i in range(5):
        make_product(seller, f"SKU-{i}")
    # both shipped: a parcel's lines are read only when the order has a parcel
    small = advance(place(seller, lines=(("SKU-0", 1, "12.50"),)), "shipped", tracking_number=OTHER_UPS_NUMBER)
    big = advance(place(seller, lines=tuple((f"SKU-{i}", 1, "12.50") for i in range(5))), "shipped")
    for n in range(12):
        services.add_note(order_id=big.pk, seller_id=seller.pk, actor=SELLER_ACTOR, text=f"note {n}")
    seller_api.get(f"/orders/{small.pk}")
    with_1 = _queries(seller_api, f"/orders/{small.pk}")

    with django_assert_num_queries(with_1):
        response = seller_api.get(f"/orders/{big.pk}")

    assert len(response.json()["lines"]) == 5
    assert len(response.json()["events"]) == 4 + 12
    # token, rate-limit counter, order (+seller), lines, parcels, their lines, events, cancellations,
    # substitute offers
    assert with_1 == 9


def _placing_queries(api, body) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/orders", body)
    assert response.status_code == 201, response.json()
    # Transaction control (BEGIN, COMMIT, savepoints) is not a query of ours.
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]


def test_placing_an_order_costs_the_same_statements_for_1_or_3_lines(seller, make_product, platform_api):
    for sku in ("MUG-1", "MUG-2", "MUG-3"):
        make_product(seller, sku, on_hand=50)
    platform_api.post("/orders", order_payload(external_id="WARM-UP"))  # stamps the token's last use

    one = _placing_queries(platform_api, order_payload(external_id="ONE"))
    three = _placing_queries(
        platform_api,
        order_payload(
            external_id="THREE", lines=[{"sku": f"MUG-{i}", "quantity": 2, "unit_price": "12.50"} for i in (1, 2, 3)]
        ),
    )

    assert len(one) == len(three)
    # token, rate-limit counter, seller, idempotency lookup, products (locked), one UPDATE for every
    # hold, order number, order, lines, stock moves, the webhook subscriptions wanting the event,
    # event, ledger, outbox, alert; then the response's timeline (its lines are the ones just written)
    assert len(three) == 16, "\n".join(three)


# --- authentication -------------------------------------------------------------------------


def test_a_request_without_a_token_is_401(db, seller_api):
    _error(seller_api.get("/orders", headers={"Authorization": ""}), 401, "unauthenticated")


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer sdk_" + "x" * 43, "Basic dXNlcjpwYXNz", "Bearer", "sdk_abc"])
def test_a_request_with_a_bad_token_is_401(db, seller_api, header):
    _error(seller_api.get("/orders", headers={"Authorization": header}), 401, "unauthenticated")


def test_a_revoked_token_is_401(product, seller):
    issued = create_api_token(name="temp", seller=seller)
    api = Api(issued.token)
    assert api.get("/orders").status_code == 200

    revoke_api_token(token_id=issued.record.pk, seller=seller)

    _error(api.get("/orders"), 401, "unauthenticated")
    _error(api.post("/orders", order_payload(None)), 401, "unauthenticated")
    assert Order.objects.count() == 0


def test_every_endpoint_needs_a_token(product, place, seller):
    order = place(seller)
    anonymous = Api("")
    anonymous.headers = {}
    line = order.lines.get().pk
    calls = [
        ("get", "/orders"),
        ("get", "/orders/counts"),
        ("get", f"/orders/{order.pk}"),
        *[
            ("post", f"/orders/{order.pk}/{a}")
            for a in ("confirm", "process", "ship", "deliver", "cancel", "payment", "notes")
        ],
        ("post", f"/orders/{order.pk}/lines/{line}/cancel"),
        ("post", "/orders"),
        ("get", "/products"),
        ("post", "/products"),
        ("get", "/products/MUG-1"),
        ("patch", "/products/MUG-1"),
        ("post", "/products/MUG-1/stock"),
        ("get", "/carriers"),
        ("get", f"/tracking-numbers/{UPS_NUMBER}"),
    ]
    for method, path in calls:
        response = anonymous.get(path) if method == "get" else getattr(anonymous, method)(path, {"reason": "other"})
        assert response.status_code == 401, (method, path, response.content)
        assert response.json()["error"]["code"] == "unauthenticated"
    order.refresh_from_db()
    assert order.status == "pending"


# --- shipping reference data ----------------------------------------------------------------


def test_the_carriers_list_their_service_levels(seller_api):
    carriers = {c["code"]: c for c in seller_api.get("/carriers").json()}

    assert {"ups", "usps", "fedex", "dhl_express", "other"} <= set(carriers)
    assert carriers["other"]["tracked"] is False
    assert carriers["ups"]["tracked"] is True
    assert {"code": "ground", "name": "UPS Ground", "transit_days": 5} in carriers["ups"]["services"]


def test_a_tracking_number_lookup_normalises_and_names_the_carrier(seller_api):
    response = seller_api.get("/tracking-numbers/1z%20999aa10123456784")

    assert response.status_code == 200
    assert response.json()["normalized"] == UPS_NUMBER
    assert [m["carrier"] for m in response.json()["matches"] if m["valid"]] == ["ups"]


def test_a_tracking_number_with_a_wrong_check_digit_matches_as_invalid(seller_api):
    body = seller_api.get("/tracking-numbers/1Z999AA10123456785").json()

    assert body["matches"]
    assert not any(m["valid"] for m in body["matches"] if m["carrier"] == "ups")


def test_an_overlong_tracking_number_lookup_is_refused(seller_api):
    error = _error(seller_api.get("/tracking-numbers/" + "9" * 300), 422, "validation_error")

    assert "number" in error["details"]


def test_a_method_the_api_does_not_offer_is_answered_in_the_error_format(seller_api):
    response = seller_api.client.delete("/api/v1/orders", headers=seller_api.headers)

    assert response.status_code == 405
    body = response.json()
    assert body["error"]["code"] == "method_not_allowed"
    assert "GET" in body["error"]["details"]["allowed_methods"]
