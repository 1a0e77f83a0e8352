"""The other two doors of inbound email: LMTP (`shipdesk inbound-lmtp`) and the HMAC-signed HTTP
endpoint for hosted inbound-mail services. Same rules as the pipe: one message per Message-ID."""

from __future__ import annotations

import smtplib
import time

import pytest
from django.test import Client

from shipdesk.conversations import lmtp
from shipdesk.conversations.models import Message
from shipdesk.conversations.reply_addresses import reply_address
from shipdesk.signatures import sign_timestamped
from tests.conversations.inbound_mail import customer_reply, jpeg_bytes
from tests.notifications.mail_server import free_port

SECRET = "inbound-test-secret"  # tests/conversations/conftest.py


@pytest.mark.django_db(transaction=True)
def test_an_mta_delivers_a_reply_over_lmtp_once(seller, product, place):
    order = place(seller)
    raw = customer_reply(to=reply_address(order.pk), photo=jpeg_bytes(), message_id="<lmtp-1@mail.example.com>")
    port = free_port()
    server = lmtp.start("127.0.0.1", port)
    try:
        for _ in range(2):
            with smtplib.LMTP("127.0.0.1", port) as client:
                refused = client.sendmail("ada@example.com", [reply_address(order.pk)], raw)
                assert refused == {}
        with smtplib.LMTP("127.0.0.1", port) as client:
            # Refused at MAIL FROM (SIZE, as the server advertises its limit) or at the end of DATA.
            with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as too_big:
                client.sendmail("x@example.com", [reply_address(order.pk)], b"Subject: x\r\n\r\n" + b"x" * (26 << 20))
            assert too_big.value.smtp_code == 552
    finally:
        server.stop()

    [message] = Message.objects.filter(order=order, direction="from_customer")
    assert message.body.startswith("The mug arrived") and message.attachments.count() == 1


def _post(raw: bytes, *, secret: str = SECRET, at: int | None = None):
    timestamp = int(time.time()) if at is None else at
    signature = sign_timestamped(raw, secret, timestamp=timestamp, purpose="inbound-email")
    return Client().post(
        "/api/v1/webhooks/inbound-email",
        data=raw,
        content_type="message/rfc822",
        headers={"Shipdesk-Signature": signature},
    )


def test_a_hosted_service_posts_the_raw_message_signed(seller, product, place):
    order = place(seller)
    raw = customer_reply(to=reply_address(order.pk), message_id="<http-1@mail.example.com>")

    first, again = _post(raw), _post(raw)

    assert first.status_code == 200 and first.json()["outcome"] == "accepted"
    assert again.json()["outcome"] == "duplicate" and again.json()["message_id"] == first.json()["message_id"]
    assert Message.objects.filter(order=order).count() == 1


def test_a_bad_or_stale_signature_is_401_and_a_refusal_is_200_with_its_reason(seller, product, place):
    order = place(seller)
    raw = customer_reply(to=reply_address(order.pk))

    assert _post(raw, secret="wrong").status_code == 401
    assert _post(raw, at=int(time.time()) - 3600).status_code == 401
    auto = customer_reply(to=reply_address(order.pk), headers={"Auto-Submitted": "auto-replied"})
    answer = _post(auto)
    assert answer.status_code == 200 and answer.json() == {
        "outcome": "refused",
        "reason": "auto_reply",
        "message_id": None,
    }
    assert Message.objects.count() == 0
