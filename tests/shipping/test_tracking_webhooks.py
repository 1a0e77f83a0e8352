"""Carrier webhooks, end to end through POST /api/v1/webhooks/tracking/<provider>.

The EasyPost and AfterShip bodies are the providers' own published samples
(tests/fixtures/real-world/), with only the tracking number changed to the shipped order's,
signed the way each provider documents it, computed here independently of the code under test.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import Shipment, TrackingEvent, WebhookReceipt
from tests.shipping.shipping_fixtures import FEDEX_NUMBER, REAL_WORLD, SECRETS, ship

URL = "/api/v1/webhooks/tracking/{}"


def easypost_sample(number: str) -> dict:
    body = json.loads((REAL_WORLD / "easypost__event_tracker_updated_webhook_body.json").read_text())
    body["result"]["tracking_code"] = number
    return body


def aftership_sample(number: str, event_id: str = "5a8e4d4c-0fbb-4a2e-9c1c-1b4c5e0d2f11") -> dict:
    # The sample is AfterShip's tracking object (a GET result); a webhook carries that object as
    # `msg` in the documented envelope.
    tracking = json.loads((REAL_WORLD / "aftership__get_tracking_result_fedex_delivered.json").read_text())["data"][
        "tracking"
    ]
    tracking["tracking_number"] = number
    return {
        "event": "tracking_update",
        "event_id": event_id,
        "is_tracking_first_tag": True,
        "msg": tracking,
        "ts": 1532513400,
    }


def generic_event(number: str, *, event_id: str = "evt_generic_1", status: str = "delivered", **extra) -> dict:
    return {
        "id": event_id,
        "tracking_number": number,
        "carrier": "fedex",
        "status": status,
        "occurred_at": "2026-01-07T15:04:00Z",
        "description": "Delivered, front porch",
        "location": "Springfield, IL",
        **extra,
    }


def post(
    provider: str, body: dict | bytes, *, signature: str | None = None, secret: str | None = None, at: int | None = None
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    secret = SECRETS[provider] if secret is None else secret
    headers = {}
    if provider == "generic":
        t = int(time.time()) if at is None else at
        digest = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
        headers["Shipdesk-Signature"] = signature if signature is not None else f"t={t},v1={digest}"
    elif provider == "easypost":
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        headers["X-Hmac-Signature"] = signature if signature is not None else f"hmac-sha256-hex={digest}"
    elif provider == "aftership":
        digest = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
        headers["aftership-hmac-sha256"] = signature if signature is not None else digest
    # As a provider posts: no session, no CSRF token.
    return Client(enforce_csrf_checks=True).post(
        URL.format(provider), data=raw, content_type="application/json", headers=headers
    )


def snapshot(order: Order) -> tuple:
    order.refresh_from_db()
    shipment = Shipment.objects.get(order=order)
    return (
        order.status,
        order.updated_at,
        shipment.tracking_status,
        shipment.delayed,
        OrderEvent.objects.filter(order=order).count(),
        TrackingEvent.objects.filter(shipment=shipment).count(),
        WebhookReceipt.objects.count(),
        Notification.objects.filter(order=order).count(),
    )


@pytest.fixture
def shipped(seller, product, place, webhook_secrets):
    return ship(place(seller))


def delivered_events(order: Order) -> int:
    return OrderEvent.objects.filter(order=order, type="delivered").count()


# --- AfterShip ------------------------------------------------------------------------------


def test_the_aftership_sample_delivers_the_shipped_order_once(shipped):
    response = post("aftership", aftership_sample(FEDEX_NUMBER))

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "applied"}
    shipped.refresh_from_db()
    assert shipped.status == "delivered"
    assert delivered_events(shipped) == 1
    delivered = OrderEvent.objects.get(order=shipped, type="delivered")
    assert (delivered.actor_kind, delivered.actor_label) == ("carrier", "FedEx via aftership")
    # every checkpoint is stored on the shipment and shown in the timeline, in carrier time order
    shipment = Shipment.objects.get(order=shipped)
    scans = list(TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at"))
    assert [s.status for s in scans] == ["pre_transit"] + ["in_transit"] * 11 + ["out_for_delivery", "delivered"]
    assert scans[1].description == "Picked up" and scans[1].location == "DONGGUAN CN"
    timeline = OrderEvent.objects.filter(order=shipped, type="carrier_scan").order_by("id")
    assert [e.params["status"] for e in timeline] == [s.status for s in scans]
    assert shipment.tracking_status == "delivered"


def test_replaying_the_aftership_webhook_is_acknowledged_and_changes_nothing(shipped):
    body = aftership_sample(FEDEX_NUMBER)
    post("aftership", body)
    before = snapshot(shipped)

    again = post("aftership", body)

    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert snapshot(shipped) == before
    assert delivered_events(shipped) == 1


def test_the_same_history_under_a_new_event_id_adds_no_scan_and_delivers_nothing_twice(shipped):
    post("aftership", aftership_sample(FEDEX_NUMBER, event_id="first"))
    scans = TrackingEvent.objects.count()

    response = post("aftership", aftership_sample(FEDEX_NUMBER, event_id="second"))

    assert response.json() == {"status": "applied"}
    assert TrackingEvent.objects.count() == scans
    assert delivered_events(shipped) == 1


def test_an_aftership_return_to_sender_flags_the_shipment_delayed_and_alerts_the_seller_once(shipped):
    body = aftership_sample(FEDEX_NUMBER)
    tracking = body["msg"]
    tracking["checkpoints"] = tracking["checkpoints"][:3] + [
        {
            **tracking["checkpoints"][2],
            "tag": "Exception",
            "subtag": "Exception_010",
            "message": "Returning to shipper",
            "checkpoint_time": "2018-07-24T10:00:00+08:00",
        }
    ]
    tracking["tag"], tracking["subtag"] = "Exception", "Exception_010"

    response = post("aftership", body)

    assert response.json() == {"status": "applied"}
    shipped.refresh_from_db()
    shipment = Shipment.objects.get(order=shipped)
    assert shipped.status == "shipped"
    assert (shipment.delayed, shipment.delay_reason, shipment.tracking_status) == (
        True,
        "return_to_sender",
        "return_to_sender",
    )
    assert (
        OrderEvent.objects.filter(order=shipped, type="shipment_delayed").get().params["reason"] == "return_to_sender"
    )
    alert = Notification.objects.get(order=shipped, kind="seller_delivery_exception")
    assert alert.recipient == shipped.seller.email
    # a later exception does not alert again
    post(
        "aftership",
        {**body, "event_id": "later"}
        | {
            "msg": {
                **tracking,
                "checkpoints": tracking["checkpoints"]
                + [
                    {
                        **tracking["checkpoints"][2],
                        "tag": "Exception",
                        "subtag": "Exception_013",
                        "message": "Lost",
                        "checkpoint_time": "2018-07-25T10:00:00+08:00",
                    }
                ],
            }
        },
    )
    assert Notification.objects.filter(order=shipped, kind="seller_delivery_exception").count() == 1


def test_an_aftership_event_that_is_no_tracking_update_is_acknowledged_and_ignored(shipped):
    before = snapshot(shipped)

    response = post("aftership", {"event": "edd_revise", "event_id": "e-1", "msg": {}, "ts": 1})

    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    assert snapshot(shipped)[:-2] == before[:-2]
    assert post("aftership", {"event": "edd_revise", "event_id": "e-1", "msg": {}, "ts": 1}).json() == {
        "status": "duplicate"
    }


# --- EasyPost -------------------------------------------------------------------------------


def test_the_easypost_sample_records_the_parcel_in_transit_and_leaves_it_shipped(shipped):
    # The published EasyPost sample is a tracker.updated of a FedEx parcel still in transit.
    response = post("easypost", easypost_sample(FEDEX_NUMBER))

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "applied"}
    shipped.refresh_from_db()
    shipment = Shipment.objects.get(order=shipped)
    assert shipped.status == "shipped"
    assert shipment.tracking_status == "in_transit"
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 7
    first = TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at").first()
    assert (first.status, first.description, first.location) == (
        "pre_transit",
        "Shipment information sent to FedEx",
        "32837, US",
    )
    assert shipment.last_movement_at == datetime(2024, 8, 2, 18, 50, tzinfo=UTC)


def test_an_easypost_delivered_update_of_the_sample_tracker_delivers_the_order_once(shipped):
    # The sample advanced as EasyPost advances a tracker: a new event id, status delivered and a
    # delivered tracking detail appended (the published sample stops in transit).
    post("easypost", easypost_sample(FEDEX_NUMBER))
    body = easypost_sample(FEDEX_NUMBER)
    body["id"] = "evt_2"
    body["previous_attributes"] = {"status": "in_transit"}
    body["result"]["status"] = "delivered"
    body["result"]["tracking_details"].append(
        {
            **copy.deepcopy(body["result"]["tracking_details"][-1]),
            "message": "Delivered",
            "status": "delivered",
            "status_detail": "arrived_at_destination",
            "datetime": "2024-08-03T14:02:00Z",
        }
    )

    response = post("easypost", body)
    replay = post("easypost", body)

    assert response.json() == {"status": "applied"}
    assert replay.json() == {"status": "duplicate"}
    shipped.refresh_from_db()
    assert shipped.status == "delivered"
    assert delivered_events(shipped) == 1
    assert TrackingEvent.objects.filter(shipment__order=shipped).count() == 8


def test_an_easypost_event_about_something_else_is_acknowledged_and_ignored(shipped):
    response = post("easypost", {"id": "evt_batch", "object": "Event", "description": "batch.updated", "result": {}})

    assert response.json() == {"status": "ignored"}
    assert Order.objects.get(pk=shipped.pk).status == "shipped"


def test_the_easypost_secret_is_used_in_unicode_nfkd_form(shipped, settings):
    # EasyPost normalises the secret (NFKD) before keying the HMAC: "ﬁ" signs as "fi".
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {**SECRETS, "easypost": "ﬁne-secret"}

    response = post("easypost", easypost_sample(FEDEX_NUMBER), secret="fine-secret")

    assert response.status_code == 200


# --- our generic format ---------------------------------------------------------------------


def test_a_generic_delivered_event_delivers_the_order_once_at_the_carriers_time(
    seller, product, place, webhook_secrets
):
    with time_machine.travel(datetime(2026, 1, 6, 9, 0, tzinfo=UTC), tick=False) as clock:
        order = ship(place(seller))
        clock.move_to(datetime(2026, 1, 7, 18, 0, tzinfo=UTC))

        first = post("generic", generic_event(FEDEX_NUMBER, occurred_at="2026-01-07T15:04:00Z"))
        replay = post("generic", generic_event(FEDEX_NUMBER, occurred_at="2026-01-07T15:04:00Z"))

    assert first.json() == {"status": "applied"}
    assert replay.json() == {"status": "duplicate"}
    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.delivered_at == datetime(2026, 1, 7, 15, 4, tzinfo=UTC)
    assert Shipment.objects.get(order=order).delivered_at == order.delivered_at
    assert delivered_events(order) == 1


def test_a_generic_exception_flags_the_shipment_delayed(shipped, seller_api):
    response = post("generic", generic_event(FEDEX_NUMBER, status="exception", description="Damaged in transit"))

    assert response.json() == {"status": "applied"}
    shipment = Shipment.objects.get(order=shipped)
    assert (shipment.delayed, shipment.delay_reason) == (True, "exception")
    body = seller_api.get(f"/orders/{shipped.pk}").json()
    assert body["status"] == "shipped"
    assert (
        body["shipment"].items()
        >= {"tracking_status": "exception", "delayed": True, "delay_reason": "exception"}.items()
    )


def test_a_generic_signature_older_than_five_minutes_is_refused(shipped):
    before = snapshot(shipped)

    response = post("generic", generic_event(FEDEX_NUMBER), at=int(time.time()) - 301)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert snapshot(shipped) == before


def test_a_generic_signature_within_five_minutes_is_accepted_and_any_v1_may_match(shipped):
    t = int(time.time()) - 290
    raw = json.dumps(generic_event(FEDEX_NUMBER)).encode()
    good = hmac.new(SECRETS["generic"].encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()

    response = post("generic", raw, signature=f"t={t},v1={'0' * 64},v1={good}")

    assert response.status_code == 200
    assert response.json() == {"status": "applied"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "teleported"), ("occurred_at", "yesterday"), ("tracking_number", ""), ("tracking_number", 42)],
)
def test_a_signed_generic_event_with_a_bad_field_is_422_and_changes_nothing(shipped, field, value):
    before = snapshot(shipped)

    response = post("generic", generic_event(FEDEX_NUMBER, **{field: value}))

    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
    assert snapshot(shipped) == before


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["generic", "easypost", "aftership"])
@pytest.mark.parametrize("how", ["wrong secret", "no header", "garbage header", "tampered body"])
def test_a_bad_signature_is_401_and_changes_nothing(shipped, provider, how):
    body = {
        "generic": generic_event(FEDEX_NUMBER),
        "easypost": easypost_sample(FEDEX_NUMBER),
        "aftership": aftership_sample(FEDEX_NUMBER),
    }[provider]
    before = snapshot(shipped)

    if how == "wrong secret":
        response = post(provider, body, secret="not-the-secret")
    elif how == "no header":
        response = Client().post(URL.format(provider), data=json.dumps(body), content_type="application/json")
    elif how == "garbage header":
        response = post(provider, body, signature="t=abc,v1=\u00e9\u00e9")
    else:
        raw = json.dumps(body).encode()
        headers = _signature_headers(provider, raw)
        tampered = raw.replace(FEDEX_NUMBER.encode(), b"477179081230")
        assert tampered != raw
        response = Client().post(URL.format(provider), data=tampered, content_type="application/json", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert snapshot(shipped) == before


def _signature_headers(provider: str, raw: bytes) -> dict:
    secret = SECRETS[provider].encode()
    if provider == "generic":
        t = int(time.time())
        return {
            "Shipdesk-Signature": f"t={t},v1=" + hmac.new(secret, f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
        }
    if provider == "easypost":
        return {"X-Hmac-Signature": "hmac-sha256-hex=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()}
    return {"aftership-hmac-sha256": base64.b64encode(hmac.new(secret, raw, hashlib.sha256).digest()).decode()}


def test_a_provider_without_a_configured_secret_accepts_nothing(shipped, settings, caplog):
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {**SECRETS, "aftership": ""}

    with caplog.at_level(logging.ERROR):
        response = post("aftership", aftership_sample(FEDEX_NUMBER), secret="")

    assert response.status_code == 401
    assert "SHIPDESK_AFTERSHIP_WEBHOOK_SECRET" in caplog.text
    assert Order.objects.get(pk=shipped.pk).status == "shipped"


def test_an_unknown_provider_is_404(db, webhook_secrets):
    response = Client().post(URL.format("pony-express"), data=b"{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_json_object_is_400(shipped, raw):
    response = post("aftership", raw)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_a_number_no_shipment_has_is_answered_2xx_logged_and_changes_nothing(shipped, caplog):
    before = snapshot(shipped)

    with caplog.at_level(logging.WARNING, logger="shipdesk.shipping.services"):
        response = post("aftership", aftership_sample("477179081230"))

    assert response.status_code == 200
    assert response.json() == {"status": "unknown_number"}
    assert "477179081230" in caplog.text
    receipt = WebhookReceipt.objects.get()
    assert (receipt.provider, receipt.tracking_number, receipt.outcome) == (
        "aftership",
        "477179081230",
        "unknown_number",
    )
    assert snapshot(shipped)[:-2] == before[:-2]


def test_a_webhook_for_another_sellers_number_changes_only_that_sellers_order(
    make_seller, make_product, place, webhook_secrets
):
    # given two sellers who each shipped a parcel, with different numbers
    mine, theirs = make_seller(), make_seller()
    make_product(mine), make_product(theirs)
    my_order = ship(place(mine))
    their_order = ship(place(theirs), number="477179081230")

    post("generic", generic_event("477179081230"))

    assert Order.objects.get(pk=my_order.pk).status == "shipped"
    assert Order.objects.get(pk=their_order.pk).status == "delivered"


def test_a_delivered_event_for_an_order_already_delivered_records_the_scan_and_nothing_else(shipped):
    post("generic", generic_event(FEDEX_NUMBER, event_id="a"))

    post("generic", generic_event(FEDEX_NUMBER, event_id="b", description="Delivered again?"))

    assert delivered_events(shipped) == 1
    assert Order.objects.get(pk=shipped.pk).status == "delivered"


def test_webhooks_need_no_bearer_token_but_a_token_does_not_replace_the_signature(shipped, seller_api):
    response = seller_api.post("/webhooks/tracking/generic", generic_event(FEDEX_NUMBER))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"


def test_the_order_api_shows_the_carrier_scans_in_the_timeline(shipped, seller_api):
    post("generic", generic_event(FEDEX_NUMBER, status="out_for_delivery", description="On the van", event_id="ofd"))

    events = seller_api.get(f"/orders/{shipped.pk}").json()["events"]

    scan = next(e for e in events if e["type"] == "carrier_scan")
    assert scan["actor"]["kind"] == "carrier"
    assert scan["params"]["status"] == "out_for_delivery"
    assert scan["params"]["description"] == "On the van"
