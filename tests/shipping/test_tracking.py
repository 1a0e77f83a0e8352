"""Tracking numbers: normalisation, validation per carrier, carrier detection.

Besides the unit tests, every number of the jkeen/tracking_number_data test vectors (MIT, see
tests/fixtures/real-world/README.md) is run through the validator: at least 95 % of the valid
ones of each carrier we offer must be recognised, and no invalid one may be accepted.
"""

import json
import string
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipdesk.shipping import tracking
from shipdesk.shipping.carriers import CARRIERS, NATIONAL_POSTS
from shipdesk.shipping.tracking import (
    TrackingMatch,
    detect_carriers,
    looks_like,
    mod7,
    mod10_weighted,
    mod11_fedex,
    mod11_s10,
    mod37_36,
    normalize_tracking_number,
    trackable_number,
    validate_tracking_number,
)

# --- The published test vectors ---------------------------------------------------------------------

VECTORS_PATH = (
    Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "tracking_number_data__test_vectors.json"
)

# Their courier keys → our carrier codes; couriers we do not offer are left out.
# LaserShip merged into OnTrac and now trades as OnTrac.
COURIER_CARRIERS = {
    "amazon": "amazon",
    "canada_post": "canada_post",
    "dhl": "dhl_express",
    "dpd": "dpd",
    "fedex": "fedex",
    "lasership": "ontrac",
    "ontrac": "ontrac",
    "ups": "ups",
    "usps": "usps",
}
# DHL eCommerce is DHL's separate parcel network (its own tracking), not DHL Express: its valid
# numbers are no DHL Express numbers. Its invalid ones must still be refused by DHL Express.
NOT_OURS = {("dhl", "DHL E-Commerce"), ("dhl", "DHL E-Commerce (14)")}
# A UPU S10 number belongs to the post its country suffix names.
S10_POSTS = {country: post.code for country, post in NATIONAL_POSTS.items()}
# The national posts whose only format is S10 and whose countries the published vectors do not
# cover: their numbers of our own making are in tests/shipping/test_postal_operators.py.
S10_ONLY = {
    "deutsche_post",
    "la_poste",
    "correos",
    "poste_italiane",
    "australia_post",
    "nz_post",
    "japan_post",
    "posta_kenya",
}

TRACKED = [code for code, carrier in CARRIERS.items() if carrier.tracked and code not in S10_ONLY]


@dataclass(frozen=True)
class Vector:
    carrier: str  # ours
    source: str  # their courier / product
    number: str  # as published, spaces and all


def _carriers_of(courier: str, product: str, number: str, *, valid: bool) -> list[str]:
    if courier == "s10":
        post = S10_POSTS.get(normalize_tracking_number(number)[-2:])
        if post:
            return [post]
        # Valid for a post we do not offer; a broken S10 number must be refused by all of ours.
        return [] if valid else sorted(set(S10_POSTS.values()))
    if courier not in COURIER_CARRIERS or (valid and (courier, product) in NOT_OURS):
        return []
    return [COURIER_CARRIERS[courier]]


def _load_vectors() -> tuple[list[Vector], list[Vector]]:
    vectors = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))["vectors"]
    valid: list[Vector] = []
    invalid: list[Vector] = []
    for courier, products in vectors.items():
        for product, numbers in products.items():
            for is_valid, bucket in ((True, valid), (False, invalid)):
                for number in numbers["valid" if is_valid else "invalid"]:
                    for carrier in _carriers_of(courier, product, number, valid=is_valid):
                        bucket.append(Vector(carrier, f"{courier}/{product}", number))
    return valid, invalid


VALID_VECTORS, INVALID_VECTORS = _load_vectors()


def _recognised(vector: Vector) -> bool:
    return validate_tracking_number(carrier=vector.carrier, number=vector.number) and (
        any(m.carrier == vector.carrier and m.valid for m in detect_carriers(vector.number))
    )


def test_every_tracked_carrier_has_valid_vectors_to_check():
    assert {v.carrier for v in VALID_VECTORS} == set(TRACKED)


