"""The performance page in a real browser: the charts, a metric's orders, a customer's review
through the emailed link, the seller's reply; and the screenshot in the screenshot folder
(docs/screenshots/ with `make screenshots`)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from shipdesk.notifications.rendering import review_url
from shipdesk.performance.models import Review
from shipdesk.performance.services import evaluate_history
from tests.builders import advance
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.performance.conftest import ship_and_deliver


def _history(seller, place):
    """Six weeks of a small shop, an order every third day: most shipped in time, three late
    (enough orders for the rates to be judged: metrics.MIN_ORDERS); then the daily snapshots.
    A late order counts on its ship-by day, so the late ones are placed at most 27 days ago: their
    deadlines fall inside the 30-day window whatever weekday the test runs on."""
    now = timezone.now()
    late = []
    plan = [(days_ago, 9 if days_ago in (27, 24, 12) else 1) for days_ago in range(45, 2, -3)]
    for days_ago, ship_after_days in plan:
        with time_machine.travel(now - timedelta(days=days_ago), tick=False):
            order = advance(place(seller, customer_name=f"Customer {days_ago}"), "processing")
        with time_machine.travel(now - timedelta(days=days_ago - ship_after_days), tick=False):
            order = ship_and_deliver(order)
        if ship_after_days > 3:
            late.append(order)
    evaluate_history(seller_id=seller.pk, days=45)
    return late


@pytest.mark.screenshots
def test_a_seller_reads_the_charts_follows_a_metric_to_its_orders_and_a_customer_reviews(
    page, live_server, seller, make_product, place, member, sign_in_as, csp_violations
):
    make_product(seller, on_hand=100)
    late = _history(seller, place)
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/performance/")
    expect(page.get_by_role("heading", name="Performance", exact=True)).to_be_visible()
    chart = page.locator("#chart-late_shipment")
    expect(chart).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Late shipment rate, daily, last 90 days"))).to_be_visible()
    expect(chart.locator("path.chart-line")).to_have_count(1)
    expect(chart.locator("line.chart-target")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "performance.png"), full_page=True)

    page.locator("#metric-late_shipment").get_by_role("link", name=re.compile(r"orders shipped late")).click()
    expect(page.get_by_role("heading", name="Late shipment rate")).to_be_visible()
    rows = page.locator("table.metric-orders tbody tr")
    for position, order in enumerate(sorted(late, key=lambda o: -o.pk)):
        expect(rows.nth(position)).to_contain_text(f"#{order.number}")
        expect(rows.nth(position)).to_contain_text("after the deadline")
    rows.first.get_by_role("link", name=f"#{max(late, key=lambda o: o.pk).number}").click()
    expect(page).to_have_url(re.compile(rf"/orders/{max(late, key=lambda o: o.pk).pk}/$"))

    # The customer opens the emailed link (no session), rates 4 stars with a comment.
    reviewed = late[0]
    customer = page.context.browser.new_context(viewport=PHONE)
    customer_page = customer.new_page()
    customer_page.on(
        "console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None
    )
    customer_page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", review_url(reviewed.pk)))
    expect(customer_page.get_by_role("heading", name="How was your order?")).to_be_visible()
    customer_page.get_by_label("4 stars — good").check()
    customer_page.get_by_label("Your comment (optional)").fill("Took a while, but <b>lovely</b> mug.")
    customer_page.get_by_role("button", name="Send review").click()
    expect(customer_page.get_by_role("heading", name="Thank you for your review!")).to_be_visible()
    expect(customer_page.locator(".review-comment")).to_have_text("Took a while, but <b>lovely</b> mug.")
    customer.close()

    # The seller sees it with the other reviews and replies once.
    page.goto(f"{live_server.url}/performance/reviews/")
    item = page.locator(f"#review-{Review.objects.get(order=reviewed).pk}")
    expect(item).to_contain_text("Took a while, but <b>lovely</b> mug.")
    item.get_by_label("Your reply").fill("Thank you! We have sped up our packing.")
    item.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Reply posted under the review.")).to_be_visible()
    expect(item.locator(".review-reply")).to_contain_text("Thank you! We have sped up our packing.")
    expect(item.get_by_role("button", name="Post reply")).to_have_count(0)

    # Nothing overflows a phone's screen: the charts scale down with their cards.
    page.set_viewport_size(PHONE)
    for path in ("/performance/", "/performance/late_shipment/orders/", "/performance/reviews/"):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
    assert csp_violations == []
