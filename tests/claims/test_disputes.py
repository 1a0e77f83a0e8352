"""Chargebacks from the payment webhooks: Stripe's Dispute (recorded sample, signed as Stripe
signs) and our generic format; the held money, the outcome, and the evidence pack."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.test import Client

from shipdesk.accounts.services import create_api_token
from shipdesk.claims.models import Dispute
from shipdesk.claims.services import ClaimedLine, open_claim
from shipdesk.conversations.services import IncomingFile, receive_message, send_message
from shipdesk.earnings import selectors as ledger
from shipdesk.earnings.models import LedgerEntry
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.services import Scan, TrackingUpdate, record_tracking_update
from shipdesk.signatures import sign_timestamped
from tests.builders import SELLER_ACTOR, UPS_NUMBER, Api, advance
from tests.conversations.inbound_mail import jpeg_bytes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real-world"
STRIPE_SECRET = "whsec_test_stripe"
GENERIC_SECRET = "generic-test-secret"
INTENT = "pi_3MtwBwLkdIwHu7ix28a3tqPa"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"stripe_openapi_fixtures3__{name}.json").read_text())


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": GENERIC_SECRET, "stripe": STRIPE_SECRET}


def _post(provider: str, body: dict):
    raw = json.dumps(body).encode()
    stripe = provider == "stripe"
    signature = sign_timestamped(
        raw,
        STRIPE_SECRET if stripe else GENERIC_SECRET,
        timestamp=int(time.time()),
        purpose="" if stripe else "payment",
    )
    header = "Stripe-Signature" if stripe else "Shipdesk-Payment-Signature"
    response = Client().post(
        f"/api/v1/webhooks/payments/{provider}", data=raw, content_type="application/json", headers={header: signature}
    )
    assert response.status_code == 200, response.content
    return response.json()["status"]


def _dispute(order: Order, *, status: str, amount: int | None = None, fee: int = 0, **changes) -> dict:
    """Stripe's Dispute (the recorded sample) about this order's payment, with its withdrawal."""
    dispute = _fixture("dispute")
    dispute.update(
        payment_intent=order.payment_reference,
        amount=int(order.total * 100) if amount is None else amount,
        status=status,
        reason="product_not_received",
        **changes,
    )
    if fee:
        withdrawal = _fixture("balance_transaction")
        withdrawal.update(
            amount=-dispute["amount"] - fee,
            fee=fee,
            fee_details=[{"amount": fee, "currency": "usd", "description": "Dispute fee", "type": "stripe_fee"}],
            net=-dispute["amount"] - fee,
            reporting_category="dispute",
            type="adjustment",
            description=f"Chargeback withdrawal for {dispute['charge']}",
        )
        dispute["balance_transactions"] = [withdrawal]
    return dispute


def _event(event_id: str, kind: str, obj: dict) -> dict:
    event = _fixture("event")  # the recorded envelope, carrying another object
    event.update(id=event_id, type=kind)
    event["data"] = {"object": copy.deepcopy(obj)}
    return event


@pytest.fixture
def delivered(seller, product, place):
    order = advance(place(seller, payment_reference=INTENT), "delivered")
    return order


def _available(seller) -> Decimal:
    return next((b.available for b in ledger.balances(seller_id=seller.pk)), Decimal("0"))


def _disputes_ledger(order) -> list[tuple[str, Decimal]]:
    return list(
        LedgerEntry.objects.filter(order=order, kind__in=["dispute_hold", "dispute_release", "chargeback_fee"])
        .order_by("id")
        .values_list("kind", "available")
    )


def test_replaying_stripes_dispute_events_creates_updates_and_closes_the_dispute_exactly_once_each(delivered, seller):
    created = _event("evt_dp_created", "charge.dispute.created", _dispute(delivered, status="needs_response", fee=1500))
    assert _post("stripe", created) == "applied"
    assert _post("stripe", created) == "duplicate"  # Stripe redelivers: nothing changes
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.amount, dispute.reason, dispute.held) == (
        "needs_response",
        Decimal("29.99"),
        "product_not_received",
        Decimal("29.99"),
    )
    assert dispute.evidence_due_by == datetime.fromtimestamp(1681257599, tz=UTC)
    assert _disputes_ledger(delivered) == [("dispute_hold", Decimal("-29.99"))]

    updated = _event("evt_dp_updated", "charge.dispute.updated", _dispute(delivered, status="under_review", fee=1500))
    assert [_post("stripe", updated), _post("stripe", updated)] == ["applied", "duplicate"]
    dispute.refresh_from_db()
    assert dispute.status == "under_review"

    closed = _event("evt_dp_closed", "charge.dispute.closed", _dispute(delivered, status="lost", fee=1500))
    assert [_post("stripe", closed), _post("stripe", closed)] == ["applied", "duplicate"]
    # An update that arrives after the close (another event id) is old news.
    late = _event("evt_dp_late", "charge.dispute.updated", _dispute(delivered, status="under_review", fee=1500))
    assert _post("stripe", late) == "ignored"

    dispute.refresh_from_db()
    assert (dispute.status, dispute.fee, dispute.closed_at is not None) == ("lost", Decimal("15.00"), True)
    # Lost: the held amount stays debited and the provider's fee follows, once.
    assert _disputes_ledger(delivered) == [("dispute_hold", Decimal("-29.99")), ("chargeback_fee", Decimal("-15.00"))]
    types = list(OrderEvent.objects.filter(order=delivered, type__startswith="dispute_").values_list("type", flat=True))
    assert types == ["dispute_opened", "dispute_updated", "dispute_closed"]
    kinds = Notification.objects.filter(order=delivered, kind="seller_dispute_update").values_list("stage", flat=True)
    assert sorted(kinds) == [f"{dispute.pk}:lost", f"{dispute.pk}:opened"]


def test_a_won_dispute_gives_the_held_amount_back(delivered, seller):
    before = _available(seller)
    _post("stripe", _event("evt_1", "charge.dispute.created", _dispute(delivered, status="needs_response")))
    assert _available(seller) == before - Decimal("29.99")  # may go below zero: netted by payouts
    _post("stripe", _event("evt_2", "charge.dispute.closed", _dispute(delivered, status="won")))
    assert _available(seller) == before
    assert _disputes_ledger(delivered) == [("dispute_hold", Decimal("-29.99")), ("dispute_release", Decimal("29.99"))]


def test_the_recorded_inquiry_holds_nothing_until_it_becomes_a_chargeback(delivered, seller):
    inquiry = _dispute(delivered, status="warning_needs_response")  # the sample's own status
    assert _post("stripe", _event("evt_inq", "charge.dispute.created", inquiry)) == "applied"
    assert _disputes_ledger(delivered) == []
    _post("stripe", _event("evt_inq_closed", "charge.dispute.closed", _dispute(delivered, status="warning_closed")))
    assert Dispute.objects.get().status == "warning_closed" and _disputes_ledger(delivered) == []


def test_a_dispute_on_an_unknown_payment_is_acknowledged_and_changes_nothing(delivered):
    stranger = _dispute(delivered, status="needs_response")
    stranger["payment_intent"] = "pi_nobody"
    assert _post("stripe", _event("evt_x", "charge.dispute.created", stranger)) == "unknown_order"
    assert not Dispute.objects.exists()


def test_the_generic_format_opens_and_closes_a_dispute_with_its_fee(delivered, seller):
    body = {
        "id": "g-1",
        "type": "dispute.created",
        "dispute_id": "case-77",
        "order_id": delivered.pk,
        "status": "needs_response",
        "reason": "fraudulent",
        "currency": "USD",
        "amount": "10.00",
        "evidence_due_by": "2026-12-20T23:59:59+00:00",
    }
    assert _post("generic", body) == "applied"
    assert _post("generic", body) == "duplicate"
    closed = {**body, "id": "g-2", "type": "dispute.closed", "status": "lost", "fee": "15.00"}
    assert _post("generic", closed) == "applied"
    dispute = Dispute.objects.get()
    assert (dispute.provider, dispute.amount, dispute.fee, dispute.status) == (
        "generic",
        Decimal("10.00"),
        Decimal("15.00"),
        "lost",
    )
    total = LedgerEntry.objects.filter(order=delivered, kind__in=["dispute_hold", "chargeback_fee"]).aggregate(
        s=Sum("available")
    )["s"]
    assert total == Decimal("-25.00")


def test_a_generic_dispute_with_a_bad_status_is_a_malformed_request(delivered):
    raw = json.dumps(
        {"id": "g-9", "type": "dispute.created", "dispute_id": "d", "status": "maybe", "currency": "USD", "amount": "1"}
    ).encode()
    signature = sign_timestamped(raw, GENERIC_SECRET, timestamp=int(time.time()), purpose="payment")
    response = Client().post(
        "/api/v1/webhooks/payments/generic",
        data=raw,
        content_type="application/json",
        headers={"Shipdesk-Payment-Signature": signature},
    )
    assert response.status_code == 400 and not Dispute.objects.exists()


def test_the_evidence_pack_pdf_holds_the_order_the_address_every_scan_and_the_delivery_scan(
    seller, product, place, seller_api, pdf
):
    order = advance(place(seller, payment_reference=INTENT, ship_line1="221B Baker Street"), "shipped")
    picked_up = order.shipped_at + timedelta(hours=3)
    record_tracking_update(
        update=TrackingUpdate(
            source="generic",
            tracking_number=UPS_NUMBER,
            scans=(
                Scan(status="in_transit", occurred_at=picked_up, description="Picked up", location="Chicago IL"),
                Scan(
                    status="delivered",
                    occurred_at=picked_up + timedelta(days=1),
                    description="Delivered, front porch",
                    location="Springfield IL",
                ),
            ),
            status="delivered",
        )
    )
    order.refresh_from_db()
    assert order.status == "delivered"
    open_claim(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        kind="damaged",
        lines=[ClaimedLine(line_id=order.lines.get().pk, quantity=1)],
        description="Glued handle.",
    )
    _post("stripe", _event("evt_ev", "charge.dispute.created", _dispute(order, status="needs_response")))
    dispute = Dispute.objects.get()

    response = seller_api.get(f"/orders/{order.pk}/disputes/{dispute.pk}/evidence.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf.text(response.content).split())
    assert f"order #{order.number}" in text and dispute.provider_dispute_id in text
    assert "221B Baker Street" in text and "Springfield" in text and "MUG-1" in text
    assert UPS_NUMBER in text and "Picked up" in text
    assert "Delivered, front porch" in text and "Springfield IL" in text  # the delivery scan
    assert "Chargeback opened" in text  # the timeline
    assert "Glued handle." in text  # the customer's own words

    listed = seller_api.get(f"/orders/{order.pk}/disputes").json()
    assert [(d["id"], d["amount"], d["status"]) for d in listed] == [(dispute.pk, "29.99", "needs_response")]


def test_the_evidence_pack_pdf_holds_the_conversation_with_the_customer_its_times_authors_and_attachments(
    delivered, seller, seller_api, pdf, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seller.timezone = "UTC"
    seller.save(update_fields=["timezone"])
    asked = datetime(2026, 11, 3, 14, 7, tzinfo=UTC)
    receive_message(
        order_id=delivered.pk,
        body="The handle came off <b>& glue</b> won't hold",
        channel="order_page",
        author_label="Ada Lovelace",
        files=[IncomingFile(filename="broken-handle.jpg", content=jpeg_bytes())],
        at=asked,
    )
    send_message(
        order_id=delivered.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        body="Sorry! A new mug is on its way.",
        at=asked + timedelta(hours=2, minutes=30),
    )
    _post("stripe", _event("evt_msg", "charge.dispute.created", _dispute(delivered, status="needs_response")))
    dispute = Dispute.objects.get()

    response = seller_api.get(f"/orders/{delivered.pk}/disputes/{dispute.pk}/evidence.pdf")
    assert response.status_code == 200
    text = " ".join(pdf.text(response.content).split())
    assert "Messages with the customer" in text
    assert "The handle came off <b>& glue</b> won't hold" in text  # the customer's words, as typed
    assert "2026-11-03 14:07 UTC · From the customer · Ada Lovelace" in text
    assert "Attachments: broken-handle.jpg" in text
    assert "2026-11-03 16:37 UTC · To the customer · ada@shop.test" in text
    assert "Sorry! A new mug is on its way." in text
    assert text.index("The handle came off") < text.index("Sorry! A new mug")


def test_the_evidence_pack_says_when_no_message_was_exchanged(delivered, seller_api, pdf):
    _post("stripe", _event("evt_none", "charge.dispute.created", _dispute(delivered, status="needs_response")))
    dispute = Dispute.objects.get()
    response = seller_api.get(f"/orders/{delivered.pk}/disputes/{dispute.pk}/evidence.pdf")
    assert "No message exchanged with the customer." in " ".join(pdf.text(response.content).split())


def test_another_sellers_dispute_and_evidence_are_not_found(delivered, make_seller):
    _post("stripe", _event("evt_o", "charge.dispute.created", _dispute(delivered, status="needs_response")))
    dispute = Dispute.objects.get()
    other = Api(create_api_token(name="other", seller=make_seller("other-shop")).token)
    for path in (
        f"/orders/{delivered.pk}/disputes",
        f"/orders/{delivered.pk}/disputes/{dispute.pk}",
        f"/orders/{delivered.pk}/disputes/{dispute.pk}/evidence.pdf",
    ):
        response = other.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path


def test_a_late_needs_response_after_under_review_does_not_move_the_dispute_back(delivered):
    _post("stripe", _event("evt_a", "charge.dispute.updated", _dispute(delivered, status="under_review")))
    assert _post("stripe", _event("evt_b", "charge.dispute.created", _dispute(delivered, status="needs_response"))) == (
        "ignored"
    )
    assert Dispute.objects.get().status == "under_review"
    assert _disputes_ledger(delivered) == [("dispute_hold", Decimal("-29.99"))]


def test_a_dispute_on_an_order_never_paid_is_refused_and_holds_nothing(seller, product, place):
    unpaid = place(seller, paid=False, payment_reference=INTENT)
    outcome = _post("stripe", _event("evt_u", "charge.dispute.created", _dispute(unpaid, status="needs_response")))
    assert outcome == "refused" and not Dispute.objects.exists()
    assert not LedgerEntry.objects.filter(order=unpaid).exists()
