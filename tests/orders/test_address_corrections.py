"""Correcting the shipping address before anything ships: re-validated by the country's rules,
recorded in the timeline, refused once a parcel has left."""

from __future__ import annotations

import pytest

from shipdesk.errors import AddressLocked, ValidationFailed
from shipdesk.orders import services
from shipdesk.orders.models import OrderEvent
from tests.builders import SELLER_ACTOR, UPS_NUMBER, advance

CORRECTED = {
    "name": "Ada Lovelace",
    "line1": "12 Oak Avenue",
    "line2": "Apt 3",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62704",
    "country": "US",
}


def correct(order, address: dict, **kwargs):
    return services.correct_address(
        order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR, address=address, **kwargs
    )


def test_a_seller_corrects_the_address_of_a_processing_order_and_the_timeline_says_what_changed(seller, product, place):
    order = advance(place(seller), "processing")

    correct(order, CORRECTED, customer_request=True)

    order.refresh_from_db()
    assert (order.ship_line1, order.ship_line2, order.ship_postal_code) == ("12 Oak Avenue", "Apt 3", "62704")
    event = OrderEvent.objects.get(order=order, type="address_corrected")
    assert event.params == {
        "previous": {"line1": "1 Main St", "line2": "", "postal_code": "62701"},
        "corrected": {"line1": "12 Oak Avenue", "line2": "Apt 3", "postal_code": "62704"},
        "customer_request": True,
    }


def test_a_correction_is_checked_by_the_countrys_rules_and_a_bad_one_changes_nothing(seller, product, place):
    order = place(seller)

    with pytest.raises(ValidationFailed) as refused:
        correct(order, {**CORRECTED, "postal_code": "ABCDE"})  # not a US ZIP code
    assert refused.value.details == {"postal_code": ["Not valid for this country."]}
    with pytest.raises(ValidationFailed) as refused:
        correct(order, {**CORRECTED, "country": "ZZ"})
    assert "country" in refused.value.details

    order.refresh_from_db()
    assert order.ship_postal_code == "62701"
    assert not OrderEvent.objects.filter(order=order, type="address_corrected").exists()


def test_the_same_address_again_writes_nothing(seller, product, place):
    order = place(seller)
    correct(order, {**CORRECTED, "line1": "1 Main St", "line2": "", "postal_code": "62701"})
    assert not OrderEvent.objects.filter(order=order, type="address_corrected").exists()


def test_a_correction_is_refused_once_a_parcel_has_shipped(seller, make_product, place):
    make_product(seller, "MUG-1")
    make_product(seller, "MUG-2")
    order = advance(place(seller, lines=(("MUG-1", 1, "12.50"), ("MUG-2", 1, "8.00"))), "processing")
    services.ship_parcel(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier="ups",
        service_level="ground",
        tracking_number=UPS_NUMBER,
        lines={order.lines.order_by("id").first().pk: 1},
    )

    with pytest.raises(AddressLocked):
        correct(order, CORRECTED)
    shipped = advance(place(seller, lines=(("MUG-2", 1, "8.00"),)), "shipped", tracking_number="1Z999AA10123456793")
    with pytest.raises(AddressLocked):
        correct(shipped, CORRECTED)


def test_over_the_api_a_correction_is_200_a_bad_field_422_and_a_shipped_order_409(seller, product, place, seller_api):
    order = place(seller)
    ok = seller_api.post(f"/orders/{order.pk}/address", {"shipping_address": CORRECTED})
    assert ok.status_code == 200, ok.json()
    assert ok.json()["shipping_address"]["line1"] == "12 Oak Avenue"
    assert ok.json()["events"][-1]["type"] == "address_corrected"

    bad = seller_api.post(f"/orders/{order.pk}/address", {"shipping_address": {**CORRECTED, "postal_code": "ABCDE"}})
    assert bad.status_code == 422
    assert "postal_code" in bad.json()["error"]["details"]

    shipped = advance(place(seller), "shipped")
    locked = seller_api.post(f"/orders/{shipped.pk}/address", {"shipping_address": CORRECTED})
    assert locked.status_code == 409
    assert locked.json()["error"]["code"] == "address_locked"


def test_in_the_dashboard_the_seller_corrects_the_address_and_a_bad_postal_code_is_a_field_error(
    seller, product, place, client
):
    from shipdesk.accounts.services import create_user

    client.force_login(
        create_user(email="owner@acme.test", password="correct horse battery staple", seller=seller, role="owner")
    )
    order = advance(place(seller), "confirmed")
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "Correct the address" in page and 'value="1 Main St"' in page

    bad = client.post(f"/orders/{order.pk}/address/", {**CORRECTED, "postal_code": "ABCDE"})
    assert bad.status_code == 422
    assert "Not valid for this country." in bad.content.decode()

    done = client.post(f"/orders/{order.pk}/address/", {**CORRECTED, "customer_request": "on"}, follow=True)
    assert "Shipping address corrected" in done.content.decode()
    order.refresh_from_db()
    assert order.ship_line1 == "12 Oak Avenue"
    assert OrderEvent.objects.get(order=order, type="address_corrected").params["customer_request"] is True
    assert "Shipping address corrected at the customer&#x27;s request" in done.content.decode()

    shipped = advance(place(seller), "shipped", tracking_number="1Z999AA10123456793")
    assert "Correct the address" not in client.get(f"/orders/{shipped.pk}/").content.decode()
