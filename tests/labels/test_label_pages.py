"""The order's label page in the dashboard: rates, buy the cheapest, print and mark shipped, void."""

from __future__ import annotations

import pytest

from shipdesk.accounts.services import create_user
from shipdesk.orders.models import Order
from shipdesk.shipping.labels.models import Label, RateQuote


@pytest.fixture
def clerk(label_shop, client):
    client.force_login(create_user(email="clerk@acme.test", password="pw-Secret-123", seller=label_shop, role="staff"))
    return client


def test_a_clerk_gets_rates_buys_the_cheapest_then_prints_and_marks_shipped_in_one_step(clerk, processing_order):
    order = processing_order()

    page = clerk.get(f"/orders/{order.pk}/labels/?rates=1").content.decode()
    cheapest = RateQuote.objects.filter(order=order).order_by("price").first()
    assert "Buy cheapest" in page and "Sandbox Economy" in page
    bought = clerk.post(f"/orders/{order.pk}/labels/buy/", {"rate_id": cheapest.provider_rate_id}, follow=True)
    label = Label.objects.get(order=order)
    assert label.status == "bought" and label.tracking_number in bought.content.decode()

    printed = clerk.post(f"/labels/{label.pk}/ship/", follow=True)

    assert printed["Content-Type"] == "application/pdf"
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert Label.objects.get(pk=label.pk).status == "shipped"


def test_a_clerk_voids_an_unused_label_and_sees_the_postage_came_back(clerk, processing_order):
    order = processing_order()
    clerk.get(f"/orders/{order.pk}/labels/?rates=1")
    rate = RateQuote.objects.filter(order=order).first()
    clerk.post(f"/orders/{order.pk}/labels/buy/", {"rate_id": rate.provider_rate_id})
    label = Label.objects.get(order=order)

    voided = clerk.post(f"/labels/{label.pk}/void/", follow=True)

    assert "voided; its postage is back" in voided.content.decode()
    assert Label.objects.get(pk=label.pk).status == "voided"


def test_another_shops_order_label_page_is_a_404(clerk, make_seller, make_product, place):
    other = make_seller("other")
    make_product(other)
    order = place(other)

    assert clerk.get(f"/orders/{order.pk}/labels/").status_code == 404


def test_a_clerk_sends_one_line_in_its_own_parcel_and_the_order_stays_processing(clerk, processing_order):
    order = processing_order(lines=(("MUG-1", 2, "12.50"), ("TEE-M", 1, "20.00")))
    mug, tee = order.lines.order_by("id")

    page = clerk.get(f"/orders/{order.pk}/labels/?rates=1&line_{mug.pk}=2&line_{tee.pk}=0").content.decode()
    assert "880 g" in page  # two mugs in the medium box
    rate = RateQuote.objects.filter(order=order).order_by("price").first()
    assert rate.lines == {str(mug.pk): 2}
    clerk.post(f"/orders/{order.pk}/labels/buy/", {"rate_id": rate.provider_rate_id})
    clerk.post(f"/labels/{Label.objects.get(order=order).pk}/ship/")

    assert Order.objects.get(pk=order.pk).status == "processing"
    rest = clerk.get(f"/orders/{order.pk}/labels/").content.decode()
    assert f'name="line_{mug.pk}"' not in rest  # the mugs have shipped: only the T-shirt is left
