"""National posts: UPU S10 numbers (two letters, 8 digits, a mod-11 check digit, the post's
country code) for every postal operator, and the seller's own post offered first."""

from __future__ import annotations

import pytest

from shipdesk.shipping.carriers import CARRIERS, NATIONAL_POSTS, POSTAL_OPERATOR, carriers_for
from shipdesk.shipping.tracking import detect_carriers, mod11_s10, s10_number, validate_tracking_number

# Numbers of our own making: a service indicator, a serial, its check digit, the post's country.
POSTS = [
    ("posta_kenya", "KE", "RR", 47302918),
    ("deutsche_post", "DE", "RX", 10293847),
    ("la_poste", "FR", "LA", 55501234),
    ("australia_post", "AU", "CX", 90817263),
    ("japan_post", "JP", "EE", 31415926),
    ("royal_mail", "GB", "RR", 27182818),
    ("usps", "US", "EC", 16180339),
]


def wrong_check_digit(number: str) -> str:
    digit = int(number[10])
    return f"{number[:10]}{(digit + 1) % 10}{number[11:]}"


def test_the_s10_check_digit_is_computed_as_the_standard_says():
    # Serial 47312482, weights 8 6 4 2 3 5 9 7: sum 200; 11 − (200 mod 11) = 9.
    assert mod11_s10([4, 7, 3, 1, 2, 4, 8, 2]) == 9
    assert s10_number(service="RR", serial=47312482, country="ke") == "RR473124829KE"


@pytest.mark.parametrize(("carrier", "country", "service", "serial"), POSTS)
def test_an_s10_number_of_a_national_post_is_valid_for_it_and_not_with_a_wrong_check_digit(
    carrier, country, service, serial
):
    number = s10_number(service=service, serial=serial, country=country)

    assert validate_tracking_number(carrier=carrier, number=number)
    assert validate_tracking_number(carrier=carrier, number=number.lower()[:4] + " " + number[4:])
    assert not validate_tracking_number(carrier=carrier, number=wrong_check_digit(number))
    assert detect_carriers(number)[0].carrier == carrier


def test_a_post_accepts_only_its_own_countrys_numbers():
    kenyan = s10_number(service="RR", serial=47302918, country="KE")
    assert not validate_tracking_number(carrier="deutsche_post", number=kenyan)


def test_every_national_post_is_a_tracked_postal_operator_with_its_country():
    assert {"KE", "DE", "FR", "ES", "IT", "AU", "NZ", "JP", "GB", "US", "CA"} <= set(NATIONAL_POSTS)
    for country, post in NATIONAL_POSTS.items():
        assert post.kind == POSTAL_OPERATOR and post.tracked and post.country == country
        assert CARRIERS[post.code] is post


def test_the_carrier_list_offers_the_sellers_national_post_first():
    assert carriers_for("KE")[0].code == "posta_kenya"
    assert carriers_for("de")[0].code == "deutsche_post"
    assert [c.code for c in carriers_for("")] == list(CARRIERS)
    assert sorted(c.code for c in carriers_for("KE")) == sorted(CARRIERS)


def test_a_kenyan_seller_ships_with_posta_kenya_over_the_api(make_seller, make_product, place):
    from shipdesk.accounts.services import create_api_token
    from tests.builders import Api, advance

    seller = make_seller("duka", country="KE", tz="Africa/Nairobi")
    make_product(seller, "MUG-1", currency="USD")
    order = advance(place(seller), "processing")
    api = Api(create_api_token(name="duka", seller=seller).token)
    number = s10_number(service="RR", serial=47302918, country="KE")

    assert api.get("/carriers").json()[0]["code"] == "posta_kenya"
    shipped = api.post(
        f"/orders/{order.pk}/ship", {"carrier": "posta_kenya", "service_level": "registered", "tracking_number": number}
    )
    assert shipped.status_code == 200, shipped.json()
    assert shipped.json()["shipment"]["tracking_number"] == number
    typo = api.post(
        f"/orders/{advance(place(seller), 'processing').pk}/ship",
        {"carrier": "posta_kenya", "service_level": "registered", "tracking_number": wrong_check_digit(number)},
    )
    assert typo.status_code == 422
    assert typo.json()["error"]["code"] == "invalid_tracking_number"
