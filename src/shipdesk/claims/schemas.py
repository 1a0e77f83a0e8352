"""Input and output schemas of the claims and disputes API (separate per direction)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StrictInt, StringConstraints

from shipdesk.api.schemas import SingleLine
from shipdesk.orders.services import MAX_QUANTITY

from . import terms

Text = lambda n, m=0: Annotated[str, StringConstraints(max_length=n, min_length=m, strip_whitespace=True)]  # noqa: E731

# The API's enums are the vocabulary of `claims.terms`, value for value.
ClaimKindValue = Literal[terms.CLAIM_KINDS.values]  # type: ignore[valid-type]
ClaimStatusValue = Literal[terms.CLAIM_STATUSES.values]  # type: ignore[valid-type]
ResolutionValue = Literal[terms.RESOLUTIONS.values]  # type: ignore[valid-type]
DecisionValue = Literal[terms.DECISIONS.values]  # type: ignore[valid-type]
DisputeStatusValue = Literal[terms.DISPUTE_STATUSES.values]  # type: ignore[valid-type]


class ClaimLineIn(Schema):
    line_id: StrictInt = Field(ge=1)
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)


class ClaimIn(Schema):
    kind: ClaimKindValue
    # The items the problem is about; for `not_received` optional (the whole parcel).
    lines: list[ClaimLineIn] = Field(default_factory=list, max_length=200)
    description: Text(4000, 1)


class AnswerIn(Schema):
    resolution: ResolutionValue
    # A return's instructions (required for `return`), or a word to the customer.
    note: Text(4000) = ""
    # A reshipment's parcel: its carrier, service level and tracking number.
    carrier: SingleLine(32) = ""
    service_level: SingleLine(64) = ""
    tracking_number: SingleLine(200) = ""


class RefuseIn(Schema):
    reason: Text(4000, 1)


class DecideIn(Schema):
    decision: DecisionValue
    note: Text(4000) = ""


class ClaimFiltersIn(Schema):
    status: ClaimStatusValue | None = None
    kind: ClaimKindValue | None = None
    order_id: int | None = Field(default=None, ge=1)
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=500)


class ClaimLineOut(Schema):
    line_id: int
    sku: str
    title: str
    quantity: int


class ClaimOut(Schema):
    id: int
    order_id: int
    order_number: int
    kind: ClaimKindValue
    status: ClaimStatusValue
    description: str
    lines: list[ClaimLineOut]
    opened_at: datetime
    opened_by: str
    answer_by: datetime
    answered_at: datetime | None
    resolution: ResolutionValue | None
    answer_note: str
    reshipment_tracking_number: str | None
    escalated_at: datetime | None
    decided_at: datetime | None
    decision: DecisionValue | None
    decision_note: str
    refunded: str  # money: a decimal string in the order's currency
    currency: str
    seller_lost: bool


class ClaimPageOut(Schema):
    items: list[ClaimOut]
    next_cursor: str | None


class DisputeOut(Schema):
    id: int
    order_id: int
    provider: str
    provider_dispute_id: str
    status: DisputeStatusValue
    reason: str
    amount: str  # money: decimal strings in the order's currency
    currency: str
    fee: str
    held: str
    evidence_due_by: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    evidence_url: str
