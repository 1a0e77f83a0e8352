"""Receiving one inbound email: the same path for the pipe (`shipdesk inbound-email`), LMTP and HTTP.

`receive_email(raw, via=…)` never raises on any input: it places the email in its order's
conversation, or refuses it with a reason from `terms.INBOUND_REFUSALS` — logged, and kept in
the `InboundEmail` log — and says which. Idempotent by Message-ID (the same email delivered twice
is one message). Size is checked before parsing: a message over `max_email_bytes` is refused
unread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError
from django.utils import timezone

from shipdesk.errors import NotFound, ShipdeskError
from shipdesk.orders.models import Order

from . import terms
from .inbound_parsing import parse_inbound
from .models import InboundEmail
from .reply_addresses import match_recipients
from .services import IncomingFile, config, receive_message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundResult:
    outcome: str  # terms.INBOUND_OUTCOMES
    reason: str = ""  # terms.INBOUND_REFUSALS, when refused
    detail: str = ""
    message_id: int | None = None  # the conversation message, when accepted or a duplicate
    order_id: int | None = None
    refused_files: tuple[str, ...] = ()


def too_large(size: int) -> bool:
    return size > config()["max_email_bytes"]


def _log(result: InboundResult, *, via: str, size: int, parsed=None, at: datetime) -> InboundResult:
    level = logging.INFO if result.outcome != "refused" else logging.WARNING
    logger.log(
        level,
        "Inbound email %s via %s: %s%s (Message-ID %s, from %s, %d bytes)%s",
        result.outcome,
        via,
        result.reason or "order",
        f" {result.order_id}" if result.order_id else "",
        getattr(parsed, "message_id", "") or "-",
        getattr(parsed, "sender", "") or "-",
        size,
        f": {result.detail}" if result.detail else "",
    )
    try:
        seller_id = Order.objects.filter(pk=result.order_id).values_list("seller_id", flat=True).first()
        InboundEmail.objects.create(
            outcome=result.outcome,
            reason=result.reason,
            detail=result.detail[:300],
            via=via,
            email_message_id=(getattr(parsed, "message_id", "") or "")[:255],
            sender=(getattr(parsed, "sender", "") or "")[:254],
            subject=(getattr(parsed, "subject", "") or "")[:300],
            size=size,
            seller_id=seller_id,
            order_id=result.order_id if seller_id else None,
            message_id=result.message_id,
            received_at=at,
        )
    except DatabaseError:
        logger.exception("Could not keep the inbound email's log row.")
    return result


def refused(reason: str, detail: str = "", *, order_id: int | None = None) -> InboundResult:
    assert reason in terms.INBOUND_REFUSALS
    return InboundResult(
        outcome="refused", reason=reason, detail=detail or terms.INBOUND_REFUSALS[reason].description, order_id=order_id
    )


def refuse_too_large(*, size: int, via: str, at: datetime | None = None) -> InboundResult:
    """A message over the limit, refused without being read whole (the pipe and HTTP stop reading)."""
    detail = f"{size} bytes, more than {config()['max_email_bytes']}"
    return _log(refused("too_large", detail), via=via, size=size, at=at or timezone.now())


def receive_email(
    raw: bytes, *, via: str, recipients: list[str] | None = None, at: datetime | None = None
) -> InboundResult:
    """Place one RFC 5322 message; `recipients`: the envelope recipients the MTA gave (checked
    before the headers, which a forwarder may have rewritten)."""
    at = at or timezone.now()
    size = len(raw)
    if too_large(size):
        return refuse_too_large(size=size, via=via, at=at)
    parsed = parse_inbound(raw)
    if parsed.malformed:
        return _log(refused("malformed", parsed.malformed), via=via, size=size, parsed=parsed, at=at)
    if parsed.automatic:
        return _log(refused(parsed.automatic), via=via, size=size, parsed=parsed, at=at)
    match = match_recipients([*(recipients or []), *parsed.recipients])
    if match.order_id is None:
        return _log(refused("forged_address" if match.forged else "no_order"), via=via, size=size, parsed=parsed, at=at)
    try:
        received = receive_message(
            order_id=match.order_id,
            body=parsed.text,
            channel="email",
            author_label=parsed.sender or "the customer",
            files=[IncomingFile(filename=f.filename, content=f.content) for f in parsed.files],
            email_message_id=parsed.message_id,
            email_from=parsed.sender,
            drop_refused_files=True,
            at=at,
        )
    except NotFound:
        return _log(refused("unknown_order", order_id=None), via=via, size=size, parsed=parsed, at=at)
    except ShipdeskError as exc:
        return _log(refused("empty", exc.message, order_id=match.order_id), via=via, size=size, parsed=parsed, at=at)
    result = InboundResult(
        outcome="accepted" if received.created else "duplicate",
        detail="; ".join(received.refused_files)[:300],
        message_id=received.message.pk,
        order_id=match.order_id,
        refused_files=tuple(received.refused_files),
    )
    return _log(result, via=via, size=size, parsed=parsed, at=at)
