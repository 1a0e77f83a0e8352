"""The order page's invoice panel: issue the invoice, open its PDF, see the credit notes."""

from __future__ import annotations

from shipdesk.invoices import services
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
