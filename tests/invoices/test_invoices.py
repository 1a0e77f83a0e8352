"""Tax invoices and credit notes over the API: one invoice per order with a gapless number, tax
per line and rate, the customer's address; a credit note per refund that names its invoice."""

from __future__ import annotations

from decimal import Decimal

from shipdesk.accounts.services import create_api_token
from shipdesk.invoices.models import CreditNote, Invoice
from shipdesk.orders import services as orders
from tests.builders import SELLER_ACTOR, Api, advance


def _tax_id(api: Api, value: str = "GB123456789"):
    return api._call("put", "/invoice-settings", {"tax_id": value})


def test_an_invoice_carries_the_shops_tax_id_the_customers_address_and_tax_per_line_and_rate(
    seller, product, place, seller_api, pdf
):
    assert _tax_id(seller_api, "gb 123456789").json()["tax_id"] == "GB 123456789"
    order = place(seller, lines=(("MUG-1", 2, "12.50", "5.00"),), ship_line1="221B Baker Street")

    first = seller_api.post(f"/orders/{order.pk}/invoice")
    assert first.status_code == 200, first.content
    invoice = first.json()
    assert invoice["number"] == 1 and invoice["label"] == "INV-000001"
    assert invoice["seller_tax_id"] == "GB 123456789"
    assert "221B Baker Street" in invoice["bill_to"] and "Ada Lovelace" in invoice["bill_to"]
    (line,) = invoice["lines"]
    assert (Decimal(line["net"]), Decimal(line["tax"]), Decimal(line["rate"])) == (
        Decimal("25.00"),
        Decimal("5.00"),
        Decimal("20.00"),
    )
    assert Decimal(invoice["total"]) == order.total

    again = seller_api.post(f"/orders/{order.pk}/invoice").json()
    assert again["id"] == invoice["id"] and again["number"] == 1 and Invoice.objects.count() == 1

    response = seller_api.get(f"/orders/{order.pk}/invoice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf.barcodes(response.content) == []  # the page renders to an image (no barcode on it)
    text = " ".join(pdf.text(response.content).split())
    assert "Tax invoice INV-000001" in text and "GB 123456789" in text
    assert "221B Baker Street" in text and "MUG-1" in text and "20.00%" in text
    assert "$5.00" in text and f"Order #{order.number}" in text


def test_invoice_numbers_follow_each_other_per_shop(seller, product, place, seller_api, make_seller, make_product):
    _tax_id(seller_api)
    other = make_seller("other", country="DE", tz="Europe/Berlin")
    make_product(other)
    other_api = Api(create_api_token(name="t", seller=other).token)
    _tax_id(other_api, "DE999999999")
    mine = [place(seller) for _ in range(3)]
    theirs = place(other)
    assert [seller_api.post(f"/orders/{o.pk}/invoice").json()["number"] for o in mine] == [1, 2, 3]
    assert other_api.post(f"/orders/{theirs.pk}/invoice").json()["number"] == 1


def test_no_invoice_without_the_shops_tax_id_and_nothing_numbered(seller, product, place, seller_api):
    order = place(seller)
    response = seller_api.post(f"/orders/{order.pk}/invoice")
    assert response.status_code == 409 and response.json()["error"]["code"] == "tax_id_missing"
    assert not Invoice.objects.exists()
    _tax_id(seller_api)
    assert seller_api.post(f"/orders/{order.pk}/invoice").json()["number"] == 1


def test_a_bad_tax_id_is_a_field_error(seller_api):
    response = _tax_id(seller_api, "GB\n123")
    assert response.status_code == 422 and "tax_id" in str(response.json())


def test_a_cancellation_refund_and_a_shipped_refund_each_get_a_credit_note_that_references_the_invoice(
    seller, make_product, place, seller_api, pdf
):
    make_product(seller, "MUG-1")
    make_product(seller, "CUP-2")
    _tax_id(seller_api)
    order = place(seller, lines=(("MUG-1", 2, "12.50", "5.00"), ("CUP-2", 1, "8.00", "1.60")))
    invoice = seller_api.post(f"/orders/{order.pk}/invoice").json()
    assert invoice["credit_notes"] == []

    cup = order.lines.get(sku="CUP-2")
    orders.cancel_line(
        order_id=order.pk,
        seller_id=seller.pk,
        line_id=cup.pk,
        quantity=1,
        actor=SELLER_ACTOR,
        reason="customer_request",
    )
    shipped = advance(order, "shipped")
    mug = shipped.lines.get(sku="MUG-1")
    orders.refund_shipped_order(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        lines=[(mug.pk, 1)],
        reason="damaged",
        source="goodwill",
    )

    # Credited in each refund's own transaction: no call needed.
    notes = seller_api.get(f"/orders/{order.pk}/credit-notes").json()
    assert [(n["number"], n["invoice_number"]) for n in notes] == [(1, 1), (2, 1)]
    assert [Decimal(n["total"]) for n in notes] == [Decimal("9.60"), Decimal("15.00")]
    assert [Decimal(n["tax"]) for n in notes] == [Decimal("1.60"), Decimal("2.50")]
    again = seller_api.post(f"/orders/{order.pk}/invoice").json()
    assert again["number"] == invoice["number"] and len(again["credit_notes"]) == 2
    assert CreditNote.objects.count() == 2  # idempotent: no refund credited twice

    response = seller_api.get(f"/orders/{order.pk}/credit-notes/{notes[1]['id']}.pdf")
    assert response.status_code == 200
    assert pdf.barcodes(response.content) == []
    text = " ".join(pdf.text(response.content).split())
    assert "Credit note CN-000002" in text and "Credits invoice INV-000001" in text and "$15.00" in text


def test_a_refund_made_before_the_invoice_is_credited_when_the_invoice_is_issued(
    seller, make_product, place, seller_api
):
    make_product(seller, "MUG-1")
    make_product(seller, "CUP-2")
    _tax_id(seller_api)
    order = place(seller, lines=(("MUG-1", 2, "12.50", "5.00"), ("CUP-2", 1, "8.00", "1.60")))
    cup = order.lines.get(sku="CUP-2")
    orders.cancel_line(
        order_id=order.pk,
        seller_id=seller.pk,
        line_id=cup.pk,
        quantity=1,
        actor=SELLER_ACTOR,
        reason="customer_request",
    )
    assert seller_api.get(f"/orders/{order.pk}/credit-notes").json() == []  # nothing to credit yet
    invoice = seller_api.post(f"/orders/{order.pk}/invoice").json()
    assert [(n["label"], n["invoice_number"], n["total"]) for n in invoice["credit_notes"]] == [
        ("CN-000001", invoice["number"], "9.6000")
    ]


def test_another_sellers_invoice_and_credit_notes_are_not_found(seller, product, place, seller_api, make_seller):
    _tax_id(seller_api)
    order = place(seller)
    seller_api.post(f"/orders/{order.pk}/invoice")
    outsider = Api(create_api_token(name="t", seller=make_seller("outsider")).token)
    for call in (
        lambda: outsider.post(f"/orders/{order.pk}/invoice"),
        lambda: outsider.get(f"/orders/{order.pk}/invoice"),
        lambda: outsider.get(f"/orders/{order.pk}/invoice.pdf"),
        lambda: outsider.get(f"/orders/{order.pk}/credit-notes"),
    ):
        assert call().status_code == 404
