"""Webhook settings in a real browser: an owner adds an endpoint, copies the secret shown once,
sends a test ping that a real receiver gets (signed), reads the log and redelivers from it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from shipdesk.signatures import verify_timestamped
from shipdesk.webhooks_out.delivery import deliver_due
from tests.e2e.conftest import DESKTOP, SCREENSHOTS
from tests.webhooks_out.receiver import Receiver


@pytest.fixture
def receiver(settings):
    settings.SHIPDESK_WEBHOOKS = {**settings.SHIPDESK_WEBHOOKS, "allowed_networks": ["127.0.0.1/32"]}
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


def test_an_owner_adds_an_endpoint_pings_it_and_redelivers_from_its_log(
    page, live_server, make_seller, member, sign_in_as, receiver, csp_violations
):
    seller = make_seller("acme")
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Endpoint URL").fill("http://169.254.169.254/latest/")
    page.get_by_label("Order shipped").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("is a link-local address")).to_be_visible()

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Order shipped").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#new-secret-value").inner_text()
    assert secret.startswith("whsec_")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "webhooks.png", full_page=True)
    page.goto(f"{live_server.url}/settings/webhooks/")
    expect(page.locator("#new-secret-value")).to_have_count(0)  # shown once
    page.get_by_role("button", name=f"Send test ping to {receiver.url}").click()
    expect(page.get_by_text("Test ping queued")).to_be_visible()
    deliver_due("browser-test-worker")  # the worker's turn
    page.reload()
    expect(page.get_by_text("200", exact=True)).to_be_visible()

    (received,) = receiver.received
    assert received.json["type"] == "ping"
    assert verify_timestamped(received.headers["Shipdesk-Signature"], received.body, secret, datetime.now(tz=UTC))

    page.screenshot(path=SCREENSHOTS / "webhook-log.png", full_page=True)
    page.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("Queued for redelivery.")).to_be_visible()
    deliver_due("browser-test-worker")
    assert len(receiver.received) == 2
    assert csp_violations == []
