"""Low stock: a product falling to its threshold raises one seller alert per fall, is counted in
the daily digest, and clears when its available stock is back above the threshold (the
`stock.low` webhook is in test_webhook_delivery.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shipdesk.inventory.models import Product
from shipdesk.inventory.services import change_stock, update_product
from shipdesk.notifications.models import Alert
from shipdesk.notifications.rendering import render_digest_email
from shipdesk.orders.sweeps import build_digest
from tests.builders import SELLER_ACTOR

pytestmark = pytest.mark.django_db


def test_a_product_falling_to_its_threshold_raises_one_seller_alert_until_it_is_back_above(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=7)  # threshold 5

    place(seller, lines=(("MUG-1", 2, "12.50"),))  # 5 available: low
    place(seller, lines=(("MUG-1", 1, "12.50"),))  # 4: still the same fall
    alerts = Alert.objects.filter(seller=seller, kind=Alert.STOCK_LOW).order_by("id")
    assert [a.title for a in alerts.all()] == ["Low stock: MUG-1 has 5 available (threshold 5)"]

    change_stock(seller_id=seller.pk, sku="MUG-1", actor=SELLER_ACTOR, reason="delivery", delta=5)
    assert Product.objects.get(seller=seller, sku="MUG-1").low_stock_since is None  # cleared
    place(seller, lines=(("MUG-1", 5, "12.50"),))  # falls again
    assert [a.title for a in alerts.all()][1] == "Low stock: MUG-1 has 4 available (threshold 5)"


def test_the_daily_digest_counts_the_products_low_on_stock(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=7)
    make_product(seller, "TEA-1", on_hand=50)
    place(seller, lines=(("MUG-1", 3, "12.50"),))

    digest = build_digest(seller=seller, now=datetime.now(tz=UTC))

    assert digest["low_stock"] == 1
    assert "Low on stock         1 products" in render_digest_email(seller=seller, digest=digest).text


def test_raising_the_threshold_above_the_available_stock_marks_the_product_low(seller, make_product):
    make_product(seller, "MUG-1", on_hand=7)

    update_product(seller_id=seller.pk, sku="MUG-1", changes={"low_stock_threshold": 10})

    assert Product.objects.get(seller=seller, sku="MUG-1").low_stock_since is not None
    assert Alert.objects.filter(seller=seller, kind=Alert.STOCK_LOW).count() == 1
