"""Scan-to-pack in a real browser: a USB barcode scanner is a keyboard that types the code and
presses Enter, so the test types into the focused page exactly that way."""

from __future__ import annotations

from playwright.sync_api import expect

from shipdesk.inventory.models import Product
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import PackCheck
from tests.builders import advance

MUG_BARCODE = "4006381333931"
CANDLE_BARCODE = "4006381333986"  # a product of the shop, but not in this order


def scan(page, code: str) -> None:
    # No click, no fill: the scanner types into whatever has the focus, then Enter. A packer
    # scans once the screen has settled with the field focused again (after the last swap);
    # scanning into a half-swapped panel would test the browser's timing, not the pack screen.
    expect(page.locator("#scan-code")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_packer_packs_an_order_by_scanning_and_a_wrong_item_is_refused(
    page, live_server, seller, make_product, place, member, sign_in_as, csp_violations
):
    # given a processing order of 2 mugs and a tote, and a candle on the shelf next to them
    make_product(seller, "MUG-1", on_hand=10, title="Stoneware mug")
    make_product(seller, "TOTE", on_hand=10, title="Canvas tote")
    make_product(seller, "CANDLE", on_hand=10, title="Beeswax candle")
    Product.objects.filter(seller=seller, sku="MUG-1").update(barcode=MUG_BARCODE)
    Product.objects.filter(seller=seller, sku="CANDLE").update(barcode=CANDLE_BARCODE)
    order = advance(place(seller, lines=(("MUG-1", 2, "12.50"), ("TOTE", 1, "12.50"))), "processing")
    sign_in_as(member(seller, "packer@acme.test", "staff"))

    # the order page leads to the pack screen, where the scan field has the focus
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_role("link", name="Pack with scanner").click()
    expect(page.get_by_role("heading", name=f"Pack order #{order.number}")).to_be_visible()
    field = page.get_by_label("Scan an item, or type its SKU, then press Enter")
    expect(field).to_be_focused()
    expect(page.locator(".pack-progress")).to_have_text("0 of 3 units packed")

    # a mug's barcode ticks one mug
    scan(page, MUG_BARCODE)
    expect(page.locator("#scan-feedback")).to_have_text("Packed MUG-1 — 1 of 2.")
    expect(page.locator('.pack-line[data-sku="MUG-1"] .pack-count')).to_have_text("1 / 2")
    expect(field).to_be_focused()

    # the candle is refused, visibly, and nothing is ticked
    scan(page, CANDLE_BARCODE)
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(f"{CANDLE_BARCODE} is not in this order. Take it out of the box.")
    expect(page.locator(".pack-progress")).to_have_text("1 of 3 units packed")
    missing = page.locator("#pack-missing")
    expect(missing).to_contain_text("1 × MUG-1 Stoneware mug")
    expect(missing).to_contain_text("1 × TOTE Canvas tote")

    # the tote has no barcode: the packer types its SKU; then the second mug
    scan(page, "tote")
    expect(page.locator('.pack-line[data-sku="TOTE"] .pack-tick')).to_have_text("✓")
    scan(page, MUG_BARCODE)
    expect(page.locator(".pack-done")).to_contain_text("Everything is in the box.")
    expect(page.locator(".pack-progress")).to_have_text("3 of 3 units packed")
    expect(page.locator("#pack-missing")).to_have_count(0)

    # one mug too many is refused as well
    scan(page, MUG_BARCODE)
    expect(page.get_by_role("alert")).to_have_text("All 2 × MUG-1 are already packed. Take this one out.")

    # the check is recorded: the order's timeline shows it
    page.get_by_role("link", name="Back to the order to ship it").click()
    expect(page.locator(".timeline")).to_contain_text("Pack checked")
    assert OrderEvent.objects.filter(order=order, type="pack_checked").count() == 1
    check = PackCheck.objects.get(order=order)
    assert check.complete and check.scans == 3
    assert [r["code"] for r in check.refused] == [CANDLE_BARCODE, MUG_BARCODE]
    assert Order.objects.get(pk=order.pk).status == "processing"
    assert csp_violations == []
