"""The development mailbox: an email backend that keeps messages in the database instead of sending.

`shipdesk run` uses it when `EMAIL_URL` is unset (or `mailbox://`), and the dashboard shows
what arrived at /dev/mail/. It can also answer "did message X arrive?", so a worker that died
mid-send is reconciled exactly rather than by resending (`delivery.reconcile_abandoned`).
"""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from shipdesk.accounts.models import Seller

from .models import MailboxMessage


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            mime = message.message()
            seller_id = message.extra_headers.get("X-Shipdesk-Seller", "")
            seller_id = (
                int(seller_id)
                if str(seller_id).isdigit() and Seller.objects.filter(pk=int(seller_id)).exists()
                else None
            )
            html = next(
                (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
            )
            MailboxMessage.objects.create(
                seller_id=seller_id,
                message_id=str(mime["Message-ID"] or "")[:255],
                from_email=str(message.from_email)[:320],
                to=", ".join(message.recipients()),
                subject=str(message.subject)[:300],
                body_text=message.body or "",
                body_html=html,
                raw=mime.as_string(),
                created_at=timezone.now(),
            )
            sent += 1
        return sent

    def delivered_message_ids(self, message_ids: list[str]) -> set[str]:
        return set(MailboxMessage.objects.filter(message_id__in=message_ids).values_list("message_id", flat=True))
