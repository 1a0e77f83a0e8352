"""A shop's ship-from and return addresses: validated by the country's rules, as customers' are."""

from __future__ import annotations

import pytest

from shipdesk.accounts.models import ShopAddress
from shipdesk.accounts.services import set_label_service, set_shop_address
from shipdesk.errors import ValidationFailed
from tests.labels.label_fixtures import SHIP_FROM


def test_a_valid_ship_from_address_is_kept_and_printed_name_first(seller):
    address = set_shop_address(seller_id=seller.pk, kind="ship_from", **SHIP_FROM)

    assert address.lines() == ("Dispatch desk", "350 5th Ave", "New York NY 10118", "United States of America")


def test_setting_an_address_again_replaces_it(seller):
    set_shop_address(seller_id=seller.pk, kind="return", **SHIP_FROM)
    set_shop_address(seller_id=seller.pk, kind="return", **{**SHIP_FROM, "line1": "1 Returns Way"})

    assert ShopAddress.objects.get(seller=seller, kind="return").line1 == "1 Returns Way"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"postal_code": "ABC"}, "postal_code"),  # not a US ZIP code
        ({"region": "XX"}, "region"),  # no such state
        ({"city": ""}, "city"),
        ({"country": "ZZ"}, "country"),
        ({"line1": "1 Main St\n2"}, "line1"),  # one line only
        ({"postal_code": "SW1A 1AA", "country": "DE", "region": ""}, "postal_code"),  # a UK code in Germany
    ],
)
def test_an_address_the_countrys_rules_refuse_is_a_422_on_its_field_and_nothing_is_kept(seller, change, field):
    with pytest.raises(ValidationFailed) as refused:
        set_shop_address(seller_id=seller.pk, kind="ship_from", **{**SHIP_FROM, **change})

    assert field in refused.value.details
    assert not ShopAddress.objects.exists()


def test_a_german_address_needs_no_region(seller):
    address = set_shop_address(
        seller_id=seller.pk,
        kind="ship_from",
        name="Versand",
        line1="Unter den Linden 1",
        city="Berlin",
        postal_code="10117",
        country="DE",
    )

    assert address.lines()[-1] == "Germany"


def test_the_label_service_is_a_known_carriers_service_or_none(seller):
    assert set_label_service(seller_id=seller.pk, carrier="usps", service_level="priority").label_carrier == "usps"
    assert set_label_service(seller_id=seller.pk, carrier="", service_level="").label_carrier == ""
    with pytest.raises(ValidationFailed):
        set_label_service(seller_id=seller.pk, carrier="usps", service_level="warp")


def test_the_api_sets_and_lists_the_shops_addresses(seller, seller_api):
    put = seller_api._call("put", "/shop/addresses/ship_from", SHIP_FROM)
    bad = seller_api._call("put", "/shop/addresses/return", {**SHIP_FROM, "postal_code": "1"})

    assert put.status_code == 200, put.content
    assert bad.status_code == 422 and "postal_code" in bad.json()["error"]["details"]
    assert [a["kind"] for a in seller_api.get("/shop/addresses").json()] == ["ship_from"]


def test_the_settings_page_saves_a_ship_from_address_and_shows_the_countrys_refusal(seller, client, django_user_model):
    from shipdesk.accounts.services import create_user

    user = create_user(email="owner@acme.test", password="pw-Secret-123", seller=seller, role="owner")
    client.force_login(user)

    saved = client.post("/settings/addresses/ship_from/", SHIP_FROM)
    refused = client.post("/settings/addresses/return/", {**SHIP_FROM, "postal_code": "ABC"})

    assert saved.status_code == 302
    assert ShopAddress.objects.get(seller=seller, kind="ship_from").city == "New York"
    assert refused.status_code == 422
    assert "Not valid for this country." in refused.content.decode()
