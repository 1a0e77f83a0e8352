"""The emails, as a real SMTP server receives them from the real worker.

Each test drives orders through the services, runs the worker in this process until it is idle
(`run_until_idle`: scheduler, sweeps, outbox), and reads what arrived at the aiosmtpd server.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, Notification
from shipdesk.notifications.rendering import review_order_id
from shipdesk.orders import services
from shipdesk.orders.models import OrderEvent
from shipdesk.shipping.tracking_links import tracking_page_url
from tests.builders import SELLER_ACTOR, UPS_NUMBER, advance
from tests.notifications.mail_server import body

NEW_YORK = ZoneInfo("America/New_York")
# Before the seller's 08:00 daily digest, which these tests leave out of the count.
MONDAY_6AM = datetime(2025, 1, 6, 6, 0, tzinfo=NEW_YORK)


def kinds(server) -> list[str]:
    return sorted(m["X-Shipdesk-Kind"] for m in server.messages())


def test_a_paid_order_mails_the_seller_then_the_customer_at_every_stage_each_exactly_once(
    seller, product, place, mail_server
):
    with time_machine.travel(MONDAY_6AM, tick=False) as clock:
        # given a paid order: the seller hears of it
        order = place(seller, paid=True, lines=(("MUG-1", 2, "12.50"),))
        run_until_idle()
        [new_order] = mail_server.messages("seller_new_order")
        assert new_order["Subject"] == f"New order #{order.number}: 2 items, $29.99"
        assert new_order["To"] == seller.email
        assert "Mug-1 (MUG-1)" in body(new_order, "plain") and "$29.99" in body(new_order, "plain")

        # when the seller confirms, processes and ships it
        order = advance(order, "confirmed")
        run_until_idle()
        order = advance(order, "shipped")
        run_until_idle()

        # then the customer got "confirmed" and "shipped", in the shop's name, replies to the shop
        [confirmed] = mail_server.messages("customer_confirmed")
        assert confirmed["Subject"] == f"Your order #{order.number} from Acme is confirmed"
        assert confirmed["From"].addresses[0].display_name == "Acme"
        assert confirmed["Reply-To"] == seller.email
        assert confirmed["To"] == "ada@example.com"
        [shipped] = mail_server.messages("customer_shipped")
        assert shipped["Subject"] == f"Your order #{order.number} from Acme has shipped"
        tracking_link = f"https://www.ups.com/track?tracknum={UPS_NUMBER}"
        # UPS Ground is 5 business days: Monday 6 January + 5 = Monday 13 January.
        # "Track your parcel" opens our tracking page (scans, ETA, delays); the carrier's is beside it
        assert f"Track your parcel: {tracking_page_url(order.pk)}" in body(shipped, "plain")
        assert f"On the carrier's site: {tracking_link}" in body(shipped, "plain")
        assert "Expected delivery: Monday 13 January" in body(shipped, "plain")
        assert f'href="{tracking_link}"' in body(shipped, "html")
        assert "Monday 13 January" in body(shipped, "html")

        # when it is delivered, and two days pass
        order = advance(order, "delivered")
        run_until_idle()
        clock.shift(timedelta(days=1, hours=23))
        run_until_idle()
        assert mail_server.messages("customer_review_request") == []
        clock.shift(timedelta(hours=2))
        run_until_idle()

        # then the review request arrived, with a link that names this order
        [review] = mail_server.messages("customer_review_request")
        assert review["Subject"] == f"How was your order #{order.number} from Acme?"
        link = next(word for word in body(review, "plain").split() if "/r/" in word)
        assert review_order_id(link.rstrip("/").rsplit("/", 1)[1]) == order.pk

        # and running the worker again sends nothing twice
        run_until_idle()
        run_until_idle()
    assert kinds(mail_server) == [
        "customer_confirmed",
        "customer_delivered",
        "customer_preparing",  # "being prepared", at processing
        "customer_review_request",
        "customer_shipped",
        "seller_new_order",
    ]
    assert all(count == 1 for count in mail_server.message_ids().values())
    assert Notification.objects.filter(order=order).exclude(status="sent").count() == 0


def test_a_cancelled_paid_order_mails_the_customer_the_refund_amount_once(seller, product, place, mail_server):
    order = place(seller, paid=True, lines=(("MUG-1", 2, "12.50"),))
    services.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="out_of_stock")
    run_until_idle()
    run_until_idle()

    [cancelled] = mail_server.messages("customer_cancelled")
    assert cancelled["Subject"] == f"Your order #{order.number} from Acme was cancelled"
    assert "because an item is out of stock" in body(cancelled, "plain")
    assert "A refund of $29.99 is on its way" in body(cancelled, "plain")
    assert "<strong>$29.99</strong>" in body(cancelled, "html")
    assert len(mail_server.messages()) == 2  # and the seller's new-order mail


def test_what_a_customer_typed_is_text_in_the_html_mail(seller, product, place, mail_server):
    order = place(seller, customer_name='<script>alert("x")</script> Ada')
    order = advance(order, "confirmed")
    run_until_idle()

    [confirmed] = mail_server.messages("customer_confirmed")
    html = body(confirmed, "html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Ada" in html
    assert '<script>alert("x")</script> Ada' in body(confirmed, "plain")


def test_each_message_is_written_to_the_order_timeline_when_sent(seller, product, place, mail_server):
    order = place(seller)
    order = advance(order, "confirmed")
    run_until_idle()

    sent = OrderEvent.objects.filter(order=order, type="notification_sent").order_by("id")
    assert [(e.params["kind"], e.params["recipient"]) for e in sent] == [
        ("seller_new_order", seller.email),
        ("customer_confirmed", "ada@example.com"),
    ]
    assert all(e.actor_kind == "system" and e.params["message_id"].startswith("<notification.") for e in sent)


def test_a_server_refusing_for_a_while_gets_the_message_later_with_exponential_backoff(
    seller, product, place, mail_server
):
    with time_machine.travel(MONDAY_6AM, tick=False) as clock:
        order = place(seller)
        mail_server.refuse_next(3)

        run_until_idle()  # attempt 1: refused
        row = Notification.objects.get(order=order, kind="seller_new_order")
        assert (row.status, row.attempts, row.last_error) == ("queued", 1, "451 4.3.2 Try again later")
        first_delay = row.next_attempt_at - timezone.now()
        assert timedelta(seconds=30) <= first_delay <= timedelta(seconds=36)
        delayed = OrderEvent.objects.get(order=order, type="notification_delayed")
        assert delayed.params["error"] == "451 4.3.2 Try again later"

        run_until_idle()  # not due yet: nothing is tried
        assert Notification.objects.get(pk=row.pk).attempts == 1

        clock.shift(first_delay)
        run_until_idle()  # attempt 2: refused, waits about twice as long
        row.refresh_from_db()
        second_delay = row.next_attempt_at - timezone.now()
        assert (row.attempts, row.status) == (2, "queued")
        assert timedelta(seconds=60) <= second_delay <= timedelta(seconds=72)

        clock.shift(second_delay)
        run_until_idle()  # attempt 3: refused
        clock.shift(timedelta(minutes=5))
        run_until_idle()  # attempt 4: accepted

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 4)
    assert mail_server.refused == 3
    assert len(mail_server.messages("seller_new_order")) == 1
    assert OrderEvent.objects.filter(order=order, type="notification_delayed").count() == 1  # the first refusal only


def test_a_mailbox_that_does_not_exist_fails_the_message_at_once_and_tells_the_seller(
    seller, product, place, mail_server
):
    mail_server.bounce("nobody@example.com")
    order = place(seller, customer_email="nobody@example.com")
    order = advance(order, "confirmed")
    run_until_idle()

    row = Notification.objects.get(order=order, kind="customer_confirmed")
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550 5.1.1" in row.last_error
    failed = OrderEvent.objects.get(order=order, type="notification_failed")
    assert failed.params["recipient"] == "nobody@example.com" and "550" in failed.params["error"]
    alert = Alert.objects.get(order=order, kind="email_failed")
    assert alert.title.startswith("Email not delivered to nobody@example.com")
    assert mail_server.messages("customer_confirmed") == []


def test_a_message_refused_until_its_attempts_are_spent_fails_and_says_so(
    seller, product, place, mail_server, settings
):
    settings.SHIPDESK_EMAIL = {**settings.SHIPDESK_EMAIL, "max_attempts": 3}
    with time_machine.travel(MONDAY_6AM, tick=False) as clock:
        order = place(seller)
        mail_server.refuse_next(100)
        for _ in range(4):
            run_until_idle()
            clock.shift(timedelta(hours=1))

    row = Notification.objects.get(order=order, kind="seller_new_order")
    assert (row.status, row.attempts) == ("failed", 3)
    assert OrderEvent.objects.filter(order=order, type="notification_failed").count() == 1


def test_times_and_money_in_mails_are_the_sellers(make_seller, make_product, place, mail_server):
    shop = make_seller("duka", country="KE", tz="Africa/Nairobi")
    make_product(shop, "MUG-1", currency="KES", price="1500")
    with time_machine.travel(datetime(2025, 1, 3, 16, 0, tzinfo=ZoneInfo("Africa/Nairobi")), tick=False):
        order = place(shop, currency="KES", lines=(("MUG-1", 1, "1500"),), shipping_fee=Decimal("0"))
        run_until_idle()
    [new_order] = mail_server.messages("seller_new_order")
    assert new_order["Subject"] == f"New order #{order.number}: 1 item, KES1,500.00"
    assert "placed Fri 3 Jan, 16:00 EAT" in body(new_order, "plain")
    assert "KES1,500.00" in body(new_order, "plain")