@pytest.mark.parametrize("carrier", TRACKED)
def test_at_least_95_percent_of_a_carriers_valid_vectors_are_recognised(carrier):
    vectors = [v for v in VALID_VECTORS if v.carrier == carrier]

    missed = [v for v in vectors if not _recognised(v)]

    assert (len(vectors) - len(missed)) / len(vectors) >= 0.95, missed


def test_at_least_95_percent_of_all_valid_vectors_are_recognised():
    missed = [v for v in VALID_VECTORS if not _recognised(v)]

    assert (len(VALID_VECTORS) - len(missed)) / len(VALID_VECTORS) >= 0.95, missed


def test_no_invalid_vector_is_accepted_for_its_carrier():
    accepted = [v for v in INVALID_VECTORS if validate_tracking_number(carrier=v.carrier, number=v.number)]

    assert INVALID_VECTORS
    assert accepted == []


def test_the_shippo_sample_is_a_valid_usps_number():
    assert detect_carriers("9205590164917337534322") == [
        TrackingMatch(carrier="usps", service="USPS IMpb 22", valid=True)
    ]


def test_the_shopify_sample_1z2345_is_no_carriers_number():
    assert detect_carriers("1Z2345") == []
    assert not validate_tracking_number(carrier="ups", number="1Z2345")


# --- Normalisation ----------------------------------------------------------------------------------


def test_spaces_and_lowercase_are_normalised():
    assert normalize_tracking_number("  1z 8v9 2a7 0367 2030 24\n") == "1Z8V92A70367203024"


def test_dashes_dots_and_invisible_separators_are_removed():
    pasted = "9400-1112.0108\u00a00805\u200b4830\u201316\t"

    assert normalize_tracking_number(pasted) == "9400111201080805483016"


def test_full_width_characters_read_as_ascii():
    assert normalize_tracking_number("１ｚ８Ｖ９２Ａ７０３６７２０３０２４") == "1Z8V92A70367203024"


def test_letters_outside_ascii_are_left_as_they_are():
    assert normalize_tracking_number("straße") == "STRAßE"


@given(st.text())
def test_normalising_twice_changes_nothing(raw):
    once = normalize_tracking_number(raw)

    assert normalize_tracking_number(once) == once


@given(st.text())
def test_a_normalised_number_has_no_separators_and_no_ascii_lowercase(raw):
    normalised = normalize_tracking_number(raw)

    assert not any(ch.isspace() or ch in ".-\u2013\u200b" for ch in normalised)
    assert not any(ch in string.ascii_lowercase for ch in normalised)


# --- Check-digit algorithms -------------------------------------------------------------------------


def test_mod10_weighted_gives_the_gs1_check_digit():
    # GS1's worked example: GTIN-13 629104150021 + check digit 3.
    assert mod10_weighted([6, 2, 9, 1, 0, 4, 1, 5, 0, 0, 2, 1], (3, 1)) == 3


def test_the_ups_rule_gives_4_for_ups_own_sample_number():
    # "1Z 999 AA1 01 2345 678 4", the number in UPS's developer documentation.
    assert validate_tracking_number(carrier="ups", number="1Z 999 AA1 01 2345 6784")
    assert not validate_tracking_number(carrier="ups", number="1Z 999 AA1 01 2345 6785")


def test_mod11_fedex_weighs_1_3_7_from_the_right():
    assert mod11_fedex([9, 8, 6, 5, 7, 8, 7, 8, 8, 8, 5]) == 5  # 986578788855


def test_mod7_is_the_remainder_of_the_number_without_its_check_digit():
    assert mod7("331881002") == 5  # 3318810025


def test_the_s10_check_digit_turns_a_remainder_of_0_into_5_and_of_1_into_0():
    assert mod11_s10([0, 0, 0, 0, 0, 0, 0, 0]) == 5  # sum 0: 11 − 0 = 11 → 5
    assert mod11_s10([7, 0, 0, 0, 0, 0, 0, 0]) == 0  # sum 56 = 5 × 11 + 1: 11 − 1 = 10 → 0
    assert mod11_s10([1, 2, 3, 4, 5, 6, 7, 8]) == 5  # UPU's example RB123456785


