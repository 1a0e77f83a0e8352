"""Packing slips, labels and pick lists: real PDFs, rendered to images and read back.

Every document is rendered with poppler (pdftoppm), its barcodes decoded with zbar (zbarimg) and
its text extracted with pdftotext: what a printer and a scanner at the packing bench would see.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipdesk.accounts.services import create_api_token
from shipdesk.inventory.models import Product
from shipdesk.orders import services
from shipdesk.shipping.tracking import sandbox_tracking_number
from tests.builders import OTHER_UPS_NUMBER, SELLER_ACTOR, UPS_NUMBER, Api, advance
from tests.shipping.shipping_fixtures import FEDEX_NUMBER, ship


@pytest.fixture
def shop(seller, make_product):
    seller.name = "Acme Ceramics"
    seller.thank_you_note = "Thank you for your order!\nMade by hand in Springfield."
    seller.save(update_fields=["name", "thank_you_note"])
    make_product(seller, "MUG-1", on_hand=500)
    make_product(seller, "TEE-M", on_hand=500)
    make_product(seller, "TOTE", on_hand=500)
    Product.objects.filter(seller=seller, sku="MUG-1").update(bin_location="B-10", barcode="4006381333931")
    Product.objects.filter(seller=seller, sku="TEE-M").update(bin_location="A-2")
    Product.objects.filter(seller=seller, sku="TOTE").update(bin_location="B-9")
    return seller


def get_pdf(api: Api, path: str) -> bytes:
    response = api.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response.content


def post_pdf(api: Api, path: str, order_ids: list[int]) -> bytes:
    response = api.post(path, {"order_ids": order_ids})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    return response.content


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a_packing_slip_shows_the_shop_the_order_number_as_code128_the_address_lines_and_the_note(
    shop, place, seller_api, pdf
):
    order = place(shop, lines=(("MUG-1", 2, "12.50"), ("TOTE", 1, "12.50")), ship_line2="Apt 4")

    slip = get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf")

    assert pdf.pages(slip) == 1
    assert pdf.barcodes(slip) == [str(order.number)]
    text = squeeze(pdf.text(slip))
    assert "Acme Ceramics" in text
    assert f"Packing slip · Order #{order.number}" in text
    for line in ("Ada Lovelace", "1 Main St", "Apt 4", "Springfield IL 62701", "United States of America"):
        assert line in text
    assert re.search(r"MUG-1 Mug-1 2", text) and re.search(r"TOTE Tote 1", text)
    assert "3 items" in text
    assert "Thank you for your order! Made by hand in Springfield." in text


def test_a_packing_slip_prints_what_people_typed_literally_never_as_markup(shop, place, seller_api, pdf):
    shop.name = "<b>Eve</b> & <font size=40>Co</font>"
    shop.thank_you_note = "Merci <3 — à bientôt!"
    shop.save(update_fields=["name", "thank_you_note"])
    order = place(shop, ship_name="Zoë <i>Ørsted</i> & Søn", note="Leave at <door> & ring")

    text = squeeze(pdf.text(get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf")))

    assert "<b>Eve</b> & <font size=40>Co</font>" in text
    assert "Zoë <i>Ørsted</i> & Søn" in text
    assert "Leave at <door> & ring" in text
    assert "Merci <3 — à bientôt!" in text


def test_a_partly_cancelled_order_slips_only_what_is_still_to_ship(shop, place, seller_api, pdf):
    order = advance(place(shop, lines=(("MUG-1", 3, "12.50"), ("TOTE", 1, "12.50"))), "confirmed")
    mug = order.lines.get(sku="MUG-1")
    services.cancel_line(
        order_id=order.pk, seller_id=shop.pk, line_id=mug.pk, quantity=2, actor=SELLER_ACTOR, reason="out_of_stock"
    )

    text = squeeze(pdf.text(get_pdf(seller_api, f"/orders/{order.pk}/packing-slip.pdf")))

    assert "MUG-1 Mug-1 1" in text
    assert "2 items" in text


def test_a_label_is_4_by_6_inches_with_addresses_carrier_service_and_the_tracking_number_as_code128(
    shop, place, seller_api, pdf
):
    order = advance(place(shop), "shipped")

    label = get_pdf(seller_api, f"/orders/{order.pk}/label.pdf")

    assert pdf.pages(label) == 1
    assert pdf.barcodes(label) == [UPS_NUMBER]
    text = squeeze(pdf.text(label))
    assert "FROM Acme Ceramics" in text
    assert "SHIP TO Ada Lovelace 1 Main St Springfield IL 62701" in text
    assert "UPS · UPS Ground" in text
    assert UPS_NUMBER in text
    assert f"Order #{order.number}" in text
    info = pdf.info(label)
    assert "288 x 432 pts" in info  # 4 × 6 in


def test_a_label_before_the_order_ships_is_409(shop, place, seller_api):
    order = advance(place(shop), "processing")

    response = seller_api.get(f"/orders/{order.pk}/label.pdf")

    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"unshipped_orders": [order.number]}


def test_a_sandbox_label_says_it_is_no_real_label(shop, place, seller_api, pdf, settings):
    settings.SHIPDESK_SANDBOX_CARRIER = True
    order = ship(place(shop), carrier="sandbox", service_level="standard", number=sandbox_tracking_number(5))

    label = get_pdf(seller_api, f"/orders/{order.pk}/label.pdf")

    assert pdf.barcodes(label) == [sandbox_tracking_number(5)]
    assert "SANDBOX · NOT A REAL LABEL" in pdf.text(label)


def test_a_batch_of_200_packing_slips_is_one_pdf_of_200_pages_in_the_order_asked(shop, place, seller_api, pdf):
    orders = [place(shop, lines=(("TOTE", 1, "12.50"),)) for _ in range(200)]
    ids = [o.pk for o in reversed(orders)]

    slips = post_pdf(seller_api, "/documents/packing-slips", ids)

    assert pdf.pages(slips) == 200
    assert pdf.barcodes(slips, page=1) == [str(orders[-1].number)]
    assert pdf.barcodes(slips, page=200) == [str(orders[0].number)]
    assert f"Order #{orders[100].number}" in pdf.text(slips, first=100, last=100)


def test_batch_documents_cost_the_same_queries_for_2_and_20_orders(shop, place, seller_api):
    orders = [place(shop, lines=(("TOTE", 1, "12.50"), ("MUG-1", 1, "12.50"))) for _ in range(20)]
    seller_api.get("/orders/counts")  # the token's first use is stamped once

    def queries(ids):
        with CaptureQueriesContext(connection) as ctx:
            post_pdf(seller_api, "/documents/packing-slips", ids)
        return len(ctx.captured_queries)

    assert queries([o.pk for o in orders[:2]]) == queries([o.pk for o in orders])


def test_a_batch_of_labels_has_one_page_per_shipped_order_each_with_its_barcode(shop, place, seller_api, pdf):
    ups = advance(place(shop), "shipped")
    fedex = ship(place(shop))

    labels = post_pdf(seller_api, "/documents/labels", [ups.pk, fedex.pk])

    assert pdf.pages(labels) == 2
    assert pdf.barcodes(labels, page=1) == [UPS_NUMBER]
    assert pdf.barcodes(labels, page=2) == [FEDEX_NUMBER]


def test_a_batch_of_labels_with_an_unshipped_order_is_refused_whole(shop, place, seller_api):
    shipped = advance(place(shop), "shipped")
    waiting = place(shop)

    response = seller_api.post("/documents/labels", {"order_ids": [shipped.pk, waiting.pk]})

    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"unshipped_orders": [waiting.number]}


def test_a_pick_list_sums_each_sku_across_the_orders_in_bin_order(shop, place, seller_api, pdf):
    a = place(shop, lines=(("MUG-1", 2, "12.50"), ("TOTE", 1, "12.50")))
    b = place(shop, lines=(("MUG-1", 1, "12.50"), ("TEE-M", 3, "12.50")))
    c = place(shop, lines=(("TOTE", 4, "12.50"),))

    pick = post_pdf(seller_api, "/documents/pick-list", [a.pk, b.pk, c.pk])

    assert pdf.pages(pick) == 1
    assert pdf.barcodes(pick) == []
    lines = [
        squeeze(line).strip()
        for line in pdf.text(pick).splitlines()
        if re.search(r"\b(MUG-1|TOTE|TEE-M)\b", line) and "Orders" not in line
    ]
    # shelf order: A-2, then B-9 before B-10 (numbers compare as numbers)
    assert [re.search(r"(MUG-1|TOTE|TEE-M)", line).group(1) for line in lines] == ["TEE-M", "TOTE", "MUG-1"]
    assert re.search(rf"A-2 TEE-M Tee-M 3 #{b.number}$", lines[0])
    assert re.search(rf"B-9 TOTE Tote 5 #{a.number}, #{c.number}$", lines[1])
    assert re.search(rf"B-10 MUG-1 Mug-1 3 #{a.number}, #{b.number}$", lines[2])
    assert "3 orders, 11 items" in squeeze(pdf.text(pick))


@pytest.mark.parametrize(
    ("zone", "stamp"),
    [
        ("America/New_York", "15 Jan 2025 09:30 EST (America/New_York)"),
        ("Asia/Tokyo", "15 Jan 2025 23:30 JST (Asia/Tokyo)"),
        ("UTC", "15 Jan 2025 14:30 UTC"),
    ],
)
def test_a_pick_list_is_stamped_on_the_shops_clock_with_the_zone_named(shop, place, seller_api, pdf, zone, stamp):
    shop.timezone = zone
    shop.save(update_fields=["timezone"])
    order = place(shop, lines=(("MUG-1", 1, "12.50"),))

    with time_machine.travel(datetime(2025, 1, 15, 14, 30, tzinfo=UTC), tick=False):
        pick = post_pdf(seller_api, "/documents/pick-list", [order.pk])

    assert f"1 order, 1 item · {stamp}" in squeeze(pdf.text(pick))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/orders/{id}/packing-slip.pdf"),
        ("get", "/orders/{id}/label.pdf"),
        ("post", "/documents/packing-slips"),
        ("post", "/documents/labels"),
        ("post", "/documents/pick-list"),
    ],
)
def test_another_sellers_order_is_404_for_every_document(
    shop, place, make_seller, make_product, seller_api, method, path
):
    other = make_seller()
    make_product(other)
    theirs = advance(place(other), "shipped", tracking_number=OTHER_UPS_NUMBER)
    mine = advance(place(shop), "shipped")

    if method == "get":
        response = seller_api.get(path.format(id=theirs.pk))
    else:
        response = seller_api.post(path, {"order_ids": [mine.pk, theirs.pk]})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_platform_token_prints_for_any_seller(shop, place, pdf):
    order = place(shop)
    platform = Api(create_api_token(name="ops", seller=None).token)

    assert pdf.barcodes(get_pdf(platform, f"/orders/{order.pk}/packing-slip.pdf")) == [str(order.number)]


@pytest.mark.parametrize("body", [{"order_ids": []}, {"order_ids": list(range(1, 502))}, {"order_ids": ["x"]}, {}])
def test_a_batch_without_a_sensible_list_of_ids_is_refused(seller_api, body):
    response = seller_api.post("/documents/packing-slips", body)

    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] in ("validation_error", "malformed_request")


@pytest.mark.parametrize("document", ["packing-slip.pdf", "label.pdf"])
def test_an_order_id_beyond_any_database_key_is_a_404_not_a_crash(seller_api, document):
    response = seller_api.get(f"/orders/{2**80}/{document}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
