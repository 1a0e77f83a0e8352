"""Channel connections in a real browser: an owner connects Shopify from the channels page, sees
the webhook address to paste into Shopify and never the secret again; the page passes axe at
desktop and phone width. Screenshots in the screenshot folder (docs/screenshots/ with
`make screenshots`)."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from shipdesk.channels.models import Channel
from shipdesk.sealed_secrets import open_sealed
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.e2e.test_accessibility import axe_violations


@pytest.mark.screenshots
def test_an_owner_connects_a_shopify_channel_from_the_channels_page_and_sees_its_webhook_url(
    page, live_server, make_seller, member, sign_in_as, csp_violations
):
    seller = make_seller("acme")
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/channels/")
    connect = page.locator("#connect")
    connect.get_by_label("Channel").select_option("shopify")
    connect.get_by_label("Webhook signing secret").fill("shpss_browser_secret")
    connect.get_by_label("Fulfilment API address").fill("https://acme-goods.myshopify.com")
    connect.get_by_label("API access token").fill("shpat_browser_token")
    connect.get_by_role("button", name="Connect").click()

    expect(page.get_by_text("Shopify connected.")).to_be_visible()
    webhook_url = page.locator("#webhook-url-shopify")
    expect(webhook_url).to_have_text(f"{settings.SHIPDESK_BASE_URL}/api/v1/webhooks/channels/acme/shopify")
    expect(page.get_by_text("Webhooks are signed: signing secret set.")).to_be_visible()
    assert "shpss_browser_secret" not in page.content() and "shpat_browser_token" not in page.content()
    channel = Channel.objects.get(seller=seller, kind="shopify")
    assert open_sealed(channel.webhook_secret_sealed) == "shpss_browser_secret"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "channels-1280.png", full_page=True)
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=SCREENSHOTS / "channels-390.png", full_page=True)
    assert axe_violations(page) == []
    assert csp_violations == []
