"""Browser tests: the real dashboard in Debian's chromium, driven by Playwright, against a live server.

Playwright's sync API runs an event loop in the test's thread, so Django's guard against ORM
calls from async code must be lifted for these tests (the ORM calls are ordinary synchronous
ones). The live server needs a transactional database, which `live_server` brings.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from shipdesk.accounts.services import create_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# `playwright install` cannot download browsers here: use Debian's chromium.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PASSWORD = "correct horse battery staple"
# Pictures the browser tests take. By default under var/ (ignored), so a test run never leaves the
# clone dirty; `make screenshots` points this at docs/screenshots/ to refresh the README's pictures.
SCREENSHOTS = Path(
    os.environ.get("SHIPDESK_SCREENSHOTS_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def member(db):
    # No password unless the test signs in through the form: argon2 hashing is slow by design.
    def make(seller, email: str, role: str = "owner", password: str | None = None):
        return create_user(email=email, password=password, seller=seller, role=role)

    return make


@pytest.fixture
def sign_in_as(page, live_server):
    """Open a signed-in session in the browser without going through the form (the form has its own test)."""

    def sign_in(user):
        client = Client()
        client.force_login(user)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )

    return sign_in


@pytest.fixture
def csp_violations(page) -> list[str]:
    """What the browser refused under the Content-Security-Policy while the test ran."""
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    return refused
