"""Payment events from Stripe (recorded samples) and our generic format, replayed at the webhook."""

from __future__ import annotations

import copy
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from shipdesk.earnings.models import LedgerEntry
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.payments.models import PaymentWebhookReceipt
from shipdesk.signatures import sign_timestamped

# Recorded third-party samples, kept with their provenance in tests/fixtures/real-world/README.md.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real-world"
STRIPE_SECRET = "whsec_test_stripe"
GENERIC_SECRET = "generic-test-secret"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"stripe_openapi_fixtures3__{name}.json").read_text())


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": GENERIC_SECRET, "stripe": STRIPE_SECRET}


def _post(provider: str, body: dict | bytes, *, secret: str | None = None, timestamp: int | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    header = "Stripe-Signature" if provider == "stripe" else "Shipdesk-Signature"
    signature = sign_timestamped(raw, secret or (STRIPE_SECRET if provider == "stripe" else GENERIC_SECRET), timestamp=timestamp or int(time.time()))
    return Client().post(f"/api/v1/webhooks/payments/{provider}", data=raw, content_type="application/json", headers={header: signature})


def _stripe_event(event_id: str, kind: str, obj: dict) -> dict:
    event = _fixture("event")  # the recorded envelope, carrying another object
    event.update(id=event_id, type=kind)
    event["data"] = {"object": obj}
    return event


def _intent(order: Order, *, status: str = "succeeded", **changes) -> dict:
    intent = _fixture("payment_intent")
    intent.update(status=status, amount=int(order.total * 100), amount_received=int(order.total * 100) if status == "succeeded" else 0, **changes)
    intent["id"] = order.payment_reference
    return intent


@pytest.fixture
def unpaid(seller, product, place):
    return place(seller, paid=False, payment_reference=_fixture("payment_intent")["id"])


def _state(order: Order) -> tuple:
    order.refresh_from_db()
    return (order.payment_status, order.refunded_total, OrderEvent.objects.filter(order=order).count(), LedgerEntry.objects.filter(order=order).count())


def test_stripe_payment_intent_succeeded_marks_the_order_paid_and_records_the_sale(unpaid):
    response = _post("stripe", _stripe_event("evt_paid", "payment_intent.succeeded", _intent(unpaid)))
    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    unpaid.refresh_from_db()
    assert unpaid.payment_status == "paid"
    assert LedgerEntry.objects.filter(order=unpaid, kind="sale_pending").get().pending == Decimal("29.99")


def test_the_recorded_stripe_payment_intent_that_still_requires_a_payment_method_does_not_pay_the_order(unpaid):
    sample = _fixture("payment_intent")  # status requires_payment_method, as recorded
    response = _post("stripe", _stripe_event("evt_sample", "payment_intent.succeeded", sample))
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert _state(unpaid)[0] == "unpaid"


def test_the_recorded_stripe_event_of_an_unrelated_type_is_acknowledged_and_ignored(unpaid):
    before = _state(unpaid)
    response = _post("stripe", _fixture("event"))  # plan.created
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert _state(unpaid) == before


def test_a_failed_stripe_payment_alerts_the_seller_blocks_the_order_and_a_late_success_unblocks_it(unpaid, seller_api):
    failed = _post("stripe", _stripe_event("evt_failed", "payment_intent.payment_failed", _intent(unpaid, status="requires_payment_method")))
    assert failed.json() == {"status": "applied"}
    unpaid.refresh_from_db()
    assert unpaid.payment_status == "failed"
    assert Notification.objects.filter(order=unpaid, kind=Notification.Kind.SELLER_PAYMENT_FAILED).count() == 1
    assert seller_api.post(f"/orders/{unpaid.pk}/confirm").status_code == 409  # never confirmed unpaid

    late = _post("stripe", _stripe_event("evt_late", "payment_intent.succeeded", _intent(unpaid)))
    assert late.json() == {"status": "applied"}
    assert _state(unpaid)[0] == "paid"
    assert seller_api.post(f"/orders/{unpaid.pk}/confirm").status_code == 200


def test_a_stripe_charge_refunded_records_the_refund_once_however_often_it_is_sent(unpaid):
    _post("stripe", _stripe_event("evt_paid", "payment_intent.succeeded", _intent(unpaid)))
    charge = _fixture("charge")
    charge.update(amount=2999, amount_captured=2999, amount_refunded=1000, refunded=False, payment_intent=unpaid.payment_reference)
    event = _stripe_event("evt_refund", "charge.refunded", charge)
    assert _post("stripe", event).json() == {"status": "applied"}
    after = _state(unpaid)
    assert after[:2] == ("partially_refunded", Decimal("10.00"))

    assert _post("stripe", event).json() == {"status": "duplicate"}
    # Stripe re-sends the running total under a new event id: nothing new was refunded.
    again = copy.deepcopy(event) | {"id": "evt_refund_2"}
    assert _post("stripe", again).json() == {"status": "ignored"}
    assert _state(unpaid) == after
    assert LedgerEntry.objects.filter(order=unpaid, kind="refund_reversal").get().pending == Decimal("-10.00")


def test_a_stripe_event_finds_its_order_by_metadata_order_id(seller, product, place):
    order = place(seller, paid=False)
    intent = _intent(order)
    intent.update(id="pi_elsewhere", metadata={"order_id": str(order.pk)})
    assert _post("stripe", _stripe_event("evt_meta", "payment_intent.succeeded", intent)).json() == {"status": "applied"}
    order.refresh_from_db()
    assert (order.payment_status, order.payment_reference) == ("paid", "pi_elsewhere")


def _generic(order: Order, event_id: str = "gen_1", kind: str = "payment.succeeded") -> dict:
    return {"id": event_id, "type": kind, "order_id": order.pk, "payment_reference": "pay_42", "currency": "USD", "amount": "29.99"}


def test_a_good_generic_payment_event_marks_the_order_paid_and_a_replay_changes_nothing(seller, product, place):
    order = place(seller, paid=False)
    assert _post("generic", _generic(order)).json() == {"status": "applied"}
    after = _state(order)
    assert after[0] == "paid"
    replay = _post("generic", _generic(order))
    assert (replay.status_code, replay.json()) == (200, {"status": "duplicate"})
    assert _state(order) == after
    assert PaymentWebhookReceipt.objects.filter(provider="generic", event_id="gen_1").count() == 1


def test_a_badly_signed_generic_event_is_refused_and_changes_nothing(seller, product, place):
    order = place(seller, paid=False)
    before = _state(order)
    response = _post("generic", _generic(order), secret="not-our-secret")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_signature")
    assert _state(order) == before
    assert not PaymentWebhookReceipt.objects.exists()


def test_a_generic_event_signed_more_than_five_minutes_ago_is_refused(seller, product, place):
    order = place(seller, paid=False)
    response = _post("generic", _generic(order), timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert _state(order)[0] == "unpaid"


def test_a_generic_event_of_an_unknown_type_is_acknowledged_and_ignored(seller, product, place):
    order = place(seller, paid=False)
    before = _state(order)
    response = _post("generic", _generic(order, kind="payment.disputed"))
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert _state(order) == before


def test_an_unknown_payment_provider_is_404_and_a_body_that_is_not_json_is_400(seller, product, place):
    assert Client().post("/api/v1/webhooks/payments/paypal", data=b"{}", content_type="application/json").status_code == 404
    assert _post("generic", b"not json").status_code == 400
