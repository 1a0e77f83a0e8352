"""CSV/TSV import with a column mapping: preview, map, import with progress; one report line per bad
row; idempotent by order id (a second upload creates nothing); Amazon's all-orders report and
Etsy's sold-order-items export have built-in mappings; a 1,000-row file, and the statements an
import sends per order (its speed is measured by bench/imports.py, not here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipdesk.channels import imports, services
from shipdesk.channels.csv_mapping import OrderRows, orders_in, read_table
from shipdesk.channels.import_runs import run_import
from shipdesk.channels.models import ChannelOrder, HeldOrder, ImportMapping, OrderImport
from shipdesk.jobs.worker import run_until_idle
from shipdesk.orders import services as orders
from shipdesk.orders.models import Order
from tests.channels.channel_helpers import SAMPLES, sample_bytes

# Today: an old unconfirmed order would be auto-cancelled by the worker's sweeps meanwhile.
TODAY = date.today().isoformat()
SPREADSHEET = (
    "Order,Date,Buyer,Email,Street,Town,State,Zip,Country,Item,Qty,Price,Cur,Paid\n"
    f"A-1,{TODAY},Ada Lovelace,ada@example.com,1 Main St,Springfield,IL,62701,US,MUG-1,2,12.50,USD,yes\n"
    f"A-1,{TODAY},Ada Lovelace,ada@example.com,1 Main St,Springfield,IL,62701,US,CUP-1,1,4.00,USD,yes\n"
    f"A-2,{TODAY},Grace Hopper,grace@example.com,2 Oak Ave,Springfield,IL,62702,US,MUG-1,one,12.50,USD,no\n"
    f"A-3,{TODAY},Alan Turing,alan@example.com,3 Elm Rd,Springfield,IL,62703,US,MUG-1,1,12.505,USD,no\n"
    f"A-4,{TODAY},Edsger Dijkstra,ed@example.com,4 Pine Ct,Springfield,IL,62704,US,MUG-1,1,12.50,USD,no\n"
)
COLUMNS = {
    "external_id": "Order",
    "placed_at": "Date",
    "customer_name": "Buyer",
    "customer_email": "Email",
    "ship_line1": "Street",
    "ship_city": "Town",
    "ship_region": "State",
    "ship_postal_code": "Zip",
    "ship_country": "Country",
    "sku": "Item",
    "quantity": "Qty",
    "unit_price": "Price",
    "currency": "Cur",
    "payment_status": "Paid",
}


@pytest.fixture
def mugs(seller, make_product):
    make_product(seller, "MUG-1", price="12.50", on_hand=100_000)
    make_product(seller, "CUP-1", price="4.00", on_hand=100_000)


def test_a_spreadsheet_imported_with_a_saved_mapping_places_its_orders_and_reports_each_bad_row_by_line(
    seller, mugs, seller_api
):
    preview = seller_api.post("/channels/imports/preview", {"content": SPREADSHEET}).json()
    assert preview["headers"][:3] == ["Order", "Date", "Buyer"] and preview["row_count"] == 5
    assert preview["rows"][0][:2] == ["A-1", TODAY]

    started = seller_api.post(
        "/channels/imports", {"filename": "feb.csv", "content": SPREADSHEET, "columns": COLUMNS, "save_as": "My sheet"}
    )
    assert started.status_code == 202, started.content
    run_until_idle()
    done = seller_api.get(f"/channels/imports/{started.json()['id']}").json()

    assert (done["status"], done["placed"], done["done_rows"], done["total_rows"]) == ("done", 2, 5, 5)
    assert done["report"] == [
        {"row": 4, "message": "Quantity 'one' is not a whole number."},
        {"row": 5, "message": "Unit price 12.505: USD has 2 decimal places."},
    ]
    a1 = Order.objects.get(seller=seller, external_id="A-1")
    assert (a1.channel, a1.status, a1.payment_status, a1.subtotal) == ("csv", "pending", "paid", Decimal("29.00"))
    # Unpaid (and from last year: the worker's unpaid sweep may already have cancelled it).
    assert Order.objects.get(seller=seller, external_id="A-4").payment_status == "unpaid"
    # The mapping is the shop's now: the next file with these columns is proposed it.
    assert ImportMapping.objects.get(seller=seller).name == "My sheet"
    assert seller_api.post("/channels/imports/preview", {"content": SPREADSHEET}).json()["mapping"] == "My sheet"


def test_uploading_the_same_file_again_creates_nothing(seller, mugs, seller_api):
    for _ in range(2):
        seller_api.post("/channels/imports", {"content": SPREADSHEET, "columns": COLUMNS})
        run_until_idle()

    second = OrderImport.objects.order_by("id").last()
    assert (second.placed, second.existing) == (0, 2)
    assert Order.objects.filter(seller=seller).count() == 2


def test_a_mapping_missing_a_required_field_is_refused_before_anything_is_imported(seller, mugs, seller_api):
    response = seller_api.post("/channels/imports", {"content": SPREADSHEET, "columns": {"external_id": "Order"}})

    assert response.status_code == 422
    assert set(response.json()["error"]["details"]) >= {"sku", "quantity", "unit_price"}
    assert not OrderImport.objects.exists()


def test_amazons_all_orders_report_row_is_recognised_held_for_its_sku_and_once_mapped_lands_cancelled_as_its_item_was(
    seller, make_product, seller_api
):
    make_product(seller, "CAMERA-1", price="89.95", currency="EUR")
    report = sample_bytes("amazon_all_orders_flatfile__observed_header_and_scrubbed_row.tsv").decode()

    preview = seller_api.post("/channels/imports/preview", {"content": report}).json()
    seller_api.post("/channels/imports", {"content": report, "mapping": preview["mapping"]})
    run_until_idle()
    (held,) = HeldOrder.objects.filter(seller=seller)
    seller_api.post("/channels/sku-map", {"channel": "amazon", "channel_sku": "scrubbed", "sku": "CAMERA-1"})

    assert (preview["mapping"], preview["channel"]) == ("amazon-all-orders", "amazon")
    assert held.unmapped_skus == ["scrubbed"]
    order = Order.objects.get(seller=seller)
    # order-status Shipped, item-status Cancelled: the one item was cancelled, so the order is.
    assert (order.channel, order.currency, order.total, order.status) == (
        "amazon",
        "EUR",
        Decimal("89.95"),
        "cancelled",
    )
    assert (order.ship_city, order.ship_region, order.ship_postal_code) == ("TOWNNAME", "GA", "30041-8435")


def test_etsys_sold_order_items_export_is_recognised_by_its_header(seller, make_product, seller_api):
    make_product(seller, "MUG-1", price="14.99")
    header = sample_bytes("etsy_csv__EtsySoldOrderItems_headers_UNVERIFIED.csv").decode().strip()
    columns = header.split(",")
    values = dict.fromkeys(columns, "")
    values.update(
        {
            "Sale Date": "05/31/24",
            "Item Name": "Mug",
            "Buyer": "ada",
            "Quantity": "2",
            "Price": "14.99",
            "Order Shipping": "3.99",
            "Order Sales Tax": "0",
            "Currency": "USD",
            "Order ID": "3141592653",
            "Date Paid": "05/31/24",
            "Ship Name": "Ada Lovelace",
            "Ship Address1": "1 Main St",
            "Ship City": "Springfield",
            "Ship State": "IL",
            "Ship Zipcode": "62701",
            "Ship Country": "United States",
            "SKU": "MUG-1",
        }
    )
    content = header + "\n" + ",".join(values[c] for c in columns) + "\n"

    preview = seller_api.post("/channels/imports/preview", {"content": content}).json()
    seller_api.post("/channels/imports", {"content": content, "mapping": preview["mapping"]})
    run_until_idle()

    assert preview["mapping"] == "etsy-sold-order-items"
    order = Order.objects.get(seller=seller)
    assert (order.channel, order.status, order.payment_status, order.total) == (
        "etsy",
        "confirmed",
        "paid",
        Decimal("33.97"),
    )
    assert order.ship_country == "US" and order.placed_at.date().isoformat() == "2024-05-31"


def test_the_cli_imports_a_file_with_a_progress_bar_and_prints_the_bad_rows(seller, mugs, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(SPREADSHEET)
    ImportMapping.objects.create(seller=seller, name="sheet", columns=COLUMNS)
    out = StringIO()

    call_command("import_orders", str(path), seller="acme", mapping="sheet", stdout=out)

    assert "2 orders placed" in out.getvalue() and "line 4: Quantity 'one' is not a whole number." in out.getvalue()
    assert Order.objects.filter(seller=seller).count() == 2


def volume_file(orders: int, *, first: int = 0) -> str:
    """Four rows (items) per order; every tenth order names a SKU the shop lacks (it is held), and
    every 25th has a quantity that is not a number in its second row (reported, not imported)."""
    rows = []
    for order in range(first, first + orders):
        for sku, price in (("MUG-1", "12.50"), ("CUP-1", "4.00"), ("BOWL-1", "8.00"), ("PLATE-1", "9.00")):
            sku = "NOPE-1" if sku == "PLATE-1" and order % 10 == 0 else sku
            quantity = "x" if sku == "CUP-1" and order % 25 == 7 else "1"
            rows.append(
                f"V-{order},{TODAY},Buyer {order},b{order}@example.com,1 Main St,Springfield,IL,62701,US,"
                f"{sku},{quantity},{price},USD,yes"
            )
    return SPREADSHEET.splitlines()[0] + "\n" + "\n".join(rows) + "\n"


@pytest.fixture
def tableware(seller, mugs, make_product):
    make_product(seller, "BOWL-1", price="8.00", on_hand=100_000)
    make_product(seller, "PLATE-1", price="9.00", on_hand=100_000)


def test_a_1000_row_file_places_each_good_order_reports_each_bad_row_and_a_second_upload_creates_nothing(
    seller, tableware, seller_api
):
    # 1,000 rows: 250 orders, more than two chunks of the import's work.
    content = volume_file(250)

    response = seller_api.post("/channels/imports", {"content": content, "columns": COLUMNS})
    run_until_idle()

    done = OrderImport.objects.get(pk=response.json()["id"])
    bad = [order for order in range(250) if order % 25 == 7]
    assert (done.status, done.done_rows, done.total_rows) == ("done", 1_000, 1_000)
    # Orders 7, 32, 57, …: one report line each, at the line of its bad row (header is line 1).
    assert done.report == [{"row": 4 * order + 3, "message": "Quantity 'x' is not a whole number."} for order in bad]
    held = {order for order in range(250) if order % 10 == 0} - set(bad)
    placed = set(range(250)) - held - set(bad)
    assert (done.placed, done.held) == (len(placed), len(held))
    assert sorted(Order.objects.filter(seller=seller).values_list("external_id", flat=True)) == sorted(
        f"V-{order}" for order in placed
    )
    assert set(HeldOrder.objects.filter(seller=seller).values_list("external_id", flat=True)) == {
        f"V-{order}" for order in held
    }
    order = Order.objects.get(seller=seller, external_id="V-1")
    assert (order.subtotal, order.payment_status, order.lines.count()) == (Decimal("33.50"), "paid", 4)

    again = seller_api.post("/channels/imports", {"content": content, "columns": COLUMNS})
    run_until_idle()

    second = OrderImport.objects.get(pk=again.json()["id"])
    assert (second.placed, second.held, second.existing) == (0, 0, len(placed) + len(held))
    assert second.report == done.report
    assert Order.objects.filter(seller=seller).count() == len(placed)
    assert HeldOrder.objects.filter(seller=seller).count() == len(held)


def test_the_import_sends_a_fixed_number_of_statements_per_order_outside_place_order(seller, tableware, monkeypatch):
    """The import's own work per order (outside `place_order`, whose statements are its own
    business) is one savepoint and the channel link; the rest is per chunk of orders. A query per
    order slipping back in (an N+1) fails this."""
    content = volume_file(250)
    order_import = imports.start_import(
        seller_id=seller.pk, filename="v.csv", content=content, columns=COLUMNS, queue=False
    )
    placing = [0]
    real_place_order = orders.place_order

    def counted_place_order(**kwargs):
        before = len(queries.captured_queries)
        try:
            return real_place_order(**kwargs)
        finally:
            placing[0] += len(queries.captured_queries) - before

    monkeypatch.setattr(orders, "place_order", counted_place_order)
    progress = []

    with CaptureQueriesContext(connection) as queries:
        run_import(import_id=order_import.pk, progress=lambda done, total: progress.append((done, total)))

    done = OrderImport.objects.get(pk=order_import.pk)
    assert (done.placed, done.held, len(done.report)) == (215, 25, 10)
    outside = len(queries.captured_queries) - placing[0]
    chunks = 3  # 250 orders, 100 a chunk
    # Per placed order: its savepoint and its release, the ChannelOrder row. Per held order: its
    # savepoint and release, the HeldOrder row. Per chunk: the orders already here (links and held
    # orders, one statement), the chunk's transaction (begin, commit; a savepoint and its release
    # inside the test's transaction), the SKU map, the products, the shop, the progress. Per
    # import: read it, mark it running, the channel (made on first use: read, savepoint, insert,
    # release), the finished report.
    assert outside == 3 * 215 + 3 * 25 + 7 * chunks + 7, [q["sql"][:80] for q in queries.captured_queries[:40]]
    assert progress == [(400, 1_000), (800, 1_000), (1_000, 1_000), (1_000, 1_000)]


def test_samples_the_import_tests_read_are_in_the_repository():
    assert (SAMPLES / "README.md").read_text().count("amazon_all_orders_flatfile") >= 1


def test_an_order_that_arrives_between_a_chunks_lookup_and_its_placement_is_received_once(seller, mugs):
    # A webhook (or another upload) placed A-4 after the import's chunk found it absent.
    (incoming,) = [
        item.incoming
        for item in orders_in(read_table(SPREADSHEET), COLUMNS, kind="csv")
        if isinstance(item, OrderRows) and item.incoming and item.incoming.external_id == "A-4"
    ]
    channel = services.channel_for(seller_id=seller.pk, kind="csv")
    first = services.receive_order(channel=channel, incoming=incoming)

    (receipt,) = services.receive_new_orders(channel=channel, incomings=[incoming])

    assert (first.outcome, receipt.outcome, receipt.order.pk) == ("placed", "unchanged", first.order.pk)
    assert Order.objects.filter(seller=seller, external_id="A-4").count() == 1
    assert ChannelOrder.objects.filter(seller=seller, external_id="A-4").count() == 1
