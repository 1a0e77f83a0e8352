"""The dashboard's shipping pages through Django's test client: the pack screen and the PDFs.

The browser test of scanning is tests/e2e/test_scan_to_pack.py; these pin the server side
(scoping, no-JS fallbacks, what each answer contains).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.inventory.models import Product
from shipdesk.orders.models import OrderEvent
from tests.builders import advance


@pytest.fixture
def signed_in(seller):
    user = create_user(email="packer@acme.test", password="correct horse battery staple", seller=seller, role="staff")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def processing(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=20)
    Product.objects.filter(seller=seller, sku="MUG-1").update(barcode="4006381333931")
    return advance(place(seller, lines=(("MUG-1", 2, "12.50"),)), "processing")


def test_the_pack_screen_lists_what_to_pack_with_the_scan_field_focused(signed_in, processing):
    page = signed_in.get(f"/orders/{processing.pk}/pack/")

    assert page.status_code == 200
    html = page.content.decode()
    assert f"Pack order #{processing.number}" in html
    assert 'id="scan-code"' in html and "autofocus" in html
    assert "0 of 2" in html
    assert "Still missing" in html


def test_a_scan_with_htmx_answers_the_panel_with_the_line_ticked(signed_in, processing):
    response = signed_in.post(
        f"/orders/{processing.pk}/pack/scan/", {"code": "4006381333931"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="pack-panel"')
    assert "Packed MUG-1 — 1 of 2." in html
    assert "1 / 2" in html


def test_a_wrong_item_is_refused_with_a_visible_message(signed_in, processing):
    response = signed_in.post(f"/orders/{processing.pk}/pack/scan/", {"code": "TOTE"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert 'role="alert"' in html
    assert "TOTE is not in this order. Take it out of the box." in html
    assert "0 of 2" in html


def test_without_javascript_a_scan_posts_and_comes_back_to_the_pack_screen(signed_in, processing):
    response = signed_in.post(f"/orders/{processing.pk}/pack/scan/", {"code": "MUG-1"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/orders/{processing.pk}/pack/"
    assert "Packed MUG-1 — 1 of 2." in response.content.decode()


def test_without_javascript_a_refused_scan_is_said_once_in_the_panels_feedback_line(signed_in, processing):
    # a wrong item scanned before htmx took over the form: a full post, then the pack screen
    page = signed_in.post(f"/orders/{processing.pk}/pack/scan/", {"code": "NOT-IN-ORDER"}, follow=True).content.decode()

    feedback = re.search(r'<p[^>]*id="scan-feedback"[^>]*>(.*?)</p>', page, re.S)
    assert feedback and "is not in this order" in feedback.group(1)
    assert page.count("is not in this order") == 1  # not again as a page message that outlives the next scan
    # and it is said once: the next visit of the pack screen starts clean
    assert "is not in this order" not in signed_in.get(f"/orders/{processing.pk}/pack/").content.decode()


def test_packing_everything_records_the_check_in_the_timeline(signed_in, processing):
    for _ in range(2):
        signed_in.post(f"/orders/{processing.pk}/pack/scan/", {"code": "MUG-1"}, headers={"HX-Request": "true"})

    page = signed_in.get(f"/orders/{processing.pk}/")

    assert OrderEvent.objects.filter(order=processing, type="pack_checked").count() == 1
    assert "Pack checked" in page.content.decode()


def test_a_pack_screen_of_an_order_not_being_processed_says_so(signed_in, seller, make_product, place):
    make_product(seller, "MUG-1")
    order = place(seller)

    html = signed_in.get(f"/orders/{order.pk}/pack/").content.decode()

    assert "Only an order being processed can be packed" in html
    assert 'id="scan-code"' not in html


def test_another_shops_order_is_404_on_every_shipping_page(signed_in, make_seller, make_product, place):
    other = make_seller()
    make_product(other)
    theirs = advance(place(other), "shipped")

    assert signed_in.get(f"/orders/{theirs.pk}/pack/").status_code == 404
    assert signed_in.post(f"/orders/{theirs.pk}/pack/scan/", {"code": "MUG-1"}).status_code == 404
    assert signed_in.get(f"/orders/{theirs.pk}/packing-slip.pdf").status_code == 404
    assert signed_in.get(f"/orders/{theirs.pk}/label.pdf").status_code == 404


def test_signed_out_the_pages_ask_to_sign_in(db, processing):
    response = Client().get(f"/orders/{processing.pk}/pack/")

    assert response.status_code == 302
    assert "/signin/" in response["Location"]


def test_the_order_page_links_the_pack_screen_and_the_documents(signed_in, processing):
    html = signed_in.get(f"/orders/{processing.pk}/").content.decode()

    assert f"/orders/{processing.pk}/pack/" in html
    assert f"/orders/{processing.pk}/packing-slip.pdf" in html
    assert f"/orders/{processing.pk}/label.pdf" not in html  # not shipped yet


def test_the_slip_and_label_buttons_give_pdfs(signed_in, seller, make_product, place, pdf):
    make_product(seller, "MUG-1")
    order = advance(place(seller), "shipped")

    slip = signed_in.get(f"/orders/{order.pk}/packing-slip.pdf")
    label = signed_in.get(f"/orders/{order.pk}/label.pdf")

    assert slip["Content-Type"] == label["Content-Type"] == "application/pdf"
    assert pdf.barcodes(slip.content) == [str(order.number)]
    assert pdf.barcodes(label.content) == [order.shipments.get().tracking_number]


def test_a_label_for_an_unshipped_order_explains_itself_on_the_order_page(signed_in, processing):
    response = signed_in.get(f"/orders/{processing.pk}/label.pdf", follow=True)

    assert response.redirect_chain[-1][0] == f"/orders/{processing.pk}/"
    assert "A label needs a shipment" in response.content.decode()


def test_the_bulk_print_buttons_give_one_pdf_for_the_selected_orders(signed_in, seller, make_product, place, pdf):
    make_product(seller, "MUG-1", on_hand=50)
    orders = [place(seller) for _ in range(3)]

    response = signed_in.post("/orders/documents/", {"document": "packing-slips", "order_ids": [o.pk for o in orders]})

    assert response["Content-Type"] == "application/pdf"
    assert pdf.pages(response.content) == 3


def test_the_bulk_print_without_a_selection_says_so_on_a_short_page_of_its_own(signed_in, db):
    # The print buttons open a new tab: the answer must not be the whole orders list again there.
    response = signed_in.post("/orders/documents/", {"document": "labels", "next": "/orders/?status=processing"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Select the orders to print first." in html
    assert 'id="order-list"' not in html and 'class="sidebar"' not in html
    assert 'href="/orders/?status=processing"' in html


def test_labels_for_only_unshipped_orders_print_nothing_and_name_the_orders(signed_in, processing):
    response = signed_in.post("/orders/documents/", {"document": "labels", "order_ids": [processing.pk]})

    html = response.content.decode()
    assert response.status_code == 409
    assert "No labels printed" in html
    assert f"#{processing.number} is not shipped yet: a label needs a shipment, so ship it first." in html
    assert 'id="order-list"' not in html and 'class="sidebar"' not in html


def test_labels_for_a_mixed_selection_name_the_skipped_orders_and_print_the_others(
    signed_in, seller, processing, place, pdf
):
    shipped = advance(place(seller, lines=(("MUG-1", 1, "12.50"),)), "shipped")
    other = advance(place(seller, lines=(("MUG-1", 1, "12.50"),)), "processing")
    ids = [processing.pk, shipped.pk, other.pk]

    response = signed_in.post("/orders/documents/", {"document": "labels", "order_ids": ids})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Labels for 1 of 3 orders" in html
    assert f"#{processing.number}, #{other.number} are not shipped yet" in html
    assert f"Ready to print: #{shipped.number}." in html
    offered = [int(i) for i in re.findall(r'name="order_ids" value="(\d+)"', html)]
    assert offered == [shipped.pk]

    labels = signed_in.post("/orders/documents/", {"document": "labels", "order_ids": offered})
    assert labels["Content-Type"] == "application/pdf"
    assert pdf.barcodes(labels.content) == [shipped.shipments.get().tracking_number]


def test_control_characters_a_scanner_sends_are_dropped_not_stored(signed_in, processing):
    response = signed_in.post(
        f"/orders/{processing.pk}/pack/scan/", {"code": "\x00\x02MUG-1\r\n"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "Packed MUG-1 — 1 of 2." in response.content.decode()


def test_the_order_list_offers_printing_the_selected_orders(signed_in, processing):
    html = signed_in.get("/orders/?tab=all").content.decode()

    for label in ("Print packing slips", "Print labels", "Print pick list"):
        assert label in html
    assert 'formaction="/orders/documents/"' in html


@pytest.mark.parametrize("tab", ["processing", "shipped"])
def test_orders_being_packed_or_shipped_can_be_selected_to_print_but_not_confirmed(signed_in, processing, tab):
    if tab == "shipped":
        advance(processing, "shipped")

    html = signed_in.get(f"/orders/?tab={tab}").content.decode()

    assert 'name="order_ids"' in html and "Print labels" in html
    assert "Confirm selected" not in html and "Process selected" not in html


def test_delivered_and_cancelled_tabs_have_nothing_to_select(signed_in, processing):
    advance(processing, "delivered")

    html = signed_in.get("/orders/?tab=delivered").content.decode()

    assert "#" + str(processing.number) in html
    assert 'name="order_ids"' not in html and "Print labels" not in html


def test_shipping_a_half_packed_order_from_the_dashboard_asks_first_then_ships_when_confirmed(signed_in, processing):
    # given a pack check that has scanned one of the two mugs
    signed_in.post(f"/orders/{processing.pk}/pack/scan/", {"code": "MUG-1"}, headers={"HX-Request": "true"})
    form = {"carrier": "ups", "service_level": "ground", "tracking_number": "1Z999AA10123456784"}

    # when the seller ships, the page refuses and offers to ship anyway
    refused = signed_in.post(f"/orders/{processing.pk}/ship/", form)
    processing.refresh_from_db()
    assert refused.status_code == 422
    assert processing.status == "processing"
    assert 'name="confirm_incomplete_pack"' in refused.content.decode()

    # and ticking "ship anyway" ships it, with the missing unit on the timeline
    shipped = signed_in.post(f"/orders/{processing.pk}/ship/", {**form, "confirm_incomplete_pack": "on"})
    processing.refresh_from_db()
    assert shipped.status_code == 302
    assert processing.status == "shipped"
    assert OrderEvent.objects.filter(order=processing, type="shipped_incomplete_pack").count() == 1
