from __future__ import annotations

import pytest


@pytest.fixture
def signed_in(db):
    """A Django test client signed in as an owner of `seller`."""
    from django.test import Client

    from shipdesk.accounts.services import create_user

    def sign_in(seller, email: str | None = None) -> Client:
        user = create_user(
            email=email or f"owner@{seller.slug}.test",
            password="correct horse battery staple",
            seller=seller,
            role="owner",
        )
        client = Client()
        client.force_login(user)
        return client

    return sign_in


# Browser tests (test_alerts_browser.py): Debian's chromium, as in tests/e2e.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }
