"""The papers in the dashboard (issue 18): the logo and insert on the settings page, handling
notes on the product form, and a gift order's page with its message and its gift slip."""

from __future__ import annotations

import io

import pytest

from shipdesk.accounts.models import Seller
from shipdesk.inventory.models import Product
from tests.papers.paper_images import INSERT_COLOUR, LOGO_COLOUR, image_bytes, media  # noqa: F401

pytestmark = pytest.mark.usefixtures("media")


def named(content: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_an_owner_uploads_a_logo_on_the_settings_page_and_can_remove_it(owner_client, seller):
    response = owner_client.post("/settings/logo/", {"file": named(image_bytes(LOGO_COLOUR), "logo.png")})

    assert response.status_code == 302 and response["Location"].endswith("#papers")
    assert Seller.objects.get(pk=seller.pk).logo
    assert "A logo is set." in owner_client.get("/settings/").content.decode()

    owner_client.post("/settings/logo/", {"remove": "1"})
    assert not Seller.objects.get(pk=seller.pk).logo


def test_a_file_that_is_no_image_is_a_form_error_on_the_settings_page(owner_client, seller):
    response = owner_client.post("/settings/logo/", {"file": named(b"<svg onload=alert(1)>", "logo.png")})

    assert response.status_code == 422
    assert "Not a PNG or JPEG image." in response.content.decode()
    assert not Seller.objects.get(pk=seller.pk).logo


def test_staff_cannot_change_the_papers(staff_client, seller):
    assert staff_client.post("/settings/logo/", {"file": named(image_bytes(), "logo.png")}).status_code == 403
    assert staff_client.post("/settings/insert/", {"text": "Sale"}).status_code == 403
    assert Seller.objects.get(pk=seller.pk).insert_text == ""


def test_an_owner_sets_the_insert_and_turns_it_off(owner_client, seller):
    owner_client.post(
        "/settings/insert/",
        {"text": "Thank you!\nCode THANKS5", "image": named(image_bytes(INSERT_COLOUR, fmt="JPEG"), "p.jpg")},
    )
    shop = Seller.objects.get(pk=seller.pk)
    assert shop.insert_text == "Thank you!\nCode THANKS5" and shop.insert_image
    assert "On: a page follows each packing slip, with a picture." in owner_client.get("/settings/").content.decode()

    owner_client.post("/settings/insert/", {"remove": "1"})

    shop = Seller.objects.get(pk=seller.pk)
    assert shop.insert_text == "" and not shop.insert_image


def test_the_product_form_sets_handling_notes(owner_client, seller):
    response = owner_client.post(
        "/inventory/products/",
        {
            "sku": "VASE",
            "title": "Glass vase",
            "price": "30.00",
            "currency": "USD",
            "on_hand": "3",
            "low_stock_threshold": "1",
            "handling_notes": ["keep_dry", "fragile"],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Product.objects.get(seller=seller, sku="VASE").handling_notes == ["fragile", "keep_dry"]


def test_a_gift_orders_page_shows_its_message_escaped_and_links_its_gift_slip(owner_client, seller, product, place):
    order = place(seller, is_gift=True, gift_message="<b>Happy</b> & merry")
    plain = place(seller)

    html = owner_client.get(f"/orders/{order.pk}/").content.decode()

    assert "This is a gift" in html and "&lt;b&gt;Happy&lt;/b&gt; &amp; merry" in html
    assert f"/orders/{order.pk}/gift-slip.pdf" in html
    assert f"/orders/{plain.pk}/gift-slip.pdf" not in owner_client.get(f"/orders/{plain.pk}/").content.decode()
    slip = owner_client.get(f"/orders/{order.pk}/gift-slip.pdf")
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf"
