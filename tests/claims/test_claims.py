"""Delivery problems after shipping: the customer's claim, the seller's answer, the deadline, the operator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from shipdesk.accounts.services import create_api_token
from shipdesk.claims import services
from shipdesk.claims.models import Claim, ClaimLine
from shipdesk.earnings.models import LedgerEntry
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders.models import OrderEvent
from shipdesk.performance.selectors import compute_figures, metric_orders
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR, Api, advance, as_sent


@pytest.fixture
def shipped(seller, product, place):
    return advance(place(seller, lines=(("MUG-1", 2, "12.50", "2.00"),)), "shipped")


def _late(order):
    """A moment after the parcel's expected delivery date."""
    return time_machine.travel(order.deliver_by + timedelta(hours=1), tick=False)


def _claim_body(order, kind="not_received", **changes):
    line = order.lines.get()
    body = {"kind": kind, "lines": [{"line_id": line.pk, "quantity": 1}], "description": "Never came."}
    body.update(changes)
    return body


def test_a_not_received_claim_before_the_eta_is_refused_with_a_clear_error(shipped, seller_api):
    response = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "claim_before_eta" and "expected delivery date" in error["message"]
    assert error["details"]["eta"] == shipped.deliver_by.isoformat()
    assert not Claim.objects.exists()


def test_a_damaged_item_may_be_reported_at_once(shipped, seller_api):
    response = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped, kind="damaged"))
    assert response.status_code == 201 and response.json()["status"] == "open"


def test_after_the_eta_a_claim_opens_with_two_business_days_to_answer_and_everyone_is_told(shipped, seller_api):
    with _late(shipped):
        response = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped, lines=[]))
    assert response.status_code == 201, response.content
    body = response.json()
    claim = Claim.objects.get()
    assert body["kind"] == "not_received" and body["lines"][0]["quantity"] == 2  # the whole parcel
    assert claim.answer_by > claim.opened_at + timedelta(days=1)
    assert OrderEvent.objects.filter(order=shipped, type="claim_opened").count() == 1
    customer = as_sent(Notification.objects.get(order=shipped, kind="customer_claim_update"))
    assert customer.recipient == "ada@example.com" and "we received your report" in customer.subject
    assert Alert.objects.filter(order=shipped, kind="seller_claim_update").count() == 1
    # A second report while this one is in progress is refused.
    with _late(shipped):
        again = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped))
    assert again.status_code == 409 and again.json()["error"]["code"] == "claim_conflict"


def test_bad_input_is_422_per_field_and_nothing_is_written(shipped, seller_api, seller, make_product, place):
    line = shipped.lines.get()
    other_order = advance(place(seller), "shipped", tracking_number="1Z999AA10123456793")
    foreign_line = other_order.lines.get()
    cases = [
        ({"kind": "lost_in_space", "description": "x"}, "kind"),
        ({"kind": "damaged", "description": ""}, "description"),
        (
            {"kind": "damaged", "lines": [{"line_id": foreign_line.pk, "quantity": 1}], "description": "x"},
            "lines.0.line_id",
        ),
        ({"kind": "damaged", "lines": [{"line_id": line.pk, "quantity": 3}], "description": "x"}, "lines.0.quantity"),
        ({"kind": "damaged", "lines": [], "description": "broken"}, "lines"),
        (
            {"kind": "damaged", "lines": [{"line_id": line.pk, "quantity": True}], "description": "x"},
            "lines.0.quantity",
        ),
    ]
    for body, field in cases:
        response = seller_api.post(f"/orders/{shipped.pk}/claims", body)
        assert response.status_code == 422, (body, response.content)
        assert field in response.json()["error"]["details"], (field, response.json())
    assert not Claim.objects.exists() and not ClaimLine.objects.exists()
    assert not OrderEvent.objects.filter(type="claim_opened").exists()


