"""The shop's invoice settings over the API, and the refusals of an invoice the shop does not issue
or the order is not due: 409 with a code, nothing numbered."""

from __future__ import annotations

from shipdesk.accounts.services import create_api_token, set_shop_address
from shipdesk.invoices import services
from shipdesk.invoices.models import Invoice, InvoiceSeries
from shipdesk.orders import services as orders
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, Api


def _put(api: Api, body: dict):
    return api._call("put", "/invoice-settings", body)


def _shop_api(make_seller, country: str) -> tuple[object, Api]:
    shop = make_seller(f"shop-{country.lower()}", country=country)
    return shop, Api(create_api_token(name="t", seller=shop).token)


def test_a_british_shop_issues_invoices_by_default_because_its_country_requires_them(seller_api):
    response = seller_api.get("/invoice-settings")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["tax_id"], body["issuing"], body["last_invoice_number"]) == ("", "auto", 0)
    assert body["offer"]["offered"] is True and body["offer"]["reason"] == "country_requires"
    assert body["offer"]["country"] == "GB" and "GB must issue tax invoices" in body["offer"]["message"]
    assert not InvoiceSeries.objects.exists()  # reading the settings writes nothing


def test_an_american_shop_issues_none_until_it_chooses_always(make_seller):
    _, api = _shop_api(make_seller, "US")
    offer = api.get("/invoice-settings").json()["offer"]
    assert (offer["offered"], offer["reason"], offer["country"]) == (False, "country_does_not_require", "US")

    body = _put(api, {"issuing": "always"}).json()
    assert body["issuing"] == "always" and body["offer"]["offered"] is True and body["offer"]["reason"] == "shop_always"
    assert api.get("/invoice-settings").json()["issuing"] == "always"


def test_the_ship_from_address_decides_the_shops_country(make_seller):
    shop, api = _shop_api(make_seller, "US")
    set_shop_address(
        seller_id=shop.pk, kind="ship_from", name="Lager", line1="Invalidenstraße 1", city="Berlin",
        postal_code="10115", country="DE",
    )  # fmt: skip
    offer = api.get("/invoice-settings").json()["offer"]
    assert (offer["offered"], offer["country"]) == (True, "DE")


def test_each_bad_setting_is_a_field_error_and_nothing_is_saved(seller_api):
    _put(seller_api, {"tax_id": "GB123456789"})
    response = _put(seller_api, {"tax_id": "GB\n123", "issuing": "sometimes"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and set(error["details"]) == {"tax_id", "issuing"}
    assert "auto, always, never" in " ".join(error["details"]["issuing"])
    body = seller_api.get("/invoice-settings").json()
    assert (body["tax_id"], body["issuing"]) == ("GB123456789", "auto")


def test_a_setting_left_out_keeps_its_value_and_an_empty_tax_id_removes_it(seller_api):
    _put(seller_api, {"tax_id": "GB123456789"})
    assert _put(seller_api, {"issuing": "never"}).json()["tax_id"] == "GB123456789"
    body = _put(seller_api, {"tax_id": ""}).json()
    assert (body["tax_id"], body["issuing"]) == ("", "never")


def test_invoice_settings_belong_to_a_shop_not_to_a_platform_token(platform_api):
    assert platform_api.get("/invoice-settings").status_code == 403
    assert _put(platform_api, {"issuing": "never"}).status_code == 403


def test_a_shop_set_to_never_is_refused_an_invoice_and_nothing_is_numbered(seller, product, place, seller_api):
    _put(seller_api, {"tax_id": "GB123456789", "issuing": "never"})
    order = place(seller)
    response = seller_api.post(f"/orders/{order.pk}/invoice")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "invoices_not_offered" and error["details"]["reason"] == "shop_never"
    assert not Invoice.objects.exists() and InvoiceSeries.objects.get().last_invoice_number == 0


def test_a_shop_whose_country_does_not_require_invoices_is_refused_one(make_seller, make_product, place):
    shop, api = _shop_api(make_seller, "US")
    make_product(shop)
    _put(api, {"tax_id": "12-3456789"})
    order = place(shop)
    error = api.post(f"/orders/{order.pk}/invoice").json()["error"]
    assert (error["code"], error["details"]) == (
        "invoices_not_offered",
        {"reason": "country_does_not_require", "country": "US"},
    )
    _put(api, {"issuing": "always"})
    assert api.post(f"/orders/{order.pk}/invoice").json()["label"] == "INV-000001"


def test_an_unpaid_order_is_not_due_its_invoice_until_it_is_paid(seller, product, place, seller_api):
    _put(seller_api, {"tax_id": "GB123456789"})
    order = place(seller, paid=False)
    response = seller_api.post(f"/orders/{order.pk}/invoice")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invoice_not_due"
    assert not Invoice.objects.exists()

    orders.update_payment(
        order_id=order.pk, seller_id=seller.pk, actor=PLATFORM_ACTOR, status="paid", amount=order.total,
        reference="pay-1",
    )  # fmt: skip
    assert seller_api.post(f"/orders/{order.pk}/invoice").json()["number"] == 1


def test_an_order_cancelled_before_payment_has_nothing_to_invoice(seller, product, place, seller_api):
    _put(seller_api, {"tax_id": "GB123456789"})
    order = place(seller, paid=False)
    orders.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request")
    response = seller_api.post(f"/orders/{order.pk}/invoice")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invoice_not_due"


def test_an_order_cancelled_after_payment_is_invoiced_with_a_credit_note_for_its_refund(
    seller, product, place, seller_api
):
    _put(seller_api, {"tax_id": "GB123456789"})
    order = place(seller)
    orders.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request")
    invoice = seller_api.post(f"/orders/{order.pk}/invoice").json()
    assert invoice["number"] == 1 and [n["total"] for n in invoice["credit_notes"]] == [invoice["total"]]


def test_an_invoice_issued_before_the_shop_chose_never_is_still_returned_and_credited(
    seller, product, place, seller_api
):
    _put(seller_api, {"tax_id": "GB123456789"})
    order = place(seller)
    first = seller_api.post(f"/orders/{order.pk}/invoice").json()
    services.set_invoice_settings(seller_id=seller.pk, issuing="never")
    orders.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request")
    again = seller_api.post(f"/orders/{order.pk}/invoice")
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert len(again.json()["credit_notes"]) == 1  # the refund is credited against the issued invoice


def test_invoicing_on_shipping_is_a_json_boolean_not_a_number_or_a_word(seller_api):
    for value in (0, 1, "yes"):
        response = _put(seller_api, {"tax_id": "GB123456789", "issue_on_shipping": value})
        assert response.status_code == 422 and "issue_on_shipping" in str(response.json()["error"]["details"])
    assert seller_api.get("/invoice-settings").json()["tax_id"] == ""  # nothing saved
