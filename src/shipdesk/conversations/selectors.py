"""Reads of conversations and support cases, always inside one seller (or, for the customer's
page, inside one order; for the operator's screens, across sellers by the queue index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from shipdesk.errors import NotFound
from shipdesk.orders.models import Order
from shipdesk.shipping.models import Shipment

from . import message_templates, terms
from .answer_windows import time_left
from .models import Attachment, CaseMessage, Conversation, Message, MessageTemplate, SupportCase


def _messages(qs):
    return qs.select_related("answered_by").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )


def order_messages(*, order_id: int, seller_id: int | None) -> list[Message]:
    """The order's conversation, oldest first; another seller's order is NotFound."""
    orders = Order.objects.filter(pk=order_id)
    if seller_id is not None:
        orders = orders.filter(seller_id=seller_id)
    if not orders.exists():
        raise NotFound("Order not found.")
    return list(_messages(Message.objects.filter(order_id=order_id)).order_by("created_at", "id"))


def attachment_for_seller(*, seller_id: int, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.filter(pk=attachment_id, seller_id=seller_id).first()
    if attachment is None:
        raise NotFound("Attachment not found.")
    return attachment


def attachment_for_order(*, order_id: int, attachment_id: int) -> Attachment:
    """An attachment of the order's conversation, for the customer holding the order's link."""
    attachment = Attachment.objects.filter(pk=attachment_id, message__order_id=order_id).first()
    if attachment is None:
        raise NotFound("Attachment not found.")
    return attachment


# --- the inbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    conversation_id: int
    order_id: int
    order_number: int
    customer_name: str
    last_message_at: datetime
    last_text: str
    last_from_customer: bool
    answer_due_at: datetime | None
    time_left: str  # "" when nothing is owed
    overdue: bool


def inbox(*, seller_id: int, needs_action: bool, limit: int = 100, now: datetime | None = None) -> list[InboxRow]:
    """Conversations of the seller: those owed an answer by nearest due instant (`needs_action`),
    or all of them, latest first. Two queries whatever the number of rows."""
    now = now or timezone.now()
    qs = Conversation.objects.filter(seller_id=seller_id).select_related("order")
    if needs_action:
        qs = qs.filter(answer_due_at__isnull=False).order_by("answer_due_at", "id")
    else:
        qs = qs.order_by("-last_message_at", "-id")
    conversations = list(qs[:limit])
    last: dict[int, Message] = {}
    for message in (
        Message.objects.filter(conversation__in=conversations)
        .order_by("conversation_id", "-id")
        .only("conversation_id", "body", "direction", "created_at")
    ):
        last.setdefault(message.conversation_id, message)
    rows = []
    for c in conversations:
        latest = last.get(c.pk)
        rows.append(
            InboxRow(
                conversation_id=c.pk,
                order_id=c.order_id,
                order_number=c.order.number,
                customer_name=c.order.customer_name,
                last_message_at=c.last_message_at,
                last_text=(latest.body if latest else "")[:160],
                last_from_customer=bool(latest and latest.direction == terms.FROM_CUSTOMER),
                answer_due_at=c.answer_due_at,
                time_left=time_left(due_at=c.answer_due_at, now=now) if c.answer_due_at else "",
                overdue=bool(c.answer_due_at and c.answer_due_at < now),
            )
        )
    return rows


def needs_action_count(*, seller_id: int) -> int:
    return Conversation.objects.filter(seller_id=seller_id, answer_due_at__isnull=False).count()


# --- templates ------------------------------------------------------------------------------------


def _order_values(order, shipment) -> dict[str, str]:
    lines = list(order.lines.order_by("id"))
    address = ", ".join(
        part
        for part in (
            order.ship_line1,
            order.ship_line2,
            f"{order.ship_postal_code} {order.ship_city}".strip(),
            order.ship_region,
            order.ship_country,
        )
        if part
    )
    return {
        "customer_name": order.customer_name,
        "order_number": str(order.number),
        "shop_name": order.seller.name,
        "items": ", ".join(f"{line.open_quantity} × {line.title}" for line in lines if line.open_quantity),
        "ship_by": f"{order.ship_by:%A %-d %B}" if order.ship_by else "",
        "eta": f"{shipment.eta:%A %-d %B}" if shipment is not None and shipment.eta else "",
        "address": address,
    }


def filled_templates(*, order) -> list[dict]:
    """Each template of the order's shop (its own wording, else the default), filled from the order."""
    own = dict(MessageTemplate.objects.filter(seller_id=order.seller_id).values_list("key", "body"))
    shipment = Shipment.objects.filter(order_id=order.pk).first()
    values = _order_values(order, shipment)
    return [
        {
            "key": term.value,
            "label": term.label,
            "text": message_templates.fill(own.get(term.value) or message_templates.DEFAULTS[term.value], values),
        }
        for term in terms.TEMPLATE_KEYS
    ]


def template_bodies(*, seller_id: int) -> list[dict]:
    """The shop's templates as written (placeholders unfilled), for the settings form."""
    own = dict(MessageTemplate.objects.filter(seller_id=seller_id).values_list("key", "body"))
    return [
        {
            "key": t.value,
            "label": t.label,
            "body": own.get(t.value) or message_templates.DEFAULTS[t.value],
            "own": t.value in own,
        }
        for t in terms.TEMPLATE_KEYS
    ]


# --- support cases --------------------------------------------------------------------------------


def seller_cases(*, seller_id: int, limit: int = 100) -> list[SupportCase]:
    return list(
        SupportCase.objects.filter(seller_id=seller_id).select_related("order").order_by("-updated_at", "-id")[:limit]
    )


def case_for_seller(*, seller_id: int, case_id: int) -> SupportCase:
    case = SupportCase.objects.filter(pk=case_id, seller_id=seller_id).select_related("order", "seller").first()
    if case is None:
        raise NotFound("Support case not found.")
    return case


def case_messages(case: SupportCase) -> list[CaseMessage]:
    return list(case.messages.order_by("created_at", "id"))


def operator_queue(*, status: str | None = None, limit: int = 200) -> list[SupportCase]:
    """Every seller's cases for the operator: waiting for support first, oldest first."""
    qs = SupportCase.objects.select_related("seller", "order")
    if status:
        qs = qs.filter(status=status)
    return (
        list(qs.order_by("updated_at", "id")[:limit])
        if status
        else sorted(qs.order_by("-updated_at", "-id")[:limit], key=lambda c: (c.status != terms.CASE_OPEN,))
    )


def case_for_operator(*, case_id: int) -> SupportCase:
    case = SupportCase.objects.filter(pk=case_id).select_related("order", "seller").first()
    if case is None:
        raise NotFound("Support case not found.")
    return case
