"""Alerts API shapes: input (filters) and output, one schema each."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class AlertFilters(Schema):
    unread: bool | None = Field(None, description="true: only unread alerts; false: only read ones.")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the previous page.")


class AlertOrderOut(Schema):
    id: int
    number: int


class AlertOut(Schema):
    id: int
    kind: str = Field(description="The notification kind (seller_new_order, seller_overdue, …) or email_failed.")
    title: str
    order: AlertOrderOut | None = Field(description="The order it is about; null only for the daily digest.")
    url: str = Field(description="Where the alert leads in the dashboard (the order's page).")
    read: bool
    read_at: datetime | None
    created_at: datetime


class AlertPageOut(Schema):
    items: list[AlertOut]
    next_cursor: str | None
    unread_count: int | None = Field(description="Unread alerts of the token's seller (null for a platform token).")
