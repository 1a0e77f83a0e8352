"""Inventory: stock per SKU, low-stock filter, stock changes with a reason, CSV import and export."""

from __future__ import annotations

import csv
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from shipdesk.inventory.models import Product, StockMove
from shipdesk.orders.models import LineStock


def upload(text: str, name: str = "stock.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def stock_of(seller, sku: str) -> tuple[int, int]:
    p = Product.objects.get(seller=seller, sku=sku)
    return p.on_hand, p.reserved


def test_the_list_shows_on_hand_reserved_and_available_per_sku(owner_client, seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=10)
    place(seller, lines=(("MUG-1", 3, "12.50"),))
    html = owner_client.get("/inventory/").content.decode()
    row = re.search(r'<td data-label="SKU" class="sku">MUG-1</td>.*?</tr>', html, re.S).group(0)
    assert re.findall(r'class="num">(?:<strong>)?(\d+)', row) == ["10", "3", "7"]
    assert "In stock" in row


def test_the_low_stock_filter_shows_only_skus_at_or_below_their_threshold(owner_client, seller, make_product):
    make_product(seller, "PLENTY", on_hand=50)
    make_product(seller, "FEW", on_hand=5)  # threshold 5
    make_product(seller, "NONE", on_hand=0)
    html = owner_client.get("/inventory/", {"low": "1"}).content.decode()
    skus = re.findall(r'<td data-label="SKU" class="sku">([^<]+)</td>', html)
    assert skus == ["FEW", "NONE"]
    assert "Low stock" in html and "Out of stock" in html


def test_stock_is_added_removed_or_set_with_a_reason_and_recorded(owner_client, owner, seller, make_product):
    make_product(seller, "MUG-1", on_hand=10)
    owner_client.post(
        "/inventory/stock/", {"sku": "MUG-1", "mode": "add", "quantity": 5, "reason": "supplier delivery"}
    )
    owner_client.post("/inventory/stock/", {"sku": "MUG-1", "mode": "remove", "quantity": 2, "reason": "broken"})
    response = owner_client.post(
        "/inventory/stock/", {"sku": "MUG-1", "mode": "set", "quantity": 20, "reason": "stocktake"}, follow=True
    )

    assert stock_of(seller, "MUG-1") == (20, 0)
    assert "MUG-1: 20 on hand, 20 available." in response.content.decode()
    moves = list(
        StockMove.objects.filter(product__sku="MUG-1")
        .order_by("id")
        .values_list("kind", "on_hand_delta", "reason", "actor")
    )
    assert moves[1:] == [
        ("received", 5, "supplier delivery", owner.email),
        ("adjusted", -2, "broken", owner.email),
        ("set", 7, "stocktake", owner.email),
    ]


def test_stock_below_what_open_orders_hold_is_refused_with_the_reason(owner_client, seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=10)
    place(seller, lines=(("MUG-1", 4, "12.50"),))
    html = owner_client.post(
        "/inventory/stock/", {"sku": "MUG-1", "mode": "set", "quantity": 1, "reason": "count"}, follow=True
    ).content.decode()
    assert "4 units are reserved for open orders" in html
    assert stock_of(seller, "MUG-1") == (10, 4)


def test_a_stock_change_without_a_reason_is_refused(owner_client, seller, make_product):
    make_product(seller, "MUG-1", on_hand=10)
    html = owner_client.post(
        "/inventory/stock/", {"sku": "MUG-1", "mode": "add", "quantity": 3, "reason": ""}, follow=True
    ).content.decode()
    assert "MUG-1: Reason: This field is required." in html
    assert stock_of(seller, "MUG-1") == (10, 0)


def test_adding_stock_reserves_a_waiting_short_line(owner_client, seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=0)
    order = place(seller, lines=(("MUG-1", 2, "12.50"),))
    owner_client.post("/inventory/stock/", {"sku": "MUG-1", "mode": "add", "quantity": 2, "reason": "delivery"})
    assert order.lines.get().stock == LineStock.RESERVED


def test_another_shops_sku_cannot_be_changed(owner_client, make_seller, make_product):
    elsewhere = make_seller()
    make_product(elsewhere, "THEIRS", on_hand=3)
    response = owner_client.post("/inventory/stock/", {"sku": "THEIRS", "mode": "add", "quantity": 5, "reason": "x"})
    assert response.status_code == 404
    assert stock_of(elsewhere, "THEIRS") == (3, 0)


def test_a_product_is_added_from_the_form(owner_client, seller):
    owner_client.post(
        "/inventory/products/",
        {
            "sku": "TOTE",
            "title": "Canvas tote",
            "price": "18.50",
            "currency": "usd",
            "on_hand": 12,
            "low_stock_threshold": 3,
        },
    )
    product = Product.objects.get(seller=seller, sku="TOTE")
    assert (product.title, str(product.price), product.currency, product.on_hand) == (
        "Canvas tote",
        "18.5000",
        "USD",
        12,
    )


def test_a_duplicate_sku_is_a_form_error(owner_client, seller, make_product):
    make_product(seller, "TOTE")
    response = owner_client.post(
        "/inventory/products/",
        {"sku": "TOTE", "title": "Again", "price": "1.00", "currency": "USD", "on_hand": 0, "low_stock_threshold": 3},
    )
    assert response.status_code == 422
    assert "A product with SKU &#x27;TOTE&#x27; exists." in response.content.decode()


def test_a_csv_import_sets_every_count_and_adds_new_products(owner_client, owner, seller, make_product):
    make_product(seller, "MUG-1", on_hand=10)
    make_product(seller, "TEE-1", on_hand=4)
    text = "sku,on_hand,title,price,currency\nMUG-1,12,,,\nTEE-1,4,,,\nCAP-9,7,Baseball cap,15.00,USD\n"

    response = owner_client.post("/inventory/import/", {"file": upload(text), "reason": "March stocktake"}, follow=True)

    assert "Imported stock.csv: 1 updated, 1 unchanged, 1 new product(s)." in response.content.decode()
    assert (stock_of(seller, "MUG-1"), stock_of(seller, "TEE-1"), stock_of(seller, "CAP-9")) == (
        (12, 0),
        (4, 0),
        (7, 0),
    )
    assert StockMove.objects.filter(
        product__sku="MUG-1", reason="March stocktake", actor=owner.email, on_hand_delta=2
    ).exists()


def test_a_csv_with_any_bad_row_changes_nothing_and_names_each_bad_row_by_line(
    owner_client, seller, make_product, place
):
    make_product(seller, "MUG-1", on_hand=10)
    make_product(seller, "TEE-1", on_hand=10)
    place(seller, lines=(("TEE-1", 3, "9.00"),))
    text = "\n".join(
        [
            "sku,on_hand",
            "MUG-1,25",  # fine
            "TEE-1,2",  # 3 are reserved
            "NOPE-1,5",  # unknown, and no title/price/currency to create it
            "MUG-1,4",  # the same SKU twice
            ",3",  # no SKU
            "CAP-1,lots",  # not a number
        ]
    )

    response = owner_client.post("/inventory/import/", {"file": upload(text), "reason": "count"})

    html = response.content.decode()
    assert response.status_code == 422
    assert "Nothing was imported from stock.csv." in html
    rows = re.findall(
        r'<tr><td data-label="Line">(\d+)</td><td data-label="SKU">([^<]*)</td>'
        r'<td data-label="Problem">([^<]*)</td></tr>',
        html,
    )
    assert [(int(line), sku) for line, sku, _ in rows] == [
        (3, "TEE-1"),
        (4, "NOPE-1"),
        (5, "MUG-1"),
        (6, "—"),
        (7, "CAP-1"),
        (7, "CAP-1"),
    ]
    assert "3 units are reserved for open orders" in rows[0][2]
    assert "also on line 2" in rows[2][2]
    assert (stock_of(seller, "MUG-1"), stock_of(seller, "TEE-1")) == ((10, 0), (10, 3))
    assert not Product.objects.filter(sku__in=["NOPE-1", "CAP-1"]).exists()


def test_a_file_that_is_not_utf8_csv_is_refused_plainly(owner_client, seller, make_product):
    make_product(seller, "MUG-1", on_hand=10)
    bad = SimpleUploadedFile("stock.xlsx", b"PK\x03\x04\xff\xfe binary", content_type="application/octet-stream")
    response = owner_client.post("/inventory/import/", {"file": bad, "reason": "count"})
    assert response.status_code == 422
    assert "The file is not UTF-8 text." in response.content.decode()
    header_only = owner_client.post("/inventory/import/", {"file": upload("sku,count\nMUG-1,3\n"), "reason": "count"})
    assert "The header row needs the column(s) on_hand." in header_only.content.decode()
    assert stock_of(seller, "MUG-1") == (10, 0)


def test_the_csv_export_neutralises_spreadsheet_formulas(owner_client, seller, make_product):
    make_product(seller, "MUG-1", on_hand=3, title='=HYPERLINK("http://evil.test","click")')
    make_product(seller, "TEE-1", on_hand=1, title="+1 cmd|' /C calc'!A0")
    make_product(seller, "ZIP-1", on_hand=2, title="@SUM(1+1)")
    make_product(seller, "ZZZ-1", on_hand=4)
    # A title from before control characters were refused: still escaped on the way out.
    Product.objects.filter(seller=seller, sku="ZZZ-1").update(title="\tTabbed")

    response = owner_client.get("/inventory/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(r'attachment; filename="acme-stock-\d{4}-\d{2}-\d{2}.csv"', response["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "sku",
        "title",
        "barcode",
        "price",
        "currency",
        "on_hand",
        "reserved",
        "available",
        "low_stock_threshold",
    ]
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles == {
        "MUG-1": '\'=HYPERLINK("http://evil.test","click")',
        "TEE-1": "'+1 cmd|' /C calc'!A0",
        "ZIP-1": "'@SUM(1+1)",
        "ZZZ-1": "'\tTabbed",
    }
    assert rows[1][3:8] == ["12.50", "USD", "3", "0", "3"]


def test_an_exported_file_imports_back_unchanged(owner_client, seller, make_product):
    make_product(seller, "-SALE-1", on_hand=3, title="=1+1")
    make_product(seller, "MUG-1", on_hand=9)
    exported = b"".join(owner_client.get("/inventory/export.csv").streaming_content).decode()

    response = owner_client.post("/inventory/import/", {"file": upload(exported), "reason": "round trip"}, follow=True)

    assert "0 updated, 2 unchanged, 0 new product(s)" in response.content.decode()
    assert stock_of(seller, "-SALE-1") == (3, 0)
