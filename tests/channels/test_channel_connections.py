"""A seller connects a channel (API and dashboard), changes it, switches it off and on and makes it
a new webhook secret; the secrets are sealed at rest, verify the channel's signed webhooks once
opened, survive a rotation of the sealing key, and another shop's connection is a 404."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.channels import services
from shipdesk.channels.models import Channel, HeldOrder
from shipdesk.cli import COMMAND_ALIASES
from shipdesk.sealed_secrets import open_sealed, sealed_with_first_key
from tests.channels.channel_helpers import channel_signature, sample_bytes

WOO_HEADERS = {"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Delivery-ID": "d-1"}
SHOPIFY_HEADERS = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "w-1"}


def raw_columns(kind: str) -> tuple[str, str]:
    """What the database itself holds for a channel's two secrets (no model in between)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret_sealed, api_token_sealed FROM channels_channel WHERE kind = %s", [kind])
        return cursor.fetchone()


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def owner_client(seller):
    client = Client()
    client.force_login(create_user(email="owner@acme.test", password=None, seller=seller, role="owner"))
    return client


# --- the API ------------------------------------------------------------------------------------


def test_a_connection_made_through_the_api_shows_a_made_secret_once_and_never_the_secrets_again(
    seller, seller_api, post_webhook
):
    made = seller_api.put(
        "/channels/woocommerce",
        {"api_base_url": "https://store.example", "api_token": "ck_1:cs_2", "new_webhook_secret": True},
    )

    assert made.status_code == 200, made.content
    body = made.json()
    secret = body["new_webhook_secret"]
    assert len(secret) >= 40
    assert body["webhook_url"].endswith("/api/v1/webhooks/channels/acme/woocommerce")
    assert (body["enabled"], body["webhook_secret_set"], body["api_token_set"]) == (True, True, True)
    shown = seller_api.get("/channels/woocommerce").json()
    assert shown["new_webhook_secret"] is None
    assert secret not in seller_api.get("/channels").content.decode()
    assert "cs_2" not in seller_api.get("/channels").content.decode()

    body = sample_bytes("woocommerce__order_727_retrieve_response.json")
    answer = post_webhook("woocommerce", body, signature=channel_signature(body, secret), **WOO_HEADERS)
    assert answer.status_code == 200, answer.content


def test_changing_a_connection_replaces_only_the_settings_given(seller, seller_api):
    seller_api.put("/channels/shopify", {"api_base_url": "https://a.myshopify.com", "webhook_secret": "shpss_1"})

    changed = seller_api.patch("/channels/shopify", {"api_token": "shpat_new"})
    cleared = seller_api.patch("/channels/shopify", {"api_base_url": ""})

    assert changed.status_code == 200, changed.content
    assert changed.json()["api_base_url"] == "https://a.myshopify.com"
    assert changed.json()["api_token_set"] is True
    assert cleared.json()["api_base_url"] == ""
    channel = Channel.objects.get(seller=seller, kind="shopify")
    assert open_sealed(channel.api_token_sealed) == "shpat_new"
    assert open_sealed(channel.webhook_secret_sealed) == "shpss_1"


def test_a_switched_off_connection_refuses_its_webhooks_until_switched_on(seller, seller_api, post_webhook):
    seller_api.put("/channels/woocommerce", {"webhook_secret": "wc_secret"})
    body = sample_bytes("woocommerce__order_727_retrieve_response.json")
    signed = channel_signature(body, "wc_secret")

    off = seller_api.post("/channels/woocommerce/disable")
    refused = post_webhook("woocommerce", body, signature=signed, **WOO_HEADERS)
    nothing_received = not HeldOrder.objects.exists()
    on = seller_api.post("/channels/woocommerce/enable")
    accepted = post_webhook("woocommerce", body, signature=signed, **WOO_HEADERS)

    assert off.json()["enabled"] is False
    assert refused.status_code == 404 and nothing_received
    assert on.json()["enabled"] is True
    assert accepted.status_code == 200 and accepted.json()["status"] == "held"


