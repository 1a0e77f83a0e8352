"""Batch shipping in the browser: from the Processing tab, select three orders, buy their labels in
one batch, print them and mark them shipped; screenshots at desktop and phone width."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from shipdesk.orders.models import Order
from shipdesk.shipping.labels.models import Label
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS


def _wait_until(check, timeout: float = 15) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_from_the_processing_tab_three_orders_get_labels_in_one_batch_are_printed_and_shipped(
    page, live_server, label_shop, processing_order, member, sign_in_as, csp_violations
):
    sign_in_as(member(label_shop, "owner@acme.test"))
    orders = [processing_order(customer_name=name) for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing")]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/orders/?tab=processing")
    for order in orders:
        page.locator(f"#select-{order.pk}").check()
    page.get_by_role("button", name="Buy labels").click()

    expect(page.get_by_role("heading", name="Labels for 3 orders")).to_be_visible()
    expect(page.locator("#batch [role=status]")).to_contain_text("3 of 3 labels bought")
    for order in orders:
        expect(page.locator(".batch-report")).to_contain_text(f"#{order.number}")
    page.screenshot(path=str(SCREENSHOTS / "label-batch-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENSHOTS / "label-batch-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    # Print and mark shipped: the PDF opens in a new tab while the orders ship.
    with page.context.expect_page():
        page.get_by_role("button", name="Print 3 labels and mark shipped").click()

    assert _wait_until(lambda: Order.objects.filter(pk__in=[o.pk for o in orders], status="shipped").count() == 3)
    assert Label.objects.filter(order__in=orders, status="shipped").count() == 3
    page.goto(f"{live_server.url}/orders/?tab=shipped")
    for order in orders:
        expect(page.locator("#order-list")).to_contain_text(f"#{order.number}")
    assert csp_violations == []
