"""The outbox row records what its message shows; the worker renders it when it sends it.

What the message says is fixed by the facts recorded in the action's transaction (the shop's
name, the order's address and amounts, the parcel's tracking number); only the templates'
wording is that of the send. These tests drive the real worker (`run_until_idle`) against a real
SMTP server, and change templates through Django's own loaders.
"""

from __future__ import annotations

import copy
import logging
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, Notification
from shipdesk.notifications.services import requeue_failed
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.shipping.models import Shipment
from tests.builders import OTHER_UPS_NUMBER, UPS_NUMBER, advance
from tests.notifications.mail_server import body


@pytest.fixture
def templates(settings):
    """Replace some email templates (name: source) in front of the app's own, as a deploy would."""

    def use(overrides: dict[str, str]) -> None:
        engine = copy.deepcopy(django_settings.TEMPLATES[0])
        engine["APP_DIRS"] = False
        engine["OPTIONS"]["loaders"] = [
            ("django.template.loaders.locmem.Loader", overrides),
            "django.template.loaders.app_directories.Loader",
        ]
        settings.TEMPLATES = [engine]

    return use


def test_an_action_records_the_facts_of_its_message_and_renders_no_template(seller, product, place):
    order = advance(place(seller), "confirmed")

    row = Notification.objects.get(order=order, kind="customer_confirmed")
    assert (row.subject, row.body_text, row.body_html, row.rendered_at) == ("", "", "", None)
    assert row.facts["shop"] == {"name": "Acme", "email": seller.email, "timezone": seller.timezone}
    assert row.facts["order"]["number"] == order.number and row.facts["order"]["total"] == str(order.total)
    assert [(line["sku"], line["quantity"]) for line in row.facts["lines"]] == [("MUG-1", 2)]
    # The seller's bell shows the alert at once: its title is written with the action.
    assert Alert.objects.get(order=order, kind="seller_new_order").title.startswith(f"New order #{order.number}")


def test_the_mail_says_what_was_true_at_the_action_whatever_changed_before_the_send(
    seller, product, place, mail_server
):
    # given a shipped order whose shipping email is still queued
    order = advance(place(seller), "shipped")
    # when the shop is renamed, the customer's name corrected and the parcel's number replaced
    # before the worker runs
    Seller.objects.filter(pk=seller.pk).update(name="Renamed Shop")
    Order.objects.filter(pk=order.pk).update(customer_name="Grace Hopper")
    Shipment.objects.filter(order=order).update(tracking_number=OTHER_UPS_NUMBER)
    run_until_idle()

    # then the customer reads the shop, name and parcel of the moment it shipped
    [shipped] = mail_server.messages("customer_shipped")
    text = body(shipped, "plain")
    assert shipped["From"].addresses[0].display_name == "Acme"
    assert UPS_NUMBER in text and OTHER_UPS_NUMBER not in text
    assert "Hello Ada Lovelace" in text and "Grace" not in text


def test_the_row_keeps_exactly_the_words_the_worker_sent(seller, product, place, mail_server):
    order = advance(place(seller), "confirmed")
    run_until_idle()

    row = Notification.objects.get(order=order, kind="customer_confirmed")
    [sent] = mail_server.messages("customer_confirmed")
    assert row.status == "sent" and row.rendered_at is not None
    assert row.subject == sent["Subject"] == f"Your order #{order.number} from Acme is confirmed"
    # (SMTP carries lines ended by CRLF)
    assert row.body_text == body(sent, "plain").replace("\r\n", "\n")
    assert row.body_html.strip() == body(sent, "html").replace("\r\n", "\n").strip()
    assert OrderEvent.objects.get(order=order, type="notification_sent", params__kind="customer_confirmed").params[
        "subject"
    ] == (row.subject)


def test_a_retry_sends_the_words_rendered_for_the_first_attempt(seller, product, place, mail_server, templates):
    order = place(seller)
    run_until_idle()  # the seller's new-order mail
    advance(order, "confirmed")
    mail_server.refuse_next(1)
    run_until_idle()  # rendered, handed over, refused for now
    row = Notification.objects.get(order=order, kind="customer_confirmed")
    assert (row.status, row.attempts) == ("queued", 1)
    first_subject = row.subject

    templates({"notifications/email/customer_confirmed.subject.txt": "A new wording"})
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        run_until_idle()

    [sent] = mail_server.messages("customer_confirmed")
    assert sent["Subject"] == first_subject == f"Your order #{order.number} from Acme is confirmed"


def test_a_template_that_fails_in_the_worker_fails_its_message_visibly_and_the_action_stands(
    seller, product, place, mail_server, templates, caplog
):
    # given a deployed template that cannot render
    templates({"notifications/email/customer_confirmed.txt": "{% url 'no-such-page' %}"})
    # when the seller confirms: the action commits, whatever the template
    order = advance(place(seller), "confirmed")
    assert order.status == "confirmed"
    with caplog.at_level(logging.ERROR, logger="shipdesk.notifications.delivery"):
        run_until_idle()

    # then the message is FAILED with the error, on the timeline, and the seller is told
    row = Notification.objects.get(order=order, kind="customer_confirmed")
    assert (row.status, row.attempts) == ("failed", 0)
    assert row.last_error.startswith("rendering failed: NoReverseMatch")
    failed = OrderEvent.objects.get(order=order, type="notification_failed")
    assert failed.params["error"] == row.last_error and failed.params["kind"] == "customer_confirmed"
    alert = Alert.objects.get(order=order, kind="email_failed")
    assert alert.title == "Email not delivered to ada@example.com: Customer: order confirmed"
    assert mail_server.messages("customer_confirmed") == []
    assert any("Could not render notification" in r.getMessage() for r in caplog.records)

    # and once the template is fixed, the operator sends it again, rendered from the same facts
    templates({})
    assert requeue_failed(notification_ids=[row.pk]) == 1
    run_until_idle()
    [sent] = mail_server.messages("customer_confirmed")
    assert sent["Subject"] == f"Your order #{order.number} from Acme is confirmed"


def test_a_row_queued_already_rendered_before_the_facts_existed_is_sent_as_it_is(seller, product, place, mail_server):
    order = advance(place(seller), "confirmed")
    Notification.objects.filter(order=order, kind="customer_confirmed").update(
        facts=None,
        subject="Rendered when it was queued",
        body_text="The words of the old release.\n",
        body_html="",
        from_email="Acme <no-reply@shipdesk.localhost>",
    )
    run_until_idle()

    [sent] = mail_server.messages("customer_confirmed")
    assert sent["Subject"] == "Rendered when it was queued"
    assert body(sent, "plain").replace("\r\n", "\n") == "The words of the old release.\n"
    row = Notification.objects.get(order=order, kind="customer_confirmed")
    assert (row.status, row.rendered_at) == ("sent", None)
