"""Conversations and support cases: every change, one function per business action.

Each action is one transaction. A message about an order takes the order's lock first
(`orders.locks.lock_order`), so two writers of one conversation queue on one row: the answer
bookkeeping (which customer messages a shop message answers) and the Message-ID check of an
inbound email are decided under it. Each writes the message, its attachments, the order's
timeline event and its outbox row (`notifications`) before commit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import calendar_for
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import NotFound, PermissionDenied, StateConflict, ValidationFailed
from shipdesk.notifications.models import Notification
from shipdesk.notifications.rendering import absolute
from shipdesk.notifications.services import queue_conversation_message
from shipdesk.orders import events
from shipdesk.orders.locks import lock_order
from shipdesk.orders.order_page_links import order_page_path
from shipdesk.single_line import NotSingleLine, check_single_line

from . import terms
from .answer_windows import answer_due_at
from .attachment_checks import MAX_ATTACHMENTS, AttachmentRefused, CheckedFile, check_file
from .models import Attachment, CaseMessage, Conversation, Message, MessageTemplate, SupportCase

K = Notification.Kind
MAX_BODY = 10_000


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived (an upload, an email part): checked by the service, not the caller."""

    filename: str
    content: bytes


def config() -> dict:
    return settings.SHIPDESK_CONVERSATIONS


def messages_page_url(order_id: int) -> str:
    """The customer's messages page of the order (signed, like the order page it sits under)."""
    return absolute(f"{order_page_path(order_id)}messages/")


# --- checks ----------------------------------------------------------------------------------------


def _clean_body(body: str, *, files: int, field: str = "body") -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise ValidationFailed("The message is too long.", details={field: [f"At most {MAX_BODY} characters."]})
    if "\x00" in body:
        raise ValidationFailed("The message holds a NUL character.", details={field: ["Remove the NUL character."]})
    if not body and not files:
        raise ValidationFailed("Write a message.", details={field: ["Write a message or attach a file."]})
    return body


def check_files(files: Iterable[IncomingFile]) -> tuple[list[CheckedFile], list[str]]:
    """(the files that may be kept, why each other one may not)."""
    kept, refused = [], []
    limit = config()["max_attachment_bytes"]
    for incoming in files:
        try:
            checked = check_file(filename=incoming.filename, content=incoming.content, max_bytes=limit)
        except AttachmentRefused as exc:
            refused.append(str(exc))
            continue
        if len(kept) >= MAX_ATTACHMENTS:
            refused.append(f"{checked.filename}: at most {MAX_ATTACHMENTS} files per message.")
            continue
        kept.append(checked)
    return kept, refused


def _require_files(files: Iterable[IncomingFile]) -> list[CheckedFile]:
    kept, refused = check_files(files)
    if refused:
        raise ValidationFailed("A file cannot be attached.", details={"attachments": refused})
    return kept


def _store(message: Message, files: list[CheckedFile], at: datetime) -> list[Attachment]:
    stored = []
    for checked in files:
        attachment = Attachment(
            seller_id=message.seller_id,
            message=message,
            storage_name=f"{secrets.token_hex(16)}.{checked.filename.rsplit('.', 1)[-1]}",
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=hashlib.sha256(checked.content).hexdigest(),
            created_at=at,
        )
        # Through Django's storage API: local disk by default, any backend in production. A
        # rollback after this leaves an unreferenced file, never a row without its file.
        attachment.file.save(attachment.storage_name, ContentFile(checked.content), save=False)
        attachment.save(force_insert=True)
        stored.append(attachment)
    return stored


def _conversation(order, at: datetime) -> Conversation:
    conversation = Conversation.objects.filter(order=order).first()
    if conversation is None:
        conversation = Conversation.objects.create(
            seller_id=order.seller_id, order=order, last_message_at=at, created_at=at
        )
    return conversation


def _refresh_due(conversation: Conversation, at: datetime) -> None:
    """The conversation's due instant: the earliest of its customer messages still owed an answer."""
    due = Message.objects.filter(conversation=conversation, needs_answer=True, answered_at__isnull=True).aggregate(
        due=Min("answer_due_at")
    )["due"]
    conversation.answer_due_at = due
    conversation.last_message_at = max(conversation.last_message_at, at)
    conversation.save(update_fields=["answer_due_at", "last_message_at"])