def test_a_new_webhook_secret_is_shown_once_and_the_old_one_stops_verifying(seller, seller_api, post_webhook):
    seller_api.put("/channels/shopify", {"webhook_secret": "old_secret"})
    body = sample_bytes("shopify__order.json")

    rotated = seller_api.post("/channels/shopify/rotate-secret")
    new_secret = rotated.json()["new_webhook_secret"]

    old = post_webhook("shopify", body, signature=channel_signature(body, "old_secret"), **SHOPIFY_HEADERS)
    new = post_webhook("shopify", body, signature=channel_signature(body, new_secret), **SHOPIFY_HEADERS)
    assert old.status_code == 401
    assert new.status_code == 200, new.content
    assert seller_api.get("/channels/shopify").json()["new_webhook_secret"] is None


def test_bad_connection_settings_are_422_in_the_api_error_format_and_change_nothing(seller, seller_api):
    seller_api.put("/channels/shopify", {"api_base_url": "https://a.myshopify.com"})

    answer = seller_api.patch("/channels/shopify", {"api_base_url": "ftp://a.example", "api_token": "x"})

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and "api_base_url" in error["details"]
    channel = Channel.objects.get(seller=seller, kind="shopify")
    assert (channel.api_base_url, channel.api_token_sealed) == ("https://a.myshopify.com", "")


def test_another_shops_connection_is_404_for_every_action(seller, make_seller, seller_api, platform_api):
    other = make_seller("other")
    services.connect_channel(seller_id=other.pk, kind="etsy", webhook_secret="theirs")

    assert seller_api.get("/channels/etsy").status_code == 404
    assert seller_api.patch("/channels/etsy", {"account_id": "1"}).status_code == 404
    assert seller_api.post("/channels/etsy/disable").status_code == 404
    assert seller_api.post("/channels/etsy/enable").status_code == 404
    assert seller_api.post("/channels/etsy/rotate-secret").status_code == 404
    assert seller_api.post("/channels/etsy/disable", headers={}).json()["error"]["code"] == "not_found"
    assert Channel.objects.get(seller=other, kind="etsy").enabled is True
    assert platform_api.get("/channels/etsy?seller=other").json()["webhook_secret_set"] is True


# --- sealed at rest -----------------------------------------------------------------------------


def test_the_database_holds_no_secret_in_clear_text(seller, seller_api):
    seller_api.put(
        "/channels/shopify",
        {"api_base_url": "https://a.myshopify.com", "api_token": "shpat_clear_token", "webhook_secret": "shpss_clear"},
    )

    webhook_column, token_column = raw_columns("shopify")

    assert "shpss_clear" not in webhook_column and "shpat_clear_token" not in token_column
    assert webhook_column.startswith("gAAAAA") and token_column.startswith("gAAAAA")  # Fernet tokens
    assert open_sealed(webhook_column) == "shpss_clear"
    assert open_sealed(token_column) == "shpat_clear_token"


def test_a_new_sealing_key_keeps_old_rows_readable_and_reseal_secrets_moves_them_to_it(
    seller, seller_api, post_webhook, settings
):
    old_key, fresh_key = settings.SHIPDESK_SECRETS_KEY[0], new_key()
    seller_api.put("/channels/shopify", {"webhook_secret": "shpss_rotating", "api_token": "shpat_rotating"})
    body = sample_bytes("shopify__order.json")
    signed = channel_signature(body, "shpss_rotating")

    settings.SHIPDESK_SECRETS_KEY = [fresh_key, old_key]  # the new key first; the old one still opens
    before = raw_columns("shopify")
    still_verifies = post_webhook("shopify", body, signature=signed, **SHOPIFY_HEADERS)
    call_command("reseal_secrets", stdout=open(os.devnull, "w"))
    after = raw_columns("shopify")
    settings.SHIPDESK_SECRETS_KEY = [fresh_key]  # the old key dropped
    verifies_without_old_key = post_webhook(
        "shopify", body, signature=signed, **{**SHOPIFY_HEADERS, "X-Shopify-Webhook-Id": "w-2"}
    )

    assert still_verifies.status_code == 200, still_verifies.content
    assert not sealed_with_first_key(before[0], keys=[fresh_key])
    assert after != before and all(sealed_with_first_key(value, keys=[fresh_key]) for value in after)
    assert open_sealed(after[1], keys=[fresh_key]) == "shpat_rotating"
    assert verifies_without_old_key.status_code == 200, verifies_without_old_key.content


