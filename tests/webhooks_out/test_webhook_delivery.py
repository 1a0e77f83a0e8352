"""Outgoing webhooks, end to end: a real receiver on loopback, the real worker code, time moved by
time_machine. Each delivery is checked the way a subscriber checks it: signature, event id, order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from shipdesk.inventory.services import change_stock
from shipdesk.notifications.delivery import send_due_notifications
from shipdesk.notifications.models import Notification
from shipdesk.signatures import verify_timestamped
from shipdesk.webhooks_out import services, terms
from shipdesk.webhooks_out.delivery import claim_due, deliver_due, prune_finished, reconcile_abandoned, retry_policy
from shipdesk.webhooks_out.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from tests.builders import SELLER_ACTOR, advance, as_sent
from tests.notifications.mail_server import body

pytestmark = pytest.mark.django_db

ORDER_EVENTS = [
    terms.ORDER_PLACED,
    terms.ORDER_CONFIRMED,
    terms.ORDER_PROCESSING,
    terms.ORDER_SHIPPED,
    terms.ORDER_DELIVERED,
    terms.ORDER_CANCELLED,
    terms.ORDER_REFUNDED,
]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def drain(rounds: int = 20) -> int:
    """Run the worker's webhook poller until it finds nothing due; returns how many it sent."""
    sent = 0
    for _ in range(rounds):
        claimed = deliver_due("test-worker")
        if not claimed:
            return sent
        sent += claimed
    return sent


def subscribe(seller, url, event_types=ORDER_EVENTS) -> WebhookSubscription:
    return services.create_subscription(owner=seller.pk if seller else None, url=url, event_types=list(event_types))


def verified(received, secret: str, *, now: datetime | None = None) -> bool:
    return verify_timestamped(
        received.headers["Shipdesk-Signature"], received.body, secret, now or datetime.now(tz=UTC)
    )


def test_a_receiver_gets_each_subscribed_event_of_an_order_once_signed_and_in_order(seller, product, place, receiver):
    subscription = subscribe(seller, receiver.url)

    order = place(seller)
    advance(order, "delivered")
    drain()

    assert receiver.types() == [
        terms.ORDER_PLACED,
        terms.ORDER_CONFIRMED,
        terms.ORDER_PROCESSING,
        terms.ORDER_SHIPPED,
        terms.ORDER_DELIVERED,
    ]
    for received in receiver.received:
        assert verified(received, subscription.secret)
        assert received.headers["Shipdesk-Event-Id"] == received.json["id"]
        assert received.json["id"].startswith("evt_")
        assert received.json["data"]["order"]["id"] == order.pk
        assert received.json["seller"] == seller.slug
    assert len({r.json["id"] for r in receiver.received}) == 5
    shipped = receiver.received[3].json["data"]
    assert shipped["order"]["status"] == "shipped"
    assert shipped["order"]["shipment"]["carrier"] == "ups"
    assert shipped["order"]["total"] == "29.99"  # 2 × 12.50 + 4.99, exact
    # Nothing is sent twice: a second worker turn finds nothing due.
    assert drain() == 0
    assert len(receiver.received) == 5


def test_a_signature_made_with_another_secret_does_not_verify(seller, product, place, receiver):
    subscribe(seller, receiver.url)
    place(seller)
    drain()

    (received,) = receiver.received
    assert not verified(received, "whsec_someone_else")


def test_events_the_subscription_did_not_ask_for_and_other_shops_events_are_not_sent(
    seller, make_seller, make_product, product, place, receiver
):
    subscribe(seller, receiver.url, [terms.ORDER_SHIPPED])
    other = make_seller("other-shop")
    make_product(other)

    place(other)
    advance(place(seller), "confirmed")
    drain()

    assert receiver.received == []
    assert WebhookEvent.objects.count() == 0  # nobody wanted them: nothing written


def test_a_platform_subscription_receives_every_shops_events(
    seller, make_seller, make_product, product, place, receiver
):
    subscribe(None, receiver.url, [terms.ORDER_PLACED])
    other = make_seller("other-shop")
    make_product(other)

    place(seller)
    place(other)
    drain()

    assert sorted(r.json["seller"] for r in receiver.received) == ["acme", "other-shop"]


