"""Input and output schemas of the conversation endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from . import terms

DirectionValue = Literal[terms.FROM_CUSTOMER, terms.TO_CUSTOMER]  # type: ignore[valid-type]


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    direction: DirectionValue
    channel: str
    author: str
    body: str
    created_at: datetime
    needs_answer: bool
    answer_due_at: datetime | None
    answered_at: datetime | None
    attachments: list[AttachmentOut]


class MessagesOut(Schema):
    order_id: int
    answer_due_at: datetime | None = Field(
        description="When the oldest unanswered customer message is due; null: none."
    )
    items: list[MessageOut]


class MessageIn(Schema):
    body: str = Field(default="", max_length=10_000, description="The text; or `template` alone.")
    template: Literal["delay_notice", "out_of_stock", "substitute", "address_question"] | None = Field(
        default=None, description="Send the shop's template of this name, filled from the order (when `body` is empty)."
    )


class InboundEmailOut(Schema):
    outcome: Literal["accepted", "duplicate", "refused"]
    reason: str
    message_id: int | None
