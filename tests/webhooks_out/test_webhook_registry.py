"""The event list is a registry other features extend at start-up; events are announced in the
transaction of their fact, so a rolled-back action announces nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from shipdesk.inventory.services import STOCK_LOW
from shipdesk.orders.events import EVENT_OBSERVERS, note_added_event
from shipdesk.orders.terms import Term
from shipdesk.webhooks_out import services, terms
from shipdesk.webhooks_out.delivery import deliver_due
from shipdesk.webhooks_out.models import WebhookEvent
from shipdesk.webhooks_out.services import announce_order_event, announce_stock_low
from tests.builders import SELLER_ACTOR


def test_start_up_registers_the_announcers_with_the_apps_below():
    assert announce_order_event in EVENT_OBSERVERS
    assert announce_stock_low in STOCK_LOW


@pytest.fixture
def note_event_type():
    """A feature of its own adding `order.note_added`, announced by the timeline's note events."""
    before_types, before_map = terms.EVENT_TYPES.terms, dict(terms.TIMELINE_ANNOUNCES)
    terms.register_event_type(Term("order.note_added", "Note added", "someone wrote a note on the order"))
    terms.announce_timeline_event(timeline_type="note_added", event_type="order.note_added")
    yield "order.note_added"
    terms.EVENT_TYPES.terms = before_types
    terms.EVENT_TYPES._by_value.pop("order.note_added", None)
    terms.TIMELINE_ANNOUNCES.clear()
    terms.TIMELINE_ANNOUNCES.update(before_map)


@pytest.mark.django_db
def test_a_feature_adds_an_event_type_that_subscribers_then_receive(
    note_event_type, seller, product, place, receiver, seller_api
):
    listed = [t["value"] for t in seller_api.get("/webhook-event-types").json()["items"]]
    assert note_event_type in listed
    services.create_subscription(owner=seller.pk, url=receiver.url, event_types=[note_event_type])

    order = place(seller)
    with transaction.atomic():
        note_added_event(order=order, actor=SELLER_ACTOR, text="Gift wrap, please")
    deliver_due("test-worker")

    (received,) = receiver.received
    assert received.json["type"] == note_event_type


def test_an_event_type_is_registered_once_and_announced_by_one_timeline_type():
    with pytest.raises(ValueError):
        terms.announce_timeline_event(timeline_type="placed", event_type=terms.ORDER_SHIPPED)
    with pytest.raises(ValueError):
        terms.announce_timeline_event(timeline_type="no_such_event", event_type=terms.ORDER_SHIPPED)
    with pytest.raises(ValueError):
        terms.register_event_type(Term(terms.ORDER_PLACED, "Another label", "another meaning"))


@pytest.mark.django_db
def test_an_action_that_rolls_back_announces_nothing(seller, product, place, receiver):
    services.create_subscription(owner=seller.pk, url=receiver.url, event_types=[terms.ORDER_PLACED])

    def place_then_fail():
        with transaction.atomic():
            place(seller)
            assert WebhookEvent.objects.count() == 1  # written with the order, in its transaction
            raise RuntimeError("the storefront's request failed after placing")

    with pytest.raises(RuntimeError):
        place_then_fail()

    assert WebhookEvent.objects.count() == 0
    assert deliver_due("test-worker") == 0
