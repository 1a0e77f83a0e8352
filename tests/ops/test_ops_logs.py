"""Structured logs and the request id: one JSON line per request, the id on what it wrote."""

from __future__ import annotations

import json
import logging

from shipdesk.notifications.models import Notification
from shipdesk.ops.logs import JsonFormatter
from shipdesk.orders.models import OrderEvent
from tests.builders import order_payload


def test_the_callers_request_id_is_answered_and_stored_on_the_events_and_outbox_rows_the_request_wrote(
    seller, product, platform_api, seller_api, caplog
):
    with caplog.at_level(logging.INFO, logger="shipdesk.request"):
        placed = platform_api.post(
            "/orders", order_payload(seller.slug, external_id="RID-1"), headers={"X-Request-ID": "req-abc-12345"}
        )
        confirmed = seller_api.post(
            f"/orders/{placed.json()['id']}/confirm", headers={"X-Request-ID": "req-confirm-678"}
        )

    assert placed["X-Request-ID"] == "req-abc-12345" and confirmed["X-Request-ID"] == "req-confirm-678"
    assert OrderEvent.objects.get(order_id=placed.json()["id"], type="placed").params["request_id"] == "req-abc-12345"
    assert (
        OrderEvent.objects.get(order_id=placed.json()["id"], type="confirmed").params["request_id"] == "req-confirm-678"
    )
    notices = Notification.objects.filter(order_id=placed.json()["id"])
    assert notices.exists()
    assert {n.context.get("request_id") for n in notices} <= {"req-abc-12345", "req-confirm-678"}
    assert all(n.context.get("request_id") for n in notices)

    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "shipdesk.request"]
    assert [(line["request_id"], line["route"], line["method"], line["status"]) for line in lines] == [
        ("req-abc-12345", "/api/v1/orders", "POST", 201),
        ("req-confirm-678", "/api/v1/orders/<int:order_id>/confirm", "POST", 200),
    ]
    assert all(isinstance(line["duration_ms"], float) and line["level"] == "info" for line in lines)
    # no customer personal data: the payload's email and name appear in no log line
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    payload = order_payload(seller.slug)
    assert payload["customer"]["email"] not in text and payload["customer"]["name"] not in text


def test_an_unusable_request_id_is_replaced_by_a_fresh_one(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response["X-Request-ID"] != "bad id\nwith newline" and len(response["X-Request-ID"]) == 32
