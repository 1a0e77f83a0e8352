"""A worker killed mid-send: record before, reconcile after.

The dead worker is played step by step with the same calls the worker makes (claim, record the
hand-over, send over SMTP), stopping where a SIGKILL would; its heartbeat then goes stale and
the reaper of a live worker settles what it left. (tests/jobs runs real worker processes.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.mail import get_connection
from django.utils import timezone

from shipdesk.jobs.models import WorkerProcess
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.delivery import build_message, claim_due, message_id_for
from shipdesk.notifications.models import MailboxMessage, Notification
from shipdesk.orders.models import OrderEvent

T0 = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)  # early: before any seller's 08:00 digest
DEAD = "worker-killed-with-sigkill"


def dead_worker_claims() -> Notification:
    WorkerProcess.objects.create(
        worker_id=DEAD, hostname="host", pid=1, started_at=timezone.now(), seen_at=timezone.now()
    )
    [row] = claim_due(worker_id=DEAD, limit=10)
    return row


def dead_worker_hands_over(row: Notification, *, delivered: bool) -> str:
    """Record the hand-over like the worker does and, if `delivered`, let the server accept it."""
    message_id = message_id_for(row)
    Notification.objects.filter(pk=row.pk).update(
        handed_over_at=timezone.now(), attempts=1, provider_message_id=message_id
    )
    if delivered:
        get_connection().send_messages([build_message(row, message_id=message_id)])
    return message_id


def test_messages_a_dead_worker_claimed_but_never_handed_over_are_sent_once(seller, product, place, mail_server):
    with time_machine.travel(T0, tick=False) as clock:
        order = place(seller)
        row = dead_worker_claims()
        run_until_idle()  # the claimant is still presumed alive: nothing happens
        assert Notification.objects.get(pk=row.pk).status == "sending"

        clock.shift(timedelta(seconds=31))
        run_until_idle()

    row.refresh_from_db()
    assert (row.status, row.attempts, row.uncertain_resends) == ("sent", 1, 0)
    assert len(mail_server.messages("seller_new_order")) == 1
    assert OrderEvent.objects.filter(order=order, type="notification_sent").count() == 1


def test_a_message_whose_worker_died_after_handing_it_over_is_resent_with_the_same_message_id(
    seller, product, place, mail_server
):
    with time_machine.travel(T0, tick=False) as clock:
        place(seller)
        row = dead_worker_claims()
        message_id = dead_worker_hands_over(row, delivered=True)  # ... and SIGKILL before recording SENT
        clock.shift(timedelta(seconds=31))
        run_until_idle()

    row.refresh_from_db()
    assert (row.status, row.uncertain_resends, row.attempts) == ("sent", 1, 2)
    # At least once: the receiver holds two copies with one Message-ID and can drop one.
    assert mail_server.message_ids() == {message_id: 2}


def test_at_most_once_mode_fails_such_a_message_instead_of_resending_it(seller, product, place, mail_server, settings):
    settings.SHIPDESK_EMAIL = {**settings.SHIPDESK_EMAIL, "resend_uncertain": False}
    with time_machine.travel(T0, tick=False) as clock:
        order = place(seller)
        row = dead_worker_claims()
        dead_worker_hands_over(row, delivered=False)
        clock.shift(timedelta(seconds=31))
        run_until_idle()

    row.refresh_from_db()
    assert row.status == "failed" and "outcome unknown, not resent" in row.last_error
    assert mail_server.messages() == []
    assert OrderEvent.objects.get(order=order, type="notification_failed").params["kind"] == "seller_new_order"


@pytest.mark.parametrize("arrived", [True, False])
def test_the_local_mailbox_says_whether_the_message_arrived_so_it_is_settled_exactly(
    seller, product, place, settings, arrived
):
    settings.EMAIL_BACKEND = "shipdesk.notifications.mailbox.MailboxBackend"
    with time_machine.travel(T0, tick=False) as clock:
        place(seller)
        row = dead_worker_claims()
        message_id = dead_worker_hands_over(row, delivered=arrived)
        clock.shift(timedelta(seconds=31))
        run_until_idle()

    row.refresh_from_db()
    assert (row.status, row.uncertain_resends) == ("sent", 0)
    assert list(MailboxMessage.objects.values_list("message_id", flat=True)) == [message_id]