def test_a_receiver_answering_500_is_retried_with_exponential_backoff(seller, product, place, receiver):
    with time_machine.travel(T0, tick=False) as clock:
        subscribe(seller, receiver.url)
        place(seller)
        receiver.fail_next(2)
        policy = retry_policy()

        drain()  # first attempt: 500
        delivery = WebhookDelivery.objects.get()
        first_wait = policy.delay(1, key=delivery.pk)
        assert (delivery.state, delivery.attempts, delivery.last_status_code) == (terms.QUEUED, 1, 500)
        assert delivery.next_attempt_at == T0 + first_wait

        clock.shift(first_wait - timedelta(seconds=1))
        assert drain() == 0  # not due yet: nothing is sent early
        clock.shift(timedelta(seconds=1))
        drain()  # second attempt: 500 again, and the wait doubles
        delivery.refresh_from_db()
        second_wait = policy.delay(2, key=delivery.pk)
        assert second_wait > first_wait * 1.9
        assert delivery.next_attempt_at == T0 + first_wait + second_wait

        clock.shift(second_wait)
        drain()  # third attempt: delivered

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (terms.DELIVERED, 3, 200)
    assert receiver.answered == [500, 500, 200]
    log = list(delivery.attempt_log.order_by("id"))
    assert [a.status_code for a in log] == [500, 500, 200]
    assert all(a.latency_ms >= 0 for a in log)
    assert log[0].response_excerpt == "receiver is down"
    assert len(receiver.received) == 1


def test_a_receiver_down_for_a_while_then_gets_every_missed_delivery_in_order_per_order(
    seller, make_product, place, receiver
):
    make_product(seller, "MUG-1", on_hand=50)
    with time_machine.travel(T0, tick=False) as clock:
        subscribe(seller, receiver.url)
        receiver.go_down()
        first = place(seller)
        second = place(seller)
        advance(first, "processing")
        advance(second, "confirmed")
        drain()
        # While it is down only the first event of each order is tried: the later ones wait
        # behind it, so they cannot overtake it.
        assert receiver.answered == [500, 500]
        for _ in range(6):
            clock.shift(timedelta(hours=1))
            drain()
        receiver.come_back()
        clock.shift(timedelta(hours=7))
        drain()

    by_order: dict[int, list[str]] = {}
    for received in receiver.received:
        by_order.setdefault(received.json["data"]["order"]["id"], []).append(received.json["type"])
    assert by_order == {
        first.pk: [terms.ORDER_PLACED, terms.ORDER_CONFIRMED, terms.ORDER_PROCESSING],
        second.pk: [terms.ORDER_PLACED, terms.ORDER_CONFIRMED],
    }
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {terms.DELIVERED}


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_emailed_once(seller, product, place, receiver):
    with time_machine.travel(T0, tick=False) as clock:
        subscription = subscribe(seller, receiver.url)
        receiver.go_down()
        place(seller)
        for _ in range(40):  # a day and a half of retries
            drain()
            clock.shift(timedelta(hours=1))

    subscription.refresh_from_db()
    assert subscription.state == terms.DISABLED
    assert T0 + timedelta(days=1) <= subscription.disabled_at <= T0 + timedelta(days=1, hours=8)
    notices = Notification.objects.filter(kind=Notification.Kind.SELLER_WEBHOOK_DISABLED)
    assert notices.count() == 1
    notice = as_sent(notices.get())
    assert notice.recipient == seller.email
    assert receiver.url in notice.subject
    # Disabled: the waiting delivery is kept, and nothing more is tried.
    tried = len(receiver.answered)
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        drain()
    assert len(receiver.answered) == tried
    assert WebhookDelivery.objects.get().state == terms.QUEUED

    # Enabled again once the receiver is fixed: the waiting delivery goes out.
    receiver.come_back()
    services.enable_subscription(subscription_id=subscription.pk, owner=seller.pk)
    drain()
    assert receiver.types() == [terms.ORDER_PLACED]


def test_a_delivery_out_of_attempts_fails_and_can_be_redelivered_from_the_log(
    seller, product, place, receiver, settings
):
    settings.SHIPDESK_WEBHOOKS = {**settings.SHIPDESK_WEBHOOKS, "max_attempts": 2, "retry_base_seconds": 1}
    with time_machine.travel(T0, tick=False) as clock:
        subscribe(seller, receiver.url)
        receiver.go_down()
        place(seller)
        drain()
        clock.shift(timedelta(seconds=5))
        drain()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == terms.FAILED

    receiver.come_back()
    services.redeliver(delivery_id=delivery.pk, owner=seller.pk)
    drain()

    delivery.refresh_from_db()
    assert delivery.state == terms.DELIVERED
    (received,) = receiver.received
    assert received.json["id"] == delivery.event.event_id  # the same event, so receivers can deduplicate
    assert delivery.attempt_log.count() == 3


