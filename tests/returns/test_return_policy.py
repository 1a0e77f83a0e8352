"""A shop sets its own return policy — the window, who pays the return postage, the return
address — over GET/PUT /api/v1/shop/return-policy and in dashboard Settings, within the
platform's bounds; its returns follow it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shipdesk.returns.models import ReturnPolicy
from tests.builders import advance

POLICY = {
    "window_days": 60,
    "shipping_policy": "seller",
    "return_address": "Acme Returns\n1 Dock Road\nSpringfield",
    "instructions": "Pack the mug in its box.",
}


def _put(api, body):
    return api._call("put", "/shop/return-policy", body)


def test_a_new_shop_reads_the_platform_defaults(seller_api):
    body = seller_api.get("/shop/return-policy").json()

    assert body == {
        "window_days": 30,
        "shipping_policy": "seller_if_at_fault",
        "return_address": "",
        "instructions": "",
        "uses_default_window": True,
        "uses_default_shipping_policy": True,
        "min_window_days": 14,
        "max_window_days": 365,
    }


def test_a_shop_sets_its_policy_and_reads_it_back_and_another_shop_keeps_the_defaults(seller_api, other_api):
    answer = _put(seller_api, POLICY)

    assert answer.status_code == 200, answer.content
    assert seller_api.get("/shop/return-policy").json() == {
        **POLICY,
        "uses_default_window": False,
        "uses_default_shipping_policy": False,
        "min_window_days": 14,
        "max_window_days": 365,
    }
    assert other_api.get("/shop/return-policy").json()["window_days"] == 30
    # null goes back to the platform default
    back = _put(seller_api, {**POLICY, "window_days": None}).json()
    assert (back["window_days"], back["uses_default_window"]) == (30, True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"window_days": 13}, "window_days"),  # below the platform's 14 days
        ({"window_days": 366}, "window_days"),
        ({"window_days": "sixty"}, "window_days"),
        ({"window_days": 30.5}, "window_days"),
        ({"shipping_policy": "nobody"}, "shipping_policy"),
        ({"return_address": "x" * 2001}, "return_address"),
        ({"instructions": "x" * 2001}, "instructions"),
    ],
)
def test_a_policy_out_of_bounds_is_refused_per_field_and_nothing_is_written(seller_api, seller, change, field):
    _put(seller_api, POLICY)
    before = list(ReturnPolicy.objects.filter(seller=seller).values())

    answer = _put(seller_api, {**POLICY, **change})

    assert answer.status_code == 422, answer.content
    assert field in answer.json()["error"]["details"]
    assert list(ReturnPolicy.objects.filter(seller=seller).values()) == before


def test_a_platform_token_has_no_shop_policy_to_read_or_set(platform_api):
    assert platform_api.get("/shop/return-policy").status_code == 409
    assert _put(platform_api, POLICY).status_code == 409
    assert not ReturnPolicy.objects.exists()


def test_the_customer_may_ask_within_the_shops_longer_window_and_the_approval_uses_its_address(
    delivered, seller_api, platform_api
):
    _put(seller_api, {**POLICY, "window_days": 45})
    mug = delivered.lines.get(sku="MUG-1")
    body = {"lines": [{"line_id": mug.pk, "quantity": 1, "reason": "changed_mind"}]}

    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        asked = platform_api.post(f"/orders/{delivered.pk}/returns", body)
        assert asked.status_code == 201, asked.content
        approved = seller_api.post(f"/returns/{asked.json()['id']}/approve", {})

    assert approved.status_code == 200, approved.content
    assert approved.json()["return_address"] == POLICY["return_address"]
    assert approved.json()["shipping_paid_by"] == "seller"  # free returns, whatever the reason


def test_a_shorter_window_closes_returns_sooner(seller, product, place, seller_api, platform_api):
    _put(seller_api, {**POLICY, "window_days": 14})
    order = advance(place(seller), "delivered")
    line = order.lines.get()

    with time_machine.travel(timezone.now() + timedelta(days=20), tick=False):
        asked = platform_api.post(
            f"/orders/{order.pk}/returns", {"lines": [{"line_id": line.pk, "quantity": 1, "reason": "changed_mind"}]}
        )

    assert asked.status_code == 409 and asked.json()["error"]["code"] == "return_window_closed"


@pytest.fixture
def owner_client(seller, client):
    from shipdesk.accounts.services import create_user

    client.force_login(create_user(email="owner@acme.test", password="pw-Secret-123", seller=seller, role="owner"))
    return client


def test_the_settings_page_saves_the_policy_and_shows_it_escaped(owner_client, seller, seller_api):
    form = {**POLICY, "return_address": "<b>Acme</b> Returns, 1 Dock Road"}

    saved = owner_client.post("/settings/return-policy/", form)
    page = owner_client.get("/settings/").content.decode()

    assert saved.status_code == 302 and saved["Location"].endswith("#return-policy")
    policy = ReturnPolicy.objects.get(seller=seller)
    assert (policy.window_days, policy.shipping_policy) == (60, "seller")
    assert "&lt;b&gt;Acme&lt;/b&gt; Returns" in page and "<b>Acme</b>" not in page
    assert seller_api.get("/shop/return-policy").json()["return_address"] == form["return_address"]


def test_the_settings_page_refuses_a_window_below_the_platform_bound_on_its_field_and_keeps_nothing(
    owner_client, seller
):
    refused = owner_client.post("/settings/return-policy/", {**POLICY, "window_days": "7"})

    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="return_policy_window_days"' in html and "greater than or equal to 14" in html
    assert not ReturnPolicy.objects.filter(seller=seller).exists()


def test_the_settings_page_leaves_empty_fields_to_the_platform_defaults(owner_client, seller, seller_api):
    assert owner_client.post("/settings/return-policy/", {"window_days": "", "shipping_policy": ""}).status_code == 302

    body = seller_api.get("/shop/return-policy").json()
    assert (body["window_days"], body["uses_default_window"], body["shipping_policy"]) == (
        30,
        True,
        "seller_if_at_fault",
    )
