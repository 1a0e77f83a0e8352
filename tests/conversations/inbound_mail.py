"""Real inbound mail for the tests: a customer's reply as a mail client builds it, and the pipe."""

from __future__ import annotations

import email.policy
import io
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.core.management import call_command


def jpeg_bytes() -> bytes:
    """A real JPEG (a photo of a damaged mug, as far as the tests care), made with Pillow."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def customer_reply(
    *,
    to: str,
    text: str = "The mug arrived with a crack in the handle, see the photo.",
    quoted: str = "Hello Ada,\nYour order has shipped.",
    photo: bytes | None = None,
    photo_name: str = "damaged-mug.jpg",
    message_id: str | None = None,
    sender: str = "Ada Lovelace <ada@example.com>",
    headers: dict | None = None,
) -> bytes:
    """A reply as a mail client writes it: multipart/alternative (text with quoted history and a
    signature, and HTML), plus a JPEG attachment."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: A message about your order"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    message["In-Reply-To"] = "<notification.1.1@shipdesk.localhost>"
    for name, value in (headers or {}).items():
        message[name] = value
    quoted_lines = "\n".join(f"> {line}" for line in quoted.splitlines())
    message.set_content(
        f"{text}\n\nOn Mon, 1 Dec 2026 at 10:00, Acme <{to}> wrote:\n{quoted_lines}\n\n-- \nAda\nSent from my phone\n"
    )
    message.add_alternative(
        f"<div dir='ltr'><p>{text}</p></div><div class='gmail_quote'><blockquote>{quoted}</blockquote></div>",
        subtype="html",
    )
    if photo is not None:
        message.add_attachment(photo, maintype="image", subtype="jpeg", filename=photo_name)
    return message.as_bytes()


def pipe(raw: bytes, *args: str) -> str:
    """Pipe one message into `shipdesk inbound-email` in this process: the command reads it from
    standard input as Postfix hands it over (the subprocess test on PostgreSQL runs the console
    script itself). Returns what the command printed."""
    out = io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="ascii", errors="surrogateescape")
    try:
        call_command("inbound-email", *args, stdout=out)
    finally:
        sys.stdin = stdin
    return out.getvalue().strip()
