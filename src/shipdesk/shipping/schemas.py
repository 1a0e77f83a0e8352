from __future__ import annotations

from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from .models import WebhookReceipt


class ServiceLevelOut(Schema):
    code: str
    name: str
    transit_days: int


class CarrierOut(Schema):
    code: str
    name: str
    tracked: bool
    tracking_url: str | None
    # parcel (a parcel carrier), postal (a national post: UPU S10 numbers ending in `country`), untracked.
    kind: Literal["parcel", "postal", "untracked"] = "parcel"
    country: str | None = None
    services: list[ServiceLevelOut]


class TrackingMatchOut(Schema):
    carrier: str
    service: str | None
    valid: bool


class TrackingNumberOut(Schema):
    normalized: str
    matches: list[TrackingMatchOut]


# An order id is a positive 64-bit integer; a larger one would overflow the database's integer
# (a 500 on SQLite) instead of simply naming no order.
OrderId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class OrderIdsIn(Schema):
    order_ids: list[OrderId] = Field(min_length=1, max_length=500)


class PackCheckIn(Schema):
    # What the scanner typed, one code per scan (a product barcode or a SKU).
    scans: list[Annotated[str, StringConstraints(max_length=200)]] = Field(default_factory=list, max_length=500)
    # Start the check over (the box was emptied).
    restart: bool = False


class PackLineOut(Schema):
    line_id: int
    sku: str
    title: str
    barcode: str
    quantity: int
    packed: int


class PackMissingOut(Schema):
    line_id: int
    sku: str
    title: str
    quantity: int


class PackRefusalOut(Schema):
    code: str
    reason: str


class PackCheckOut(Schema):
    order_id: int
    started: bool
    complete: bool
    lines: list[PackLineOut]
    missing: list[PackMissingOut]
    refused: list[PackRefusalOut]


# Every outcome a receipt can record, and "duplicate" for an event received before.
WebhookStatus = Literal[(*WebhookReceipt.Outcome.values, "duplicate")]


class WebhookAckOut(Schema):
    status: WebhookStatus
