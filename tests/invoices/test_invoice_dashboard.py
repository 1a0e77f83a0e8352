"""The order page's invoice panel: issue the invoice, open its PDF, see the credit notes."""

from __future__ import annotations

import re

from shipdesk.invoices import selectors, services
from shipdesk.orders import services as orders
from tests.builders import SELLER_ACTOR, advance


def test_the_seller_issues_the_invoice_from_the_order_page_and_opens_its_pdf(
    seller, product, place, owner_client, make_seller, make_product, pdf
):
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789")
    order = place(seller)
    page = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Issue tax invoice" in page

    response = owner_client.post(f"/orders/{order.pk}/invoice/", follow=True)
    page = response.content.decode()
    assert "Tax invoice INV-000001 (PDF)" in page and f'href="/orders/{order.pk}/invoice.pdf"' in page

    document = owner_client.get(f"/orders/{order.pk}/invoice.pdf")
    assert document.status_code == 200 and "Tax invoice INV-000001" in " ".join(pdf.text(document.content).split())

    advance(order, "shipped")
    line = order.lines.get()
    orders.refund_shipped_order(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        lines=[(line.pk, 1)],
        reason="damaged",
        source="goodwill",
    )
    page = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Credit note CN-000001 (PDF)" in page  # credited with the refund

    other = make_seller("other")
    make_product(other)
    other_order = place(other)
    assert owner_client.post(f"/orders/{other_order.pk}/invoice/").status_code == 404
    assert owner_client.get(f"/orders/{other_order.pk}/invoice.pdf").status_code == 404


def test_without_a_tax_id_the_order_page_says_why_no_invoice(seller, product, place, owner_client):
    order = place(seller)
    page = owner_client.post(f"/orders/{order.pk}/invoice/", follow=True).content.decode()
    assert "tax id" in page.lower() and "INV-" not in page


def test_the_order_page_offers_no_invoice_for_an_unpaid_order_and_says_why(seller, product, place, owner_client):
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789")
    order = place(seller, paid=False)
    page = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Issue tax invoice" not in page and "An invoice is issued once the order is paid" in page
    assert 'href="/settings/#invoices"' not in page  # nothing to change in the settings

    refused = owner_client.post(f"/orders/{order.pk}/invoice/", follow=True).content.decode()
    assert "An invoice is issued once the order is paid" in refused and "INV-" not in refused


def test_a_shop_set_to_never_sees_why_there_is_no_invoice_and_where_to_change_it(seller, product, place, owner_client):
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789", issuing="never")
    order = place(seller)
    page = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Issue tax invoice" not in page
    assert "the shop&#x27;s setting is to never issue them" in page and 'href="/settings/#invoices"' in page


def test_the_invoices_section_of_the_settings_saves_the_tax_id_and_the_setting(seller, owner_client):
    page = owner_client.get("/settings/").content.decode()
    assert 'id="invoices"' in page and "shops in GB must issue tax invoices" in page

    response = owner_client.post("/settings/invoices/", {"tax_id": "gb 123 456 789", "issuing": "never"})
    assert response.status_code == 302 and response["Location"].endswith("/settings/#invoices")
    settings = selectors.invoice_settings(seller_id=seller.pk)
    assert (settings.tax_id, settings.issuing, settings.offer.offered) == ("GB 123 456 789", "never", False)
    assert "the shop&#x27;s setting is to never issue them" in owner_client.get("/settings/").content.decode()


def test_a_bad_tax_id_or_setting_is_an_error_on_its_field_and_nothing_is_saved(seller, owner_client):
    services.set_invoice_settings(seller_id=seller.pk, tax_id="GB123456789")
    response = owner_client.post("/settings/invoices/", {"tax_id": "<b>GB!</b>", "issuing": "auto"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "2 to 40 letters, digits, spaces, dots or dashes." in page
    assert "&lt;b&gt;GB!&lt;/b&gt;" in page and "<b>GB!</b>" not in page  # the bad value is shown, escaped

    response = owner_client.post("/settings/invoices/", {"tax_id": "GB1", "issuing": "sometimes"})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert selectors.invoice_settings(seller_id=seller.pk).tax_id == "GB123456789"


def test_staff_cannot_change_the_invoice_settings(seller, staff_client):
    response = staff_client.post("/settings/invoices/", {"tax_id": "GB1", "issuing": "never"})
    assert response.status_code == 403
    assert selectors.invoice_settings(seller_id=seller.pk).issuing == "auto"


def test_the_settings_turn_on_invoicing_on_shipping_only_with_a_tax_id(seller, owner_client):
    response = owner_client.post("/settings/invoices/", {"tax_id": "", "issuing": "auto", "issue_on_shipping": "on"})
    assert response.status_code == 422
    assert "Invoices issued on shipping need the shop&#x27;s tax id." in response.content.decode()
    assert selectors.invoice_settings(seller_id=seller.pk).issue_on_shipping is False

    response = owner_client.post(
        "/settings/invoices/", {"tax_id": "GB123456789", "issuing": "auto", "issue_on_shipping": "on"}
    )
    assert response.status_code == 302
    assert selectors.invoice_settings(seller_id=seller.pk).issue_on_shipping is True
    page = owner_client.get("/settings/").content.decode()
    assert re.search(r'<input type="checkbox" name="issue_on_shipping"[^>]*checked', page)
