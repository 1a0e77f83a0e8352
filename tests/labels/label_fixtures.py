"""Label test helpers: a shop with a ship-from address and weighed products, processing orders.

A plain module (see tests/shipping/shipping_fixtures.py for why not a conftest.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipdesk.accounts.services import set_shop_address
from shipdesk.inventory.models import Product
from shipdesk.shipping.labels.models import Box
from tests.builders import advance

SHIP_FROM = dict(
    name="Dispatch desk",
    line1="350 5th Ave",
    city="New York",
    region="NY",
    postal_code="10118",
    country="US",
    phone="+1 212 555 0100",
)


@pytest.fixture
def label_shop(seller, make_product, sandbox_on, settings):
    """The acme shop, ready to buy sandbox labels: a ship-from address, a default box, weighed mugs."""
    settings.SHIPDESK_LABEL_PROVIDER = "sandbox"
    set_shop_address(seller_id=seller.pk, kind="ship_from", **SHIP_FROM)
    make_product(seller, "MUG-1", on_hand=100)
    make_product(seller, "TEE-M", on_hand=100)
    Product.objects.filter(seller=seller, sku="MUG-1").update(
        weight_grams=350, length_cm=Decimal("12"), width_cm=Decimal("9"), height_cm=Decimal("10")
    )
    Box.objects.create(
        seller=seller,
        name="Medium box",
        length_cm=Decimal("30"),
        width_cm=Decimal("20"),
        height_cm=Decimal("15"),
        weight_grams=180,
        is_default=True,
    )
    return seller


@pytest.fixture
def processing_order(label_shop, place):
    def make(**kwargs):
        return advance(place(label_shop, **kwargs), "processing")

    return make
