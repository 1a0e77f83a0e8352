"""Headers built from user text cannot be broken by it (issue 14, finding 3), and a message that
cannot be sent because of its content fails visibly, with the reason — never silently.

A real SMTP server (aiosmtpd on loopback) receives what the real worker sends.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from shipdesk.accounts.models import Seller
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders.models import OrderEvent
from tests.builders import advance

MONDAY_6AM = datetime(2025, 1, 6, 6, 0, tzinfo=ZoneInfo("America/New_York"))
HOSTILE_NAME = "Evil\r\nBcc: victim@example.com"


def test_a_shop_name_with_a_line_break_saved_before_the_rule_still_mails_every_customer_under_one_clean_from(
    seller, product, place, mail_server
):
    # given a shop whose name was saved with a header injection before names were checked
    Seller.objects.filter(pk=seller.pk).update(name=HOSTILE_NAME)
    with time_machine.travel(MONDAY_6AM, tick=False):
        order = place(Seller.objects.get(pk=seller.pk), paid=True)

        # when the order is confirmed and shipped
        order = advance(order, "confirmed")
        run_until_idle()
        advance(order, "shipped")
        run_until_idle()

    # then the customer got both emails, from the shop's name on one line, and nobody else did
    received = mail_server.messages("customer_confirmed") + mail_server.messages("customer_shipped")
    assert len(received) == 2
    for message in received:
        assert message["From"].addresses[0].display_name == "Evil Bcc: victim@example.com"
        assert "\n" not in str(message["From"]) and "\r" not in str(message["From"])
        assert message["Bcc"] is None
        assert message["To"] == "ada@example.com"
    assert "victim@example.com" not in {m["To"] for m in mail_server.received}
    assert not Notification.objects.filter(order=order, status="failed").exists()


def test_a_message_whose_content_cannot_be_sent_fails_at_once_on_the_timeline_with_an_alert_and_an_error_log(
    seller, product, place, mail_server, caplog
):
    # given a queued customer email whose recipient holds a line break (data from before the rule)
    order = place(seller, paid=True)
    advance(order, "confirmed")
    Notification.objects.filter(order=order, kind="customer_confirmed").update(
        recipient="ada@example.com\r\nBcc: victim@example.com"
    )

    # when the worker tries to send it
    with caplog.at_level(logging.WARNING, logger="shipdesk.notifications.delivery"):
        run_until_idle()

    # then it is FAILED after one attempt, with the reason on the row, the timeline and an alert,
    # and the operator's log has it as an error
    row = Notification.objects.get(order=order, kind="customer_confirmed")
    assert (row.status, row.attempts) == ("failed", 1)
    assert "Invalid address" in row.last_error
    failed = OrderEvent.objects.get(order=order, type="notification_failed")
    assert failed.params["error"] == row.last_error
    assert Alert.objects.filter(order=order, kind="email_failed").exists()
    assert any(
        r.levelno == logging.ERROR and "cannot be sent because of its content" in r.getMessage() for r in caplog.records
    )
    assert mail_server.messages("customer_confirmed") == []
