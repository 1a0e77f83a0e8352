"""Performance test helpers: delivered orders and a signed-in seller."""

from __future__ import annotations

import pytest
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.orders import services
from shipdesk.shipping.tracking import validate_tracking_number
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR, advance


def ups_number(serial: int) -> str:
    """A valid UPS 1Z number, unique per serial (tracking numbers are unique per seller)."""
    body = f"1Z999AA1{serial:09d}"
    return next(body + str(d) for d in range(10) if validate_tracking_number(carrier="ups", number=body + str(d)))


def ship_and_deliver(order, *, deliver: bool = True):
    ids = dict(order_id=order.pk, seller_id=order.seller_id)
    order = advance(order, "processing")
    order = services.ship_order(
        **ids, actor=SELLER_ACTOR, carrier="ups", service_level="ground", tracking_number=ups_number(order.pk)
    )
    return services.deliver_order(**ids, actor=OPERATOR_ACTOR) if deliver else order


@pytest.fixture
def delivered(seller, product, place):
    """A delivered order of the `acme` seller (`seller=` for another shop's), placed by the storefront."""

    def make(shop=None, **kwargs):
        return ship_and_deliver(place(shop or seller, **kwargs))

    return make


@pytest.fixture
def owner(seller):
    # No password: force_login needs none, and hashing one (argon2) is slow by design.
    return create_user(email="owner@acme.test", password=None, seller=seller, role="owner")


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client
