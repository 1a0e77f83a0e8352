"""The customer's tokenised pages answer their forms in a real browser. They send no referrer to
other sites, yet a browser must still send the form's Origin to our own site, or CSRF refuses the
post (a "no-referrer" policy alone makes the browser send `Origin: null`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shipdesk.orders.models import OrderLine
from shipdesk.orders.substitutions import offer_path, offer_substitute
from tests.builders import SELLER_ACTOR


@pytest.mark.django_db(transaction=True)
def test_a_customer_accepts_a_substitute_on_the_offer_page_in_a_browser(page, live_server, seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=0)
    make_product(seller, "CUP-1", on_hand=3, title="Teacup")
    order = place(seller, lines=(("MUG-1", 2, "12.50"),))
    offer = offer_substitute(
        order_id=order.pk,
        seller_id=seller.pk,
        line_id=order.lines.get(sku="MUG-1").pk,
        sku="CUP-1",
        actor=SELLER_ACTOR,
    )

    page.goto(f"{live_server.url}{offer_path(offer.pk)}")
    page.get_by_role("button", name="Yes, send Teacup").click()

    expect(page.get_by_text("We will send you 2 × Teacup")).to_be_visible()
    assert OrderLine.objects.filter(order=order, sku="CUP-1", stock="reserved").exists()