def _message_context(message: Message, attachments: list[Attachment], url: str, author: str = "") -> dict:
    return {
        "message": {
            "id": message.pk,
            "body": message.body,
            "author": author,
            "attachments": [a.filename for a in attachments],
            "url": url,
        }
    }


# --- the shop writes ---------------------------------------------------------------------------------


@transaction.atomic
def send_message(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    body: str,
    files: Iterable[IncomingFile] = (),
    channel: str = "dashboard",
    at: datetime | None = None,
) -> Message:
    """The shop writes to the order's customer.

    Guards: the order is the seller's (else NotFound); a text or a file; each file an image or a
    PDF by its content, at most `max_attachment_bytes` (else ValidationFailed, nothing written).
    Writes: the message and its attachments; every customer message still owed an answer is
    answered by it (`answered_at`, `answered_by`); the conversation's due instant; the customer's
    email (outbox, with the order's reply address); the `message_sent` timeline event.
    """
    at = at or timezone.now()
    files = list(files)
    body = _clean_body(body, files=len(files))
    checked = _require_files(files)
    order = lock_order(order_id=order_id, seller_id=seller_id)
    conversation = _conversation(order, at)
    message = Message.objects.create(
        seller_id=order.seller_id,
        conversation=conversation,
        order=order,
        direction=terms.TO_CUSTOMER,
        channel=channel,
        author_label=actor.label[:200],
        user_id=actor.user_id,
        body=body,
        created_at=at,
    )
    attachments = _store(message, checked, at)
    Message.objects.filter(conversation=conversation, needs_answer=True, answered_at__isnull=True).update(
        answered_at=at, answered_by=message
    )
    _refresh_due(conversation, at)
    notification = queue_conversation_message(
        seller=order.seller,
        order=order,
        kind=K.CUSTOMER_MESSAGE,
        stage=f"message:{message.pk}",
        recipient=order.customer_email,
        context=_message_context(message, attachments, messages_page_url(order.pk)),
        at=at,
    )
    message.notification = notification
    message.save(update_fields=["notification"])
    events.message_sent_event(order=order, actor=actor, at=at, message_id=message.pk, attachments=len(attachments))
    return message


# --- the customer writes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool  # False: this email was received before (same Message-ID); nothing was written
    refused_files: list[str]  # files not kept, and why


@transaction.atomic
def receive_message(
    *,
    order_id: int,
    body: str,
    channel: str,
    author_label: str,
    files: Iterable[IncomingFile] = (),
    email_message_id: str = "",
    email_from: str = "",
    drop_refused_files: bool = False,
    at: datetime | None = None,
) -> Received:
    """The customer writes to the shop: a reply by email, or the order's messages page.

    Guards: the order exists (else NotFound); a text or a file kept. Files that are not images or
    PDFs, or too large, refuse the message (the page shows why), or — `drop_refused_files`, for
    email, where nobody can be asked again — are left out and listed. Idempotent by
    `email_message_id`: the same email again returns the first message and writes nothing.
    Writes: the message (owed an answer by `answer_due_at`, per the platform's window), its
    attachments, the conversation's due instant, the seller's alert and email (outbox), and the
    `message_received` timeline event.
    """
    at = at or timezone.now()
    files = list(files)
    if drop_refused_files:
        checked, refused = check_files(files)
    else:
        checked, refused = _require_files(files), []
    body = _clean_body(body, files=len(checked))
    order = lock_order(order_id=order_id, seller_id=None)
    if email_message_id:
        # Under the order's lock: a second delivery of the same email waits for the first to
        # commit, then finds it here.
        existing = Message.objects.filter(
            seller_id=order.seller_id, direction=terms.FROM_CUSTOMER, email_message_id=email_message_id
        ).first()
        if existing is not None:
            return Received(message=existing, created=False, refused_files=[])
    conversation = _conversation(order, at)
    seller = order.seller
    hours = config()["answer_hours"]
    calendar = calendar_for(seller) if config()["answer_in_business_hours"] else None
    try:
        with transaction.atomic():
            message = Message.objects.create(
                seller_id=order.seller_id,
                conversation=conversation,
                order=order,
                direction=terms.FROM_CUSTOMER,
                channel=channel,
                author_label=author_label[:200],
                body=body,
                created_at=at,
                needs_answer=True,
                answer_due_at=answer_due_at(received_at=at, hours=hours, calendar=calendar),
                email_message_id=email_message_id[:255],
                email_from=email_from[:254],
            )
    except IntegrityError:
        # The same email, committed by another process since the check (no lock held it: SQLite).
        existing = Message.objects.get(
            seller_id=order.seller_id, direction=terms.FROM_CUSTOMER, email_message_id=email_message_id
        )
        return Received(message=existing, created=False, refused_files=[])
    attachments = _store(message, checked, at)
    _refresh_due(conversation, at)
    queue_conversation_message(
        seller=seller,
        order=order,
        kind=K.SELLER_CUSTOMER_MESSAGE,
        stage=f"message:{message.pk}",
        recipient=seller.email,
        context=_message_context(message, attachments, absolute(f"/orders/{order.pk}/#conversation"), author_label),
        at=at,
    )
    customer = Actor(kind=ActorKind.CUSTOMER, label=author_label[:200])
    events.message_received_event(
        order=order, actor=customer, at=at, message_id=message.pk, channel=channel, attachments=len(attachments)
    )
    return Received(message=message, created=True, refused_files=refused)


