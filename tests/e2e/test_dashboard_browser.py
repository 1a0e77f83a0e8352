"""The seller dashboard in a real browser: sign in, work an order to shipped, bulk confirm,
permissions, escaping, new orders arriving, and the screenshots in the screenshot folder
(docs/screenshots/ with `make screenshots`)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from shipdesk.accounts.services import create_user
from shipdesk.orders.models import Order
from shipdesk.orders.services import add_note
from shipdesk.shipping.models import Shipment
from tests.builders import SELLER_ACTOR, UPS_NUMBER, advance
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, SCREENSHOTS


def test_a_seller_signs_in_and_ships_a_new_order_from_needs_action(
    page, live_server, seller, product, place, member, csp_violations
):
    member(seller, "owner@acme.test", password=PASSWORD)
    advance(place(seller), "confirmed")  # already confirmed: due in 2 business days
    new = place(seller, customer_name="Grace Hopper")  # paid just now: confirm within 24 hours

    page.goto(f"{live_server.url}/")
    page.get_by_label("Email").fill("owner@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    expect(page.locator(".tab[aria-current=page]")).to_contain_text("Needs action")
    top = page.locator(".order-row").first
    expect(top).to_contain_text(f"#{new.number}")
    expect(top).to_contain_text("Grace Hopper")
    expect(top).to_contain_text(re.compile(r"confirm within 23 h 5\d min"))

    top.get_by_role("link", name=f"#{new.number}").click()
    page.get_by_role("button", name="Confirm order").click()
    expect(page.get_by_text(f"Order #{new.number} confirmed.")).to_be_visible()
    page.get_by_role("button", name="Start processing").click()
    expect(page.locator(".badge-status-processing").first).to_have_text("Processing")

    page.get_by_label("Carrier").select_option("ups")
    expect(page.locator("#id_service_level option").first).to_have_text(re.compile("UPS Ground"))
    page.get_by_label("Service").select_option("ground")
    page.get_by_label("Tracking number").fill(UPS_NUMBER)
    expect(page.locator("#tracking-feedback")).to_have_text(f"✓ {UPS_NUMBER} is a valid UPS tracking number.")
    page.get_by_role("button", name="Ship order").click()

    expect(page.get_by_text(f"Order #{new.number} shipped.")).to_be_visible()
    expect(page.locator(".order-head .badge-status-shipped")).to_have_text("Shipped")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(f"Shipped with UPS Ground, tracking {UPS_NUMBER}")
    expect(timeline).to_contain_text("Processing started")
    expect(timeline).to_contain_text("Confirmed")
    expect(timeline).to_contain_text("Order placed")
    assert Order.objects.get(pk=new.pk).status == "shipped"
    assert csp_violations == []


def test_an_invalid_tracking_number_shows_an_inline_error_and_ships_nothing(
    page, live_server, seller, product, place, member, sign_in_as
):
    sign_in_as(member(seller, "owner@acme.test"))
    order = advance(place(seller), "processing")
    wrong_digit = UPS_NUMBER[:-1] + "5"

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_label("Carrier").select_option("ups")
    # the carrier's services arrive by htmx: a Ship pressed before them would be refused for the service
    expect(page.locator("#id_service_level option").first).to_have_text(re.compile("UPS Ground"))
    page.get_by_label("Tracking number").fill(wrong_digit)
    expect(page.locator("#tracking-feedback")).to_have_text(f"✗ {wrong_digit} is not a valid UPS tracking number.")
    page.get_by_role("button", name="Ship order").click()

    error = page.locator("#id_tracking_number_error")
    expect(error).to_have_text(f"{wrong_digit} is not a valid UPS tracking number.")
    expect(page.get_by_label("Tracking number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".order-head .badge-status-processing")).to_have_text("Processing")
    assert Order.objects.get(pk=order.pk).status == "processing"
    assert not Shipment.objects.filter(order=order).exists()


def test_bulk_confirm_of_a_paid_and_an_unpaid_order_confirms_one_and_explains_the_other(
    page, live_server, seller, product, place, member, sign_in_as
):
    sign_in_as(member(seller, "packer@acme.test", "staff"))
    paid = place(seller)
    unpaid = place(seller, paid=False)

    page.goto(f"{live_server.url}/orders/?tab=pending")
    page.get_by_label(f"Select order #{paid.number}").check()
    page.get_by_label(f"Select order #{unpaid.number}").check()
    page.get_by_role("button", name="Confirm selected").click()

    result = page.locator(".bulk-result")
    expect(result).to_contain_text(f"Confirmed 1 order: #{paid.number}")
    expect(result).to_contain_text(f"#{unpaid.number} — The order is unpaid; it must be paid first.")
    assert Order.objects.get(pk=paid.pk).status == "confirmed"
    assert Order.objects.get(pk=unpaid.pk).status == "pending"


def test_a_staff_member_cannot_open_settings(page, live_server, seller, member, sign_in_as):
    sign_in_as(member(seller, "packer@acme.test", "staff"))
    page.goto(f"{live_server.url}/orders/")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")).to_have_count(0)

    response = page.goto(f"{live_server.url}/settings/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="Only owners can change settings")).to_be_visible()
    expect(page.get_by_role("button", name="Create token")).to_have_count(0)


def test_another_sellers_order_url_is_a_404(
    page, live_server, seller, make_seller, make_product, place, member, sign_in_as
):
    sign_in_as(member(seller, "owner@acme.test"))
    elsewhere = make_seller("other-shop")
    make_product(elsewhere)
    theirs = place(elsewhere, customer_name="Their Customer")

    response = page.goto(f"{live_server.url}/orders/{theirs.pk}/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Their Customer")).to_have_count(0)


def test_a_customer_name_containing_script_renders_as_text(
    page, live_server, seller, product, place, member, sign_in_as
):
    sign_in_as(member(seller, "owner@acme.test"))
    name = "<script>window.pwned = true</script>Mallory"
    order = place(seller, customer_name=name)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{live_server.url}/orders/?tab=all")
    expect(page.locator(".order-customer").first).to_have_text(name)
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(page.locator(".customer-name")).to_have_text(name)

    assert page.evaluate("window.pwned") is None
    assert page.locator(".customer-name script").count() == 0
    assert dialogs == []


def test_new_orders_appear_without_a_reload_marked_new(page, live_server, seller, product, place, member, sign_in_as):
    sign_in_as(member(seller, "owner@acme.test"))
    shown = place(seller)
    page.clock.install()  # the list polls every 15 s: move the page's clock instead of waiting
    page.goto(f"{live_server.url}/orders/")
    expect(page.locator(".order-row")).to_have_count(1)

    arrived = place(seller, customer_name="Katherine Johnson")
    page.clock.run_for(16_000)

    top = page.locator(".order-row").first
    expect(top).to_contain_text(f"#{arrived.number}")
    expect(top).to_contain_text("New")
    expect(top).to_have_class(re.compile(r"\bis-new\b"))
    expect(page.locator(".order-row")).to_have_count(2)
    expect(page.locator(f"#order-{shown.pk} .badge-new")).to_have_count(0)
    expect(page.locator(".tab-needs_action .tab-count")).to_have_text("2")

    page.clock.run_for(16_000)  # a quiet poll adds nothing twice
    expect(page.locator(".order-row")).to_have_count(2)


def _shop_with_orders_in_every_state(seller, make_product, place):
    """A small, realistic shop for the screenshots (and a check that every state renders)."""
    for sku, title, on_hand in (
        ("MUG-BLUE", "Stoneware mug, blue", 40),
        ("MUG-RED", "Stoneware mug, red", 3),
        ("TEE-M", "Organic cotton T-shirt, M", 25),
        ("TEE-L", "Organic cotton T-shirt, L", 0),
        ("TOTE", "Canvas tote bag", 60),
        ("CANDLE", "Beeswax candle", 12),
    ):
        make_product(seller, sku, on_hand=on_hand, title=title, price="14.00")
    people = [
        "Grace Hopper",
        "Katherine Johnson",
        "Alan Turing",
        "Ada Lovelace",
        "Edsger Dijkstra",
        "Barbara Liskov",
        "Margaret Hamilton",
    ]
    plans = [
        ("pending", (("MUG-BLUE", 2, "14.00"), ("TOTE", 1, "14.00")), True),
        ("pending", (("TEE-M", 1, "14.00"),), True),
        ("pending", (("TEE-L", 1, "14.00"), ("TOTE", 1, "14.00")), True),
        ("pending", (("MUG-RED", 1, "14.00"),), False),
        ("confirmed", (("TOTE", 2, "14.00"),), True),
        ("processing", (("MUG-BLUE", 1, "14.00"), ("CANDLE", 2, "14.00")), True),
        ("shipped", (("CANDLE", 1, "14.00"),), True),
    ]
    orders = []
    for (status, lines, paid), name in zip(plans, people, strict=False):
        email = name.split()[0].lower() + "@example.com"
        order = place(seller, lines=lines, paid=paid, customer_name=name, ship_name=name, customer_email=email)
        orders.append(advance(order, status) if status != "pending" else order)
    return orders


@pytest.mark.screenshots
def test_screenshots_of_orders_order_detail_and_inventory_at_desktop_and_phone_width(
    browser, live_server, seller, make_product, place, member, csp_violations
):
    """Saved to the screenshot folder (docs/screenshots/ with `make screenshots`), shown in the README.
    Also: no page overflows a 390 px screen."""
    owner = member(seller, "owner@acme.test")
    orders = _shop_with_orders_in_every_state(seller, make_product, place)
    processing = next(o for o in orders if o.status == "processing")
    add_note(order_id=processing.pk, seller_id=seller.pk, actor=SELLER_ACTOR, text="Gift wrap requested by phone.")
    client = Client()
    client.force_login(owner)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    refused: list[str] = []

    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
        page = context.new_page()
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        for name, path in (
            ("orders", "/orders/"),
            ("order", f"/orders/{processing.pk}/"),
            ("inventory", "/inventory/"),
        ):
            response = page.goto(live_server.url + path)
            assert response.status == 200
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than a {viewport['width']}px screen"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width_name}.png"), full_page=True)
        context.close()

    assert refused == []
    assert {p.name for p in SCREENSHOTS.glob("*.png")} >= {
        f"{n}-{w}.png" for n in ("inventory", "order", "orders") for w in ("desktop", "phone")
    }


def test_the_api_docs_and_the_admin_work_under_the_content_security_policy(
    page, live_server, seller, product, place, sign_in_as, csp_violations
):
    operator = create_user(email="ops@market.test", password=None)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    order = place(seller)
    sign_in_as(operator)

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", name=re.compile("Shipdesk API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/orders/{order_id}/ship").first).to_be_visible()

    for path, heading in (
        ("/admin/", "Site administration"),
        ("/admin/orders/order/", "Select order to view"),
        (f"/admin/orders/order/{order.pk}/change/", "View order"),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        expect(page.get_by_role("heading", name=heading)).to_be_visible()

    assert csp_violations == []
