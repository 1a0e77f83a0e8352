"""A shop that asks for it has each order invoiced when it ships, in the ship's own transaction."""

from __future__ import annotations

from shipdesk.invoices import services
from shipdesk.invoices.models import CreditNote, Invoice
from shipdesk.orders import services as orders
from shipdesk.orders.models import OrderEvent
from tests.builders import OTHER_UPS_NUMBER, SELLER_ACTOR, Api, advance


def _put(api: Api, body: dict):
    return api._call("put", "/invoice-settings", body)


def test_shipping_an_order_issues_its_invoice_when_the_shop_asks_for_it(seller, product, place, seller_api):
    body = _put(seller_api, {"tax_id": "GB123456789", "issue_on_shipping": True}).json()
    assert body["issue_on_shipping"] is True
    order = advance(place(seller), "processing")
    assert not Invoice.objects.exists()  # not before it ships

    advance(order, "shipped")
    invoice = Invoice.objects.get(order=order)
    shipped = OrderEvent.objects.get(order=order, type=OrderEvent.Type.SHIPPED)
    assert invoice.label == "INV-000001" and invoice.issued_at == shipped.created_at  # the ship's moment
    again = seller_api.post(f"/orders/{order.pk}/invoice").json()
    assert again["id"] == invoice.pk  # the button and the API return it, never a second one


def test_a_refund_before_shipping_is_credited_when_the_invoice_is_issued_on_shipping(
    seller, make_product, place, seller_api
):
    make_product(seller, "MUG-1")
    make_product(seller, "CUP-2")
    _put(seller_api, {"tax_id": "GB123456789", "issue_on_shipping": True})
    order = place(seller, lines=(("MUG-1", 2, "12.50", "5.00"), ("CUP-2", 1, "8.00", "1.60")))
    cup = order.lines.get(sku="CUP-2")
    orders.cancel_line(
        order_id=order.pk, seller_id=seller.pk, line_id=cup.pk, quantity=1, actor=SELLER_ACTOR,
        reason="customer_request",
    )  # fmt: skip
    advance(order, "shipped")
    (note,) = CreditNote.objects.filter(invoice__order=order)
    assert note.label == "CN-000001" and note.cancellation is not None


def test_shipping_issues_nothing_when_the_shop_did_not_ask_or_does_not_issue_invoices(
    seller, product, place, seller_api
):
    _put(seller_api, {"tax_id": "GB123456789"})
    advance(place(seller), "shipped")
    _put(seller_api, {"issue_on_shipping": True, "issuing": "never"})
    advance(place(seller), "shipped", tracking_number=OTHER_UPS_NUMBER)
    assert not Invoice.objects.exists()


def test_an_order_invoiced_by_hand_before_it_ships_keeps_its_one_invoice(seller, product, place, seller_api):
    _put(seller_api, {"tax_id": "GB123456789", "issue_on_shipping": True})
    order = place(seller)
    first = services.issue_invoice(order_id=order.pk, seller_id=seller.pk)
    advance(order, "shipped")
    assert list(Invoice.objects.values_list("pk", "number")) == [(first.pk, 1)]


def test_invoicing_on_shipping_needs_the_tax_id_and_says_so_on_the_field_changed(seller_api):
    response = _put(seller_api, {"issue_on_shipping": True})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {
        "issue_on_shipping": ["Invoices issued on shipping need the shop's tax id."]
    }
    _put(seller_api, {"tax_id": "GB123456789", "issue_on_shipping": True})
    response = _put(seller_api, {"tax_id": ""})
    assert response.status_code == 422 and list(response.json()["error"]["details"]) == ["tax_id"]
    body = seller_api.get("/invoice-settings").json()
    assert (body["tax_id"], body["issue_on_shipping"]) == ("GB123456789", True)  # nothing saved
