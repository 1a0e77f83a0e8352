"""Sending the outbox: claim, record before, send, record after; and reconcile what a dead worker left.

Each worker drains due rows in small batches:

1. **Claim** — in one short transaction, `SELECT … FOR UPDATE SKIP LOCKED` the due QUEUED rows
   (on SQLite the IMMEDIATE transaction serialises claimers instead) and mark them SENDING with
   this worker's id and a fresh claim id. Two workers never claim the same row.
2. **Render and record before** — per message, render subject, text and HTML from the facts the
   row recorded when it was queued (`notifications.facts`; once: a retry sends the same words, and
   an older row queued already rendered is sent as it is), then commit them with `handed_over_at`
   and the attempt count, fenced by the claim id, *before* the SMTP call. A row without
   `handed_over_at` was certainly never sent. A message that cannot be rendered (a broken
   template) is FAILED with the error and written to the order's timeline — the seller's action
   that queued it committed long before, as it did when rendering happened at queue time.
3. **Send** through Django's email backend, with a Message-ID derived from the row
   (`<notification.<id>.<created>@domain>`): every attempt of one notification carries the same one.
4. **Record after** — SENT (committed with the next message's hand-over: one commit a message);
   or, on a refusal, QUEUED again with exponential backoff (4xx, a connection refused, a timeout)
   or FAILED at once (5xx: the address is wrong) or when the attempts are spent. SENT and FAILED
   are written to the order's timeline.

**Delivery guarantee, honestly.** SMTP has no way to ask "did you get message X?", so a worker
killed after the server accepted a message and before step 4 committed leaves a row whose fate is
unknown: SENDING with `handed_over_at` set. The reaper (`reconcile_abandoned`) first asks the
backend if it can tell (the development mailbox can: it looks the Message-ID up). If it cannot,
`SHIPDESK_EMAIL["resend_uncertain"]` decides: True (the default) sends it again with the *same*
Message-ID — at least once, and a receiver that deduplicates by Message-ID (most mail stores and
every provider's event log do) shows it once; False marks it FAILED for a person — at most once.
Either way the row records it (`uncertain_resends`, `last_error`). At most one message per killed
worker is ever in that state, because a worker hands over one message at a time; every other
row it held was either recorded SENT or never handed over, and is resent or not accordingly.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shipdesk.jobs import RetryPolicy
from shipdesk.jobs.reaping import dead_after
from shipdesk.orders import events as timeline
from shipdesk.orders.models import Order
from shipdesk.orders.terms import STAGE_BY_NAME
from shipdesk.returns import terms as return_terms
from shipdesk.returns.models import ReturnRequest

from . import facts as message_facts
from .models import Alert, Notification
from .rendering import CUSTOMER_KINDS, platform_address
from .services import timeline_params

logger = logging.getLogger(__name__)

S = Notification.Status
K = Notification.Kind


def retry_policy() -> RetryPolicy:
    config = settings.SHIPDESK_EMAIL
    return RetryPolicy(
        max_attempts=config["max_attempts"],
        base=timedelta(seconds=config["retry_base_seconds"]),
        cap=timedelta(seconds=config["retry_cap_seconds"]),
    )


def message_id_for(row: Notification) -> str:
    domain = platform_address().rpartition("@")[2] or "shipdesk.localhost"
    return f"<notification.{row.pk}.{int(row.created_at.timestamp())}@{domain}>"


def build_message(row: Notification, *, message_id: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers={
            "Message-ID": message_id,
            "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies, please
            "X-Shipdesk-Notification": str(row.pk),
            "X-Shipdesk-Seller": str(row.seller_id),
            "X-Shipdesk-Kind": row.kind,
        },
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return message


# --- the poller ----------------------------------------------------------------------------------


def claim_due(*, worker_id: str, limit: int, now: datetime | None = None) -> list[Notification]:
    now = now or timezone.now()
    due = Notification.objects.filter(status=S.QUEUED, next_attempt_at__lte=now)
    # A plain read first: an idle worker then takes no write lock at all (SQLite has only one).
    if not due.exists():
        return []
    claim_id = uuid.uuid4()
    with transaction.atomic():
        rows = list(due.select_for_update(skip_locked=True).order_by("next_attempt_at", "id")[:limit])
        if not rows:
            return []
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=S.SENDING, claimed_by=worker_id, claim_id=claim_id, claimed_at=now, handed_over_at=None
        )
    for row in rows:
        row.status, row.claimed_by, row.claim_id, row.claimed_at, row.handed_over_at = (
            S.SENDING,
            worker_id,
            claim_id,
            now,
            None,
        )
    return rows


def send_due_notifications(worker_id: str, *, limit: int | None = None) -> int:
    """Claim a batch of due messages and send them; returns how many were claimed."""
    rows = claim_due(worker_id=worker_id, limit=limit or settings.SHIPDESK_EMAIL["batch"])
    if not rows:
        return 0
    connection = get_connection()
    try:
        try:
            connection.open()
        except Exception as exc:
            # The server refused us before any message: each row counts an attempt and waits.
            for row in rows:
                if _bump_attempts(row):
                    _record_failure(row, exc, permanent=False)
            return len(rows)
        accepted = None  # the last message the server accepted, its SENT not yet recorded
        for row in rows:
            accepted = _deliver(row, connection, accepted=accepted)
        if accepted is not None:
            _finish(accepted, S.SENT, event=timeline.notification_sent_event)
    finally:
        _close_quietly(connection)
    return len(rows)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.debug("Closing the mail connection failed.", exc_info=True)


def _mine(row: Notification):
    """The row, only while it still carries this claim: the fence of every write after the claim."""
    return Notification.objects.filter(pk=row.pk, claim_id=row.claim_id, status=S.SENDING)


def _bump_attempts(row: Notification) -> bool:
    if not _mine(row).update(attempts=F("attempts") + 1):
        return False
    row.attempts += 1
    return True


def _deliver(row: Notification, connection, *, accepted: Notification | None) -> Notification | None:
    """Send one message; returns it if the server accepted it (its SENT is recorded by the caller).

    The previous message's SENT and this one's hand-over are one commit: both are true at that
    instant, and a commit per message is most of what sending costs the database.
    """
    message_id = row.provider_message_id or message_id_for(row)
    # Rendered outside the transaction: templates are CPU, and SQLite's write lock is held by it.
    message, render_error = {}, ""
    try:
        message = message_facts.message_fields(row)
    except Exception as exc:
        logger.exception("Could not render notification %s (%s).", row.pk, row.kind)
        render_error = f"rendering failed: {type(exc).__name__}: {exc}"
    with transaction.atomic():
        if accepted is not None:
            _finish(accepted, S.SENT, event=timeline.notification_sent_event)
        if _moot(row):
            _finish(
                row, S.SKIPPED, event=timeline.notification_skipped_event, error="no longer due: the order has moved on"
            )
            return None
        if render_error:
            # Never handed over, so no attempt is counted; an operator who fixes the template
            # sends it again from the admin, rendered anew from the same facts.
            _finish(row, S.FAILED, event=timeline.notification_failed_event, error=render_error)
            return None
        # Record before: from here on the row says "handed over", so a crash is an unknown
        # outcome, not a silent "never sent". The rendered words go with it: what the row shows
        # is what was handed over, on this attempt and any later one.
        handed_over = _mine(row).update(
            handed_over_at=timezone.now(), attempts=F("attempts") + 1, provider_message_id=message_id, **message
        )
    if not handed_over:
        return None  # presumed dead and reclaimed meanwhile: the new owner sends it
    for field, value in message.items():
        setattr(row, field, value)
    row.attempts += 1
    row.provider_message_id = message_id
    try:
        connection.send_messages([build_message(row, message_id=message_id)])
    except Exception as exc:
        _close_quietly(connection)  # the next message reconnects
        _record_failure(row, exc)
        return None
    return row


def _moot(row: Notification) -> bool:
    if row.kind in (K.SELLER_RETURN_DUE_SOON, K.SELLER_RETURN_OVERDUE):
        # A return's step alert: moot once the return has moved on (answered, refunded).
        step = row.context.get("stage")
        status = ReturnRequest.objects.filter(pk=row.context.get("return_id")).values_list("status", flat=True).first()
        return step not in return_terms.STEPS or status != return_terms.STEPS[step].status
    if row.kind not in (K.SELLER_DUE_SOON, K.SELLER_OVERDUE) or row.order_id is None:
        return False

    status = Order.objects.filter(pk=row.order_id).values_list("status", flat=True).first()
    # The order status a deadline alert is about; when the order has moved on, the alert is moot.
    stage = STAGE_BY_NAME.get(row.context.get("stage") or row.stage)
    return stage is None or status != stage.status


def _order_ref(row: Notification):
    return Order(pk=row.order_id, seller_id=row.seller_id)


def _finish(row: Notification, status: str, *, event: Callable[..., object], error: str = "", **params) -> bool:
    """Record the end of a message, fenced by its claim, with its timeline event; False if fenced out.

    `event`: the `orders.events` writer of how the message ended (sent, skipped or failed).
    """

    now = timezone.now()
    fields = {"status": status, "last_error": error[:2000]}
    if status == S.SENT:
        fields["sent_at"] = now
    if status in (S.FAILED, S.SKIPPED):
        fields["failed_at"] = now
    with transaction.atomic(savepoint=False):
        if not _mine(row).update(**fields):
            return False
        row.status, row.last_error = status, fields["last_error"]
        if row.order_id is not None:
            event(order=_order_ref(row), at=now, **timeline_params(row, message_id=row.provider_message_id, **params))
        if status == S.FAILED and row.kind in CUSTOMER_KINDS:
            # The seller must know a customer was not told: they can reach them another way.
            Alert.objects.create(
                seller_id=row.seller_id,
                order_id=row.order_id,
                kind=Alert.EMAIL_FAILED,
                # A message that could not be rendered has no subject: its kind says what it was.
                title=f"Email not delivered to {row.recipient}: {row.subject or row.get_kind_display()}"[:300],
                created_at=now,
            )
    return True


def is_permanent(exc: BaseException) -> bool:
    """Whether retrying cannot help: the server refused this message for good (5xx) or it is unsendable."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # our credentials, not the message: fix them and every message goes
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, (BadHeaderError, UnicodeError, ValueError))


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for addr, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {message}"
    return f"{type(exc).__name__}: {exc}"


