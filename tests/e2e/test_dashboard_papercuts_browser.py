"""The dashboard papercuts of issue 13, each in a real browser at desktop (1280 px) and phone (390 px)
width: search across tabs, the orders list's row layout, the phone navigation, printing labels,
the ship form after a refusal, and the confirmation before a cancel that refunds money."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from shipdesk.orders.models import Order
from tests.builders import UPS_NUMBER, advance
from tests.e2e.conftest import DESKTOP, PHONE

WIDTHS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@WIDTHS
def test_a_search_from_needs_action_says_which_tab_holds_the_order(
    page, live_server, seller, product, place, member, sign_in_as, viewport
):
    page.set_viewport_size(viewport)
    sign_in_as(member(seller, "owner@acme.test"))
    advance(place(seller), "confirmed")
    shipped = advance(place(seller), "shipped")

    page.goto(f"{live_server.url}/orders/")
    page.get_by_label("Search orders").fill(str(shipped.number))
    page.get_by_role("button", name="Search").click()

    expect(page.locator(".search-elsewhere")).to_contain_text(
        f"None in this tab; matching “{shipped.number}”: Shipped (1)"
    )
    page.locator(".search-elsewhere").get_by_role("link", name="Shipped (1)").click()
    expect(page.locator(".order-row")).to_have_count(1)
    expect(page.locator(".order-row")).to_contain_text(f"#{shipped.number}")


@WIDTHS
def test_an_overdue_countdown_never_runs_into_the_orders_total(
    page, live_server, seller, make_product, place, member, sign_in_as, viewport
):
    page.set_viewport_size(viewport)
    sign_in_as(member(seller, "owner@acme.test"))
    make_product(seller, "MUG-1", on_hand=500, price="1234.50")
    with time_machine.travel(timezone.now() - timedelta(hours=30, minutes=5)):
        place(
            seller, customer_name="Maximiliane Wolkenstein-Rabenhorst", lines=(("MUG-1", 10, "1234.50"),)
        )  # confirm by 6 h ago

    page.goto(f"{live_server.url}/orders/")

    row = page.locator(".order-row").first
    countdown = row.locator(".order-due .countdown")
    expect(countdown).to_have_text("confirm overdue by 6 h 5 min")
    total = row.locator(".order-total")
    expect(total).to_have_text("$12,349.99")
    assert not overlaps(countdown.bounding_box(), total.bounding_box())
    assert (
        countdown.bounding_box()["x"] + countdown.bounding_box()["width"]
        <= row.bounding_box()["x"] + row.bounding_box()["width"]
    )


@WIDTHS
def test_every_main_navigation_link_is_on_screen(page, live_server, seller, member, sign_in_as, viewport):
    page.set_viewport_size(viewport)
    sign_in_as(member(seller, "owner@acme.test"))

    page.goto(f"{live_server.url}/orders/")

    nav = page.get_by_role("navigation", name="Main")
    for name in ("Orders", "Inventory", "Earnings", "Performance", "Settings"):
        link = nav.get_by_role("link", name=name)
        expect(link).to_be_in_viewport(ratio=1)
    assert page.evaluate(
        "document.querySelector('.main-nav').scrollWidth <= document.querySelector('.main-nav').clientWidth"
    )


@WIDTHS
def test_printing_labels_for_unshipped_orders_names_them_in_a_short_page(
    page, live_server, seller, product, place, member, sign_in_as, viewport
):
    page.set_viewport_size(viewport)
    sign_in_as(member(seller, "owner@acme.test"))
    waiting = advance(place(seller), "processing")
    shipped = advance(place(seller), "shipped")

    page.goto(f"{live_server.url}/orders/?tab=all")
    page.get_by_label(f"Select order #{waiting.number}").check()
    page.get_by_label(f"Select order #{shipped.number}").check()
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Print labels").click()
    result = opened.value

    expect(result.get_by_role("heading", name="Labels for 1 of 2 orders")).to_be_visible()
    expect(result.get_by_role("alert")).to_have_text(
        f"#{waiting.number} is not shipped yet: a label needs a shipment, so ship it first."
    )
    expect(result.locator("#order-list")).to_have_count(0)  # not the orders list again
    with result.expect_response(lambda response: response.url.endswith("/orders/documents/")) as printed:
        result.get_by_role("button", name="Print 1 label").click()
    assert printed.value.header_value("content-type") == "application/pdf"
    assert printed.value.header_value("content-disposition") == f'inline; filename="label-{shipped.number}.pdf"'


@WIDTHS
def test_after_a_refused_ship_the_live_check_replaces_the_old_error(
    page, live_server, seller, product, place, member, sign_in_as, viewport
):
    page.set_viewport_size(viewport)
    sign_in_as(member(seller, "owner@acme.test"))
    order = advance(place(seller), "processing")
    wrong_digit = UPS_NUMBER[:-1] + "5"

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_label("Carrier").select_option("ups")
    # the carrier's services arrive by htmx: a Ship pressed before them would be refused for the service
    expect(page.locator("#id_service_level option").first).to_have_text(re.compile("UPS Ground"))
    page.get_by_label("Tracking number").fill(wrong_digit)
    page.get_by_role("button", name="Ship order").click()
    expect(page.locator("#id_tracking_number_error")).to_have_text(f"{wrong_digit} is not a valid UPS tracking number.")

    page.get_by_label("Tracking number").fill(UPS_NUMBER)

    expect(page.locator("#tracking-feedback")).to_have_text(f"✓ {UPS_NUMBER} is a valid UPS tracking number.")
    expect(page.locator("#id_tracking_number_error")).to_have_count(0)
    page.reload()  # the refused form's URL: back on the order page, not a blank 405
    expect(page.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()


@WIDTHS
def test_a_duplicate_tracking_number_is_refused_by_the_live_check(
    page, live_server, seller, product, place, member, sign_in_as, viewport
):
    page.set_viewport_size(viewport)
    sign_in_as(member(seller, "owner@acme.test"))
    advance(place(seller), "shipped")  # uses UPS_NUMBER
    order = advance(place(seller), "processing")

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_label("Carrier").select_option("ups")
    page.get_by_label("Tracking number").fill(UPS_NUMBER)

    expect(page.locator("#tracking-feedback")).to_have_text(
        f"✗ Tracking number {UPS_NUMBER} is already used on another of your shipments."
    )


@WIDTHS
def test_a_cancel_that_refunds_asks_to_confirm_the_amount_first(
    page, live_server, seller, product, place, member, sign_in_as, viewport
):
    page.set_viewport_size(viewport)
    sign_in_as(member(seller, "owner@acme.test"))
    order = advance(place(seller), "confirmed")

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    next_step = page.get_by_role("region", name="Next step")
    next_step.get_by_text("Cancel this order…").click()
    next_step.get_by_label("Reason").select_option("customer_request")
    next_step.get_by_role("button", name=f"Cancel order #{order.number}").click()

    expect(page.get_by_role("heading", name=f"Cancel order #{order.number} and refund $29.99?")).to_be_visible()
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    page.get_by_role("button", name="Cancel and refund $29.99").click()

    expect(page.get_by_text(f"Order #{order.number} cancelled. The customer is refunded.")).to_be_visible()
    assert Order.objects.get(pk=order.pk).payment_status == "refunded"
