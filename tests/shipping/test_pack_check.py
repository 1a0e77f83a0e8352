"""Scan-to-pack through the API: POST /api/v1/orders/{id}/pack-check {scans}, and shipping after it."""

from __future__ import annotations

import pytest

from shipdesk.accounts.services import create_api_token
from shipdesk.inventory.models import Product
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import PackCheck
from shipdesk.shipping.packing import PackLine, apply_scans, missing_units
from tests.builders import SELLER_ACTOR, UPS_NUMBER, Api, advance

SHIP = {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}


@pytest.fixture
def processing(seller, make_product, place):
    make_product(seller, "MUG-1", on_hand=20)
    make_product(seller, "TOTE", on_hand=20)
    Product.objects.filter(seller=seller, sku="MUG-1").update(barcode="4006381333931")
    return advance(place(seller, lines=(("MUG-1", 2, "12.50"), ("TOTE", 1, "12.50"))), "processing")


def scan(api, order, *codes, **extra):
    response = api.post(f"/orders/{order.pk}/pack-check", {"scans": list(codes), **extra})
    assert response.status_code == 200, response.content
    return response.json()


def packed(body) -> dict[str, int]:
    return {line["sku"]: line["packed"] for line in body["lines"]}


# --- the pure rules -------------------------------------------------------------------------

LINES = [PackLine(1, "MUG-1", "Mug", "4006381333931", 2), PackLine(2, "TOTE", "Tote", "", 1)]


def test_a_barcode_or_a_sku_ticks_one_unit_of_its_line():
    result = apply_scans(LINES, {}, ["4006381333931", "tote", " MUG-1\r", "\x02MUG-1\x00"])

    assert result.packed == {1: 2, 2: 1}
    assert [line_id for _, line_id in result.accepted] == [1, 2, 1]
    assert [r.code for r in result.refused] == ["MUG-1"]  # a third mug: too many
    assert missing_units(LINES, result.packed) == []


def test_a_wrong_item_and_one_unit_too_many_are_refused_and_change_nothing():
    result = apply_scans(LINES, {2: 1}, ["0000000000000", "TOTE", ""])

    assert result.packed == {1: 0, 2: 1}
    assert [r.code for r in result.refused] == ["0000000000000", "TOTE"]
    assert "not in this order" in result.refused[0].reason
    assert "already packed" in result.refused[1].reason
    assert missing_units(LINES, result.packed) == [(LINES[0], 2)]


# --- the API --------------------------------------------------------------------------------


def test_scanning_every_unit_completes_the_check_and_records_it_in_the_timeline(processing, seller_api):
    first = scan(seller_api, processing, "4006381333931")
    assert (first["started"], first["complete"]) == (True, False)
    assert first["missing"] == [
        {"line_id": first["lines"][0]["line_id"], "sku": "MUG-1", "title": "Mug-1", "quantity": 1},
        {"line_id": first["lines"][1]["line_id"], "sku": "TOTE", "title": "Tote", "quantity": 1},
    ]
    assert not OrderEvent.objects.filter(order=processing, type="pack_checked").exists()

    done = scan(seller_api, processing, "MUG-1", "TOTE")

    assert done["complete"] is True
    assert done["missing"] == []
    assert packed(done) == {"MUG-1": 2, "TOTE": 1}
    event = OrderEvent.objects.get(order=processing, type="pack_checked")
    assert event.actor_kind == "seller"
    assert event.params["units"] == 3
    timeline = seller_api.get(f"/orders/{processing.pk}").json()["events"]
    assert timeline[-1]["type"] == "pack_checked"


def test_a_wrong_item_is_refused_with_a_reason_and_nothing_is_ticked(processing, seller_api):
    body = scan(seller_api, processing, "9780201633610")

    assert body["refused"] == [
        {"code": "9780201633610", "reason": "9780201633610 is not in this order. Take it out of the box."}
    ]
    assert packed(body) == {"MUG-1": 0, "TOTE": 0}
    assert PackCheck.objects.get(order=processing).refused[0]["code"] == "9780201633610"


