"""Accessibility in a real browser: axe-core (WCAG 2.1 A and AA) on every page of the dashboard and
every customer page at desktop and phone width, the core order actions by keyboard alone with the
result focused and announced, and no sideways scrolling on a 320 px screen.

axe-core comes bundled with the pinned `axe-playwright-python` package (no CDN, works offline). It
is injected with `page.evaluate`, which runs in the page's own world but is not subject to the
page's Content-Security-Policy, so the test does not need to relax the policy it also checks.
"""

from __future__ import annotations

import re

from axe_playwright_python.base import AXE_SCRIPT
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from shipdesk.dashboard.forms import TABS
from shipdesk.notifications.models import Notification
from shipdesk.notifications.rendering import review_url
from shipdesk.orders.order_page_links import order_page_path
from shipdesk.orders.substitutions import offer_path, offer_substitute
from shipdesk.performance.metrics import METRICS
from shipdesk.performance.reviews import leave_review
from shipdesk.performance.services import evaluate_history
from shipdesk.shipping.tracking_links import tracking_page_path
from tests.builders import SELLER_ACTOR, UPS_NUMBER, advance
from tests.e2e.conftest import DESKTOP, PHONE
from tests.performance.conftest import ship_and_deliver

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# A phone as narrow as they come (WCAG 1.4.10 Reflow: 320 CSS px, no scrolling in two directions).
NARROWEST = {"width": 320, "height": 640}


