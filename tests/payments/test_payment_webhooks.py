"""Payment events from Stripe (recorded samples) and our generic format, replayed at the webhook."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import subprocess
import sys
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
    header = "Stripe-Signature" if provider == "stripe" else "Shipdesk-Payment-Signature"
    purpose = "" if provider == "stripe" else "payment"
    signature = sign_timestamped(
        raw,
        secret or (STRIPE_SECRET if provider == "stripe" else GENERIC_SECRET),
        timestamp=timestamp or int(time.time()),
        purpose=purpose,
    )
    return Client().post(
        f"/api/v1/webhooks/payments/{provider}", data=raw, content_type="application/json", headers={header: signature}
    )


def _stripe_event(event_id: str, kind: str, obj: dict) -> dict:
    event = _fixture("event")  # the recorded envelope, carrying another object
    event.update(id=event_id, type=kind)
    event["data"] = {"object": obj}
    return event


def _intent(order: Order, *, status: str = "succeeded", **changes) -> dict:
    intent = _fixture("payment_intent")
    intent.update(
        status=status,
        amount=int(order.total * 100),
        amount_received=int(order.total * 100) if status == "succeeded" else 0,
        **changes,
    )
    intent["id"] = order.payment_reference
    return intent


@pytest.fixture
def unpaid(seller, product, place):
    return place(seller, paid=False, payment_reference=_fixture("payment_intent")["id"])


def _state(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.payment_status,
        order.refunded_total,
        OrderEvent.objects.filter(order=order).count(),
        LedgerEntry.objects.filter(order=order).count(),
    )


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
    failed = _post(
        "stripe",
        _stripe_event("evt_failed", "payment_intent.payment_failed", _intent(unpaid, status="requires_payment_method")),
    )
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
    charge.update(
        amount=2999, amount_captured=2999, amount_refunded=1000, refunded=False, payment_intent=unpaid.payment_reference
    )
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
    assert _post("stripe", _stripe_event("evt_meta", "payment_intent.succeeded", intent)).json() == {
        "status": "applied"
    }
    order.refresh_from_db()
    assert (order.payment_status, order.payment_reference) == ("paid", "pi_elsewhere")


def _generic(order: Order, event_id: str = "gen_1", kind: str = "payment.succeeded") -> dict:
    return {
        "id": event_id,
        "type": kind,
        "order_id": order.pk,
        "payment_reference": "pay_42",
        "currency": "USD",
        "amount": "29.99",
    }


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
    assert (
        Client().post("/api/v1/webhooks/payments/paypal", data=b"{}", content_type="application/json").status_code
        == 404
    )
    assert _post("generic", b"not json").status_code == 400


# --- a tracking webhook is never a payment (issue 14, finding 11) -------------------------------

SHARED = "one-secret-given-to-both-endpoints"


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _signed_as_tracking(raw: bytes) -> str:
    """A generic tracking signature, computed as a carrier computes it: HMAC of "<t>.<body>"."""
    t = int(time.time())
    return f"t={t},v1={_hmac_hex(SHARED, f'{t}.'.encode() + raw)}"


def test_a_signed_tracking_webhook_is_refused_at_the_payments_endpoint_even_with_equal_secrets(
    settings, seller, product, place
):
    # given an operator who gave the tracking and the payment endpoints the same secret
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {**settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS, "generic": SHARED}
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": SHARED, "stripe": STRIPE_SECRET}
    order = place(seller, paid=False)
    raw = json.dumps(_generic(order)).encode()
    signature = _signed_as_tracking(raw)
    url = "/api/v1/webhooks/payments/generic"

    # when a body signed the way tracking webhooks are signed is sent to the payments endpoint,
    # under the tracking header and under the payment header
    as_sent = Client().post(url, data=raw, content_type="application/json", headers={"Shipdesk-Signature": signature})
    relabelled = Client().post(
        url, data=raw, content_type="application/json", headers={"Shipdesk-Payment-Signature": signature}
    )

    # then both are refused, the order stays unpaid and no event id is stored
    assert (as_sent.status_code, as_sent.json()["error"]["code"]) == (401, "invalid_signature")
    assert (relabelled.status_code, relabelled.json()["error"]["code"]) == (401, "invalid_signature")
    assert _state(order)[0] == "unpaid"
    assert not PaymentWebhookReceipt.objects.exists()


def test_a_payment_signature_is_refused_at_the_tracking_endpoint_even_with_equal_secrets(
    settings, seller, product, place
):
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {**settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS, "generic": SHARED}
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": SHARED, "stripe": STRIPE_SECRET}
    raw = json.dumps(
        {
            "id": "x",
            "tracking_number": "1Z999AA10123456784",
            "status": "delivered",
            "occurred_at": "2026-01-07T15:04:00Z",
        }
    ).encode()
    t = int(time.time())
    signature = f"t={t},v1={_hmac_hex(SHARED, f'payment.{t}.'.encode() + raw)}"

    response = Client().post(
        "/api/v1/webhooks/tracking/generic",
        data=raw,
        content_type="application/json",
        headers={"Shipdesk-Signature": signature},
    )

    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_signature")


def test_a_generic_payment_event_is_signed_over_payment_dot_timestamp_dot_body_in_its_own_header(
    seller, product, place
):
    # The documented scheme, computed here independently of the code under test.
    order = place(seller, paid=False)
    raw = json.dumps(_generic(order)).encode()
    t = int(time.time())
    signature = f"t={t},v1={_hmac_hex(GENERIC_SECRET, f'payment.{t}.'.encode() + raw)}"

    response = Client().post(
        "/api/v1/webhooks/payments/generic",
        data=raw,
        content_type="application/json",
        headers={"Shipdesk-Payment-Signature": signature},
    )

    assert response.json() == {"status": "applied"}
    assert _state(order)[0] == "paid"


def _settings_read_with(env: dict[str, str]) -> dict:
    """The webhook secrets a fresh process reads from this environment."""
    script = (
        "import json, shipdesk.settings as s; "
        "print(json.dumps({'tracking': s.SHIPDESK_TRACKING_WEBHOOK_SECRETS['generic'], "
        "'payment': s.SHIPDESK_PAYMENT_WEBHOOK_SECRETS['generic']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not (k.startswith("SHIPDESK_") and k.endswith("WEBHOOK_SECRET"))}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_generic_endpoint_reads_its_own_secret_and_the_deprecated_shared_one_feeds_tracking_only():
    assert _settings_read_with(
        {
            "SHIPDESK_GENERIC_TRACKING_WEBHOOK_SECRET": "for-carriers",
            "SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET": "for-payments",
        }
    ) == {"tracking": "for-carriers", "payment": "for-payments"}
    # the old shared variable alone: tracking keeps working, payments accept nothing
    assert _settings_read_with({"SHIPDESK_GENERIC_WEBHOOK_SECRET": "old-shared"}) == {
        "tracking": "old-shared",
        "payment": "",
    }
    # the new tracking variable wins over the old one
    assert _settings_read_with(
        {"SHIPDESK_GENERIC_WEBHOOK_SECRET": "old-shared", "SHIPDESK_GENERIC_TRACKING_WEBHOOK_SECRET": "new"}
    ) == {"tracking": "new", "payment": ""}
