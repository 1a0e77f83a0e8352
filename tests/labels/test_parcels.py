"""How big and heavy a parcel is: units in the shop's boxes (pure rules)."""

from __future__ import annotations

from decimal import Decimal as D

from shipdesk.shipping.labels.parcels import UNKNOWN_UNIT_GRAMS, BoxSize, Unit, parcel_for

MUG = Unit(quantity=2, weight_grams=350, sides_cm=(D("12"), D("9"), D("10")))
SMALL = BoxSize(name="Small", sides_cm=(D("20"), D("15"), D("10")), weight_grams=90)
MEDIUM = BoxSize(name="Medium", sides_cm=(D("30"), D("20"), D("15")), weight_grams=180, is_default=True)


def test_units_go_in_the_default_box_when_they_fit_and_weigh_with_it():
    parcel = parcel_for([MUG], [SMALL, MEDIUM])

    assert (parcel.box, parcel.weight_grams, parcel.estimated) == ("Medium", 880, False)
    assert (parcel.length_cm, parcel.width_cm, parcel.height_cm) == (D("30"), D("20"), D("15"))


def test_units_too_big_for_the_default_box_go_in_the_smallest_box_they_fit():
    big = Unit(quantity=1, weight_grams=2000, sides_cm=(D("40"), D("30"), D("20")))
    crate = BoxSize(name="Crate", sides_cm=(D("50"), D("40"), D("30")), weight_grams=900)
    huge = BoxSize(name="Huge", sides_cm=(D("80"), D("60"), D("60")), weight_grams=1500)

    parcel = parcel_for([big], [MEDIUM, huge, crate])

    assert (parcel.box, parcel.weight_grams) == ("Crate", 2900)


def test_a_unit_without_a_weight_is_estimated():
    parcel = parcel_for([Unit(quantity=1, weight_grams=None, sides_cm=None)], [MEDIUM])

    assert parcel.estimated and parcel.weight_grams == UNKNOWN_UNIT_GRAMS + 180


def test_without_boxes_the_units_ship_as_they_are_stacked():
    parcel = parcel_for([MUG], [])

    assert (parcel.box, parcel.length_cm, parcel.width_cm, parcel.height_cm) == ("", D("12"), D("9"), D("20"))
    assert parcel.weight_grams == 700


def test_units_too_big_for_every_box_take_the_largest_as_an_estimate():
    big = Unit(quantity=1, weight_grams=100, sides_cm=(D("90"), D("10"), D("10")))

    parcel = parcel_for([big], [SMALL, MEDIUM])

    assert parcel.box == "Medium" and parcel.estimated
