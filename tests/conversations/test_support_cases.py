"""A support case opened from a payment-failed alert is answered by the operator; each side sees
the other's reply in the dashboard and by email."""

from __future__ import annotations

from django.test import Client

from shipdesk.accounts.models import User
from shipdesk.accounts.services import create_user
from shipdesk.conversations.models import SupportCase
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders import services as order_services
from tests.builders import PLATFORM_ACTOR, as_sent
from tests.notifications.mail_server import body


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_case_from_a_payment_failed_alert_is_answered_by_the_operator_both_ways(
    seller, product, place, mail_server, db
):
    order = place(seller, paid=False)
    order_services.update_payment(
        order_id=order.pk, seller_id=None, actor=PLATFORM_ACTOR, status="failed", amount=order.total, reference="pi_1"
    )
    owner = create_user(email="owner@acme.test", password=None, seller=seller, role="owner")
    operator = User.objects.create_user("ops@marketplace.test", None, is_staff=True)
    shop, desk = _signed_in(owner), _signed_in(operator)

    # The order page of a failed payment offers "contact support", pre-filled.
    page = shop.get(f"/orders/{order.pk}/").content.decode()
    link = f"/support/?order={order.pk}&amp;topic=payment_failed"
    assert link in page
    form = shop.get(link.replace("&amp;", "&")).content.decode()
    assert f"The payment of order #{order.number}" in form and 'value="payment_failed" selected' in form

    opened = shop.post(
        "/support/",
        {"order_id": order.pk, "topic": "payment_failed", "body": f"The payment of order #{order.number} failed."},
    )
    case = SupportCase.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/support/{case.pk}/"
    run_until_idle()
    [to_operator] = mail_server.messages("operator_case_message")
    assert to_operator["To"] == "support@marketplace.test" and f"#{order.number}" in to_operator["Subject"]

    # The operator answers from the operator's screens, with the order, its timeline and conversation at hand.
    screen = desk.get(f"/admin/support/{case.pk}/").content.decode()
    assert (
        f"Order #{order.number}" in screen and "Payment failed" in screen and "Conversation with the customer" in screen
    )
    desk.post(f"/admin/support/{case.pk}/", {"body": "We retried the charge: the customer's bank refused it."})
    run_until_idle()

    [to_seller] = mail_server.messages("seller_case_reply")
    assert to_seller["To"] == seller.email and "bank refused it" in body(to_seller, "plain")
    assert Alert.objects.filter(seller=seller, kind="seller_case_reply").count() == 1
    assert "bank refused it" in shop.get(f"/support/{case.pk}/").content.decode()
    case.refresh_from_db()
    assert case.status == "answered"

    # The seller's reply reaches the operator, in the screen and by email.
    shop.post(f"/support/{case.pk}/", {"body": "Thanks, I will ask the customer to pay again."})
    run_until_idle()
    assert "ask the customer to pay again" in desk.get(f"/admin/support/{case.pk}/").content.decode()
    assert any(
        "ask the customer to pay again" in body(m, "plain") for m in mail_server.messages("operator_case_message")
    )
    case.refresh_from_db()
    assert case.status == "open"


def test_the_operators_screens_are_for_staff_only(seller, db):
    owner = create_user(email="owner@acme.test", password=None, seller=seller, role="owner")
    response = _signed_in(owner).get("/admin/support/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_payment_failed_alert_and_email_offer_contact_support(seller, product, place, db):
    order = place(seller, paid=False)
    order_services.update_payment(
        order_id=order.pk, seller_id=None, actor=PLATFORM_ACTOR, status="failed", amount=order.total, reference="pi_2"
    )
    owner = create_user(email="owner@acme.test", password=None, seller=seller, role="owner")

    alerts = _signed_in(owner).get("/alerts/").content.decode()
    email = as_sent(Notification.objects.get(order=order, kind="seller_payment_failed"))

    assert f"/support/?order={order.pk}&amp;topic=payment_failed" in alerts
    assert f"/support/?order={order.pk}&topic=payment_failed" in email.body_text
