"""Buying labels over HTTP with the sandbox provider: rates → buy → print → ship → delivered,
and a void that gives the postage back. Real PDFs read back with poppler and zbar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from shipdesk.accounts.services import create_api_token
from shipdesk.earnings.models import LedgerEntry
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.labels.models import Label, RateQuote
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.polling import poll_carriers
from shipdesk.shipping.tracking import validate_tracking_number
from tests.builders import Api

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday


def cheapest_rate(api: Api, order_id: int) -> dict:
    response = api.get(f"/orders/{order_id}/rates")
    assert response.status_code == 200, response.content
    body = response.json()
    return body["rates"][0]


def test_rates_for_a_processing_order_weigh_its_units_in_the_default_box_cheapest_first(processing_order, seller_api):
    order = processing_order(lines=(("MUG-1", 2, "12.50"),))

    body = seller_api.get(f"/orders/{order.pk}/rates").json()

    assert body["parcel"] == {
        "weight_grams": 2 * 350 + 180,
        "length_cm": "30.0",
        "width_cm": "20.0",
        "height_cm": "15.0",
        "box": "Medium box",
        "estimated": False,
    }
    prices = [Decimal(rate["price"]) for rate in body["rates"]]
    assert prices == sorted(prices) and len(prices) == 3
    assert {rate["service_level"] for rate in body["rates"]} == {"economy", "standard", "express"}
    assert all(rate["carrier"] == "sandbox" and rate["currency"] == "USD" for rate in body["rates"])
    assert all(rate["delivery_date"] for rate in body["rates"])


def test_the_whole_flow_over_http_rates_buy_the_cheapest_print_ship_and_the_carrier_delivers(
    processing_order, seller_api, pdf
):
    with time_machine.travel(T0, tick=False) as clock:
        order = processing_order()
        rate = cheapest_rate(seller_api, order.pk)

        bought = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": rate["rate_id"]})

        assert bought.status_code == 201, bought.content
        label = bought.json()
        assert label["status"] == "bought" and label["price"] == rate["price"]
        assert validate_tracking_number(carrier="sandbox", number=label["tracking_number"])
        assert Order.objects.get(pk=order.pk).status == "processing"  # bought, not yet handed over
        printed = seller_api.get(f"/labels/{label['id']}/label.pdf")
        assert printed["Content-Type"] == "application/pdf"
        assert pdf.barcodes(printed.content) == [label["tracking_number"]]
        assert "288 x 432 pts" in pdf.info(printed.content)  # 4 × 6 in
        text = " ".join(pdf.text(printed.content).split())
        assert "Dispatch desk" in text and "350 5th Ave" in text and "New York NY 10118" in text
        assert "Ada Lovelace" in text and "SANDBOX" in text

        shipped = seller_api.post(f"/labels/{label['id']}/ship", {})

        assert shipped.status_code == 200, shipped.content
        assert shipped.json()["status"] == "shipped"
        shipment = Shipment.objects.get(order=order)
        assert (shipment.carrier, shipment.tracking_number) == ("sandbox", label["tracking_number"])
        assert Label.objects.get(pk=label["id"]).shipment_id == shipment.pk
        clock.shift(timedelta(minutes=4))
        poll_carriers()
    assert Order.objects.get(pk=order.pk).status == "delivered"
    postage = LedgerEntry.objects.get(order=order, kind="postage")
    assert postage.available == -Decimal(rate["price"]) and postage.pending == 0
    types = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("type", flat=True))
    assert types.index("label_bought") < types.index("shipped") < types.index("delivered")


def test_voiding_an_unused_label_refunds_its_postage_and_frees_the_order_for_another(processing_order, seller_api):
    order = processing_order()
    label = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": cheapest_rate(seller_api, order.pk)["rate_id"]})
    label_id = label.json()["id"]

    voided = seller_api.post(f"/labels/{label_id}/void")

    assert voided.status_code == 200, voided.content
    assert voided.json()["status"] == "voided" and voided.json()["pdf_url"] is None
    entries = LedgerEntry.objects.filter(order=order, kind__in=["postage", "postage_refund"]).order_by("id")
    assert [(e.kind, e.available) for e in entries] == [
        ("postage", -Decimal(label.json()["price"])),
        ("postage_refund", Decimal(label.json()["price"])),
    ]
    assert sum(e.available for e in entries) == 0
    again = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": cheapest_rate(seller_api, order.pk)["rate_id"]})
    assert again.status_code == 201
    assert seller_api.post(f"/labels/{label_id}/void").json()["error"]["code"] == "label_not_voidable"


def test_a_label_the_order_shipped_with_cannot_be_voided(processing_order, seller_api):
    order = processing_order()
    label = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": cheapest_rate(seller_api, order.pk)["rate_id"]})
    seller_api.post(f"/labels/{label.json()['id']}/ship", {})

    refused = seller_api.post(f"/labels/{label.json()['id']}/void")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "label_not_voidable"
    assert not LedgerEntry.objects.filter(order=order, kind="postage_refund").exists()


def test_a_second_label_for_an_order_with_one_bought_is_refused_and_charges_nothing(processing_order, seller_api):
    order = processing_order()
    first = cheapest_rate(seller_api, order.pk)
    seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": first["rate_id"]})
    rates = seller_api.get(f"/orders/{order.pk}/rates")

    second = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": first["rate_id"]})

    assert rates.status_code == 200
    assert second.status_code == 409 and second.json()["error"]["code"] == "label_exists"
    assert LedgerEntry.objects.filter(order=order, kind="postage").count() == 1


def test_a_rate_of_another_order_or_made_up_is_a_422_on_rate_id(processing_order, seller_api):
    order, other = processing_order(), processing_order()
    rate = cheapest_rate(seller_api, other.pk)

    for rate_id in (rate["rate_id"], "sbxrate_express_madeup"):
        refused = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": rate_id})
        assert refused.status_code == 422
        assert "rate_id" in refused.json()["error"]["details"]
    assert not Label.objects.filter(order=order).exists()


def test_labels_are_for_processing_orders_only(label_shop, place, seller_api):
    order = place(label_shop)

    refused = seller_api.get(f"/orders/{order.pk}/rates")

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"
    assert not RateQuote.objects.exists()


def test_without_a_ship_from_address_rates_say_what_to_set(seller, product, place, sandbox_on, settings, seller_api):
    from tests.builders import advance

    settings.SHIPDESK_LABEL_PROVIDER = "sandbox"
    order = advance(place(seller), "processing")

    refused = seller_api.get(f"/orders/{order.pk}/rates")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "ship_from_address_missing"


def test_another_shops_order_and_label_are_404(processing_order, seller_api, make_seller):
    order = processing_order()
    label = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": cheapest_rate(seller_api, order.pk)["rate_id"]})
    stranger = Api(create_api_token(name="t", seller=make_seller("other")).token)

    assert stranger.get(f"/orders/{order.pk}/rates").status_code == 404
    assert stranger.get(f"/labels/{label.json()['id']}").status_code == 404
    assert stranger.get(f"/labels/{label.json()['id']}/label.pdf").status_code == 404
    assert stranger.post(f"/labels/{label.json()['id']}/void").status_code == 404
    assert stranger.get(f"/orders/{order.pk}/labels").status_code == 404
    assert Label.objects.get(pk=label.json()["id"]).status == "bought"


def test_no_label_provider_set_up_is_a_503_and_nothing_is_written(processing_order, seller_api, settings):
    order = processing_order()
    settings.SHIPDESK_LABEL_PROVIDER = ""

    refused = seller_api.get(f"/orders/{order.pk}/rates")

    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "label_provider_unavailable"


def test_a_carriers_first_scan_of_a_bought_label_marks_the_order_shipped(processing_order, seller_api):
    from shipdesk.shipping.services import Scan, TrackingUpdate, record_tracking_update

    order = processing_order()
    label = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": cheapest_rate(seller_api, order.pk)["rate_id"]})
    number = label.json()["tracking_number"]

    result = record_tracking_update(
        update=TrackingUpdate(
            source="generic",
            tracking_number=number,
            carrier="sandbox",
            scans=(Scan(status="in_transit", occurred_at=datetime.now(UTC) - timedelta(minutes=5)),),
        )
    )

    assert result.outcome == "applied"
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert Label.objects.get(pk=label.json()["id"]).status == "shipped"
    assert Shipment.objects.get(order=order).tracking_events.count() == 1


@pytest.mark.parametrize("body", [{}, {"rate_id": ""}, {"rate_id": "x" * 101}, {"rate_id": "a\x00b"}])
def test_a_bad_buy_body_is_refused_before_anything_is_written(processing_order, seller_api, body):
    order = processing_order()

    refused = seller_api.post(f"/orders/{order.pk}/labels", body)

    assert refused.status_code in (400, 422)
    assert not Label.objects.exists()


def test_an_order_ships_in_two_parcels_each_with_its_own_label_and_is_shipped_with_the_second(
    processing_order, seller_api
):
    order = processing_order(lines=(("MUG-1", 2, "12.50"), ("TEE-M", 1, "20.00")))
    mug, tee = order.lines.order_by("id")

    first = seller_api.get(f"/orders/{order.pk}/rates?lines={mug.pk}:2").json()
    assert first["parcel"]["weight_grams"] == 2 * 350 + 180
    label = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": first["rates"][0]["rate_id"]}).json()
    assert label["lines"] == {str(mug.pk): 2}
    seller_api.post(f"/labels/{label['id']}/ship", {})
    assert Order.objects.get(pk=order.pk).status == "processing"  # the T-shirt is still to ship

    rest = seller_api.get(f"/orders/{order.pk}/rates").json()  # what is left: the T-shirt
    assert rest["parcel"]["estimated"] is True  # the T-shirt has no weight: 500 g assumed
    second = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": rest["rates"][0]["rate_id"]}).json()
    seller_api.post(f"/labels/{second['id']}/ship", {})

    assert Order.objects.get(pk=order.pk).status == "shipped"
    parcels = Shipment.objects.filter(order=order).order_by("id")
    assert [p.tracking_number for p in parcels] == [label["tracking_number"], second["tracking_number"]]
    assert [list(p.lines.values_list("line_id", "quantity")) for p in parcels] == [[(mug.pk, 2)], [(tee.pk, 1)]]


def test_rates_for_units_already_shipped_or_not_on_the_order_are_a_422_on_lines(processing_order, seller_api):
    order = processing_order()
    (mug,) = order.lines.all()

    too_many = seller_api.get(f"/orders/{order.pk}/rates?lines={mug.pk}:3")
    unknown = seller_api.get(f"/orders/{order.pk}/rates?lines=999999:1")
    malformed = seller_api.get(f"/orders/{order.pk}/rates?lines=abc")

    assert too_many.status_code == 422 and "lines" in too_many.json()["error"]["details"]
    assert unknown.status_code == 422
    assert malformed.status_code == 422


def test_an_address_with_a_bought_label_is_corrected_only_after_the_label_is_voided(processing_order, seller_api):
    from shipdesk.errors import AddressLocked
    from shipdesk.orders.services import correct_address
    from tests.builders import SELLER_ACTOR

    order = processing_order()
    label = seller_api.post(f"/orders/{order.pk}/labels", {"rate_id": cheapest_rate(seller_api, order.pk)["rate_id"]})
    corrected = {
        "name": "Ada Lovelace",
        "line1": "2 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }

    with pytest.raises(AddressLocked, match="void it"):
        correct_address(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR, address=corrected)
    seller_api.post(f"/labels/{label.json()['id']}/void")
    correct_address(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR, address=corrected)

    assert Order.objects.get(pk=order.pk).ship_line1 == "2 Main St"