def test_mod37_36_gives_dpds_check_character():
    assert mod37_36("09980000020033") == "F"
    assert mod37_36("09980000020034") == "D"


@given(st.text(alphabet=string.digits + string.ascii_uppercase, min_size=15, max_size=15))
def test_a_ups_1z_payload_has_exactly_one_valid_check_digit(payload):
    valid = [
        d
        for d in string.digits + string.ascii_uppercase
        if validate_tracking_number(carrier="ups", number=f"1Z{payload}{d}")
    ]

    assert len(valid) == 1


@given(st.text(alphabet=string.digits, min_size=8, max_size=8))
def test_an_s10_serial_has_exactly_one_valid_check_digit(serial):
    valid = [d for d in string.digits if validate_tracking_number(carrier="royal_mail", number=f"LX{serial}{d}GB")]

    assert len(valid) == 1


# --- Validation -------------------------------------------------------------------------------------


def test_a_ups_1z_number_with_a_right_check_digit_is_accepted():
    assert validate_tracking_number(carrier="ups", number="1Z5R89390357567127")


def test_a_ups_1z_number_with_a_wrong_check_digit_is_refused():
    assert not validate_tracking_number(carrier="ups", number="1Z5R89390357567128")


def test_a_valid_number_of_one_carrier_is_refused_for_another():
    assert not validate_tracking_number(carrier="fedex", number="1Z5R89390357567127")
    assert not validate_tracking_number(carrier="ups", number="986578788855")


def test_a_usps_number_behind_its_420_zip_routing_code_is_accepted_and_tracked_without_it():
    scanned = "420 11213 92 6129098349792366623 8"

    assert validate_tracking_number(carrier="usps", number=scanned)
    assert trackable_number(carrier="usps", number=scanned) == "9261290983497923666238"


def test_a_usps_20_digit_number_printed_without_its_91_is_accepted():
    assert validate_tracking_number(carrier="usps", number="7196 9010 7560 0307 7385")


def test_an_s10_number_is_accepted_only_by_the_post_its_suffix_names():
    assert validate_tracking_number(carrier="royal_mail", number="RB123456785GB")
    assert validate_tracking_number(carrier="usps", number="RB123456785US")
    assert validate_tracking_number(carrier="canada_post", number="RB123456785CA")
    assert not validate_tracking_number(carrier="usps", number="RB123456785GB")
    assert not validate_tracking_number(carrier="royal_mail", number="RB123456785CA")


def test_an_s10_number_of_a_post_we_do_not_offer_is_attributed_to_none_of_ours():
    assert detect_carriers("RB123456785CF") == []


def test_an_s10_number_with_a_wrong_check_digit_is_refused():
    assert not validate_tracking_number(carrier="royal_mail", number="RB123456786GB")


def test_a_fedex_34_digit_barcode_is_tracked_by_its_last_12_digits():
    barcode = "1001921334250001000300779017972697"

    assert trackable_number(carrier="fedex", number=barcode) == "779017972697"


def test_a_dpd_barcode_is_tracked_by_its_14_digit_parcel_number():
    barcode = "00 81827 0998 0000 0200 33 350 276 C"

    assert trackable_number(carrier="dpd", number=barcode) == "09980000020033"


def test_a_number_that_is_not_valid_for_the_carrier_has_no_trackable_number():
    assert trackable_number(carrier="ups", number="1Z5R89390357567128") is None


def test_a_run_of_one_digit_is_refused_although_its_check_digit_passes():
    assert not validate_tracking_number(carrier="fedex", number="000000000000")
    assert not validate_tracking_number(carrier="fedex", number="000000000000000")
    assert not validate_tracking_number(carrier="dhl_express", number="0000000000")


