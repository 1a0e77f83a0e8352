"""Input and output schemas of the webhook subscriptions API (separate per direction)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictInt

from shipdesk.api.schemas import SingleLine

from . import terms

DeliveryStateValue = Literal[terms.DELIVERY_STATES.values]  # type: ignore[valid-type]
SubscriptionStateValue = Literal[terms.SUBSCRIPTION_STATES.values]  # type: ignore[valid-type]


class SubscriptionIn(Schema):
    url: SingleLine(2000) = Field(description="http(s) URL on a public address; checked after DNS resolution.")
    # Checked against the registry at request time (other apps add types at start-up), not as an enum.
    event_types: list[SingleLine(64)] = Field(min_length=1, max_length=50, description="See GET /webhook-event-types.")
    description: SingleLine(200) = ""


class SubscriptionPatch(Schema):
    url: SingleLine(2000) | None = None
    event_types: list[SingleLine(64)] | None = Field(default=None, min_length=1, max_length=50)
    description: SingleLine(200) | None = None
    # false: stop sending (deliveries wait); true: send again (a disabled endpoint's waiting deliveries go out).
    enabled: bool | None = None


class RotateIn(Schema):
    overlap_hours: StrictInt | None = Field(
        default=None, ge=0, le=168, description="How long the old secret keeps signing too (default 24; 0: at once)."
    )


class SubscriptionOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    state: SubscriptionStateValue
    owner: Literal["seller", "platform"]
    failing_since: datetime | None
    last_success_at: datetime | None
    disabled_at: datetime | None
    disabled_reason: str
    previous_secret_expires_at: datetime | None = Field(description="While set and ahead, the old secret signs too.")
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecretOut(SubscriptionOut):
    secret: str = Field(description="Shown once: at creation and at each rotation. Verify every delivery with it.")


class SubscriptionListOut(Schema):
    items: list[SubscriptionOut]


class AttemptOut(Schema):
    url: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str
    started_at: datetime


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: str
    event_type: str
    state: DeliveryStateValue
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    attempt_log: list[AttemptOut]
    payload: dict


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


class EventTypeOut(Schema):
    value: str
    label: str
    description: str


class EventTypeListOut(Schema):
    items: list[EventTypeOut]