def _record_failure(row: Notification, exc: BaseException, *, permanent: bool | None = None) -> None:
    permanent = is_permanent(exc) if permanent is None else permanent
    policy = retry_policy()
    error = describe(exc)[:2000]
    if permanent or row.attempts >= policy.max_attempts:
        why = "refused" if permanent else f"still refused after {row.attempts} attempts"
        if isinstance(exc, (BadHeaderError, UnicodeError, ValueError)):
            # Our own content cannot be sent (a header a value broke): a bug or bad data for an
            # operator to fix, not the recipient's problem, so it is logged as an error.
            logger.error("Notification %s cannot be sent because of its content: %s", row.pk, error)
        else:
            logger.warning("Notification %s %s: %s", row.pk, why, error)
        _finish(row, S.FAILED, event=timeline.notification_failed_event, error=error)
        return
    now = timezone.now()
    delay = policy.delay(row.attempts, key=row.pk)
    with transaction.atomic():
        if not _mine(row).update(status=S.QUEUED, next_attempt_at=now + delay, last_error=error, handed_over_at=None):
            return
        row.status, row.last_error = S.QUEUED, error
        if row.attempts == 1 and row.order_id is not None:
            timeline.notification_delayed_event(
                order=_order_ref(row), at=now, **timeline_params(row, next_attempt_at=(now + delay).isoformat())
            )
    logger.info("Notification %s refused for now (%s); attempt %d, next in %s.", row.pk, error, row.attempts, delay)


