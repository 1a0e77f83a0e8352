"""Input and output schemas of the returns API (separate per direction)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StrictInt, StringConstraints

from shipdesk.api.schemas import SingleLine
from shipdesk.orders.services import MAX_QUANTITY

from . import terms

Text = lambda n: Annotated[str, StringConstraints(max_length=n)]  # noqa: E731
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]

ReturnStatusValue = Literal[terms.RETURN_STATUSES.values]  # type: ignore[valid-type]
ReturnReasonValue = Literal[terms.RETURN_REASONS.values]  # type: ignore[valid-type]
ConditionValue = Literal[terms.CONDITIONS.values]  # type: ignore[valid-type]
ShippingPayerValue = Literal[terms.SHIPPING_PAYERS.values]  # type: ignore[valid-type]


class ReturnLineIn(Schema):
    line_id: StrictInt
    quantity: Quantity
    reason: ReturnReasonValue


class ReturnIn(Schema):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    note: Text(2000) = ""


class ApproveIn(Schema):
    instructions: Text(2000) = Field(default="", description="How to pack and send it; the shop's default if empty.")
    return_address: Text(2000) = Field(default="", description="Where it goes; the shop's return address if empty.")
    return_label_url: SingleLine(500) = Field(default="", description="A prepaid return label, if the shop made one.")


class RejectIn(Schema):
    reason: Text(2000) = Field(min_length=1)


class ReceivedLineIn(Schema):
    line_id: StrictInt
    quantity: Quantity
    condition: ConditionValue


class ReceiveIn(Schema):
    lines: list[ReceivedLineIn] = Field(min_length=1, max_length=100)
    refund: bool = Field(default=True, description="Refund the received units at once (else POST …/refund later).")


class ReturnLineOut(Schema):
    line_id: int
    sku: str
    title: str
    quantity: int
    reason: ReturnReasonValue
    received_resellable: int
    received_damaged: int


class ReturnRefundOut(Schema):
    id: int
    currency: str
    amount: str
    items: str
    shipping: str
    tax: str


class ReturnOut(Schema):
    id: int
    order_id: int
    order_number: int
    status: ReturnStatusValue
    note: str
    requested_by: str
    lines: list[ReturnLineOut]
    instructions: str
    return_address: str
    return_label_url: str
    rejection_reason: str
    shipping_paid_by: ShippingPayerValue | None
    refund_shipping: bool
    requested_at: datetime
    answer_by: datetime
    approved_at: datetime | None
    rejected_at: datetime | None
    received_at: datetime | None
    refund_by: datetime | None
    refunded_at: datetime | None
    next_deadline: datetime | None
    overdue: bool
    refund: ReturnRefundOut | None
    allowed_actions: list[str]


class ReturnPageOut(Schema):
    items: list[ReturnOut]
    next_cursor: str | None


class ReturnPolicyIn(Schema):
    """A shop's return policy; null is the platform default. Bounds are checked by the service."""

    window_days: StrictInt | None = None
    shipping_policy: str | None = None
    return_address: str = ""
    instructions: str = ""


class ReturnPolicyOut(Schema):
    window_days: int  # in effect: the shop's, or the platform default
    shipping_policy: str  # in effect
    return_address: str
    instructions: str
    uses_default_window: bool
    uses_default_shipping_policy: bool
    min_window_days: int
    max_window_days: int
