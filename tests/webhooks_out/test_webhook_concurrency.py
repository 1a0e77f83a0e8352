"""Two workers draining the webhook outbox at once (PostgreSQL, real parallel connections):
each event reaches each subscription exactly once, and one order's events still arrive in order."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from shipdesk.webhooks_out import services, terms
from shipdesk.webhooks_out.delivery import deliver_due
from shipdesk.webhooks_out.models import WebhookDelivery
from tests.builders import advance
from tests.webhooks_out.receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_workers(count: int) -> None:
    """`count` workers, each in its own thread and connection, started together, each draining
    until it finds nothing due."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            idle = 0
            while idle < 3:  # a few empty turns: the other worker may still be finishing a batch
                idle = idle + 1 if deliver_due(name, limit=3) == 0 else 0
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def test_two_workers_send_each_event_exactly_once_per_subscription_and_in_order_per_order(
    make_seller, make_product, place, settings
):
    settings.SHIPDESK_WEBHOOKS = {**settings.SHIPDESK_WEBHOOKS, "allowed_networks": ["127.0.0.1/32"]}
    seller = make_seller("acme")
    make_product(seller, "MUG-1", on_hand=500)
    first, second = Receiver().start(), Receiver().start()
    try:
        for receiver in (first, second):
            services.create_subscription(
                owner=seller.pk,
                url=receiver.url,
                event_types=[terms.ORDER_PLACED, terms.ORDER_CONFIRMED, terms.ORDER_PROCESSING],
            )
        orders = [place(seller) for _ in range(8)]
        for order in orders:
            advance(order, "processing")

        run_workers(2)
    finally:
        first.stop()
        second.stop()

    for receiver in (first, second):
        ids = Counter(r.json["id"] for r in receiver.received)
        assert len(ids) == 24 and set(ids.values()) == {1}  # 8 orders × 3 events, each once
        by_order: dict[int, list[str]] = {}
        for received in receiver.received:
            by_order.setdefault(received.json["data"]["order"]["id"], []).append(received.json["type"])
        assert all(
            types == [terms.ORDER_PLACED, terms.ORDER_CONFIRMED, terms.ORDER_PROCESSING] for types in by_order.values()
        )
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {terms.DELIVERED}
    assert WebhookDelivery.objects.count() == 48