# --- the reaper ----------------------------------------------------------------------------------


def delivered_per_backend(message_id: str) -> bool | None:
    """Ask the email backend whether it has this message: True, False, or None (it cannot tell: SMTP)."""
    backend = get_connection()
    lookup = getattr(backend, "delivered_message_ids", None)
    if lookup is None:
        return None
    return message_id in lookup([message_id])


def reconcile_abandoned(live: frozenset[str], now: datetime) -> int:
    """Settle the rows left SENDING by dead workers. Returns how many it settled."""
    abandoned = Notification.objects.filter(status=S.SENDING, claimed_at__lt=now - dead_after()).exclude(
        claimed_by__in=live
    )
    settled = 0
    for row in abandoned.order_by("id")[:1000]:
        if row.handed_over_at is None:
            # Never handed to the mail server: simply not sent yet.
            settled += _mine(row).update(status=S.QUEUED, next_attempt_at=now)
            continue
        verdict = delivered_per_backend(row.provider_message_id)
        if verdict is True:
            settled += _finish(row, S.SENT, event=timeline.notification_sent_event, reconciled=True)
        elif verdict is False:
            settled += _mine(row).update(status=S.QUEUED, next_attempt_at=now, handed_over_at=None)
        elif settings.SHIPDESK_EMAIL["resend_uncertain"]:
            logger.warning(
                "Notification %s: worker %s died mid-send; resending with the same Message-ID.", row.pk, row.claimed_by
            )
            settled += _mine(row).update(
                status=S.QUEUED,
                next_attempt_at=now,
                handed_over_at=None,
                uncertain_resends=F("uncertain_resends") + 1,
                last_error=f"worker {row.claimed_by} died while sending; outcome unknown, resent with the same "
                "Message-ID",
            )
        else:
            settled += _finish(
                row, S.FAILED, event=timeline.notification_failed_event,
                error=f"worker {row.claimed_by} died while sending; outcome unknown, not resent (at most once)",
            )  # fmt: skip
    return settled
