"""Invoices in a real browser: an American shop is told invoices are not offered, turns them on in
the settings (a bad tax id first, refused on its field), and issues one from a paid order's page;
an unpaid order offers no button."""

from __future__ import annotations

from playwright.sync_api import expect

from shipdesk.invoices.models import Invoice


def test_a_shop_turns_invoices_on_in_the_settings_and_issues_one_from_the_order_page(
    page, live_server, make_seller, make_product, place, member, sign_in_as, csp_violations
):
    # given an American shop (its country needs no tax invoices) with a paid and an unpaid order
    shop = make_seller("acme", country="US")
    make_product(shop, "MUG-1")
    paid, unpaid = place(shop), place(shop, paid=False)
    sign_in_as(member(shop, "owner@acme.test"))

    # when the owner opens the paid order, no invoice is offered, and the page says why
    page.goto(f"{live_server.url}/orders/{paid.pk}/")
    panel = page.locator("#invoice")
    expect(panel).to_contain_text("shops in US need not issue tax invoices")
    expect(panel.get_by_role("button", name="Issue tax invoice")).to_have_count(0)

    # and in the settings sets invoicing to Always with a tax id the rule refuses ...
    panel.get_by_role("link", name="Invoice settings").click()
    section = page.locator("#invoices")
    section.get_by_label("Tax id (VAT, GST…)").fill("12/3456789")
    section.get_by_label("Issue tax invoices").select_option("always")
    section.get_by_role("button", name="Save invoice settings").click()
    section = page.locator("#invoices")
    expect(section).to_contain_text("2 to 40 letters, digits, spaces, dots or dashes.")

    # ... then a good one
    section.get_by_label("Tax id (VAT, GST…)").fill("12-3456789")
    section.get_by_role("button", name="Save invoice settings").click()
    expect(page.get_by_role("status").first).to_contain_text("Invoice settings saved.")
    expect(page.locator("#invoice-offer")).to_contain_text("the shop's setting is to always issue them")

    # then the paid order offers the invoice, and issuing it numbers it
    page.goto(f"{live_server.url}/orders/{paid.pk}/")
    page.locator("#invoice").get_by_role("button", name="Issue tax invoice").click()
    expect(page.locator("#invoice")).to_contain_text("Tax invoice INV-000001 (PDF)")
    assert Invoice.objects.get().seller_tax_id == "12-3456789"

    # and the unpaid order offers none yet
    page.goto(f"{live_server.url}/orders/{unpaid.pk}/")
    expect(page.locator("#invoice")).to_contain_text("An invoice is issued once the order is paid")
    expect(page.locator("#invoice").get_by_role("button", name="Issue tax invoice")).to_have_count(0)
    assert csp_violations == []
