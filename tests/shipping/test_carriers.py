"""The carrier registry: which carriers a seller can pick, their service levels and tracking pages."""

from dataclasses import FrozenInstanceError

import pytest

from shipdesk.shipping.carriers import CARRIERS, Carrier, ServiceLevel, get_carrier


def test_the_registry_lists_the_carriers_in_the_order_sellers_see_them():
    assert list(CARRIERS) == [
        "ups",
        "usps",
        "fedex",
        "dhl_express",
        "amazon",
        "ontrac",
        "canada_post",
        "dpd",
        "royal_mail",
        "deutsche_post",
        "la_poste",
        "correos",
        "poste_italiane",
        "australia_post",
        "nz_post",
        "japan_post",
        "posta_kenya",
        "other",
    ]


def test_each_carrier_is_filed_under_its_own_code():
    assert all(code == carrier.code for code, carrier in CARRIERS.items())


def test_every_carrier_but_other_is_tracked_and_has_a_tracking_page_for_the_number():
    for carrier in CARRIERS.values():
        # Posta Kenya publishes no page that takes a number: its parcels are followed on /t/.
        if carrier.code in ("other", "posta_kenya"):
            continue
        assert carrier.tracked
        assert carrier.tracking_url is not None
        assert carrier.tracking_url.startswith("https://")
        assert "{number}" in carrier.tracking_url


def test_other_is_untracked_and_has_no_tracking_page():
    other = CARRIERS["other"]

    assert not other.tracked
    assert other.tracking_url is None
    assert other.tracking_url_for("ANYTHING") is None


def test_every_carrier_offers_service_levels_with_unique_codes_and_a_transit_time():
    for carrier in CARRIERS.values():
        codes = [service.code for service in carrier.services]
        assert codes, carrier.code
        assert len(codes) == len(set(codes)), carrier.code
        for service in carrier.services:
            assert service.name
            assert 1 <= service.transit_days <= 20, (carrier.code, service.code)


@pytest.mark.parametrize(
    ("carrier", "service", "transit_days"),
    [
        ("ups", "ground", 5),
        ("ups", "3_day_select", 3),
        ("ups", "2nd_day_air", 2),
        ("ups", "next_day_air", 1),
        ("usps", "ground_advantage", 5),
        ("usps", "priority", 3),
        ("usps", "priority_express", 2),
        ("fedex", "ground", 5),
        ("fedex", "express_saver", 3),
        ("fedex", "2day", 2),
        ("fedex", "standard_overnight", 1),
        ("dhl_express", "express_worldwide", 3),
        ("dhl_express", "express_12", 2),
        ("amazon", "standard", 4),
        ("ontrac", "ground", 2),
        ("canada_post", "regular", 7),
        ("canada_post", "expedited", 5),
        ("canada_post", "xpresspost", 2),
        ("canada_post", "priority", 1),
        ("dpd", "classic", 3),
        ("dpd", "express", 1),
        ("royal_mail", "tracked_48", 2),
        ("royal_mail", "tracked_24", 1),
        ("royal_mail", "international_tracked", 7),
        ("other", "standard", 5),
    ],
)
def test_a_service_level_gives_the_carriers_published_transit_time(carrier, service, transit_days):
    found = CARRIERS[carrier].service(service)

    assert found is not None
    assert found.transit_days == transit_days


def test_a_faster_service_never_takes_longer_than_the_carriers_ground_service():
    ups = CARRIERS["ups"]

    assert ups.service("next_day_air").transit_days < ups.service("2nd_day_air").transit_days
    assert ups.service("2nd_day_air").transit_days < ups.service("ground").transit_days


def test_an_unknown_service_level_is_none():
    assert CARRIERS["ups"].service("teleport") is None


def test_get_carrier_finds_a_carrier_by_code_and_returns_none_for_an_unknown_one():
    assert get_carrier("fedex") is CARRIERS["fedex"]
    assert get_carrier("pony_express") is None
    assert get_carrier("") is None


def test_the_tracking_url_carries_the_number():
    assert CARRIERS["ups"].tracking_url_for("1Z5R89390357567127") == (
        "https://www.ups.com/track?tracknum=1Z5R89390357567127"
    )


def test_the_tracking_url_quotes_what_cannot_stand_in_a_url():
    url = CARRIERS["usps"].tracking_url_for("A&B=<x>#")

    assert url == "https://tools.usps.com/go/TrackConfirmAction?tLabels=A%26B%3D%3Cx%3E%23"


def test_the_registry_cannot_be_changed_at_run_time():
    with pytest.raises(TypeError):
        CARRIERS["ups"] = CARRIERS["other"]  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        CARRIERS["ups"].tracked = False  # type: ignore[misc]
    assert isinstance(CARRIERS["ups"].services, tuple)
    assert all(isinstance(c, Carrier) for c in CARRIERS.values())
    assert all(isinstance(s, ServiceLevel) for c in CARRIERS.values() for s in c.services)
