"""The customer's tracking page `/t/<token>/`: where the parcel is, from a signed link, with nothing private on it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.notifications.rendering import review_url
from shipdesk.shipping import services
from shipdesk.shipping.services import Scan, TrackingUpdate
from shipdesk.shipping.tracking_links import TRACKING_SALT, tracking_page_order_id, tracking_page_path
from tests.builders import UPS_NUMBER, advance


def scan(status: str, at: datetime, description: str = "", location: str = "") -> None:
    services.record_tracking_update(
        update=TrackingUpdate(
            source="generic",
            tracking_number=UPS_NUMBER,
            scans=(Scan(status=status, occurred_at=at, description=description, location=location),),
        )
    )


@pytest.fixture
def customer():
    return Client()


def open_page(customer, order):
    return customer.get(tracking_page_path(order.pk))


def test_a_shipped_order_shows_its_carrier_number_eta_and_scans_newest_first(customer, seller, product, place):
    order = advance(place(seller), "shipped")
    scan("in_transit", datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "Departed facility", "Louisville, KY")
    scan("out_for_delivery", datetime(2026, 3, 4, 8, 0, tzinfo=UTC), "Out for delivery", "Springfield, IL")

    page = open_page(customer, order)

    assert page.status_code == 200
    html = page.content.decode()
    assert f"Order #{order.number}" in html and "from Acme" in html
    assert "On its way" in html and "expected" in html
    assert UPS_NUMBER in html and "UPS" in html
    assert f"https://www.ups.com/track?tracknum={UPS_NUMBER}" in html
    assert html.index("Out for delivery") < html.index("Departed facility")
    assert "Louisville, KY" in html


def test_an_order_not_yet_shipped_says_it_is_being_prepared(customer, seller, product, place):
    order = advance(place(seller), "confirmed")

    html = open_page(customer, order).content.decode()

    assert "The shop is preparing your order" in html
    assert "Tracking number" not in html


def test_a_delivered_order_says_when_and_a_cancelled_one_says_it_is_refunded(customer, seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=10)
    delivered = advance(place(seller, external_id="A"), "delivered")
    cancelled = advance(place(seller, external_id="B"), "cancelled")

    assert "Delivered " in open_page(customer, delivered).content.decode()
    cancelled_html = open_page(customer, cancelled).content.decode()
    assert "This order was cancelled" in cancelled_html and "refunded" in cancelled_html


def test_a_delayed_parcel_is_explained_in_the_customers_words(customer, seller, product, place):
    order = advance(place(seller), "shipped")
    scan("exception", datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "Damaged in transit")

    html = open_page(customer, order).content.decode()

    assert "The carrier reported a problem with this parcel" in html


def test_the_page_shows_no_street_address_email_or_money(customer, seller, product, place):
    order = advance(place(seller), "shipped")

    html = open_page(customer, order).content.decode()

    assert order.ship_line1 not in html
    assert order.customer_email not in html
    assert "$" not in html and "29.99" not in html
    assert order.ship_city in html


def test_customer_text_from_the_carrier_and_the_shop_is_escaped(customer, make_seller, make_product, place):
    shop = make_seller("evil")
    shop.name = "<b>Evil</b> shop"
    shop.save(update_fields=["name"])
    make_product(shop, "MUG-1", title="<script>alert(1)</script>")
    order = advance(place(shop), "shipped")
    scan("in_transit", datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "<img src=x onerror=alert(1)>")

    html = open_page(customer, order).content.decode()

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert "<b>Evil</b>" not in html


@pytest.mark.parametrize("mangle", ["forged", "altered", "review-token", "not-an-order"])
def test_a_bad_link_is_a_friendly_404_that_reveals_nothing(customer, seller, product, place, mangle):
    order = advance(place(seller), "shipped")
    good = tracking_page_path(order.pk).split("/")[2]
    token = {
        "forged": "abc:def",
        "altered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        # A review link's token is signed with another salt: it opens no tracking page.
        "review-token": review_url(order.pk).rstrip("/").rsplit("/", 1)[1],
        "not-an-order": signing.dumps(10**9, salt=TRACKING_SALT),
    }[mangle]

    response = customer.get(f"/t/{token}/")

    assert response.status_code == 404
    assert "This tracking link is not valid" in response.content.decode()
    assert str(order.number) not in response.content.decode()


def test_the_link_is_kept_out_of_caches_referers_and_search_engines(customer, seller, product, place):
    order = advance(place(seller), "shipped")

    response = open_page(customer, order)

    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_page_reads_a_fixed_number_of_queries_however_many_scans(
    customer, seller, product, place, django_assert_num_queries
):
    order = advance(place(seller), "shipped")
    for hour in range(12):
        scan("in_transit", datetime(2026, 3, 3, hour, 0, tzinfo=UTC), f"Scan {hour}")

    # order + seller, lines, parcels, their lines, scans; the session and messages are never touched
    with django_assert_num_queries(5):
        response = open_page(customer, order)
    assert response.status_code == 200


def test_the_api_and_the_dashboard_give_the_seller_the_customers_link(seller, product, place, seller_api):
    order = advance(place(seller), "shipped")

    api_link = seller_api.get(f"/orders/{order.pk}").json()["shipment"]["customer_tracking_url"]
    owner = create_user(email="owner@acme.test", password="correct horse battery staple", seller=seller, role="owner")
    dashboard = Client()
    dashboard.force_login(owner)
    html = dashboard.get(f"/orders/{order.pk}/").content.decode()
    page_link = re.search(r'href="([^"]*/t/[^"]+/)"[^>]*>Customer\'s tracking page', html).group(1)

    # Tokens carry their signing time, so the two links may differ; both name this order.
    assert {tracking_page_order_id(urlsplit(link).path.split("/")[2]) for link in (api_link, page_link)} == {order.pk}