def test_reseal_secrets_run_again_leaves_rows_already_sealed_with_the_first_key(seller, seller_api, capsys):
    seller_api.put("/channels/shopify", {"webhook_secret": "shpss_once"})
    before = raw_columns("shopify")

    call_command(COMMAND_ALIASES["reseal-secrets"])  # `shipdesk reseal-secrets`, as an operator types it

    assert raw_columns("shopify") == before
    assert "0 resealed with the first key, 1 already were" in capsys.readouterr().out


def test_a_webhook_whose_sealing_key_was_dropped_is_refused_401_not_a_500(seller, seller_api, post_webhook, settings):
    seller_api.put("/channels/shopify", {"webhook_secret": "shpss_lost"})
    body = sample_bytes("shopify__order.json")
    settings.SHIPDESK_SECRETS_KEY = [new_key()]

    answer = post_webhook("shopify", body, signature=channel_signature(body, "shpss_lost"), **SHOPIFY_HEADERS)

    assert answer.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_the_secrets_already_stored_in_clear(seller):
    before = [("channels", "0001_channels_initial")]
    after = [("channels", "0002_channel_sealed_secrets")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("channels", "Channel").objects.create(
        seller_id=seller.pk, kind="shopify", webhook_secret="shpss_legacy", api_token="shpat_legacy"
    )
    old.get_model("channels", "Channel").objects.create(seller_id=seller.pk, kind="etsy")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    webhook_column, token_column = raw_columns("shopify")
    assert (open_sealed(webhook_column), open_sealed(token_column)) == ("shpss_legacy", "shpat_legacy")
    assert raw_columns("etsy") == ("", "")
    with connection.cursor() as cursor:  # the clear columns stay for the previous release, emptied
        cursor.execute("SELECT webhook_secret, api_token FROM channels_channel WHERE kind = 'shopify'")
        assert cursor.fetchone() == ("", "")
    Channel.objects.create(seller=seller, kind="amazon")  # the database fills the clear columns
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- the dashboard ------------------------------------------------------------------------------


def test_an_owner_connects_shopify_from_the_channels_page_and_its_signed_webhook_verifies(
    seller, owner_client, post_webhook
):
    answer = owner_client.post(
        "/channels/connect/",
        {"kind": "shopify", "webhook_secret": "shpss_from_dashboard", "api_base_url": "https://acme.myshopify.com"},
    )

    assert answer.status_code == 302
    page = owner_client.get("/channels/").content.decode()
    assert "/api/v1/webhooks/channels/acme/shopify" in page
    assert "shpss_from_dashboard" not in page
    body = sample_bytes("shopify__order.json")
    signed = post_webhook("shopify", body, signature=channel_signature(body, "shpss_from_dashboard"), **SHOPIFY_HEADERS)
    assert signed.status_code == 200, signed.content
    assert (
        post_webhook("shopify", body, signature=channel_signature(body, "wrong"), **SHOPIFY_HEADERS).status_code == 401
    )


def test_a_woocommerce_connection_made_from_the_dashboard_shows_its_made_secret_once_and_it_verifies(
    seller, owner_client, post_webhook
):
    answer = owner_client.post("/channels/connect/", {"kind": "woocommerce", "webhook_secret": ""})

    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    secret = answer.context["new_secret"]["value"]
    assert secret in answer.content.decode()
    assert secret not in owner_client.get("/channels/").content.decode()
    body = sample_bytes("woocommerce__order_727_retrieve_response.json")
    signed = post_webhook("woocommerce", body, signature=channel_signature(body, secret), **WOO_HEADERS)
    assert signed.status_code == 200, signed.content


def test_the_dashboard_changes_switches_off_and_makes_a_new_secret_for_a_connection(seller, owner_client):
    owner_client.post("/channels/connect/", {"kind": "shopify", "webhook_secret": "shpss_1"})

    changed = owner_client.post(
        "/channels/shopify/settings/",
        {"api_base_url": "https://b.myshopify.com", "api_token": "shpat_2", "webhook_secret": "", "account_id": ""},
    )
    channel = Channel.objects.get(seller=seller, kind="shopify")
    assert changed.status_code == 302
    assert channel.api_base_url == "https://b.myshopify.com"
    assert open_sealed(channel.api_token_sealed) == "shpat_2"
    assert open_sealed(channel.webhook_secret_sealed) == "shpss_1"  # an empty field keeps it

    owner_client.post("/channels/shopify/switch/", {})
    assert Channel.objects.get(pk=channel.pk).enabled is False
    owner_client.post("/channels/shopify/switch/", {"enable": "1"})
    assert Channel.objects.get(pk=channel.pk).enabled is True

    rotated = owner_client.post("/channels/shopify/new-secret/")
    secret = rotated.context["new_secret"]["value"]
    assert open_sealed(Channel.objects.get(pk=channel.pk).webhook_secret_sealed) == secret != "shpss_1"

    removed = owner_client.post(
        "/channels/shopify/settings/",
        {"api_base_url": "https://b.myshopify.com", "remove_api_token": "on", "account_id": ""},
    )
    assert removed.status_code == 302
    assert Channel.objects.get(pk=channel.pk).api_token_sealed == ""


def test_a_bad_address_is_a_form_error_and_changes_nothing(seller, owner_client):
    answer = owner_client.post("/channels/connect/", {"kind": "shopify", "api_base_url": "javascript:alert(1)"})

    assert answer.status_code == 422
    assert "An http(s) address." in answer.content.decode()
    assert not Channel.objects.exists()


def test_a_hostile_api_address_is_shown_escaped_on_the_channels_page(seller, owner_client):
    owner_client.post(
        "/channels/connect/", {"kind": "shopify", "api_base_url": "https://x.example/<script>alert(1)</script>"}
    )

    page = owner_client.get("/channels/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "https://x.example/&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_staff_see_the_connections_but_cannot_change_them(seller, make_seller, seller_api):
    seller_api.put("/channels/shopify", {"webhook_secret": "shpss_1"})
    staff = Client()
    staff.force_login(create_user(email="packer@acme.test", password=None, seller=seller, role="staff"))

    page = staff.get("/channels/")
    refused = staff.post("/channels/shopify/switch/", {})

    assert "/api/v1/webhooks/channels/acme/shopify" in page.content.decode()
    assert "Only the shop's owners connect and change channels." in page.content.decode()
    assert refused.status_code == 403
    assert Channel.objects.get(seller=seller, kind="shopify").enabled is True


def test_a_post_without_the_csrf_token_is_refused(seller, owner_client):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = owner_client.cookies

    answer = strict.post("/channels/connect/", {"kind": "shopify", "webhook_secret": "x"})

    assert answer.status_code == 403
    assert not Channel.objects.exists()


def test_another_shops_connection_is_404_in_the_dashboard(seller, make_seller, owner_client):
    other = make_seller("other")
    services.connect_channel(seller_id=other.pk, kind="etsy", webhook_secret="theirs")

    assert owner_client.post("/channels/etsy/switch/", {}).status_code == 404
    assert owner_client.post("/channels/etsy/new-secret/").status_code == 404
    assert owner_client.post("/channels/etsy/settings/", {"api_base_url": ""}).status_code == 404
    assert Channel.objects.get(seller=other).enabled is True
