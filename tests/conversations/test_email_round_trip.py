"""A seller's message reaches the customer over SMTP with the order's reply address; the customer's
reply, piped into `shipdesk inbound-email`, lands in the order's conversation once — and what
cannot be placed is refused with its reason, writing nothing."""

from __future__ import annotations

import logging

import pytest

from shipdesk.conversations.models import Attachment, InboundEmail, Message
from shipdesk.conversations.reply_addresses import reply_address
from shipdesk.conversations.services import send_message
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, Notification
from tests.builders import SELLER_ACTOR
from tests.conversations.inbound_mail import customer_reply, jpeg_bytes, pipe
from tests.notifications.mail_server import body


def _send_and_get_reply_to(seller, order, mail_server) -> str:
    send_message(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, body="Your mug ships tomorrow.")
    run_until_idle()
    [sent] = mail_server.messages("customer_message")
    assert sent["To"] == order.customer_email
    assert f"#{order.number}" in sent["Subject"]
    assert "Your mug ships tomorrow." in body(sent, "plain")
    return sent["Reply-To"]


def test_a_sellers_message_reaches_the_customer_with_the_orders_reply_address(seller, product, place, mail_server):
    order = place(seller)

    reply_to = _send_and_get_reply_to(seller, order, mail_server)

    assert reply_to == reply_address(order.pk)
    assert reply_to.startswith(f"reply+{order.pk}-") and reply_to.endswith("@replies.shipdesk.test")


def test_every_customer_email_carries_the_orders_reply_address(seller, product, place, mail_server):
    order = place(seller)
    from tests.builders import advance

    advance(order, "confirmed")
    run_until_idle()

    [confirmation] = mail_server.messages("customer_confirmed")
    assert confirmation["Reply-To"] == reply_address(order.pk)


def test_the_customers_reply_becomes_exactly_its_new_text_and_photo_once_even_piped_twice(
    seller, product, place, mail_server
):
    order = place(seller)
    reply_to = _send_and_get_reply_to(seller, order, mail_server)
    photo = jpeg_bytes()
    raw = customer_reply(to=reply_to, photo=photo, message_id="<reply-1@mail.example.com>")

    first = pipe(raw)
    second = pipe(raw)

    assert first.startswith("accepted") and second.startswith("duplicate")
    [message] = Message.objects.filter(order=order, direction="from_customer")
    assert message.body == "The mug arrived with a crack in the handle, see the photo."
    assert message.channel == "email" and message.email_from == "ada@example.com"
    [attachment] = message.attachments.all()
    assert attachment.filename == "damaged-mug.jpg" and attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as kept:
        assert kept.read() == photo
    # The seller is told once: an alert and an email.
    assert Alert.objects.filter(order=order, kind="seller_customer_message").count() == 1
    assert Notification.objects.filter(order=order, kind="seller_customer_message").count() == 1
    assert list(InboundEmail.objects.values_list("outcome", flat=True).order_by("id")) == ["accepted", "duplicate"]


def test_the_answer_is_due_and_the_sellers_next_message_answers_it(seller, product, place, mail_server):
    order = place(seller)
    pipe(customer_reply(to=reply_address(order.pk)))
    [question] = Message.objects.filter(order=order, direction="from_customer")
    assert question.needs_answer and question.answer_due_at is not None

    answer = send_message(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, body="We will replace it.")

    question.refresh_from_db()
    assert question.answered_by_id == answer.pk and question.answered_at == answer.created_at
    assert order.conversation.__class__.objects.get(order=order).answer_due_at is None


def _refused(raw: bytes, reason: str, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="shipdesk.conversations.inbound"):
        printed = pipe(raw)
    assert printed == f"refused {reason}"
    assert Message.objects.filter(direction="from_customer").count() == 0
    [logged] = InboundEmail.objects.all()
    assert logged.outcome == "refused" and logged.reason == reason
    assert any(reason in record.getMessage() for record in caplog.records)


def test_mail_that_names_no_order_is_refused(seller, product, place, caplog):
    place(seller)
    _refused(customer_reply(to="shop@replies.shipdesk.test"), "no_order", caplog)


def test_a_forged_reply_address_is_refused(seller, product, place, caplog):
    order = place(seller)
    genuine = reply_address(order.pk)
    forged = genuine.replace(genuine.split("-")[1].split("@")[0], "0" * 20)
    _refused(customer_reply(to=forged), "forged_address", caplog)


def test_another_orders_number_with_this_orders_signature_is_refused(seller, product, place, caplog):
    order, other = place(seller), place(seller)
    signature = reply_address(order.pk).split("-")[1]
    _refused(customer_reply(to=f"reply+{other.pk}-{signature}"), "forged_address", caplog)


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
    ],
)
def test_an_auto_reply_is_refused(headers, seller, product, place, caplog):
    order = place(seller)
    raw = customer_reply(to=reply_address(order.pk), text="I am out of the office until Monday.", headers=headers)
    _refused(raw, "auto_reply", caplog)


def test_a_bounce_is_refused(seller, product, place, caplog):
    order = place(seller)
    # A delivery status notification (RFC 3464) as Postfix writes one, sent to the reply address.
    dsn = (
        "Return-Path: <>\r\n"
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        f"To: {reply_address(order.pk)}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n\r\n'
        "--B1\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; ada@example.com\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "--B1--\r\n"
    ).encode()
    _refused(dsn, "bounce", caplog)


def test_a_bounce_from_a_mailer_daemon_without_headers_of_its_own_is_refused(seller, product, place, caplog):
    order = place(seller)
    raw = customer_reply(to=reply_address(order.pk), sender="Mail Delivery Subsystem <mailer-daemon@example.com>")
    _refused(raw, "bounce", caplog)


def test_a_30_mb_message_is_refused_unread(seller, product, place, caplog):
    order = place(seller)
    huge = customer_reply(to=reply_address(order.pk), photo=b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024))
    assert len(huge) > 30 * 1024 * 1024
    _refused(huge, "too_large", caplog)


def test_a_non_image_disguised_as_jpg_is_refused_and_the_text_kept(seller, product, place, caplog):
    order = place(seller)
    program = b"MZ\x90\x00" + b"\x00" * 512  # a Windows executable's header, named like a photo
    raw = customer_reply(to=reply_address(order.pk), photo=program, photo_name="holiday.jpg")

    printed = pipe(raw)

    assert printed.startswith("accepted")
    [message] = Message.objects.filter(order=order, direction="from_customer")
    assert message.body.startswith("The mug arrived")
    assert Attachment.objects.count() == 0
    [logged] = InboundEmail.objects.all()
    assert "holiday.jpg is not an image" in logged.detail


def test_unreadable_input_is_refused_not_a_crash(db, caplog):
    _refused(b"\x00\xff not an email at all", "malformed", caplog)
