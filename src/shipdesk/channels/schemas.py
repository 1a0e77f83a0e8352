"""The channels API's input and output shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from shipdesk.api.schemas import SingleLine

from . import terms

ChannelKindIn = Literal[terms.CHANNEL_KINDS.values]  # type: ignore[valid-type]


class ChannelIn(Schema):
    seller: str | None = None
    api_base_url: SingleLine(300) | None = None
    api_token: SingleLine(500) | None = None
    account_id: SingleLine(100) | None = None
    webhook_secret: SingleLine(200) | None = None
    new_webhook_secret: bool = False


class ChannelChangeIn(Schema):
    seller: str | None = None
    api_base_url: SingleLine(300) | None = None
    api_token: SingleLine(500) | None = None
    account_id: SingleLine(100) | None = None
    webhook_secret: SingleLine(200) | None = None


class ChannelOut(Schema):
    kind: str
    label: str
    enabled: bool
    webhook_url: str
    webhook_secret_set: bool
    new_webhook_secret: str | None = None  # shown once, when just made
    api_base_url: str
    api_token_set: bool
    account_id: str
    updated_at: datetime | None = None


class ReceiveResultOut(Schema):
    external_id: str
    outcome: Literal["placed", "held", "updated", "unchanged"]
    order_id: int | None = None
    held_order_id: int | None = None


class ReceiveOut(Schema):
    results: list[ReceiveResultOut]


class WebhookAckOut(Schema):
    status: Literal["placed", "held", "updated", "unchanged", "duplicate", "ignored"]
    order_id: int | None = None
    held_order_id: int | None = None


class HeldOrderOut(Schema):
    id: int
    channel: str
    external_id: str
    status: str
    reason: str
    reason_label: str
    unmapped_skus: list[str]
    problems: dict[str, list[str]]
    actions: list[str]  # what the seller can do: map_sku, retry, discard
    order_id: int | None
    customer_name: str
    total: str
    currency: str
    created_at: datetime


class HeldOrdersOut(Schema):
    items: list[HeldOrderOut]


class SkuMappingIn(Schema):
    seller: str | None = None
    channel: ChannelKindIn
    channel_sku: SingleLine(128, min_length=1)
    sku: SingleLine(64, min_length=1)


class SkuMappingOut(Schema):
    channel: str
    channel_sku: str
    sku: str


class SkuMapOut(Schema):
    items: list[SkuMappingOut]


class SkuMappedOut(Schema):
    mapping: SkuMappingOut
    released: list[ReceiveResultOut]


class ImportPreviewIn(Schema):
    seller: str | None = None
    content: str = Field(max_length=20 * 1024 * 1024)


class ImportPreviewOut(Schema):
    headers: list[str]
    rows: list[list[str]]
    row_count: int
    mapping: str
    columns: dict[str, str]
    channel: str
    fields: list[dict[str, Any]]


class ImportIn(Schema):
    seller: str | None = None
    filename: SingleLine(200) = "orders.csv"
    content: str = Field(max_length=20 * 1024 * 1024)
    mapping: SingleLine(100) = ""
    columns: dict[str, str] | None = None
    save_as: SingleLine(100) = ""


class ImportReportLine(Schema):
    row: int
    message: str


class ImportOut(Schema):
    id: int
    filename: str
    channel: str
    status: str
    total_rows: int
    done_rows: int
    placed: int
    held: int
    existing: int
    report: list[ImportReportLine]
    created_at: datetime
    finished_at: datetime | None


class MappingIn(Schema):
    seller: str | None = None
    name: SingleLine(100, min_length=1)
    columns: dict[str, str]


class MappingOut(Schema):
    name: str
    columns: dict[str, str]