def test_a_prefixed_number_of_zeros_stays_valid_because_carriers_issue_them():
    assert validate_tracking_number(carrier="amazon", number="TBA000000000000")


def test_other_accepts_any_printable_text_of_up_to_64_characters():
    assert validate_tracking_number(carrier="other", number="Local courier #42 / bag 7")
    assert validate_tracking_number(carrier="other", number="é" * 64)


def test_other_refuses_empty_overlong_and_unprintable_text():
    assert not validate_tracking_number(carrier="other", number="")
    assert not validate_tracking_number(carrier="other", number=" - . ")
    assert not validate_tracking_number(carrier="other", number="A" * 65)
    assert not validate_tracking_number(carrier="other", number="AB\x00CD")


def test_an_unknown_carrier_code_is_refused():
    assert not validate_tracking_number(carrier="pony_express", number="1Z5R89390357567127")


def test_a_ten_megabyte_string_is_refused_at_once():
    huge = "1Z" + "9" * 10_000_000

    started = time.perf_counter()
    results = (
        validate_tracking_number(carrier="ups", number=huge),
        validate_tracking_number(carrier="other", number=huge),
        detect_carriers(huge),
        looks_like(huge),
    )
    elapsed = time.perf_counter() - started

    assert results == (False, False, [], [])
    assert elapsed < 0.5


@given(carrier=st.sampled_from([*CARRIERS, "unknown", ""]), number=st.text())
def test_validate_never_raises_on_arbitrary_text(carrier, number):
    assert validate_tracking_number(carrier=carrier, number=number) in (True, False)


# --- Detection --------------------------------------------------------------------------------------


def test_detect_names_the_carrier_and_product_of_a_valid_number():
    assert detect_carriers("1z5r 8939 0357 5671 27") == [TrackingMatch(carrier="ups", service="UPS 1Z", valid=True)]


def test_detect_says_a_1z_number_with_a_bad_check_digit_looks_like_ups():
    assert detect_carriers("1Z1111111111111111") == [TrackingMatch(carrier="ups", service="UPS 1Z", valid=False)]


def test_detect_lists_valid_matches_before_ones_with_a_bad_check_digit():
    # 15 digits: a FedEx Ground number; also the shape of a DPD number with its check character.
    assert detect_carriers("0414 4176 0228 964") == [
        TrackingMatch(carrier="fedex", service="FedEx Ground 15", valid=True),
        TrackingMatch(carrier="dpd", service="DPD 14", valid=False),
    ]


def test_detect_lists_a_passing_check_digit_before_a_mere_shape():
    assert detect_carriers("C1004444443") == [
        TrackingMatch(carrier="ups", service="UPS waybill", valid=True),
        TrackingMatch(carrier="amazon", service="Amazon international", valid=True),
    ]


def test_detect_never_names_the_untracked_carrier():
    assert all(m.carrier != "other" for m in detect_carriers("ANY TEXT 123"))


def test_looks_like_ignores_the_check_digit():
    assert looks_like("1Z1111111111111111") == ["ups"]
    assert looks_like("1Z5R89390357567127") == ["ups"]


def test_text_that_is_no_tracking_number_looks_like_no_carrier():
    assert looks_like("hello world") == []
    assert detect_carriers("hello world") == []


def test_every_format_belongs_to_a_tracked_carrier():
    assert {f.carrier for f in tracking._FORMATS} == {code for code, c in CARRIERS.items() if c.tracked}


NUMBERISH = st.text(alphabet=string.digits + "1ZCDJLTBAUSGB -.", max_size=40)


@given(st.one_of(st.text(), NUMBERISH))
def test_detect_and_looks_like_agree_with_validate(number):
    matches = detect_carriers(number)

    assert len({m.carrier for m in matches}) == len(matches)
    for match in matches:
        assert validate_tracking_number(carrier=match.carrier, number=number) is match.valid
    carriers = looks_like(number)
    assert len(set(carriers)) == len(carriers)
    assert set(carriers) == {m.carrier for m in matches}