def test_every_claim_endpoint_answers_404_for_another_sellers_order_or_claim(shipped, seller_api, make_seller):
    claim = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped, kind="damaged")).json()
    other = Api(create_api_token(name="other", seller=make_seller("other-shop")).token)
    calls = [
        other.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped, kind="damaged")),
        other.get(f"/claims/{claim['id']}"),
        other.post(f"/claims/{claim['id']}/answer", {"resolution": "return", "note": "Send it back"}),
        other.post(f"/claims/{claim['id']}/refuse", {"reason": "no"}),
    ]
    assert [r.status_code for r in calls] == [404, 404, 404, 404]
    assert other.get("/claims").json() == {"items": [], "next_cursor": None}
    assert Claim.objects.get().status == "open"


def test_the_claims_list_pages_newest_first_by_keyset(seller, product, place, seller_api):
    numbers = ["1Z999AA10123456784", "1Z999AA10123456793", "1Z999AA10123456800"]
    for number in numbers:
        order = advance(place(seller), "shipped", tracking_number=number)
        seller_api.post(f"/orders/{order.pk}/claims", _claim_body(order, kind="damaged"))
    first = seller_api.get("/claims?limit=2").json()
    second = seller_api.get(f"/claims?limit=2&cursor={first['next_cursor']}").json()
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert ids == sorted(Claim.objects.values_list("pk", flat=True), reverse=True) and second["next_cursor"] is None
    assert seller_api.get("/claims?cursor=forged").status_code == 400
    assert seller_api.get("/claims?status=decided").json()["items"] == []