def axe_violations(page, *, exclude: list[str] | None = None) -> list[str]:
    """The WCAG 2.1 A/AA rules the current page breaks, one readable line per element; and ids used
    twice (axe no longer reports those, but a label `for` a doubled id names the wrong field)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    # What hides behind "Cancel this order…", "Filters" and the like is checked too.
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    results = page.evaluate(
        "([exclude, options]) => axe.run(exclude.length ? {exclude: exclude.map((s) => [s])} : document, options)",
        # Frames are checked as pages of their own (an email preview's sandboxed frame cannot run
        # axe, and axe would wait a minute for its answer).
        [
            exclude or [],
            {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"], "iframes": False},
        ],
    )
    found = [
        f"{violation['id']}: {node['target'][-1]} — {node['failureSummary'].splitlines()[-1].strip()}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]
    doubled = page.evaluate(
        "() => { const seen = {}; "
        "document.querySelectorAll('[id]').forEach((e) => { seen[e.id] = (seen[e.id] || 0) + 1; });"
        " return Object.keys(seen).filter((id) => seen[id] > 1); }"
    )
    return found + [f"duplicate-id: #{id} is used more than once" for id in doubled]


def report(found: dict[str, list[str]]) -> str:
    """Each problem once, with the pages it was seen on (the same colour fails on every page)."""
    pages: dict[str, list[str]] = {}
    for where, problems in found.items():
        for problem in problems:
            seen_on = pages.setdefault(re.sub(r"#alert-\d+|nth-child\(\d+\)", "…", problem), [])
            if where not in seen_on:
                seen_on.append(where)
    return "\n".join(
        f"{problem}\n    on {len(where)} page(s): {', '.join(where[:6])}{' …' if len(where) > 6 else ''}"
        for problem, where in pages.items()
    )


def _shop(seller, make_product, place):
    """Orders in every state, short lines with and without a substitute on offer, a review, alerts, history."""
    make_product(seller, "MUG-1", on_hand=50, title="Stoneware mug")
    make_product(seller, "TEE-L", on_hand=0, title="Organic cotton T-shirt, L")
    make_product(seller, "CUP-1", on_hand=5, title="Teacup")
    orders = {
        status: advance(place(seller, customer_name=f"Customer {status}"), status)
        for status in ("pending", "confirmed", "processing", "cancelled")
    }
    orders["shipped"] = ship_and_deliver(place(seller, customer_name="Customer shipped"), deliver=False)
    orders["delivered"] = ship_and_deliver(place(seller, customer_name="Customer delivered"))
    orders["unpaid"] = place(seller, paid=False, customer_name="Customer unpaid")
    orders["short"] = place(
        seller, lines=(("TEE-L", 1, "14.00"), ("MUG-1", 1, "12.50")), customer_name="Customer short"
    )
    orders["short, no offer yet"] = place(seller, lines=(("TEE-L", 1, "14.00"),), customer_name="Customer waiting")
    offer = offer_substitute(
        order_id=orders["short"].pk,
        seller_id=seller.pk,
        line_id=orders["short"].lines.get(sku="TEE-L").pk,
        sku="CUP-1",
        actor=SELLER_ACTOR,
    )
    orders["reviewed"] = ship_and_deliver(place(seller, customer_name="Customer reviewed"))
    leave_review(order_id=orders["reviewed"].pk, rating=4, comment="Lovely mug.")
    evaluate_history(seller_id=seller.pk, days=10)
    return orders, offer


def _review_path(order_id: int) -> str:
    return re.sub(r"^https?://[^/]+", "", review_url(order_id))


def test_every_dashboard_and_customer_page_passes_axe_at_desktop_and_phone_width(
    page, live_server, seller, make_product, place, member
):
    owner = member(seller, "owner@acme.test")
    orders, offer = _shop(seller, make_product, place)
    client = Client()
    client.force_login(owner)
    session = {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    reset_path = (
        f"/password-reset/{urlsafe_base64_encode(force_bytes(owner.pk))}/{default_token_generator.make_token(owner)}/"
    )

    signed_out = [
        "/signin/",
        "/password-reset/",
        "/password-reset/sent/",
        reset_path,  # redirects to the set-password form
        "/password-reset/MQ/not-a-token/",  # the "link is no longer valid" page
        "/password-reset/done/",
        tracking_page_path(orders["shipped"].pk),
        "/t/forged/",
        _review_path(orders["delivered"].pk),
        _review_path(orders["reviewed"].pk),  # the thank-you page
        "/r/forged/",
        offer_path(offer.pk),
        "/s/forged/",
        order_page_path(orders["delivered"].pk),  # the customer's order page, with the return form
        order_page_path(orders["confirmed"].pk),  # with the request to cancel
        "/o/forged/",
    ]
    signed_in = [
        *(f"/orders/?tab={code}" for code, _ in TABS),
        *(f"/orders/{order.pk}/" for order in orders.values()),
        f"/orders/{orders['processing'].pk}/pack/",
        "/inventory/",
        "/alerts/",
        "/alerts/emails/",
        "/alerts/emails/customer_shipped/",  # one template for every kind; each email's HTML is checked below
        "/performance/",
        *(f"/performance/{metric}/orders/" for metric in METRICS),
        "/performance/reviews/",
        "/earnings/",
        "/returns/",
        "/settings/",
        "/no-such-page/",
    ]

    found: dict[str, list[str]] = {}
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/signin/")
        page.get_by_label("Email").fill("nobody@acme.test")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".errorlist, [role=alert]").first).to_be_visible()
        found.update({f"{viewport['width']} sign-in errors": v for v in [axe_violations(page)] if v})
        for path in signed_out:
            page.goto(live_server.url + path)
            found.update({f"{viewport['width']} {path}": v for v in [axe_violations(page)] if v})
        page.context.add_cookies([session])
        for path in signed_in:
            page.goto(live_server.url + path)
            found.update({f"{viewport['width']} {path}": v for v in [axe_violations(page)] if v})
        # Forms showing their errors: the ship form sent empty, a wrong password.
        page.goto(f"{live_server.url}/orders/{orders['processing'].pk}/")
        page.get_by_role("button", name="Ship order").click()
        expect(page.locator(".order-head")).to_be_visible()
        found.update({f"{viewport['width']} ship form errors": v for v in [axe_violations(page)] if v})
        page.goto(f"{live_server.url}/settings/")
        page.get_by_role("button", name="Create token").click()
        expect(page.get_by_role("button", name="Create token")).to_be_visible()
        found.update({f"{viewport['width']} token form errors": v for v in [axe_violations(page)] if v})
        # Each email's HTML, as a mail client shows it (once, on the phone). Its preview URL answers
        # with a CSP sandbox that forbids every script (axe too), so the HTML goes into a blank page.
        for kind in Notification.Kind.values if viewport == PHONE else ():
            html = page.request.get(f"{live_server.url}/alerts/emails/{kind}/html/").text()
            page.set_content(html)
            found.update({f"{viewport['width']} email {kind}": v for v in [axe_violations(page)] if v})
        # The API docs: Swagger UI is a third-party widget; its page, our template, must pass.
        page.goto(live_server.url + "/api/v1/docs")
        expect(page.locator(".swagger-ui").first).to_be_visible()
        found.update(
            {
                f"{viewport['width']} /api/v1/docs": v
                for v in [axe_violations(page, exclude=[".swagger-ui", "#swagger-ui"])]
                if v
            }
        )

    assert found == {}, report(found)


def test_the_performance_page_does_not_scroll_sideways_on_a_320_px_screen(
    page, live_server, seller, make_product, place, member, sign_in_as
):
    make_product(seller, "MUG-1", on_hand=50)
    for _ in range(3):
        ship_and_deliver(place(seller))
    evaluate_history(seller_id=seller.pk, days=10)
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(NARROWEST)

    for path in ("/performance/", "/performance/late_shipment/orders/", "/performance/reviews/"):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a 320 px screen"


def test_each_settings_field_is_named_by_its_own_label(page, live_server, seller, member, sign_in_as):
    sign_in_as(member(seller, "owner@acme.test"))
    page.goto(f"{live_server.url}/settings/")

    shop_name = page.get_by_role("textbox", name="Shop name", exact=True)
    token_name = page.get_by_role("textbox", name="Token name", exact=True)
    member_email = page.get_by_role("textbox", name="Email", exact=True)
    expect(shop_name).to_have_value(seller.name)
    expect(token_name).to_have_attribute("placeholder", "e.g. Warehouse scanner")
    expect(page.locator("#team form").get_by_role("textbox")).to_have_count(1)
    expect(page.locator("#team").get_by_role("textbox", name="Email", exact=True)).to_have_count(1)
    expect(member_email).to_have_count(1)

    # A label leads to its own field, not to the shop profile's field of the same name.
    page.locator("#tokens").get_by_text("Token name", exact=True).click()
    expect(token_name).to_be_focused()
    page.locator("#team").get_by_text("Email", exact=True).click()
    expect(member_email).to_be_focused()
    expect(page.locator("#team form").get_by_role("textbox")).to_be_focused()


def tab_to(page, target, *, limit: int = 120) -> None:
    """Press Tab (nothing else) until `target` has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        if target.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def expect_result_focused_and_announced(page, text: str):
    """The focus is on the result of the action, and the result is a live region a screen reader reads."""
    focused = page.locator(":focus")
    expect(focused).to_contain_text(text)
    expect(focused).to_have_attribute("role", re.compile(r"^(status|alert)$"))
    return focused


