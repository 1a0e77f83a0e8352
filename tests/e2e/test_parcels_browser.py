"""Shipping in parcels from the order page, in a real browser: ship what is in stock now, the rest
later, and see each parcel with its tracking link."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from shipdesk.orders.models import Order
from shipdesk.shipping.models import ShipmentLine
from tests.builders import OTHER_UPS_NUMBER, UPS_NUMBER, advance
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS


def ship_from_the_form(page, number: str) -> None:
    page.get_by_label("Carrier").select_option("ups")
    expect(page.locator("#id_service_level option").first).to_have_text(re.compile("UPS Ground"))
    page.get_by_label("Service").select_option("ground")
    page.get_by_label("Tracking number").fill(number)


def test_a_seller_ships_the_lines_in_stock_now_then_the_rest_and_sees_both_parcels(
    page, live_server, seller, make_product, place, member, sign_in_as, csp_violations
):
    make_product(seller, "MUG-1", title="Blue mug")
    make_product(seller, "LAMP-1", title="Desk lamp")
    order = advance(place(seller, lines=(("MUG-1", 2, "12.50"), ("LAMP-1", 1, "30.00"))), "processing")
    mug, lamp = order.lines.order_by("id")
    sign_in_as(member(seller, "owner@acme.test"))

    # the lamp is not in yet: the mugs go in a first parcel
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.locator(f"#id_parcel_{lamp.pk}").fill("0")
    ship_from_the_form(page, UPS_NUMBER)
    page.get_by_role("button", name="Ship order").click()

    expect(page.get_by_text(f"Parcel {UPS_NUMBER} of order #{order.number} shipped")).to_be_visible()
    expect(page.locator(".order-head .badge-status-processing")).to_have_text("Processing")
    expect(page.locator(".card-shipment")).to_contain_text("2 × Blue mug")
    expect(page.get_by_text("Ship the rest")).to_be_visible()

    # the next day the lamp arrives: the form offers only what is left
    expect(page.locator(f"#id_parcel_{mug.pk}")).to_have_count(0)
    ship_from_the_form(page, OTHER_UPS_NUMBER)
    page.get_by_role("button", name="Ship parcel").click()

    expect(page.locator(".order-head .badge-status-shipped")).to_have_text("Shipped")
    parcels = page.locator(".card-shipment")
    expect(parcels).to_contain_text("Parcels (2)")
    expect(parcels.get_by_role("link", name=OTHER_UPS_NUMBER)).to_have_attribute(
        "href", f"https://www.ups.com/track?tracknum={OTHER_UPS_NUMBER}"
    )
    expect(page.locator(".timeline")).to_contain_text("Parcel of 2 units shipped with UPS Ground")
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert sorted(ShipmentLine.objects.filter(line__order=order).values_list("quantity", flat=True)) == [1, 2]
    for name, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"order-parcels-{name}.png"), full_page=True)
    assert csp_violations == []
