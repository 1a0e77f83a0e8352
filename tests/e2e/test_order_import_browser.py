"""The order-file import in a real browser: upload a spreadsheet, see its first rows, map its columns,
import with a progress bar and a report of bad rows, then map the SKU of the order held for it
("map this SKU") and see it placed."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from shipdesk.channels.models import ImportMapping
from shipdesk.jobs.worker import run_until_idle
from shipdesk.orders.models import Order
from tests.e2e.conftest import DESKTOP

TODAY = date.today().isoformat()
FILE = (
    "Order,Date,Buyer,Email,Street,Town,State,Zip,Country,Item,Qty,Price,Cur\n"
    f"B-1,{TODAY},Ada Lovelace,ada@example.com,1 Main St,Springfield,IL,62701,US,MUG-1,2,12.50,USD\n"
    f"B-2,{TODAY},Grace Hopper,grace@example.com,2 Oak Ave,Springfield,IL,62702,US,SHOP-MUG-BLUE,1,12.50,USD\n"
    f"B-3,{TODAY},Alan Turing,alan@example.com,3 Elm Rd,Springfield,IL,62703,US,MUG-1,two,12.50,USD\n"
)
CHOICES = {
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
}


def test_a_seller_imports_a_spreadsheet_through_the_mapping_screen_and_maps_the_sku_of_the_held_order(
    page, live_server, make_seller, make_product, member, sign_in_as, tmp_path, csp_violations
):
    seller = make_seller("acme")
    make_product(seller, "MUG-1", price="12.50", on_hand=20)
    sign_in_as(member(seller, "owner@acme.test"))
    page.set_viewport_size(DESKTOP)
    upload = tmp_path / "february.csv"
    upload.write_text(FILE)

    page.goto(f"{live_server.url}/channels/import/")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()

    # The first rows as the file has them, then one column per field.
    preview = page.get_by_role("table", name="The first rows of the file")
    expect(preview).to_contain_text("Ada Lovelace")
    expect(preview).to_contain_text("SHOP-MUG-BLUE")
    for field, header in CHOICES.items():
        page.locator(f"#column-{field}").select_option(header)
    page.get_by_label("Save this mapping as").fill("February sheet")
    page.get_by_role("button", name="Import 3 rows").click()

    expect(page.get_by_role("heading", name="Importing february.csv")).to_be_visible()
    run_until_idle()  # the worker imports it; the page polls its progress
    expect(page.locator(".import-status")).to_have_text("Done", timeout=10_000)
    expect(page.locator(".import-summary")).to_contain_text("1 orders placed, 1 held")
    expect(page.locator(".import-report")).to_contain_text("Quantity 'two' is not a whole number.")
    assert ImportMapping.objects.get(seller=seller).name == "February sheet"

    page.get_by_role("link", name="channels page").click()
    held = page.locator(".held-orders")
    expect(held).to_contain_text("B-2")
    held.get_by_label("Map this SKU SHOP-MUG-BLUE to").select_option("MUG-1")
    held.get_by_role("button", name="Map").click()

    expect(page.locator("body")).to_contain_text("SHOP-MUG-BLUE now means MUG-1. Placed: #1002.")
    expect(page.locator("body")).to_contain_text("No order is waiting")
    assert sorted(Order.objects.filter(seller=seller).values_list("external_id", flat=True)) == ["B-1", "B-2"]
    assert csp_violations == []
