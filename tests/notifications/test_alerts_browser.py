"""The bell and /alerts/ in Debian's chromium: marking an alert read updates the bell in place."""

from __future__ import annotations

import os

from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from shipdesk.accounts.services import create_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_marking_an_alert_read_updates_its_row_and_the_bell_without_a_reload(seller, product, place, page, live_server):
    place(seller)
    place(seller)
    client = Client()
    client.force_login(create_user(email="owner@acme.test", password=None, seller=seller, role="owner"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )

    page.goto(f"{live_server.url}/orders/")
    bell = page.locator("#alerts-bell")
    assert bell.get_attribute("aria-label") == "Alerts, 2 unread"
    bell.click()
    page.wait_for_url("**/alerts/")
    page.evaluate("window.stillTheSamePage = true")

    page.locator(".alert-unread button:has-text('Mark read')").first.click()
    expect(page.locator("#alerts-bell")).to_have_attribute("aria-label", "Alerts, 1 unread")

    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator(".alert-unread")).to_have_count(1)  # after htmx's settle step
    assert page.locator(".alert").count() == 2
    assert page.locator("#alerts-bell .bell-count").inner_text() == "1"

    page.goto(f"{live_server.url}/alerts/emails/customer_shipped/")
    frame = page.frame_locator("iframe.email-preview-frame")
    assert "Track your parcel" in frame.locator("body").inner_text()
    assert refused == []
