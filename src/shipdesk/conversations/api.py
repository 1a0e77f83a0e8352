"""Conversation endpoints: `GET|POST /api/v1/orders/{id}/messages`, `POST /api/v1/messages/{id}/no-answer-needed`,
and `POST /api/v1/webhooks/inbound-email` (hosted inbound-mail services; HMAC-signed, no token).

Thin adapters: parse, authorise, call one service or selector, render.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from shipdesk.api.auth import actor_of, scope_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import InvalidSignature, ShipdeskError
from shipdesk.orders.selectors import get_order
from shipdesk.signatures import verify_timestamped

from . import inbound, selectors, services
from .schemas import InboundEmailOut, MessageIn, MessageOut, MessagesOut

router = Router(tags=["conversations"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
INBOUND_PURPOSE = "inbound-email"


class PayloadTooLarge(ShipdeskError):
    code = "request_too_large"
    status = 413


def message_out(message) -> dict:
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "author": message.author_label,
        "body": message.body,
        "created_at": message.created_at,
        "needs_answer": message.needs_answer and message.answered_at is None,
        "answer_due_at": message.answer_due_at,
        "answered_at": message.answered_at,
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
    }


def _messages_out(order_id: int, seller_id: int | None) -> dict:
    messages = selectors.order_messages(order_id=order_id, seller_id=seller_id)
    due = [m.answer_due_at for m in messages if m.needs_answer and m.answered_at is None]
    return {
        "order_id": order_id,
        "answer_due_at": min(due) if due else None,
        "items": [message_out(m) for m in messages],
    }


@router.get("/orders/{order_id}/messages", response={200: MessagesOut, **ERRORS}, summary="The order's conversation")
def list_messages(request: HttpRequest, order_id: int):
    """Every message between the shop and the customer, oldest first; `needs_answer` marks the
    customer messages still owed an answer (by `answer_due_at`)."""
    return _messages_out(order_id, scope_of(request))


@router.post(
    "/orders/{order_id}/messages", response={201: MessageOut, **ERRORS}, summary="Write to the order's customer"
)
def send_message(request: HttpRequest, order_id: int, payload: MessageIn):
    """Sent by email through the outbox, with the order's reply address; answers every customer
    message still owed an answer. `template` sends the shop's template filled from the order."""
    seller_id = scope_of(request)
    body = payload.body
    if not body.strip() and payload.template:
        order = get_order(seller_id=seller_id, order_id=order_id)
        body = next(t["text"] for t in selectors.filled_templates(order=order) if t["key"] == payload.template)
    message = services.send_message(
        order_id=order_id, seller_id=seller_id, actor=actor_of(request), body=body, channel="api"
    )
    return Status(201, message_out(message))


@router.post(
    "/messages/{message_id}/no-answer-needed",
    response={200: MessageOut, **ERRORS},
    summary="Mark a customer message as needing no answer",
)
def no_answer_needed(request: HttpRequest, message_id: int):
    message = services.mark_no_answer_needed(
        message_id=message_id, seller_id=scope_of(request), actor=actor_of(request)
    )
    return message_out(message)


@router.post(
    "/webhooks/inbound-email",
    auth=None,
    response={200: InboundEmailOut, 401: ErrorOut, 413: ErrorOut},
    summary="Receive one inbound email (hosted inbound-mail services)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        },
        "parameters": [
            {
                "name": "Shipdesk-Signature",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": 't=<unix>,v1=<hex HMAC-SHA256 of "inbound-email.<t>.<raw body>"> with '
                "SHIPDESK_INBOUND_EMAIL_SECRET; 5-minute tolerance.",
            }
        ],
    },
)
def inbound_email(request: HttpRequest):
    """The raw RFC 5322 message is the body. A refused email (no order, forged address, automatic
    reply, bounce) is answered 200 with its reason: the sender must not retry it. 401 for a bad
    signature; 413 over the size limit."""
    secret = services.config()["inbound_secret"]
    limit = services.config()["max_email_bytes"]
    # Read from the stream, not request.body: DATA_UPLOAD_MAX_MEMORY_SIZE is sized for JSON, an
    # email with photos is larger. At most one byte past the limit is ever read.
    declared = int(request.headers.get("Content-Length") or 0)
    if declared > limit:
        raise PayloadTooLarge(f"The message is larger than {limit} bytes.")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"The message is larger than {limit} bytes.")
    if not secret or not verify_timestamped(
        request.headers.get("Shipdesk-Signature", ""), raw, secret, timezone.now(), purpose=INBOUND_PURPOSE
    ):
        raise InvalidSignature("The Shipdesk-Signature header does not verify.")
    result = inbound.receive_email(raw, via="http")
    return {"outcome": result.outcome, "reason": result.reason, "message_id": result.message_id}
