"""The operator decides escalated claims in the admin; every step's email reaches a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from shipdesk.accounts.models import User
from shipdesk.claims import services
from shipdesk.claims.models import Claim
from shipdesk.jobs.worker import run_until_idle
from shipdesk.orders.models import OrderEvent
from tests.builders import PLATFORM_ACTOR, SELLER_ACTOR, advance
from tests.notifications.mail_server import MailServer, body


@pytest.fixture
def mail_server(settings):
    server = MailServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def operator(db):
    client = Client()
    client.force_login(User.objects.create_superuser(email="ops@marketplace.test", password=None))
    return client


def _escalated(order) -> Claim:
    line = order.lines.get()
    claim = services.open_claim(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=PLATFORM_ACTOR,
        kind="damaged",
        lines=[services.ClaimedLine(line_id=line.pk, quantity=1)],
        description="Cracked.",
    )
    services.escalate_claim(claim_id=claim.pk, now=claim.answer_by + timedelta(minutes=1))
    claim.refresh_from_db()
    return claim


def test_the_operator_refunds_an_escalated_claim_from_the_admin_and_the_seller_bears_it(
    operator, seller, product, place
):
    order = advance(place(seller, lines=(("MUG-1", 2, "12.50", "2.00"),)), "delivered")
    claim = _escalated(order)
    url = "/admin/claims/claim/"
    assert operator.get(url).status_code == 200
    form = operator.post(url, {"action": "refund_customer", ACTION_CHECKBOX_NAME: [claim.pk]})
    assert form.status_code == 200 and b"Refund the customer" in form.content
    assert Claim.objects.get().status == "escalated"  # asking changes nothing

    done = operator.post(
        url,
        {"action": "refund_customer", ACTION_CHECKBOX_NAME: [claim.pk], "apply": "1", "note": "Photos confirm it."},
        follow=True,
    )
    assert b"Decided 1 claim(s)." in done.content
    claim.refresh_from_db()
    assert (claim.status, claim.decision, claim.refunded, claim.seller_lost) == (
        "decided",
        "refund_customer",
        Decimal("13.50"),
        True,
    )
    event = OrderEvent.objects.get(order=order, type="claim_decided")
    assert event.actor_kind == "operator" and event.params["note"] == "Photos confirm it."
    refund = OrderEvent.objects.get(order=order, type="refunded_after_shipment")
    assert refund.actor_kind == "operator"


def test_a_claim_that_is_not_escalated_is_not_decided_by_the_admin(operator, seller, product, place):
    order = advance(place(seller), "delivered")
    line = order.lines.get()
    claim = services.open_claim(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=SELLER_ACTOR,
        kind="damaged",
        lines=[services.ClaimedLine(line_id=line.pk, quantity=1)],
        description="Cracked.",
    )
    done = operator.post(
        "/admin/claims/claim/",
        {"action": "close_for_seller", ACTION_CHECKBOX_NAME: [claim.pk], "apply": "1", "note": ""},
        follow=True,
    )
    assert b"Only an escalated claim is decided by the marketplace." in done.content
    assert Claim.objects.get().status == "open"


def test_every_step_of_a_claim_reaches_the_customer_and_the_seller_by_smtp(seller, product, place, mail_server):
    order = advance(place(seller), "delivered")
    claim = _escalated(order)
    # Later, when the escalation's messages are due: the operator decides, the worker sends.
    with time_machine.travel(claim.escalated_at + timedelta(minutes=1), tick=False):
        services.decide_claim(
            claim_id=claim.pk,
            actor=PLATFORM_ACTOR,
            decision="seller_favour",
            note="The carrier's photo shows it intact.",
        )
        run_until_idle()
    customer = mail_server.messages("customer_claim_update")
    assert sorted(m["Subject"] for m in customer) == sorted(
        [
            f"Your order #{order.number} from Acme: we received your report",
            f"Your order #{order.number} from Acme: the marketplace is looking into it",
            f"Your order #{order.number} from Acme: the marketplace's decision",
        ]
    )
    assert all(m["To"] == "ada@example.com" for m in customer)
    decided = next(m for m in customer if "decision" in m["Subject"])
    assert "Closed for the shop" in body(decided, "plain") and "photo shows it intact" in body(decided, "plain")
    seller_mail = mail_server.messages("seller_claim_update")
    assert len(seller_mail) == 3 and all(m["To"] == seller.email for m in seller_mail)
