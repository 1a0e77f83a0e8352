"""Shared test builders: real database, real services, no mocks of our own code."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from shipdesk.accounts.services import create_api_token, create_seller
from shipdesk.actors import Actor
from shipdesk.inventory.services import create_product
from shipdesk.orders import services
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, Api, new_order
from tests.labels.label_fixtures import label_shop, processing_order  # noqa: F401

# Fixtures used by several apps' tests: registered here once rather than imported into each module.
from tests.notifications.mail_server import MailServer
from tests.shipping.shipping_fixtures import pdf, sandbox_on, webhook_secrets  # noqa: F401

# Hypothesis: "dev" (the default) keeps the per-example deadline that catches a slow path while
# you work; "ci" (`make test` sets HYPOTHESIS_PROFILE=ci) drops it, because on a loaded 2-core CI
# machine a deadline measures the neighbours, not the code, and a flaky deadline hides real failures.
hypothesis_settings.register_profile("dev", deadline=500)
hypothesis_settings.register_profile("ci", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Folders whose every test drives a browser, a fuzzer over the whole API or real processes:
# `make test-fast` leaves them out (marker "slow"); `make test` runs everything.
SLOW_FOLDERS = ("e2e", "contract")

# A test that reaches none of these touches no database and serves nothing: it checks pure rules.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def pytest_collection_modifyitems(config, items):
    # "pure" is derived, not hand-kept: `make test` runs these on the machine's second Python.
    for item in items:
        if item.path.parent.name in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
        if not DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())) and "django_db" not in item.keywords:
            item.add_marker(pytest.mark.pure)
    # Tests marked "postgres" need real row locks and parallel connections; SQLite serialises
    # every writer, so they would prove nothing there.
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); `make test` runs them")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def make_seller(db):
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, *, country: str = "US", tz: str = "America/New_York", email: str | None = None):
        n = next(counter)
        slug = slug or f"shop-{n}"
        return create_seller(
            slug=slug, name=slug.title(), email=email or f"{slug}@example.test", country=country, timezone_name=tz
        )

    return make


@pytest.fixture
def seller(make_seller):
    return make_seller("acme")


@pytest.fixture
def make_product(db):
    def make(
        seller,
        sku: str = "MUG-1",
        *,
        on_hand: int = 10,
        price: str = "12.50",
        currency: str = "USD",
        title: str | None = None,
    ):
        return create_product(
            seller_id=seller.pk,
            sku=sku,
            title=title or sku.title(),
            price=Decimal(price),
            currency=currency,
            on_hand=on_hand,
            actor=SELLER_ACTOR,
        )

    return make


@pytest.fixture
def product(seller, make_product):
    return make_product(seller)


@pytest.fixture
def place(db):
    """Place an order through the service and return it."""
    counter = iter(range(1, 1_000_000))

    def do(seller, *, external_id: str | None = None, actor: Actor = PLATFORM_ACTOR, **kwargs):
        data = new_order(external_id=external_id or f"EXT-{next(counter)}", **kwargs)
        order, _ = services.place_order(seller_id=seller.pk, data=data, actor=actor)
        return order

    return do


@pytest.fixture
def seller_api(seller):
    return Api(create_api_token(name="test", seller=seller).token)


@pytest.fixture
def platform_api(db):
    return Api(create_api_token(name="storefront", seller=None).token)


@pytest.fixture
def mail_server(settings):
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it."""
    server = MailServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
