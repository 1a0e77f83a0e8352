"""The sandbox carrier and the polling job: demo parcels reach Delivered by themselves.

Time is moved with time_machine; the periodic function is called as the worker's scheduler
would call it, as often as it likes.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_api_token
from shipdesk.errors import ValidationFailed
from shipdesk.jobs import PERIODIC_JOBS
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import Shipment, TrackingEvent
from shipdesk.shipping.polling import poll_carriers
from shipdesk.shipping.tracking import sandbox_tracking_number
from tests.builders import Api, advance
from tests.shipping.shipping_fixtures import ship

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday


def ship_sandbox(order):
    return ship(order, carrier="sandbox", service_level="standard", number=sandbox_tracking_number(order.pk))


def statuses(order) -> list[str]:
    return list(
        TrackingEvent.objects.filter(shipment__order=order).order_by("occurred_at").values_list("status", flat=True)
    )


def test_the_polling_job_is_registered_with_the_worker():
    job = PERIODIC_JOBS["shipping.poll_carriers"]

    assert job.func is poll_carriers
    assert job.every <= timedelta(minutes=1)


def test_a_sandbox_parcel_moves_to_delivered_over_the_configured_minutes_and_is_delivered_once(
    seller, product, place, sandbox_on
):
    with time_machine.travel(T0, tick=False) as clock:
        order = ship_sandbox(place(seller))
        poll_carriers()
        assert statuses(order) == ["pre_transit"]

        clock.shift(timedelta(minutes=1, seconds=1))
        poll_carriers()
        assert statuses(order) == ["pre_transit", "in_transit"]

        clock.shift(timedelta(minutes=1))
        poll_carriers()
        assert statuses(order) == ["pre_transit", "in_transit", "out_for_delivery"]
        assert Order.objects.get(pk=order.pk).status == "shipped"

        clock.shift(timedelta(minutes=1))
        delivered = poll_carriers()
        poll_carriers()  # the scheduler may run it again: nothing more happens
        clock.shift(timedelta(hours=1))
        poll_carriers()

    order.refresh_from_db()
    assert delivered == 1
    assert order.status == "delivered"
    assert order.delivered_at == T0 + timedelta(minutes=3)
    assert statuses(order) == ["pre_transit", "in_transit", "out_for_delivery", "delivered"]
    assert OrderEvent.objects.filter(order=order, type="delivered").count() == 1
    assert OrderEvent.objects.filter(order=order, type="carrier_scan").count() == 4
    event = OrderEvent.objects.get(order=order, type="delivered")
    assert (event.actor_kind, event.actor_label) == ("carrier", "Sandbox carrier")
    assert Notification.objects.filter(order=order, kind="customer_delivered").count() == 1


def test_after_downtime_one_run_catches_up_the_whole_journey(seller, product, place, sandbox_on):
    with time_machine.travel(T0, tick=False) as clock:
        order = ship_sandbox(place(seller))
        clock.shift(timedelta(hours=5))

        poll_carriers()

    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.delivered_at == T0 + timedelta(minutes=3)  # when the pretend carrier delivered it
    assert statuses(order) == ["pre_transit", "in_transit", "out_for_delivery", "delivered"]


def test_the_journey_takes_the_minutes_the_setting_says(seller, product, place, sandbox_on):
    sandbox_on.SHIPDESK_SANDBOX_CARRIER_MINUTES = 30
    with time_machine.travel(T0, tick=False) as clock:
        order = ship_sandbox(place(seller))
        clock.shift(timedelta(minutes=29))
        poll_carriers()
        assert Order.objects.get(pk=order.pk).status == "shipped"
        clock.shift(timedelta(minutes=1))
        poll_carriers()

    assert Order.objects.get(pk=order.pk).status == "delivered"


def test_parcels_of_real_carriers_are_left_alone_by_the_sandbox(seller, product, place, sandbox_on):
    with time_machine.travel(T0, tick=False) as clock:
        order = ship(place(seller))  # FedEx
        clock.shift(timedelta(days=1))
        poll_carriers()

    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert statuses(order) == []


def test_the_sandbox_carrier_is_refused_unless_turned_on(seller, product, place, settings):
    settings.SHIPDESK_SANDBOX_CARRIER = False

    with pytest.raises(ValidationFailed) as refused:
        ship_sandbox(place(seller))

    assert "carrier" in refused.value.details


def test_the_sandbox_carrier_validates_its_own_numbers(seller, product, place, sandbox_on, seller_api):
    order = advance(place(seller), "processing")
    bad = sandbox_tracking_number(7)[:-1] + str((int(sandbox_tracking_number(7)[-1]) + 1) % 10)

    response = seller_api.post(
        f"/orders/{order.pk}/ship", {"carrier": "sandbox", "service_level": "standard", "tracking_number": bad}
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_tracking_number"


def test_the_carrier_list_offers_the_sandbox_only_when_it_is_on(seller_api, settings):
    settings.SHIPDESK_SANDBOX_CARRIER = False
    assert "sandbox" not in [c["code"] for c in seller_api.get("/carriers").json()]

    settings.SHIPDESK_SANDBOX_CARRIER = True
    sandbox = next(c for c in seller_api.get("/carriers").json() if c["code"] == "sandbox")
    assert sandbox["tracked"] is True
    assert sandbox["services"] == [
        {"code": "standard", "name": "Sandbox Standard", "transit_days": 1},
        {"code": "economy", "name": "Sandbox Economy", "transit_days": 3},
        {"code": "express", "name": "Sandbox Express", "transit_days": 1},
    ]


def test_with_the_demo_a_shipped_demo_order_reaches_delivered_by_itself_within_minutes(db, sandbox_on):
    # `shipdesk run --demo` runs the demo command, then the worker runs the periodic jobs.
    with time_machine.travel(T0, tick=False) as clock:
        call_command("demo", stdout=io.StringIO())
        seller = Seller.objects.get(slug="demo-shop")
        shipped = list(Order.objects.filter(seller=seller, status="shipped"))
        assert shipped
        assert {Shipment.objects.get(order=o).carrier for o in shipped} == {"sandbox"}

        clock.shift(timedelta(minutes=3))
        poll_carriers()

    assert {o.status for o in Order.objects.filter(pk__in=[o.pk for o in shipped])} == {"delivered"}
    for order in shipped:
        assert OrderEvent.objects.filter(order=order, type="delivered").count() == 1
    # and the seller sees it through the API as delivered by the carrier
    api = Api(create_api_token(name="t", seller=seller).token)
    body = api.get(f"/orders/{shipped[0].pk}").json()
    assert body["status"] == "delivered"
    assert [e["type"] for e in body["events"]][-1] == "delivered"