@transaction.atomic
def mark_no_answer_needed(
    *, message_id: int, seller_id: int | None, actor: Actor, at: datetime | None = None
) -> Message:
    """A customer message that needs no answer ("thank you!"): out of "Needs action" and out of
    the response-time figure. Guards: the seller's customer message, not answered yet (else 404 /
    409). Idempotent for a message already marked."""
    at = at or timezone.now()
    qs = Message.objects.filter(pk=message_id, direction=terms.FROM_CUSTOMER)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    found = qs.values_list("order_id", flat=True).first()
    if found is None:
        raise NotFound("Message not found.")
    lock_order(order_id=found, seller_id=seller_id, with_seller=False)
    message = qs.select_related("conversation").get()
    if message.answered_at is not None:
        raise StateConflict(
            "This message was answered already.", details={"answered_at": message.answered_at.isoformat()}
        )
    if message.needs_answer:
        message.needs_answer = False
        message.no_answer_marked_at = at
        message.save(update_fields=["needs_answer", "no_answer_marked_at"])
        _refresh_due(message.conversation, message.conversation.last_message_at)
    return message


# --- templates ---------------------------------------------------------------------------------------


@transaction.atomic
def save_template(*, seller_id: int, key: str, body: str, at: datetime | None = None) -> MessageTemplate:
    """The shop's own wording of one template. Guards: a known key; a text of at most MAX_BODY."""
    if key not in terms.TEMPLATE_KEYS:
        raise ValidationFailed(
            "Unknown template.", details={"key": [f"One of: {', '.join(terms.TEMPLATE_KEYS.values)}."]}
        )
    body = _clean_body(body, files=0)
    template, _ = MessageTemplate.objects.update_or_create(
        seller_id=seller_id, key=key, defaults={"body": body, "updated_at": at or timezone.now()}
    )
    return template


# --- support cases ---------------------------------------------------------------------------------


def _case_url_for_seller(case_id: int) -> str:
    return absolute(f"/support/{case_id}/")


def _case_url_for_operator(case_id: int) -> str:
    return absolute(f"/admin/support/{case_id}/")


def _case_context(case: SupportCase, message: CaseMessage, *, url: str, shop: str) -> dict:
    return {
        "case": {
            "id": case.pk,
            "subject": case.subject,
            "topic": terms.CASE_TOPICS.label(case.topic),
            "body": message.body,
            "shop": shop,
            "url": url,
        }
    }


def _subject(subject: str, topic: str) -> str:
    subject = " ".join((subject or "").split())[:200] or terms.CASE_TOPICS.label(topic)
    try:
        return check_single_line(subject)
    except NotSingleLine as exc:
        raise ValidationFailed("The subject is not one line.", details={"subject": [str(exc)]}) from None


