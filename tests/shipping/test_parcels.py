"""Several parcels per order: ship what is in stock now, the rest later; Shipped when every open
unit is on its way, Delivered when the last parcel is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shipdesk.errors import InvalidTransition, ValidationFailed
from shipdesk.inventory.models import Product
from shipdesk.notifications.models import Notification
from shipdesk.orders import services
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping import services as shipping
from shipdesk.shipping.models import Shipment, ShipmentLine, ShipmentPurpose
from shipdesk.shipping.services import DELIVERY_REPORTED, Scan, TrackingUpdate
from tests.builders import OTHER_UPS_NUMBER, SELLER_ACTOR, UPS_NUMBER, advance, as_sent

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def three_lines(seller, make_product, place):
    for sku in ("MUG-1", "MUG-2", "MUG-3"):
        make_product(seller, sku, on_hand=10)
    order = place(
        seller,
        lines=(("MUG-1", 2, "12.50"), ("MUG-2", 1, "8.00"), ("MUG-3", 1, "5.00")),
        placed_at=MONDAY - timedelta(hours=1),
    )
    services.confirm_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, at=MONDAY)
    return services.process_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, at=MONDAY)


def lines_of(order: Order) -> list:
    return list(order.lines.order_by("id"))


def ship_parcel(order: Order, lines: dict, number: str, *, at: datetime, carrier: str = "ups", service: str = "ground"):
    return services.ship_parcel(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier=carrier,
        service_level=service,
        tracking_number=number,
        lines=lines,
        at=at,
    )


def carrier_says_delivered(number: str, *, at: datetime, occurred: datetime):
    return shipping.record_tracking_update(
        update=TrackingUpdate(
            source="generic",
            tracking_number=number,
            carrier="ups",
            status="delivered",
            scans=(Scan(status="delivered", occurred_at=occurred, description="Delivered"),),
        ),
        at=at,
    )


def test_an_order_of_three_lines_ships_in_two_parcels_on_two_days_and_is_shipped_only_when_both_left(
    three_lines,
):
    mug1, mug2, mug3 = lines_of(three_lines)

    first = ship_parcel(three_lines, {mug1.pk: 2, mug2.pk: 1}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))
    three_lines.refresh_from_db()
    assert three_lines.status == "processing"  # MUG-3 is still to ship
    assert three_lines.shipped_at is None and three_lines.action_due_at == three_lines.ship_by

    second = ship_parcel(three_lines, {mug3.pk: 1}, OTHER_UPS_NUMBER, at=MONDAY + timedelta(days=1))
    three_lines.refresh_from_db()
    assert three_lines.status == "shipped"
    assert three_lines.shipped_at == MONDAY + timedelta(days=1)
    assert three_lines.action_due_at is None
    assert three_lines.deliver_by == max(first.eta, second.eta)
    assert {(item.line_id, item.quantity) for item in ShipmentLine.objects.filter(shipment=first)} == {
        (mug1.pk, 2),
        (mug2.pk, 1),
    }
    types = list(OrderEvent.objects.filter(order=three_lines).order_by("id").values_list("type", flat=True))
    assert types[-2:] == ["parcel_shipped", "shipped"]
    # one shipping email per parcel; the first one says it holds part of the order
    emails = [
        as_sent(e) for e in Notification.objects.filter(order=three_lines, kind="customer_shipped").order_by("id")
    ]
    assert [e.stage for e in emails] == ["", f"parcel-{second.pk}"]
    assert emails[0].subject.startswith("Part of your order")
    assert "2 × Mug-1" in emails[0].body_text and "Mug-3" not in emails[0].body_text.split("In this parcel")[1][:80]


def test_the_order_is_delivered_only_when_its_last_parcel_is(three_lines):
    mug1, mug2, mug3 = lines_of(three_lines)
    ship_parcel(three_lines, {mug1.pk: 2, mug2.pk: 1}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))
    ship_parcel(three_lines, {mug3.pk: 1}, OTHER_UPS_NUMBER, at=MONDAY + timedelta(days=1))

    carrier_says_delivered(UPS_NUMBER, at=MONDAY + timedelta(days=3), occurred=MONDAY + timedelta(days=3, hours=-1))
    three_lines.refresh_from_db()
    assert three_lines.status == "shipped"
    assert Shipment.objects.get(tracking_number=UPS_NUMBER).delivered_at == MONDAY + timedelta(days=3, hours=-1)
    assert OrderEvent.objects.filter(order=three_lines, type="parcel_delivered").count() == 1

    result = carrier_says_delivered(
        OTHER_UPS_NUMBER, at=MONDAY + timedelta(days=4), occurred=MONDAY + timedelta(days=4, hours=-2)
    )
    three_lines.refresh_from_db()
    assert result.delivered_order_ids == (three_lines.pk,)
    assert three_lines.status == "delivered"
    assert three_lines.delivered_at == MONDAY + timedelta(days=4, hours=-2)  # with its last parcel
    assert OrderEvent.objects.filter(order=three_lines, type="delivered").count() == 1


def test_each_parcels_scans_show_in_the_timeline_and_on_the_tracking_page_with_their_number(three_lines, client):
    from shipdesk.shipping.tracking_links import tracking_page_path

    mug1, mug2, mug3 = lines_of(three_lines)
    ship_parcel(three_lines, {mug1.pk: 2}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))
    ship_parcel(three_lines, {mug2.pk: 1, mug3.pk: 1}, OTHER_UPS_NUMBER, at=MONDAY + timedelta(hours=3))
    for number, place_name in ((UPS_NUMBER, "Louisville, KY"), (OTHER_UPS_NUMBER, "Atlanta, GA")):
        shipping.record_tracking_update(
            update=TrackingUpdate(
                source="generic",
                tracking_number=number,
                carrier="ups",
                scans=(Scan(status="in_transit", occurred_at=MONDAY + timedelta(hours=8), location=place_name),),
            ),
            at=MONDAY + timedelta(hours=9),
        )

    scans = OrderEvent.objects.filter(order=three_lines, type="carrier_scan").order_by("id")
    assert [(e.params["tracking_number"], e.params["location"]) for e in scans] == [
        (UPS_NUMBER, "Louisville, KY"),
        (OTHER_UPS_NUMBER, "Atlanta, GA"),
    ]
    page = client.get(tracking_page_path(three_lines.pk)).content.decode()
    assert "Parcel 1 of 2" in page and "Parcel 2 of 2" in page
    assert UPS_NUMBER in page and OTHER_UPS_NUMBER in page
    assert "Louisville, KY" in page and "Atlanta, GA" in page
    assert "https://www.ups.com/track?tracknum=" + OTHER_UPS_NUMBER in page


def test_a_parcel_cannot_hold_more_units_than_are_left_to_ship(three_lines):
    mug1, mug2, _ = lines_of(three_lines)
    ship_parcel(three_lines, {mug1.pk: 1}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))

    with pytest.raises(ValidationFailed) as refused:
        ship_parcel(three_lines, {mug1.pk: 2}, OTHER_UPS_NUMBER, at=MONDAY + timedelta(hours=3))

    assert refused.value.details == {
        "lines": {str(mug1.pk): ["At most 1, the units of this line not yet in a parcel."]}
    }
    assert Shipment.objects.filter(order=three_lines).count() == 1


def test_a_line_of_another_order_cannot_go_in_the_parcel(three_lines, seller, place):
    other = advance(place(seller, lines=(("MUG-1", 1, "12.50"),)), "processing")
    stranger = other.lines.get()

    with pytest.raises(ValidationFailed):
        ship_parcel(three_lines, {stranger.pk: 1}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))
    assert not Shipment.objects.exists()


def test_a_partly_shipped_order_cannot_be_cancelled_whole_but_its_unshipped_units_can(three_lines):
    mug1, mug2, mug3 = lines_of(three_lines)
    ship_parcel(three_lines, {mug1.pk: 1, mug2.pk: 1}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))
    before = Product.objects.get(seller=three_lines.seller, sku="MUG-1").on_hand

    with pytest.raises(InvalidTransition):
        services.cancel_order(
            order_id=three_lines.pk, seller_id=three_lines.seller_id, actor=SELLER_ACTOR, reason="out_of_stock"
        )
    with pytest.raises(ValidationFailed):  # MUG-2's one unit has left
        services.cancel_line(
            order_id=three_lines.pk,
            seller_id=three_lines.seller_id,
            line_id=mug2.pk,
            quantity=1,
            actor=SELLER_ACTOR,
            reason="out_of_stock",
        )
    services.cancel_line(
        order_id=three_lines.pk,
        seller_id=three_lines.seller_id,
        line_id=mug1.pk,
        quantity=1,
        actor=SELLER_ACTOR,
        reason="out_of_stock",
        at=MONDAY + timedelta(hours=3),
    )
    three_lines.refresh_from_db()
    assert three_lines.status == "processing"  # MUG-3 still to ship
    # the cancelled unit never left: it goes back on the shelf
    assert Product.objects.get(seller=three_lines.seller, sku="MUG-1").on_hand == before + 1

    services.cancel_line(
        order_id=three_lines.pk,
        seller_id=three_lines.seller_id,
        line_id=mug3.pk,
        quantity=1,
        actor=SELLER_ACTOR,
        reason="out_of_stock",
        at=MONDAY + timedelta(hours=4),
    )
    three_lines.refresh_from_db()
    # nothing is left to ship: every open unit is in the parcel on its way
    assert three_lines.status == "shipped"
    assert three_lines.shipped_at == MONDAY + timedelta(hours=4)


def test_late_shipment_is_judged_when_the_last_parcel_leaves(three_lines):
    mug1, mug2, mug3 = lines_of(three_lines)
    ship_parcel(three_lines, {mug1.pk: 2, mug2.pk: 1}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))
    three_lines.refresh_from_db()
    late = three_lines.ship_by + timedelta(hours=1)

    ship_parcel(three_lines, {mug3.pk: 1}, OTHER_UPS_NUMBER, at=late)

    three_lines.refresh_from_db()
    assert three_lines.shipped_late is True
    assert OrderEvent.objects.get(order=three_lines, type="shipped").params["late"] is True


def test_shipping_the_whole_order_in_one_parcel_is_the_ship_action_it_always_was(seller, product, place):
    order = advance(place(seller), "shipped")

    [parcel] = Shipment.objects.filter(order=order)
    assert parcel.purpose == ShipmentPurpose.ORDER
    assert [(item.line_id, item.quantity) for item in parcel.lines.all()] == [(order.lines.get().pk, 2)]
    assert OrderEvent.objects.filter(order=order, type="parcel_shipped").count() == 0
    assert Notification.objects.get(order=order, kind="customer_shipped").stage == ""


def test_a_reshipments_delivery_is_announced_with_its_purpose_and_leaves_the_order_as_it_is(seller, product, place):
    order = advance(place(seller), "delivered")
    heard = []

    def listener(**kwargs):
        heard.append(kwargs)

    # a claim's replacement parcel, as the claims app writes it (shipping.parcels.create_parcel)
    from shipdesk.shipping.parcels import create_parcel

    create_parcel(
        order=order,
        lines={order.lines.get().pk: 1},
        carrier="ups",
        service_level="ground",
        number=OTHER_UPS_NUMBER,
        shipped_at=order.delivered_at + timedelta(days=2),
        eta=None,
        purpose=ShipmentPurpose.RESHIPMENT,
    )
    DELIVERY_REPORTED.append(listener)
    try:
        now = order.delivered_at + timedelta(days=4)
        carrier_says_delivered(OTHER_UPS_NUMBER, at=now, occurred=now - timedelta(hours=1))
    finally:
        DELIVERY_REPORTED.remove(listener)

    order.refresh_from_db()
    assert order.status == "delivered"
    assert [(h["purpose"], h["order_id"]) for h in heard] == [("reshipment", order.pk)]
    assert Shipment.objects.get(tracking_number=OTHER_UPS_NUMBER).delivered_at == now - timedelta(hours=1)


# --- over HTTP ------------------------------------------------------------------------------


def test_over_the_api_a_parcel_is_201_and_the_order_shows_what_has_shipped(three_lines, seller_api):
    mug1, mug2, mug3 = lines_of(three_lines)

    response = seller_api.post(
        f"/orders/{three_lines.pk}/parcels",
        {
            "lines": [{"line_id": mug1.pk, "quantity": 2}],
            "carrier": "ups",
            "service_level": "ground",
            "tracking_number": UPS_NUMBER,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "processing"
    assert [line["quantity_shipped"] for line in body["lines"]] == [2, 0, 0]
    [parcel] = body["shipments"]
    assert parcel["lines"] == [{"line_id": mug1.pk, "quantity": 2}]
    assert parcel["purpose"] == "order" and parcel["tracking_number"] == UPS_NUMBER
    assert body["shipment"]["id"] == parcel["id"]
    assert "cancel" not in body["allowed_actions"] and "ship" in body["allowed_actions"]


def test_over_the_api_a_bad_parcel_is_422_per_line_and_another_sellers_order_is_404(
    three_lines, seller_api, make_seller
):
    from shipdesk.accounts.services import create_api_token
    from tests.builders import Api

    mug1, *_ = lines_of(three_lines)
    body = {
        "lines": [{"line_id": mug1.pk, "quantity": 3}],
        "carrier": "ups",
        "service_level": "ground",
        "tracking_number": UPS_NUMBER,
    }
    too_many = seller_api.post(f"/orders/{three_lines.pk}/parcels", body)
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"]["lines"] == {
        str(mug1.pk): ["At most 2, the units of this line not yet in a parcel."]
    }
    twice = seller_api.post(
        f"/orders/{three_lines.pk}/parcels", {**body, "lines": [{"line_id": mug1.pk, "quantity": 1}] * 2}
    )
    assert twice.status_code == 422
    zero = seller_api.post(
        f"/orders/{three_lines.pk}/parcels", {**body, "lines": [{"line_id": mug1.pk, "quantity": 0}]}
    )
    assert zero.status_code == 422
    stranger = Api(create_api_token(name="other", seller=make_seller("other-shop")).token)
    assert (
        stranger.post(
            f"/orders/{three_lines.pk}/parcels", {**body, "lines": [{"line_id": mug1.pk, "quantity": 1}]}
        ).status_code
        == 404
    )
    assert not Shipment.objects.exists()


def test_the_label_pdf_has_one_label_per_parcel_with_its_own_barcode(three_lines, seller_api, pdf):
    mug1, mug2, mug3 = lines_of(three_lines)
    ship_parcel(three_lines, {mug1.pk: 2}, UPS_NUMBER, at=MONDAY + timedelta(hours=2))
    ship_parcel(three_lines, {mug2.pk: 1, mug3.pk: 1}, OTHER_UPS_NUMBER, at=MONDAY + timedelta(hours=3))

    label = seller_api.get(f"/orders/{three_lines.pk}/label.pdf")

    assert label.status_code == 200
    assert pdf.pages(label.content) == 2
    assert pdf.barcodes(label.content, page=1) == [UPS_NUMBER]
    assert pdf.barcodes(label.content, page=2) == [OTHER_UPS_NUMBER]
    assert "parcel 2 of 2" in pdf.text(label.content, first=2, last=2)


def test_the_dashboard_refuses_a_parcel_of_nothing_and_says_why_per_line(three_lines, client):
    from shipdesk.accounts.services import create_user

    owner = create_user(
        email="owner@acme.test", password="correct horse battery staple", seller=three_lines.seller, role="owner"
    )
    client.force_login(owner)
    mug1, mug2, mug3 = lines_of(three_lines)
    form = {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}

    empty = client.post(f"/orders/{three_lines.pk}/ship/", {**form, f"parcel-{mug1.pk}": "0", f"parcel-{mug2.pk}": "0"})
    too_many = client.post(f"/orders/{three_lines.pk}/ship/", {**form, f"parcel-{mug1.pk}": "5"})

    assert empty.status_code == 422
    assert "Put at least one unit in the parcel." in empty.content.decode()
    assert too_many.status_code == 422
    assert "At most 2, the units of this line not yet in a parcel." in too_many.content.decode()
    assert not Shipment.objects.filter(order=three_lines).exists()