def test_a_keyboard_user_confirms_ships_bulk_confirms_and_marks_an_alert_read_with_the_result_focused(
    page, live_server, seller, make_product, place, member, sign_in_as
):
    make_product(seller, "MUG-1", on_hand=50)
    new = place(seller, customer_name="Grace Hopper")
    packed = advance(place(seller, customer_name="Alan Turing"), "processing")
    first, second = place(seller, customer_name="Ada Lovelace"), place(seller, customer_name="Edsger Dijkstra")
    # Orders nobody acts on here: their "new order" alerts stay unread (the others' are resolved
    # by their steps), for the Mark read part.
    place(seller, customer_name="Barbara Liskov"), place(seller, customer_name="Grace Murray")
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(DESKTOP)

    # Confirm: Tab to the button, Enter; the focus lands on the message saying it is done.
    page.goto(f"{live_server.url}/orders/{new.pk}/")
    tab_to(page, page.get_by_role("button", name="Confirm order"))
    page.keyboard.press("Enter")
    expect_result_focused_and_announced(page, f"Order #{new.number} confirmed.")

    # Ship: the carrier picked by typing its name, the number typed, Enter on the button.
    page.goto(f"{live_server.url}/orders/{packed.pk}/")
    tab_to(page, page.get_by_label("Carrier"))
    page.keyboard.type("UPS")
    expect(page.locator("#id_service_level option").first).to_have_text(re.compile("UPS Ground"))
    tab_to(page, page.get_by_label("Tracking number"))
    page.keyboard.type(UPS_NUMBER)
    expect(page.locator("#tracking-feedback")).to_contain_text("is a valid UPS tracking number")
    tab_to(page, page.get_by_role("button", name="Ship order"))
    page.keyboard.press("Enter")
    expect_result_focused_and_announced(page, f"Order #{packed.number} shipped.")

    # Bulk confirm: Space ticks each order, Enter on "Confirm selected".
    page.goto(f"{live_server.url}/orders/?tab=pending")
    for order in (first, second):
        tab_to(page, page.get_by_label(f"Select order #{order.number}"))
        page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Confirm selected"))
    page.keyboard.press("Enter")
    expect_result_focused_and_announced(page, "Confirmed 2 orders")

    # Mark read (htmx): each button names its alert; the focus stays where the button was.
    page.goto(f"{live_server.url}/alerts/")
    top = page.locator(".alert").first
    title = top.locator(".alert-title").inner_text()
    buttons = page.get_by_role("button", name=re.compile("^Mark read"))
    names = [button.evaluate("(b) => b.textContent.replace(/\\s+/g, ' ').trim()") for button in buttons.all()]
    assert len(names) >= 2 and len(set(names)) == len(names), names
    tab_to(page, top.get_by_role("button", name=re.compile("^Mark read")))
    page.keyboard.press("Enter")
    expect_result_focused_and_announced(page, f"Marked read: {title}")
    expect(top.locator(".alert-meta")).to_contain_text("read")


