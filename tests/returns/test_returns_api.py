"""Returns over HTTP: the customer asks (the storefront's platform token), the shop approves,
receives and refunds; every endpoint scoped to its shop and refusing bad input whole."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from shipdesk.earnings.models import LedgerEntry
from shipdesk.inventory.models import Product, StockMove
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.orders.order_page_links import order_page_order_id
from shipdesk.payments.models import Refund
from shipdesk.returns.models import ReturnRequest
from tests.builders import advance, as_sent
from tests.notifications.mail_server import body
from tests.returns.conftest import delivered_untracked

D = Decimal


def _ask(api, order, line, quantity=2, reason="changed_mind", **extra):
    return api.post(
        f"/orders/{order.pk}/returns",
        {"lines": [{"line_id": line.pk, "quantity": quantity, "reason": reason}], "note": "Too many mugs", **extra},
    )


APPROVAL = {"instructions": "Pack them in their box.", "return_address": "Acme Returns\n1 Dock Road\nSpringfield"}


def test_a_delivered_order_returned_in_part_is_restocked_written_off_and_refunded_exactly_with_mail_at_each_step(
    seller, delivered, seller_api, platform_api, mail_server
):
    # given a delivered order of 3 mugs (3.00 tax on the line), stock after shipping
    mug = delivered.lines.get(sku="MUG-1")
    product = Product.objects.get(pk=mug.product_id)
    on_hand = product.on_hand

    # when the customer asks to return 2 of them through the storefront
    asked = _ask(platform_api, delivered, mug)
    assert asked.status_code == 201, asked.content
    rma = asked.json()
    assert rma["status"] == "requested" and rma["allowed_actions"] == ["approve", "reject"]
    assert rma["requested_by"].startswith("customer via")

    # and the shop approves it with instructions and its address, then receives 1 resellable, 1 damaged
    approved = seller_api.post(f"/returns/{rma['id']}/approve", APPROVAL)
    assert approved.status_code == 200, approved.content
    assert approved.json()["shipping_paid_by"] == "customer"  # changed mind: the customer pays postage
    received = seller_api.post(
        f"/returns/{rma['id']}/receive",
        {
            "lines": [
                {"line_id": mug.pk, "quantity": 1, "condition": "resellable"},
                {"line_id": mug.pk, "quantity": 1, "condition": "damaged"},
            ]
        },
    )
    assert received.status_code == 200, received.content
    done = received.json()

    # then on hand is up by exactly 1, the other unit written off with a stock move
    product.refresh_from_db()
    assert product.on_hand == on_hand + 1
    written_off = StockMove.objects.get(product=product, kind=StockMove.Kind.WRITTEN_OFF)
    assert (written_off.on_hand_delta, written_off.order_id) == (0, delivered.pk)
    # and exactly those 2 units and their tax (2 × 10.00 + 2.00) are refunded through the provider
    assert done["status"] == "refunded"
    assert done["refund"] == {
        "id": done["refund"]["id"],
        "currency": "USD",
        "amount": "22.00",
        "items": "20.00",
        "shipping": "0.00",
        "tax": "2.00",
    }
    run_until_idle()
    [payment] = Refund.objects.filter(order=delivered)
    assert (payment.amount, payment.status) == (D("22.00"), Refund.Status.SUCCEEDED)
    # and the ledger gives back the non-tax part, with the commission at the sale's rate
    entries = LedgerEntry.objects.filter(order=delivered)
    reversed_ = sum(e.pending + e.available for e in entries if e.kind == LedgerEntry.Kind.REFUND_REVERSAL)
    commission = sum(e.pending + e.available for e in entries if e.kind == LedgerEntry.Kind.COMMISSION)
    assert reversed_ == D("-20.00")
    assert commission == D("-2.50")  # 10 % of the 24.99 kept (4.50 charged at sale, 2.00 given back)

    # and the customer got an email at every step, over SMTP, each linking their order page
    kinds = sorted(m["X-Shipdesk-Kind"] for m in mail_server.messages() if m["To"] == "ada@example.com")
    for kind in ("customer_return_requested", "customer_return_approved", "customer_return_received"):
        assert kind in kinds
    [approved_mail] = mail_server.messages("customer_return_approved")
    assert "1 Dock Road" in body(approved_mail, "plain") and "Pack them in their box." in body(approved_mail, "plain")
    [refunded_mail] = mail_server.messages("customer_refunded")
    assert "$22.00" in refunded_mail["Subject"]
    [token] = re.findall(r"/o/([^/\s]+)/", body(refunded_mail, "plain"))
    assert order_page_order_id(token) == delivered.pk
    # and the seller was alerted of the request
    assert mail_server.messages("seller_return_requested")


def test_a_faulty_item_is_returned_at_the_shops_expense_and_its_shipping_refunded(delivered, seller_api, platform_api):
    cap = delivered.lines.get(sku="CAP-1")
    rma = _ask(platform_api, delivered, cap, quantity=1, reason="faulty").json()
    approved = seller_api.post(f"/returns/{rma['id']}/approve", APPROVAL).json()
    assert (approved["shipping_paid_by"], approved["refund_shipping"]) == ("seller", True)

    done = seller_api.post(
        f"/returns/{rma['id']}/receive", {"lines": [{"line_id": cap.pk, "quantity": 1, "condition": "damaged"}]}
    ).json()

    # 5.00 + 0.50 (its half of the 1.00 line tax) + shipping 4.99 + its 0.50 tax
    assert (done["refund"]["items"], done["refund"]["shipping"], done["refund"]["tax"]) == ("5.00", "4.99", "1.00")


def test_a_rejected_return_says_why_and_frees_its_units(delivered, seller_api, platform_api):
    mug = delivered.lines.get(sku="MUG-1")
    rma = _ask(platform_api, delivered, mug, quantity=3).json()
    assert _ask(platform_api, delivered, mug, quantity=1).status_code == 422  # all 3 are in the open return

    rejected = seller_api.post(f"/returns/{rma['id']}/reject", {"reason": "Used mugs cannot come back."})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    rejection = as_sent(Notification.objects.get(order=delivered, kind="customer_return_rejected"))
    assert rejection.body_text.count("Used mugs")
    assert _ask(platform_api, delivered, mug, quantity=3).status_code == 201


def test_a_return_after_the_window_is_refused_to_the_customer(delivered, platform_api, seller_api):
    mug = delivered.lines.get(sku="MUG-1")
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        late = _ask(platform_api, delivered, mug)
        assert late.status_code == 409 and late.json()["error"]["code"] == "return_window_closed"
        # The shop itself may still take it back.
        assert _ask(seller_api, delivered, mug).status_code == 201


def test_an_order_not_yet_shipped_cannot_be_returned(seller, product, place, platform_api):
    order = advance(place(seller), "processing")
    answer = _ask(platform_api, order, order.lines.get(), quantity=1)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "invalid_transition"


def test_every_return_endpoint_answers_404_for_another_shops_order_or_return(
    delivered, seller_api, platform_api, other_api
):
    mug = delivered.lines.get(sku="MUG-1")
    rma = _ask(platform_api, delivered, mug).json()
    calls = [
        ("post", f"/orders/{delivered.pk}/returns", {"lines": [{"line_id": mug.pk, "quantity": 1, "reason": "other"}]}),
        ("post", f"/orders/{delivered.pk}/refunds", {"lines": [{"line_id": mug.pk, "quantity": 1}], "reason": "other"}),
        ("get", f"/returns/{rma['id']}", None),
        ("post", f"/returns/{rma['id']}/approve", APPROVAL),
        ("post", f"/returns/{rma['id']}/reject", {"reason": "no"}),
        (
            "post",
            f"/returns/{rma['id']}/receive",
            {"lines": [{"line_id": mug.pk, "quantity": 1, "condition": "damaged"}]},
        ),
        ("post", f"/returns/{rma['id']}/refund", None),
    ]
    for method, path, payload in calls:
        answer = getattr(other_api, method)(path, payload) if payload is not None else getattr(other_api, method)(path)
        assert answer.status_code == 404, (path, answer.content)
    assert other_api.get("/returns").json()["items"] == []
    assert ReturnRequest.objects.get().status == "requested"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"line_id": 1, "quantity": 0, "reason": "other"}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": 1, "quantity": 1, "reason": "bored"}]}, "lines.0.reason"),
        ({"lines": [{"line_id": 1, "quantity": True, "reason": "other"}]}, "lines.0.quantity"),
        ({"lines": [{"line_id": 1, "quantity": 1, "reason": "other"}], "note": "x" * 2001}, "note"),
    ],
)
def test_a_bad_return_request_is_refused_per_field_and_writes_nothing(delivered, platform_api, payload, field):
    answer = platform_api.post(f"/orders/{delivered.pk}/returns", payload)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["error"]["details"]
    assert not ReturnRequest.objects.exists()


def test_a_line_of_another_order_or_too_many_units_is_refused_per_line(delivered, platform_api):
    mug = delivered.lines.get(sku="MUG-1")
    answer = platform_api.post(
        f"/orders/{delivered.pk}/returns",
        {
            "lines": [
                {"line_id": mug.pk, "quantity": 4, "reason": "other"},
                {"line_id": 987654, "quantity": 1, "reason": "other"},
            ]
        },
    )
    assert answer.status_code == 422
    assert set(answer.json()["error"]["details"]) == {"lines.0.quantity", "lines.1.line_id"}
    assert not ReturnRequest.objects.exists()


def test_receiving_more_than_was_asked_back_is_refused_and_nothing_moves(delivered, seller_api, platform_api):
    mug = delivered.lines.get(sku="MUG-1")
    rma = _ask(platform_api, delivered, mug, quantity=1).json()
    seller_api.post(f"/returns/{rma['id']}/approve", APPROVAL)
    moves = StockMove.objects.count()

    answer = seller_api.post(
        f"/returns/{rma['id']}/receive",
        {
            "lines": [
                {"line_id": mug.pk, "quantity": 1, "condition": "resellable"},
                {"line_id": mug.pk, "quantity": 1, "condition": "damaged"},
            ]
        },
    )
    assert answer.status_code == 422
    assert StockMove.objects.count() == moves
    assert ReturnRequest.objects.get().status == "approved"


def test_actions_out_of_order_are_conflicts(delivered, seller_api, platform_api):
    mug = delivered.lines.get(sku="MUG-1")
    rma = _ask(platform_api, delivered, mug, quantity=1).json()
    receive = {"lines": [{"line_id": mug.pk, "quantity": 1, "condition": "resellable"}]}
    assert seller_api.post(f"/returns/{rma['id']}/receive", receive).status_code == 409
    assert seller_api.post(f"/returns/{rma['id']}/refund").status_code == 409
    seller_api.post(f"/returns/{rma['id']}/approve", APPROVAL)
    assert seller_api.post(f"/returns/{rma['id']}/approve", APPROVAL).status_code == 409
    assert seller_api.post(f"/returns/{rma['id']}/receive", receive).status_code == 200
    again = seller_api.post(f"/returns/{rma['id']}/receive", receive)
    assert again.status_code == 409 and again.json()["error"]["details"]["status"] == "refunded"


def test_a_return_received_without_refund_is_refunded_later_once(delivered, seller_api, platform_api):
    mug = delivered.lines.get(sku="MUG-1")
    rma = _ask(platform_api, delivered, mug, quantity=1).json()
    seller_api.post(f"/returns/{rma['id']}/approve", APPROVAL)
    received = seller_api.post(
        f"/returns/{rma['id']}/receive",
        {"lines": [{"line_id": mug.pk, "quantity": 1, "condition": "resellable"}], "refund": False},
    ).json()
    assert received["status"] == "received" and received["refund_by"] and received["refund"] is None

    refunded = seller_api.post(f"/returns/{rma['id']}/refund")
    assert refunded.json()["refund"]["amount"] == "11.00"
    assert seller_api.post(f"/returns/{rma['id']}/refund").status_code == 409
    assert Refund.objects.filter(order=delivered).count() == 1


def test_the_list_filters_by_status_and_pages_by_keyset(seller, make_product, place, seller_api, platform_api):
    make_product(seller, "MUG-1", price="10.00", on_hand=50)
    ids = []
    for n in range(5):
        order = delivered_untracked(place(seller, lines=(("MUG-1", 1, "10.00"),), external_id=f"L{n}"), n)
        ids.append(_ask(platform_api, order, order.lines.get(), quantity=1).json()["id"])
    seller_api.post(f"/returns/{ids[0]}/reject", {"reason": "no"})

    first = seller_api.get("/returns?limit=2").json()
    second = seller_api.get(f"/returns?limit=2&cursor={first['next_cursor']}").json()
    third = seller_api.get(f"/returns?limit=2&cursor={second['next_cursor']}").json()
    seen = [r["id"] for page in (first, second, third) for r in page["items"]]
    assert seen == sorted(ids, reverse=True) and third["next_cursor"] is None

    assert [r["id"] for r in seller_api.get("/returns?status=rejected").json()["items"]] == [ids[0]]
    due = seller_api.get("/returns?sort=deadline&needs_action=true").json()["items"]
    assert [r["id"] for r in due] == ids[1:]
    assert seller_api.get("/returns?cursor=forged").status_code == 400


def test_the_refunds_endpoint_refunds_units_and_a_retry_with_its_key_is_the_same_refund(delivered, seller_api):
    mug = delivered.lines.get(sku="MUG-1")
    payload = {"lines": [{"line_id": mug.pk, "quantity": 1}], "reason": "damaged"}

    made = seller_api.post(f"/orders/{delivered.pk}/refunds", payload, headers={"Idempotency-Key": "r-1"})
    again = seller_api.post(f"/orders/{delivered.pk}/refunds", payload, headers={"Idempotency-Key": "r-1"})

    assert made.status_code == 201, made.content
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    assert made.json()["amount"] == "11.00" and made.json()["source"] == "goodwill"
    assert Order.objects.get(pk=delivered.pk).refunded_total == D("11.00")
    assert OrderEvent.objects.filter(order=delivered, type="refunded_after_shipment").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "damaged"}, "lines"),
        ({"amount": "1.00", "shipping": True, "reason": "goodwill"}, "amount"),
        ({"amount": "100.00", "reason": "goodwill"}, "amount"),
        ({"amount": "1.001", "reason": "goodwill"}, "amount"),
        ({"amount": "1.00", "reason": "because"}, "reason"),
        ({"lines": [{"line_id": 987654, "quantity": 1}], "reason": "damaged"}, "lines.0.line_id"),
    ],
)
def test_a_bad_refund_is_refused_per_field_and_writes_nothing(delivered, seller_api, payload, field):
    answer = seller_api.post(f"/orders/{delivered.pk}/refunds", payload)
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["error"]["details"]
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=delivered.pk).refunded_total == 0
