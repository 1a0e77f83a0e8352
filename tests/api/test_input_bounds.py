"""Out-of-range input (issue 14, findings 7 and 12) is a 4xx with the field named, never a 500.

Years 1 and 9999, counts beyond the integer column, amounts of 1e400, a JSON `true` as a
quantity, and CSV cells a spreadsheet would still run as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.inventory.models import Product, StockMove
from shipdesk.orders.models import Order
from shipdesk.payments.models import PaymentWebhookReceipt
from shipdesk.signatures import sign_timestamped
from tests.api.test_bad_input import assert_refused
from tests.builders import order_payload

GENERIC_SECRET = "generic-bounds-secret"
STRIPE_SECRET = "whsec_bounds_stripe"


@pytest.fixture
def shop(seller, make_product):
    make_product(seller, "MUG-1", on_hand=10)
    return seller


@pytest.fixture
def owner_client(seller):
    client = Client()
    client.force_login(create_user(email="owner@acme.test", password=None, seller=seller, role="owner"))
    return client


# --- placed_at: a sane window (finding 7: year 1 was a 500; finding 12: year 1 was accepted) ---


@pytest.mark.parametrize(
    "placed_at",
    [
        pytest.param("0001-01-01T00:00:00+14:00", id="year-1-east-of-utc"),
        pytest.param("0001-01-01T00:00:00Z", id="year-1"),
        pytest.param("1999-12-31T23:59:59Z", id="before-2000"),
        pytest.param("9999-12-31T23:59:59-14:00", id="year-9999-west-of-utc"),
    ],
)
def test_an_order_placed_outside_the_sane_window_is_refused_on_placed_at(shop, platform_api, placed_at):
    response = platform_api.post("/orders", order_payload(placed_at=placed_at))

    error = assert_refused(response, 422, "validation_error", "placed_at")
    assert Order.objects.count() == 0
    assert "2000-01-01" in " ".join(error["details"]["placed_at"]) or "future" in " ".join(
        error["details"]["placed_at"]
    )


def test_an_order_placed_on_the_first_day_of_2000_is_accepted(shop, platform_api):
    response = platform_api.post("/orders", order_payload(placed_at="2000-01-01T00:00:00Z"))

    assert response.status_code == 201, response.content


# --- quantities are integers, not booleans (finding 12) -----------------------------------------


def test_a_quantity_of_true_is_refused_instead_of_read_as_one(shop, platform_api):
    body = order_payload(lines=[{"sku": "MUG-1", "quantity": True, "unit_price": "12.50"}])

    assert_refused(platform_api.post("/orders", body), 422, "validation_error", "lines.0.quantity")
    assert Order.objects.count() == 0


def test_a_product_count_of_true_is_refused(seller_api, shop):
    body = {"sku": "TEE-1", "title": "Tee", "price": "9.00", "currency": "USD", "on_hand": True}

    assert_refused(seller_api.post("/products", body), 422, "validation_error", "on_hand")
    assert not Product.objects.filter(sku="TEE-1").exists()


# --- stock counts stay inside the integer column (finding 7) -----------------------------------


def test_the_dashboard_refuses_a_new_product_with_more_units_than_any_stockroom_holds(owner_client, shop):
    form = {
        "sku": "TEE-1",
        "title": "Tee",
        "price": "9.00",
        "currency": "USD",
        "on_hand": "99999999999",
        "low_stock_threshold": "5",
    }

    response = owner_client.post("/inventory/products/", form)

    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 10000000." in response.content.decode()
    assert not Product.objects.filter(sku="TEE-1").exists()


def test_adding_units_beyond_the_limit_is_a_form_error_in_the_dashboard_and_422_in_the_api(
    owner_client, seller_api, shop
):
    # given a count written before the limit existed, just under the 32-bit column's maximum
    Product.objects.filter(sku="MUG-1").update(on_hand=2_147_483_000)
    moves = StockMove.objects.count()

    # when a million more arrive, in the dashboard and through the API
    page = owner_client.post(
        "/inventory/stock/", {"sku": "MUG-1", "mode": "add", "quantity": "1000000", "reason": "delivery"}, follow=True
    )
    api = seller_api.post("/products/MUG-1/stock", {"delta": 1_000_000, "reason": "delivery"})

    # then both refuse with the reason, and nothing changed
    assert page.status_code == 200
    assert "at most 10,000,000" in page.content.decode()
    assert_refused(api, 422, "validation_error", "delta")
    assert Product.objects.get(sku="MUG-1").on_hand == 2_147_483_000
    assert StockMove.objects.count() == moves


# --- the orders list's date filter (finding 7: the day after 9999-12-31 was a 500) --------------


def test_the_orders_list_and_its_poll_ignore_an_end_date_no_order_can_have(owner_client, shop, place):
    order = place(shop)

    page = owner_client.get("/orders/?tab=all&placed_to=9999-12-31")
    poll = owner_client.get(
        f"/orders/poll/?tab=all&placed_to=9999-12-31&after={order.pk - 1}", headers={"HX-Request": "true"}
    )

    assert page.status_code == 200
    assert f"#{order.number}" in page.content.decode()
    assert poll.status_code == 200


# --- payment webhooks with amounts no order can have (finding 7) -------------------------------


def _signed_post(client, provider: str, body: dict, secret: str, header: str):
    raw = json.dumps(body).encode()
    # Generic payment events sign "payment.<t>.<body>" (docs/earnings.md); Stripe signs "<t>.<body>".
    purpose = "payment" if provider == "generic" else ""
    signature = sign_timestamped(raw, secret, timestamp=int(time.time()), purpose=purpose)
    return client.post(
        f"/api/v1/webhooks/payments/{provider}", data=raw, content_type="application/json", headers={header: signature}
    )


@pytest.fixture
def webhook_secrets(settings):
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": GENERIC_SECRET, "stripe": STRIPE_SECRET}


@pytest.mark.parametrize("amount", ["1e400", "-1e400", "1" * 40])
def test_a_generic_payment_event_with_an_impossible_amount_is_acknowledged_refused_and_changes_nothing(
    client, shop, place, webhook_secrets, amount, caplog
):
    order = place(shop, paid=False)
    body = {
        "id": f"evt-{amount[:5]}",
        "type": "payment.succeeded",
        "order_id": order.pk,
        "currency": "USD",
        "amount": amount,
    }

    response = _signed_post(client, "generic", body, GENERIC_SECRET, "Shipdesk-Payment-Signature")

    assert (response.status_code, response.json()) == (200, {"status": "refused"})
    order.refresh_from_db()
    assert order.payment_status == "unpaid"
    assert PaymentWebhookReceipt.objects.get(event_id=body["id"]).outcome == "refused"
    assert "amount" in caplog.text


def test_a_stripe_refund_of_ten_to_the_thirtieth_cents_is_acknowledged_refused_and_changes_nothing(
    client, shop, place, webhook_secrets
):
    order = place(shop, paid=True, payment_reference="pi_bounds")
    charge = {
        "object": "charge",
        "id": "ch_1",
        "currency": "usd",
        "amount_refunded": 10**30,
        "payment_intent": "pi_bounds",
        "metadata": {},
    }
    body = {"id": "evt_huge_refund", "object": "event", "type": "charge.refunded", "data": {"object": charge}}

    response = _signed_post(client, "stripe", body, STRIPE_SECRET, "Stripe-Signature")

    assert (response.status_code, response.json()) == (200, {"status": "refused"})
    order.refresh_from_db()
    assert (order.payment_status, order.refunded_total) == ("paid", 0)


# --- CSV exports: every way a cell can still start a formula (finding 12) ----------------------


def test_the_csv_export_escapes_formulas_behind_spaces_line_breaks_and_full_width_signs(
    owner_client, seller, make_product
):
    for sku in ("A-1", "B-1", "C-1", "D-1"):
        make_product(seller, sku, on_hand=1)
    # Titles as a legacy row or another system may hold them (our forms now refuse the line break).
    for sku, title in (("A-1", " =1+1"), ("B-1", "\n=1+1"), ("C-1", "\uff1d1+1"), ("D-1", "\uff0bSUM(A1)")):
        Product.objects.filter(sku=sku).update(title=title)

    response = owner_client.get("/inventory/export.csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles == {"A-1": "' =1+1", "B-1": "'\n=1+1", "C-1": "'\uff1d1+1", "D-1": "'\uff0bSUM(A1)"}
