"""/metrics: the series an operator alerts on, with values that move as the shop works."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import time_machine
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from shipdesk.orders.models import Order
from shipdesk.orders.sweeps import sweep_deadlines
from tests.builders import order_payload


def scrape(client: Client | None = None, **headers) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted((k, str(v)) for k, v in labels.items()))), 0.0)


def test_metrics_move_when_an_order_is_placed_confirmed_and_misses_a_deadline(
    seller, product, platform_api, seller_api, django_capture_on_commit_callbacks
):
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        placed = platform_api.post("/orders", order_payload(seller.slug, external_id="M-1"))
    with django_capture_on_commit_callbacks(execute=True):
        platform_api.post("/orders", order_payload(seller.slug, external_id="M-2"))
    late = Order.objects.get(external_id="M-2")
    with django_capture_on_commit_callbacks(execute=True):
        assert seller_api.post(f"/orders/{placed.json()['id']}/confirm").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(now=late.action_due_at + timedelta(hours=1))

    after = scrape()
    assert (
        value(after, "shipdesk_order_events_total", type="placed")
        - value(before, "shipdesk_order_events_total", type="placed")
        == 2
    )
    assert (
        value(after, "shipdesk_order_events_total", type="confirmed")
        - value(before, "shipdesk_order_events_total", type="confirmed")
        == 1
    )
    assert (
        value(after, "shipdesk_sla_breaches_total", stage="confirm")
        - value(before, "shipdesk_sla_breaches_total", stage="confirm")
        == 1
    )
    route = "/api/v1/orders"
    assert (
        value(after, "shipdesk_http_requests_total", route=route, method="POST", status=201)
        - value(before, "shipdesk_http_requests_total", route=route, method="POST", status=201)
        == 2
    )
    assert (
        value(after, "shipdesk_http_request_duration_seconds_count", route=route)
        - value(before, "shipdesk_http_request_duration_seconds_count", route=route)
        == 2
    )
    # the overdue alert went to the outbox: due now, not yet sent
    assert value(after, "shipdesk_outbox_backlog") >= 1


def test_an_order_rolled_back_by_an_error_is_not_counted_as_placed(
    seller, product, platform_api, django_capture_on_commit_callbacks
):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        refused = platform_api.post(
            "/orders", order_payload(seller.slug, lines=[{"sku": "MUG-1", "quantity": 2, "unit_price": "-1"}])
        )
    assert refused.status_code in (400, 422)
    assert value(scrape(), "shipdesk_order_events_total", type="placed") == value(
        before, "shipdesk_order_events_total", type="placed"
    )


def test_the_task_queue_depth_and_oldest_ready_age_are_read_at_scrape_time(db):
    from django_tasks_db.models import DBTaskResult

    from shipdesk.jobs.tasks import run_periodic_job

    assert value(scrape(), "shipdesk_task_queue_depth", queue="default") == 0
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        run_periodic_job.enqueue("jobs.housekeeping")
        run_periodic_job.enqueue("jobs.housekeeping")
    with time_machine.travel("2026-03-02 10:02:00Z", tick=False):
        samples = scrape()
    assert DBTaskResult.objects.ready().count() == 2
    assert value(samples, "shipdesk_task_queue_depth", queue="default") == 2
    assert value(samples, "shipdesk_task_oldest_ready_age_seconds") == 120


def test_webhooks_are_counted_as_accepted_or_rejected_by_provider(db, settings):
    secret = "whsec_test_0123456789abcdef"
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {**settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS, "generic": secret}
    before = scrape()
    body = json.dumps(
        {
            "id": "evt_1",
            "tracking_number": "1Z999AA10123456784",
            "carrier": "ups",
            "status": "in_transit",
            "occurred_at": "2026-01-07T15:04:00Z",
        }
    ).encode()
    t = int(time.time())
    signature = f"t={t},v1={hmac.new(secret.encode(), f'{t}.'.encode() + body, hashlib.sha256).hexdigest()}"
    url = "/api/v1/webhooks/tracking/generic"
    assert (
        Client()
        .post(url, data=body, content_type="application/json", headers={"Shipdesk-Signature": signature})
        .status_code
        == 200
    )
    assert (
        Client()
        .post(url, data=body, content_type="application/json", headers={"Shipdesk-Signature": "t=1,v1=00"})
        .status_code
        == 401
    )

    after = scrape()
    for outcome in ("accepted", "invalid_signature"):
        moved = value(after, "shipdesk_webhook_events_total", provider="generic", outcome=outcome) - value(
            before, "shipdesk_webhook_events_total", provider="generic", outcome=outcome
        )
        assert moved == 1, outcome


def test_metrics_need_the_token_when_one_is_set(db, settings):
    settings.SHIPDESK_METRICS_TOKEN = "metrics-token-0123456789"
    assert Client().get("/metrics").status_code == 403
    assert Client().get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert scrape(Authorization="Bearer metrics-token-0123456789")


def test_without_a_token_metrics_answer_loopback_only_and_not_through_a_proxy(db):
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 403
    assert Client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