@transaction.atomic
def open_case(
    *,
    seller_id: int,
    actor: Actor,
    topic: str,
    body: str,
    subject: str = "",
    order_id: int | None = None,
    at: datetime | None = None,
) -> SupportCase:
    """The shop asks the marketplace operator for help, about one of its orders or the shop.

    Guards: a known topic; a text; the order (if any) is the seller's (else NotFound). Writes: the
    case and its first message, the operator's email (outbox), and — with an order — the
    `support_case_opened` timeline event.
    """
    at = at or timezone.now()
    if topic not in terms.CASE_TOPICS:
        raise ValidationFailed("Unknown topic.", details={"topic": [f"One of: {', '.join(terms.CASE_TOPICS.values)}."]})
    body = _clean_body(body, files=0)
    subject = _subject(subject, topic)
    order = lock_order(order_id=order_id, seller_id=seller_id) if order_id is not None else None
    seller = order.seller if order is not None else Seller.objects.filter(pk=seller_id).first()
    if seller is None:
        raise NotFound("Seller not found.")
    case = SupportCase.objects.create(
        seller_id=seller.pk,
        order=order,
        topic=topic,
        subject=subject,
        opened_by_label=actor.label[:200],
        created_at=at,
        updated_at=at,
    )
    message = CaseMessage.objects.create(
        seller_id=seller.pk,
        case=case,
        author="seller",
        author_label=actor.label[:200],
        user_id=actor.user_id,
        body=body,
        created_at=at,
    )
    queue_conversation_message(
        seller=seller,
        order=order,
        kind=K.OPERATOR_CASE_MESSAGE,
        stage=f"case-message:{message.pk}",
        recipient=config()["support_email"],
        context=_case_context(case, message, url=_case_url_for_operator(case.pk), shop=seller.name),
        at=at,
    )
    if order is not None:
        events.support_case_opened_event(order=order, actor=actor, at=at, case_id=case.pk, topic=topic)
    return case


@transaction.atomic
def reply_to_case(
    *, case_id: int, seller_id: int | None, actor: Actor, body: str, at: datetime | None = None
) -> CaseMessage:
    """A message on a support case: the shop's (`seller_id` its own) or the operator's
    (`seller_id` None, an operator actor).

    Guards: the case is the seller's (else NotFound); only an operator answers as support; a text.
    Writes: the message; the case's status (the operator's answer: answered; the shop's: open
    again); the other side's email — the seller's comes with a dashboard alert.
    """
    at = at or timezone.now()
    body = _clean_body(body, files=0)
    from_operator = seller_id is None
    if from_operator and actor.kind != ActorKind.OPERATOR:
        raise PermissionDenied("Only the marketplace operator answers as support.")
    qs = SupportCase.objects.select_for_update(of=("self",)).select_related("seller", "order")
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise NotFound("Support case not found.")
    message = CaseMessage.objects.create(
        seller_id=case.seller_id,
        case=case,
        author="operator" if from_operator else "seller",
        author_label=actor.label[:200],
        user_id=actor.user_id,
        body=body,
        created_at=at,
    )
    case.status = terms.CASE_ANSWERED if from_operator else terms.CASE_OPEN
    case.updated_at = at
    case.save(update_fields=["status", "updated_at"])
    if from_operator:
        kind, recipient, url = K.SELLER_CASE_REPLY, case.seller.email, _case_url_for_seller(case.pk)
    else:
        kind, recipient, url = K.OPERATOR_CASE_MESSAGE, config()["support_email"], _case_url_for_operator(case.pk)
    queue_conversation_message(
        seller=case.seller,
        order=case.order,
        kind=kind,
        stage=f"case-message:{message.pk}",
        recipient=recipient,
        context=_case_context(case, message, url=url, shop=case.seller.name),
        at=at,
    )
    return message


@transaction.atomic
def close_case(*, case_id: int, seller_id: int | None, at: datetime | None = None) -> SupportCase:
    """Close a case (either side). A later message opens it again."""
    qs = SupportCase.objects.select_for_update()
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise NotFound("Support case not found.")
    case.status = terms.CASE_CLOSED
    case.updated_at = at or timezone.now()
    case.save(update_fields=["status", "updated_at"])
    return case