# What the focused element's ring looks like: its colour, the colour behind it, and whether a box
# that clips its overflow (a sideways-scrolling row) cuts the ring off.
FOCUS_RING = """(element) => {
  const style = getComputedStyle(element);
  const reach = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth);
  const box = element.getBoundingClientRect();
  let background = "rgba(0, 0, 0, 0)", clipped = false;
  for (let up = element.parentElement; up; up = up.parentElement) {
    const upStyle = getComputedStyle(up);
    if (background === "rgba(0, 0, 0, 0)" && upStyle.backgroundColor !== "rgba(0, 0, 0, 0)") {
      background = upStyle.backgroundColor;
    }
    if (upStyle.overflowX !== "visible" || upStyle.overflowY !== "visible") {
      const outer = up.getBoundingClientRect();  // overflow is clipped at the padding box, inside the border
      const clip = {left: outer.left + up.clientLeft, top: outer.top + up.clientTop};
      clip.right = clip.left + up.clientWidth;
      clip.bottom = clip.top + up.clientHeight;
      clipped = clipped || box.left - reach < clip.left - 0.5 || box.right + reach > clip.right + 0.5
        || box.top - reach < clip.top - 0.5 || box.bottom + reach > clip.bottom + 0.5;
    }
  }
  return {
    ring: style.outlineColor, style: style.outlineStyle, width: parseFloat(style.outlineWidth), background, clipped,
  };
}"""


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_stands_out_and_is_whole_on_the_page_the_tabs_and_the_phone_navigation(
    page, live_server, seller, member, sign_in_as
):
    sign_in_as(member(seller, "owner@acme.test"))
    rings = {}
    for viewport, targets in (
        (
            DESKTOP,
            {
                "search button": lambda: page.get_by_role("button", name="Search"),
                "status tab": lambda: page.locator(".tab-pending"),
            },
        ),
        (
            PHONE,
            {
                "status tab": lambda: page.locator(".tab-cancelled"),
                "phone navigation": lambda: page.get_by_role("navigation", name="Main").get_by_role(
                    "link", name="Settings"
                ),
            },
        ),
    ):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/orders/")
        for name, target in targets.items():
            tab_to(page, target())
            rings[f"{viewport['width']} {name}"] = target().evaluate(FOCUS_RING)

    for where, ring in rings.items():
        assert ring["style"] == "solid" and ring["width"] >= 2, (where, ring)
        assert contrast(ring["ring"], ring["background"]) >= 3, (where, ring)  # WCAG 1.4.11
        assert not ring["clipped"], (where, ring)
