"""Request and response bodies of the label endpoints (`shipping.labels.api`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from shipdesk.api.schemas import SingleLine


class ParcelOut(Schema):
    weight_grams: int
    length_cm: str
    width_cm: str
    height_cm: str
    box: str  # the shop's box it was sized as, or "" for the units as they are
    estimated: bool  # a unit's weight or size was unknown and guessed


class RateOut(Schema):
    rate_id: str  # pass it to POST /orders/{id}/labels
    provider: str
    carrier: str
    carrier_name: str
    service_level: str
    service_name: str
    price: str
    currency: str
    delivery_days: int | None
    delivery_date: date | None


class RatesOut(Schema):
    order_id: int
    parcel: ParcelOut
    rates: list[RateOut]


class BuyLabelIn(Schema):
    rate_id: SingleLine(100, 1)


class ShipWithLabelIn(Schema):
    confirm_incomplete_pack: bool = False


class LabelOut(Schema):
    id: int
    order_id: int
    status: str
    provider: str
    carrier: str
    carrier_name: str
    service_level: str
    service_name: str
    tracking_number: str
    tracking_url: str
    price: str
    currency: str
    delivery_date: date | None
    weight_grams: int
    lines: dict[str, int]  # the parcel's contents, line id → units; {} is every unit left to ship
    pdf_url: str | None  # while the label is bought or shipped
    failure: str
    created_at: datetime
    bought_at: datetime | None
    shipped_at: datetime | None
    voided_at: datetime | None


class BatchIn(Schema):
    order_ids: list[int] = Field(min_length=1, max_length=500)


class BatchEntryOut(Schema):
    order_id: int
    number: int | None
    ok: bool
    label_id: int | None
    code: str
    message: str


class BatchOut(Schema):
    id: int
    status: str
    total: int
    processed: int
    bought: int
    failed: int
    report: list[BatchEntryOut]
    pdf_url: str | None
    created_at: datetime
    finished_at: datetime | None


class BoxIn(Schema):
    name: SingleLine(100, 1)
    length_cm: Decimal = Field(gt=0, le=1000, decimal_places=1)
    width_cm: Decimal = Field(gt=0, le=1000, decimal_places=1)
    height_cm: Decimal = Field(gt=0, le=1000, decimal_places=1)
    weight_grams: int = Field(default=0, ge=0, le=100_000)  # the empty box
    is_default: bool = False


class BoxOut(Schema):
    id: int
    name: str
    length_cm: str
    width_cm: str
    height_cm: str
    weight_grams: int
    is_default: bool


class ShopAddressIn(Schema):
    name: SingleLine(200, 1)
    line1: SingleLine(200, 1)
    line2: SingleLine(200) = ""
    city: SingleLine(100, 1)
    region: SingleLine(100) = ""
    postal_code: SingleLine(20) = ""
    country: SingleLine(2, 2)
    phone: SingleLine(32) = ""


class ShopAddressOut(Schema):
    kind: str
    name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str
