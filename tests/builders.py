"""Builders shared by the tests: actors, order inputs, an API client, the happy path.

Importable from any test as `from tests.builders import ...` (a plain module, unlike
conftest.py, whose name several test folders share).
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.test import Client

from shipdesk.actors import Actor, ActorKind
from shipdesk.notifications import facts as message_facts
from shipdesk.orders import services
from shipdesk.orders.services import NewOrder, NewOrderLine

SELLER_ACTOR = Actor(kind=ActorKind.SELLER, label="ada@shop.test")
PLATFORM_ACTOR = Actor(kind=ActorKind.PLATFORM, label="storefront")
OPERATOR_ACTOR = Actor(kind=ActorKind.OPERATOR, label="operator")
UPS_NUMBER = "1Z999AA10123456784"  # a valid UPS 1Z number (check digit 4)
# Another valid one: a number is on one undelivered parcel at a time, across shops.
OTHER_UPS_NUMBER = "1Z999AA10123456793"


def as_sent(row):
    """The outbox row with its message rendered from its facts by the function the worker uses
    when it sends it (in memory, nothing saved): how a test reads a message still queued."""
    for field, value in message_facts.message_fields(row).items():
        setattr(row, field, value)
    return row


def new_order(
    *, external_id: str = "EXT-1", lines=(("MUG-1", 2, "12.50"),), paid: bool = True, currency: str = "USD", **overrides
) -> NewOrder:
    fields = dict(
        channel="web",
        external_id=external_id,
        customer_name="Ada Lovelace",
        customer_email="ada@example.com",
        ship_name="Ada Lovelace",
        ship_line1="1 Main St",
        ship_city="Springfield",
        ship_region="IL",
        ship_postal_code="62701",
        ship_country="US",
        currency=currency,
        # (sku, quantity, unit_price) or (sku, quantity, unit_price, tax on the whole line)
        lines=tuple(
            NewOrderLine(sku=s, quantity=q, unit_price=Decimal(p), tax=Decimal(t[0] if t else "0"))
            for s, q, p, *t in lines
        ),
        shipping_fee=Decimal("4.99"),
        payment_status="paid" if paid else "unpaid",
    )
    fields.update(overrides)
    return NewOrder(**fields)


def advance(order, to: str, actor: Actor = SELLER_ACTOR, *, tracking_number: str = UPS_NUMBER):
    """Move an order along the happy path up to status `to` through the services."""
    path = ["pending", "confirmed", "processing", "shipped", "delivered"]
    steps = {
        "confirmed": lambda o: services.confirm_order(order_id=o.pk, seller_id=o.seller_id, actor=actor),
        "processing": lambda o: services.process_order(order_id=o.pk, seller_id=o.seller_id, actor=actor),
        "shipped": lambda o: services.ship_order(
            order_id=o.pk,
            seller_id=o.seller_id,
            actor=actor,
            carrier="ups",
            service_level="ground",
            tracking_number=tracking_number,
        ),
        "delivered": lambda o: services.deliver_order(order_id=o.pk, seller_id=o.seller_id, actor=OPERATOR_ACTOR),
    }
    if to == "cancelled":
        return services.cancel_order(
            order_id=order.pk, seller_id=order.seller_id, actor=actor, reason="customer_request"
        )
    for status in path[path.index(order.status) + 1 : path.index(to) + 1]:
        order = steps[status](order)
    return order


class Api:
    """A JSON client for /api/v1 with a bearer token."""

    def __init__(self, token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method, path, body=None, headers=None, raw: bytes | str | None = None):
        kwargs = {"headers": {**self.headers, **(headers or {})}}
        if body is not None or raw is not None:
            kwargs["data"] = raw if raw is not None else json.dumps(body, default=str)
            kwargs["content_type"] = "application/json"
        elif method == "post":
            # What an HTTP client sends for a bare POST: no body at all (Django's test client
            # would otherwise send an empty multipart form).
            kwargs["data"] = b""
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self._call("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._call("patch", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._call("put", path, body, **kw)


def order_payload(
    seller_slug: str | None = "acme", *, external_id: str = "EXT-1", lines=None, paid: bool = True, **overrides
) -> dict:
    body = {
        "seller": seller_slug,
        "channel": "web",
        "external_id": external_id,
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
        },
        "currency": "USD",
        "lines": lines or [{"sku": "MUG-1", "quantity": 2, "unit_price": "12.50"}],
        "shipping_fee": "4.99",
        "payment_status": "paid" if paid else "unpaid",
    }
    body.update(overrides)
    return body
