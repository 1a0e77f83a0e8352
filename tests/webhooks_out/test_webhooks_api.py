"""The webhook subscriptions API: what a seller's integrator does with it, scoped to their shop."""

from __future__ import annotations

import pytest

from shipdesk.accounts.services import create_api_token
from shipdesk.webhooks_out import terms
from shipdesk.webhooks_out.delivery import deliver_due
from tests.builders import Api

pytestmark = pytest.mark.django_db


def create(api, url, event_types=(terms.ORDER_PLACED, terms.ORDER_SHIPPED), **extra):
    return api.post("/webhook-subscriptions", {"url": url, "event_types": list(event_types), **extra})


def test_a_seller_subscribes_sees_the_secret_once_and_lists_its_endpoints(seller_api, receiver):
    created = create(seller_api, receiver.url, description="ERP")

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == [terms.ORDER_PLACED, terms.ORDER_SHIPPED]
    assert body["state"] == "active" and body["owner"] == "seller"
    listed = seller_api.get("/webhook-subscriptions").json()["items"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in seller_api.get(f"/webhook-subscriptions/{body['id']}").json()


def test_unknown_event_types_are_refused_per_field(seller_api, receiver):
    response = create(seller_api, receiver.url, event_types=["order.exploded"])

    assert response.status_code == 422
    assert "order.exploded" in response.json()["error"]["details"]["event_types"][0]


def test_the_event_types_are_listed_from_the_registry(seller_api):
    values = [t["value"] for t in seller_api.get("/webhook-event-types").json()["items"]]

    assert values[:7] == [
        "order.placed",
        "order.confirmed",
        "order.processing",
        "order.shipped",
        "order.delivered",
        "order.cancelled",
        "order.refunded",
    ]
    assert "stock.low" in values


def test_another_shops_endpoint_and_its_deliveries_are_404(seller_api, make_seller, receiver):
    subscription = create(seller_api, receiver.url).json()
    other = Api(create_api_token(name="other", seller=make_seller("other-shop")).token)

    assert other.get(f"/webhook-subscriptions/{subscription['id']}").status_code == 404
    assert other.patch(f"/webhook-subscriptions/{subscription['id']}", {"description": "x"}).status_code == 404
    assert other.post(f"/webhook-subscriptions/{subscription['id']}/ping").status_code == 404
    assert other.get(f"/webhook-subscriptions/{subscription['id']}/deliveries").status_code == 404
    ping = seller_api.post(f"/webhook-subscriptions/{subscription['id']}/ping").json()
    assert other.get(f"/webhook-deliveries/{ping['id']}").status_code == 404
    assert other.post(f"/webhook-deliveries/{ping['id']}/redeliver").status_code == 404
    assert other._call("delete", f"/webhook-subscriptions/{subscription['id']}").status_code == 404
    assert seller_api.get(f"/webhook-subscriptions/{subscription['id']}").status_code == 200


def test_a_platform_token_manages_the_platforms_own_endpoints(platform_api, seller_api, receiver):
    platform = create(platform_api, receiver.url).json()
    assert platform["owner"] == "platform"

    assert seller_api.get(f"/webhook-subscriptions/{platform['id']}").status_code == 404
    assert [s["id"] for s in platform_api.get("/webhook-subscriptions").json()["items"]] == [platform["id"]]


def test_patch_changes_fields_and_turns_the_endpoint_off_and_on(seller_api, receiver):
    subscription = create(seller_api, receiver.url).json()
    path = f"/webhook-subscriptions/{subscription['id']}"

    changed = seller_api.patch(path, {"description": "Warehouse", "event_types": ["stock.low"], "enabled": False})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["description"], changed.json()["event_types"]) == ("Warehouse", ["stock.low"])
    assert changed.json()["state"] == "disabled"
    assert seller_api.post(f"{path}/ping").status_code == 409

    assert seller_api.patch(path, {"enabled": True}).json()["state"] == "active"
    assert seller_api.patch(path, {"url": "http://10.0.0.1/x"}).status_code == 422


def test_rotating_the_secret_shows_the_new_one_once_with_the_overlap(seller_api, receiver):
    subscription = create(seller_api, receiver.url).json()

    rotated = seller_api.post(f"/webhook-subscriptions/{subscription['id']}/rotate-secret", {"overlap_hours": 2})

    assert rotated.status_code == 200, rotated.content
    assert rotated.json()["secret"] != subscription["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    bare = seller_api.post(f"/webhook-subscriptions/{subscription['id']}/rotate-secret")  # no body: the default
    assert bare.status_code == 200
    too_long = seller_api.post(f"/webhook-subscriptions/{subscription['id']}/rotate-secret", {"overlap_hours": 500})
    assert too_long.status_code == 422


def test_the_delivery_log_pages_newest_first_and_redelivers(seller_api, receiver):
    subscription = create(seller_api, receiver.url).json()
    path = f"/webhook-subscriptions/{subscription['id']}"
    pings = [seller_api.post(f"{path}/ping").json()["id"] for _ in range(3)]
    deliver_due("test-worker")

    first = seller_api.get(f"{path}/deliveries?limit=2").json()
    second = seller_api.get(f"{path}/deliveries?limit=2&cursor={first['next_cursor']}").json()

    assert [d["id"] for d in first["items"] + second["items"]] == list(reversed(pings))
    assert second["next_cursor"] is None
    newest = first["items"][0]
    assert newest["state"] == "delivered" and newest["last_status_code"] == 200
    (attempt,) = newest["attempt_log"]
    assert attempt["status_code"] == 200 and attempt["response_excerpt"] == "ok"
    assert newest["payload"]["type"] == "ping"

    redelivered = seller_api.post(f"/webhook-deliveries/{newest['id']}/redeliver")
    assert redelivered.status_code == 202 and redelivered.json()["state"] == "queued"
    assert seller_api.post(f"/webhook-deliveries/{newest['id']}/redeliver").status_code == 409  # already queued
    deliver_due("test-worker")
    assert len(seller_api.get(f"/webhook-deliveries/{newest['id']}").json()["attempt_log"]) == 2
    assert seller_api.get(f"{path}/deliveries?cursor=forged").status_code == 400


def test_deleting_an_endpoint_removes_it_and_its_log(seller_api, receiver):
    subscription = create(seller_api, receiver.url).json()
    path = f"/webhook-subscriptions/{subscription['id']}"
    seller_api.post(f"{path}/ping")

    assert seller_api._call("delete", path).status_code == 204
    assert seller_api.get(path).status_code == 404
    assert deliver_due("test-worker") == 0