def test_a_return_answer_needs_its_instructions_and_tells_the_customer(shipped, seller_api):
    claim = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped, kind="wrong_item")).json()
    refused = seller_api.post(f"/claims/{claim['id']}/answer", {"resolution": "return"})
    assert refused.status_code == 422 and "note" in refused.json()["error"]["details"]
    answered = seller_api.post(
        f"/claims/{claim['id']}/answer", {"resolution": "return", "note": "Post it to 1 Shop Lane; label enclosed."}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "resolved"
    mail = as_sent(
        Notification.objects.get(order=shipped, kind="customer_claim_update", stage=f"{claim['id']}:resolved")
    )
    assert "1 Shop Lane" in mail.body_text and "how to return it" in mail.subject
    again = seller_api.post(f"/claims/{claim['id']}/answer", {"resolution": "return", "note": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "claim_conflict"


def test_a_refund_answer_refunds_the_claimed_units_and_their_tax(shipped, seller_api):
    claim = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped, kind="damaged")).json()
    answered = seller_api.post(f"/claims/{claim['id']}/answer", {"resolution": "refund"})
    assert answered.status_code == 200, answered.content
    shipped.refresh_from_db()
    assert (shipped.refunded_total, shipped.refunded_tax) == (Decimal("13.50"), Decimal("1.00"))  # 1 of 2 units
    assert answered.json()["refunded"] == "13.50"
    assert seller_api.post(f"/claims/{claim['id']}/answer", {"resolution": "refund"}).status_code == 409
    shipped.refresh_from_db()
    assert shipped.refunded_total == Decimal("13.50")


def test_an_unanswered_claim_escalates_after_its_deadline_and_the_operators_refund_debits_the_seller(
    shipped, seller, seller_api, platform_api
):
    with _late(shipped):
        claim_id = seller_api.post(f"/orders/{shipped.pk}/claims", _claim_body(shipped, lines=[])).json()["id"]
    claim = Claim.objects.get(pk=claim_id)
    # Just before the deadline the sweep leaves it with the seller.
    assert services.escalate_overdue_claims(now=claim.answer_by - timedelta(minutes=1)) == 0
    with time_machine.travel(claim.answer_by + timedelta(minutes=5), tick=False):
        assert services.escalate_overdue_claims() == 1
        assert services.escalate_overdue_claims() == 0  # safe to run twice
    claim.refresh_from_db()
    assert claim.status == "escalated"
    assert Alert.objects.filter(order=shipped, kind="seller_claim_update").count() == 2  # opened, escalated
    # Too late for the seller now: the operator decides.
    late_answer = seller_api.post(f"/claims/{claim_id}/answer", {"resolution": "refund"})
    assert late_answer.status_code == 409
    assert seller_api.post(f"/claims/{claim_id}/decide", {"decision": "refund_customer"}).status_code == 403

    earned_before = LedgerEntry.objects.filter(seller_id=seller.pk).aggregate(s=Sum("pending") + Sum("available"))["s"]
    decided = platform_api.post(
        f"/claims/{claim_id}/decide", {"decision": "refund_customer", "note": "Lost in transit."}
    )
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert (body["status"], body["decision"], body["seller_lost"]) == ("decided", "refund_customer", True)
    shipped.refresh_from_db()
    # The parcel never came: both units, their tax and the shipping fee go back to the customer.
    assert shipped.refunded_total == shipped.total
    earned_after = LedgerEntry.objects.filter(seller_id=seller.pk).aggregate(s=Sum("pending") + Sum("available"))["s"]
    net = shipped.total - shipped.tax_total
    assert earned_before - earned_after == net - (net * Decimal("0.10")).quantize(Decimal("0.01"))
    assert Notification.objects.filter(order=shipped, kind="customer_claim_update").count() == 3


def test_a_claim_the_operator_decides_for_the_seller_is_no_defect(shipped, seller):
    with _late(shipped):
        claim = services.open_claim(
            order_id=shipped.pk, seller_id=seller.pk, actor=SELLER_ACTOR, kind="not_received", description="Gone"
        )
    services.escalate_claim(claim_id=claim.pk, now=claim.answer_by)
    with time_machine.travel(claim.answer_by + timedelta(hours=1), tick=False):
        services.decide_claim(claim_id=claim.pk, actor=OPERATOR_ACTOR, decision="seller_favour")
        figure = next(
            f for f in compute_figures(as_of=claim.answer_by + timedelta(hours=2))[seller.pk] if f.key == "order_defect"
        )
    assert (figure.numerator, figure.denominator) == (0, 1)  # won by the seller: no defect


def test_the_order_defect_rate_lists_the_orders_behind_it(shipped, seller):
    with _late(shipped):
        claim = services.open_claim(
            order_id=shipped.pk, seller_id=seller.pk, actor=SELLER_ACTOR, kind="not_received", description="Gone"
        )
    services.escalate_claim(claim_id=claim.pk, now=claim.answer_by)
    at = claim.answer_by + timedelta(hours=1)
    services.decide_claim(claim_id=claim.pk, actor=OPERATOR_ACTOR, decision="refund_customer", at=at)
    figure = next(f for f in compute_figures(as_of=at + timedelta(hours=1))[seller.pk] if f.key == "order_defect")
    assert (figure.numerator, figure.denominator, figure.value) == (1, 1, Decimal("100.00"))
    rows, _ = metric_orders(seller_id=seller.pk, metric="order_defect", now=at + timedelta(hours=1))
    assert [(r.number, r.counted_in_numerator, r.reason) for r in rows] == [
        (shipped.number, True, "delivery problem decided against the shop")
    ]


def test_the_seller_is_reminded_once_when_a_claims_answer_is_due_soon(shipped, seller):
    line = shipped.lines.get()
    claim = services.open_claim(
        order_id=shipped.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        kind="damaged",
        lines=[services.ClaimedLine(line_id=line.pk, quantity=1)],
        description="Chipped.",
    )
    due_soon = services.due_soon_at(claim)
    assert services.remind_claims_due_soon(now=due_soon - timedelta(minutes=1)) == 0
    assert services.remind_claims_due_soon(now=due_soon + timedelta(minutes=1)) == 1
    assert services.remind_claims_due_soon(now=due_soon + timedelta(minutes=2)) == 0  # once
    alert = Alert.objects.get(order=shipped, kind="seller_claim_update", notification__stage=f"{claim.pk}:due_soon")
    assert "answer the delivery problem" in alert.title
