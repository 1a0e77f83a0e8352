"""Fixtures of the returns tests: a delivered order with tax on its lines and shipping, a real SMTP
server (the one tests/notifications uses), and a second shop to prove scoping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.accounts.services import create_api_token
from shipdesk.orders import services
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR, Api, advance
from tests.notifications.mail_server import MailServer

# 3 mugs at 10.00 with 3.00 tax on the line, 2 caps at 5.00 with 1.00 tax; shipping 4.99 + 0.50 tax.
LINES = (("MUG-1", 3, "10.00", "3.00"), ("CAP-1", 2, "5.00", "1.00"))


@pytest.fixture
def delivered(seller, make_product, place):
    make_product(seller, "MUG-1", price="10.00")
    make_product(seller, "CAP-1", price="5.00")
    order = place(seller, lines=LINES, shipping_tax=Decimal("0.50"))
    return advance(order, "delivered")


def delivered_untracked(order, n: int):
    """Ship (an untracked parcel, number `PKG-<n>`) and deliver an order, for tests with many orders."""
    ids = dict(order_id=order.pk, seller_id=order.seller_id)
    services.confirm_order(**ids, actor=SELLER_ACTOR)
    services.process_order(**ids, actor=SELLER_ACTOR)
    services.ship_order(
        **ids, actor=SELLER_ACTOR, carrier="other", service_level="standard", tracking_number=f"PKG-{n}"
    )
    return services.deliver_order(**ids, actor=OPERATOR_ACTOR)


@pytest.fixture
def other_api(make_seller):
    """A token of another shop: everything of `seller` is a 404 to it."""
    return Api(create_api_token(name="other", seller=make_seller("other-shop")).token)


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