def test_after_a_secret_rotation_both_secrets_verify_until_the_overlap_ends(seller, product, place, receiver):
    with time_machine.travel(T0, tick=False) as clock:
        subscription = subscribe(seller, receiver.url)
        old_secret = subscription.secret
        rotated = services.rotate_secret(subscription_id=subscription.pk, owner=seller.pk, overlap_hours=24)
        assert rotated.secret != old_secret
        place(seller)
        drain()
        clock.shift(timedelta(hours=25))
        place(seller)
        drain()

        during, after = receiver.received
        assert verified(during, old_secret, now=T0) and verified(during, rotated.secret, now=T0)
        later = T0 + timedelta(hours=25)
        assert verified(after, rotated.secret, now=later) and not verified(after, old_secret, now=later)


def test_stock_low_is_announced_once_when_available_stock_falls_to_the_threshold(seller, make_product, place, receiver):
    make_product(seller, "MUG-1", on_hand=9)  # threshold 5
    subscribe(seller, receiver.url, [terms.STOCK_LOW])

    place(seller, lines=(("MUG-1", 3, "12.50"),))  # 6 available: above
    place(seller, lines=(("MUG-1", 1, "12.50"),))  # 5: falls to the threshold
    place(seller, lines=(("MUG-1", 1, "12.50"),))  # 4: still low, no second announcement
    drain()
    assert receiver.types() == [terms.STOCK_LOW]
    product = receiver.received[0].json["data"]["product"]
    assert (product["sku"], product["available"], product["low_stock_threshold"]) == ("MUG-1", 5, 5)

    change_stock(seller_id=seller.pk, sku="MUG-1", actor=SELLER_ACTOR, reason="delivery", delta=10)  # back above
    place(seller, lines=(("MUG-1", 10, "12.50"),))  # falls again: announced again
    drain()
    assert receiver.types() == [terms.STOCK_LOW, terms.STOCK_LOW]


def test_a_test_ping_reaches_the_endpoint_signed(seller, receiver):
    subscription = subscribe(seller, receiver.url)

    services.send_test_ping(subscription_id=subscription.pk, owner=seller.pk)
    drain()

    (received,) = receiver.received
    assert received.json["type"] == terms.PING
    assert verified(received, subscription.secret)


def test_a_delivery_left_sending_by_a_dead_worker_is_sent_again_with_the_same_event_id(
    seller, product, place, receiver
):
    subscribe(seller, receiver.url)
    with time_machine.travel(T0, tick=False) as clock:
        place(seller)
        (claimed,) = claim_due(worker_id="dead-worker", limit=10)  # claimed, then the worker died
        clock.shift(timedelta(minutes=5))
        assert reconcile_abandoned(frozenset({"test-worker"}), T0 + timedelta(minutes=5)) == 1
        drain()

    (received,) = receiver.received
    assert received.json["id"] == claimed.event.event_id


def test_the_owner_of_a_disabled_endpoint_gets_an_email_saying_what_to_do(
    seller, product, place, receiver, mail_server
):
    with time_machine.travel(T0, tick=False) as clock:
        services.create_subscription(owner=seller.pk, url=receiver.url, event_types=[terms.ORDER_PLACED])
        receiver.go_down()
        place(seller)
        for _ in range(32):
            drain()
            clock.shift(timedelta(hours=1))
        send_due_notifications("test-worker")

    (mail,) = mail_server.messages(kind=Notification.Kind.SELLER_WEBHOOK_DISABLED)
    assert mail["To"] == seller.email
    assert mail["Subject"] == f"Webhook endpoint disabled: {receiver.url}"
    text = body(mail, "plain")
    assert "every delivery failed for 24 hours" in text
    assert "/settings/webhooks/" in text


def test_the_log_forgets_finished_events_after_thirty_days_but_keeps_waiting_ones(
    seller, make_product, place, receiver
):
    make_product(seller, "MUG-1", on_hand=50)
    with time_machine.travel(T0, tick=False):
        subscribe(seller, receiver.url)
        place(seller)
        drain()  # delivered
        receiver.go_down()
        place(seller)
        drain()  # still being retried

    assert prune_finished(now=T0 + timedelta(days=29)) == 0
    assert prune_finished(now=T0 + timedelta(days=31)) == 1
    (left,) = WebhookDelivery.objects.all()
    assert left.state == terms.QUEUED