def test_restart_empties_the_box(processing, seller_api):
    scan(seller_api, processing, "MUG-1", "TOTE")

    body = scan(seller_api, processing, "TOTE", restart=True)

    assert packed(body) == {"MUG-1": 0, "TOTE": 1}


def test_reading_the_check_changes_nothing(processing, seller_api):
    before = seller_api.get(f"/orders/{processing.pk}/pack-check").json()
    assert (before["started"], before["complete"]) == (False, False)
    scan(seller_api, processing, "TOTE")

    after = seller_api.get(f"/orders/{processing.pk}/pack-check").json()

    assert after["started"] is True
    assert packed(after) == {"MUG-1": 0, "TOTE": 1}


@pytest.mark.parametrize("status", ["pending", "confirmed", "shipped"])
def test_only_a_processing_order_can_be_packed(seller, make_product, place, seller_api, status):
    make_product(seller, "MUG-1")
    order = advance(place(seller), status)

    response = seller_api.post(f"/orders/{order.pk}/pack-check", {"scans": ["MUG-1"]})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert not PackCheck.objects.filter(order=order).exists()


def test_another_sellers_order_is_404(processing, make_seller, make_product, place):
    other = make_seller()
    api = Api(create_api_token(name="other", seller=other).token)

    assert api.post(f"/orders/{processing.pk}/pack-check", {"scans": ["MUG-1"]}).status_code == 404
    assert api.get(f"/orders/{processing.pk}/pack-check").status_code == 404
    assert not PackCheck.objects.exists()


@pytest.mark.parametrize("body", [{"scans": "MUG-1"}, {"scans": ["x"] * 501}, {"scans": [1]}, {"scans": ["x" * 201]}])
def test_a_malformed_list_of_scans_is_refused(processing, seller_api, body):
    response = seller_api.post(f"/orders/{processing.pk}/pack-check", body)

    assert response.status_code in (400, 422)
    assert not PackCheck.objects.exists()


# --- shipping after a pack check ------------------------------------------------------------


def test_shipping_with_an_incomplete_pack_check_asks_for_confirmation(processing, seller_api):
    scan(seller_api, processing, "MUG-1")

    refused = seller_api.post(f"/orders/{processing.pk}/ship", SHIP)

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "pack_check_incomplete"
    assert [(m["sku"], m["quantity"]) for m in error["details"]["missing"]] == [("MUG-1", 1), ("TOTE", 1)]
    assert Order.objects.get(pk=processing.pk).status == "processing"

    confirmed = seller_api.post(f"/orders/{processing.pk}/ship", {**SHIP, "confirm_incomplete_pack": True})

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "shipped"
    override = OrderEvent.objects.get(order=processing, type="shipped_incomplete_pack")
    assert [(m["sku"], m["quantity"]) for m in override.params["missing"]] == [("MUG-1", 1), ("TOTE", 1)]


def test_shipping_after_a_complete_pack_check_needs_no_confirmation(processing, seller_api):
    scan(seller_api, processing, "MUG-1", "MUG-1", "TOTE")

    assert seller_api.post(f"/orders/{processing.pk}/ship", SHIP).status_code == 200


def test_shipping_without_any_pack_check_needs_no_confirmation(processing, seller_api):
    assert seller_api.post(f"/orders/{processing.pk}/ship", SHIP).status_code == 200


def test_a_line_cancelled_after_packing_started_no_longer_counts_as_missing(processing, seller_api):
    scan(seller_api, processing, "MUG-1", "MUG-1")
    tote = processing.lines.get(sku="TOTE")
    services.cancel_line(
        order_id=processing.pk,
        seller_id=processing.seller_id,
        line_id=tote.pk,
        quantity=1,
        actor=SELLER_ACTOR,
        reason="out_of_stock",
    )

    assert seller_api.post(f"/orders/{processing.pk}/ship", SHIP).status_code == 200
