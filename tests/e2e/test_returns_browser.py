"""A return from end to end in a real browser: the customer opens their order page from the
"delivered" email, asks to return a mug; the seller approves and receives it on the dashboard.
Screenshots at 1280 px and 390 px (returns-*.png in the screenshot folder; docs/screenshots/
with `make screenshots`)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from shipdesk.inventory.models import Product, StockMove
from shipdesk.notifications.models import Notification
from shipdesk.payments.models import Refund
from shipdesk.returns.models import ReturnRequest
from tests.builders import advance, as_sent
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS

ORDER_PAGE_LINK = re.compile(r"https?://\S+/o/[^/\s]+/")


@pytest.mark.screenshots
def test_a_customer_asks_for_a_return_from_the_email_and_the_seller_approves_and_receives_it(
    page, live_server, settings, seller, make_product, place, member, sign_in_as, csp_violations
):
    # given a delivered order of 2 mugs, and the "delivered" email the customer got
    settings.SHIPDESK_BASE_URL = live_server.url
    make_product(seller, "MUG-1", price="12.50", on_hand=10)
    order = advance(place(seller, lines=(("MUG-1", 2, "12.50", "2.00"),)), "delivered")
    mail = as_sent(Notification.objects.get(order=order, kind="customer_delivered"))
    link = ORDER_PAGE_LINK.search(mail.body_text).group(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # when the customer opens the link on their phone and asks to return one mug, faulty
    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.get_by_test_id("order-status")).to_have_text("Delivered")
    page.get_by_label("How many to return (up to 2)").fill("1")
    page.get_by_label("Why").select_option("faulty")
    page.get_by_label("Tell the shop more (optional)").fill("The handle came off.")
    page.screenshot(path=str(SCREENSHOTS / "returns-customer-390.png"), full_page=True)
    page.get_by_role("button", name="Ask for a return").click()

    # then the page says it is asked
    expect(page.get_by_role("status")).to_contain_text("Your return request is sent")
    expect(page.get_by_test_id("customer-return")).to_contain_text("Asked: the shop will answer soon")
    rma = ReturnRequest.objects.get()

    # when the seller opens the order on the dashboard and approves it with the return address
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/orders/")
    expect(page.get_by_test_id("returns-due")).to_contain_text(f"Return R{rma.pk}")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    card = page.get_by_test_id("return-card")
    expect(card).to_contain_text("Faulty")
    card.get_by_label("Return address").fill("Acme Returns\n1 Dock Road\nSpringfield 62701")
    card.get_by_label("Instructions for the customer").fill("Wrap it well; write the return number on it.")
    page.screenshot(path=str(SCREENSHOTS / "returns-seller-1280.png"), full_page=True)
    card.get_by_role("button", name="Approve return").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Return R{rma.pk} approved")

    # and receives it damaged once the parcel is back
    card = page.get_by_test_id("return-card")
    card.get_by_label("Resellable").fill("0")
    card.get_by_label("Damaged").fill("1")
    card.get_by_role("button", name="Receive and refund").click()
    expect(page.get_by_role("status").first).to_contain_text("the customer is refunded")
    expect(page.get_by_test_id("return-card")).to_contain_text(
        "Refunded $18.49"
    )  # 12.50 + 1.00 tax + the 4.99 shipping (faulty)

    # then the unit is written off, the customer refunded through the provider, and told at each step
    rma.refresh_from_db()
    assert rma.status == "refunded"
    product = Product.objects.get(seller=seller, sku="MUG-1")
    assert product.on_hand == 8  # shipped 2; the damaged one does not come back on the shelf
    assert StockMove.objects.filter(product=product, kind="written_off").count() == 1
    assert Refund.objects.get(order=order).amount == rma.shipped_refund.amount
    kinds = set(Notification.objects.filter(order=order).values_list("kind", flat=True))
    assert {"customer_return_approved", "customer_return_received", "customer_refunded"} <= kinds

    # and the customer's page tells the story
    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.get_by_test_id("customer-return")).to_contain_text("Refunded")
    expect(page.get_by_text("Your returned items arrived at the shop.")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "returns-customer-done-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SCREENSHOTS / "returns-customer-done-1280.png"), full_page=True)
    assert csp_violations == []
