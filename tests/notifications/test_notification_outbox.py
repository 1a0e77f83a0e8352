"""The outbox row: its message's facts recorded in the action's transaction, at most once per (order, kind, stage);
rendered from them by the worker (`tests/notifications/test_rendering_in_the_worker.py`)."""

from __future__ import annotations

import pytest
from django.db import transaction

from shipdesk.accounts.models import Seller
from shipdesk.errors import PaymentRequired
from shipdesk.notifications import rendering
from shipdesk.notifications.models import Alert, Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders import services
from shipdesk.orders.models import Order
from tests.builders import SELLER_ACTOR, advance, as_sent

ORDER_KINDS = [kind for kind in Notification.Kind.values if kind not in rendering.ORDERLESS_KINDS]


@pytest.mark.parametrize("kind", ORDER_KINDS)
def test_every_email_names_the_order_in_its_subject_and_has_text_and_html(kind, seller, product, place):
    order = advance(place(seller, customer_name="Ada <Lovelace> & co"), "shipped")
    lines = list(order.lines.all())
    email = rendering.render_order_email(
        kind=kind,
        order=order,
        lines=lines,
        shipment=order.shipments.get(),
        seller=seller,
        extra=rendering.sample_extra(kind, order),
    )

    assert f"#{order.number}" in email.subject and "\n" not in email.subject
    assert f"#{order.number}" in email.text and f"#{order.number}" in email.html
    assert email.html.lstrip().startswith("<!DOCTYPE html>")
    if kind in rendering.CUSTOMER_KINDS:
        assert email.from_email == "Acme <no-reply@shipdesk.localhost>" and email.reply_to == seller.email
        assert "Ada &lt;Lovelace&gt; &amp; co" in email.html and "Ada <Lovelace> & co" in email.text
    else:
        assert email.from_email == "Shipdesk <no-reply@shipdesk.localhost>" and email.reply_to == ""
        assert f"http://127.0.0.1:8000/orders/{order.pk}/" in email.text


def test_a_shop_name_with_markup_is_text_everywhere(make_seller, make_product, place):
    shop = make_seller("evil", email="evil@example.test")
    Seller.objects.filter(pk=shop.pk).update(name='Evil "<script>" Shop')
    shop.refresh_from_db()
    make_product(shop, "MUG-1")
    order = advance(place(shop), "confirmed")
    row = as_sent(Notification.objects.get(order=order, kind="customer_confirmed"))
    assert "<script>" not in row.body_html and "&lt;script&gt;" in row.body_html
    assert row.from_email == '"Evil \\"<script>\\" Shop" <no-reply@shipdesk.localhost>'


def test_the_message_is_fixed_when_queued_in_the_same_transaction_as_the_change(seller, product, place):
    order = place(seller)
    confirmed = advance(order, "confirmed")

    row = Notification.objects.get(order=order, kind="customer_confirmed")
    assert (row.status, row.recipient) == ("queued", "ada@example.com")
    # What was true then is what the mail says, whatever changes before it is rendered and sent.
    Seller.objects.filter(pk=seller.pk).update(name="Renamed")
    Order.objects.filter(pk=order.pk).update(customer_name="Grace Hopper")
    row = as_sent(row)
    assert row.subject == f"Your order #{order.number} from Acme is confirmed"
    assert "Mug-1 (MUG-1)" in row.body_text and "$29.99" in row.body_html
    assert "Ada Lovelace" in row.body_text and "Grace" not in row.body_text
    assert confirmed.status == "confirmed"


def test_a_refused_action_queues_nothing(seller, product, place):
    order = place(seller, paid=False)
    with pytest.raises(PaymentRequired):
        services.confirm_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR)
    assert not Notification.objects.filter(order=order, kind="customer_confirmed").exists()


def test_an_action_rolled_back_leaves_no_message_and_no_alert(seller, product, place):
    def place_then_fail():
        with transaction.atomic():
            place(seller)
            assert Notification.objects.exists() and Alert.objects.exists()
            raise RuntimeError("the caller's transaction fails after the order was placed")

    with pytest.raises(RuntimeError):
        place_then_fail()
    assert not Notification.objects.exists() and not Alert.objects.exists()


def test_a_kind_is_queued_once_per_order_and_stage_and_its_alert_once(seller, product, place):
    order = place(seller)
    again = queue_notification(order=order, kind="seller_new_order", recipient=seller.email)
    other_stage = queue_notification(
        order=order, kind="seller_due_soon", stage="confirm", recipient=seller.email, context={"stage": "confirm"}
    )
    same_stage = queue_notification(
        order=order, kind="seller_due_soon", stage="confirm", recipient=seller.email, context={"stage": "confirm"}
    )

    assert again is None and other_stage is not None and same_stage is None
    assert Notification.objects.filter(order=order, kind="seller_new_order").count() == 1
    assert sorted(Alert.objects.filter(order=order).values_list("kind", flat=True)) == [
        "seller_due_soon",
        "seller_new_order",
    ]


def test_customer_messages_make_no_dashboard_alert(seller, product, place):
    order = advance(place(seller), "confirmed")
    assert Notification.objects.filter(order=order, kind="customer_confirmed").exists()
    assert list(Alert.objects.filter(order=order).values_list("kind", flat=True)) == ["seller_new_order"]


def test_an_operator_can_send_failed_messages_again_with_fresh_attempts(seller, product, place):
    from shipdesk.notifications.services import requeue_failed

    order = place(seller)
    row = Notification.objects.get(order=order)
    Notification.objects.filter(pk=row.pk).update(status="failed", attempts=12, last_error="550 no such mailbox")

    assert requeue_failed(notification_ids=[row.pk]) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 0)
    assert requeue_failed(notification_ids=[row.pk]) == 0  # only failed ones


def test_the_timeline_reads_message_events_as_sentences():
    from shipdesk.notifications.timeline import describe

    assert describe(
        "notification_sent", {"kind": "customer_shipped", "recipient": "ada@example.com", "attempts": 1}
    ) == ("Email sent: shipping confirmation to ada@example.com")
    assert describe(
        "notification_failed",
        {"kind": "customer_confirmed", "recipient": "x@example.com", "error": "550 5.1.1 No such mailbox"},
    ) == ("Email failed: order confirmation to x@example.com — 550 5.1.1 No such mailbox")
    assert describe("deadline_missed", {"stage": "ship"}) == "Deadline missed: ship step not done in time; flagged late"
    assert describe("confirmed", {}) is None
