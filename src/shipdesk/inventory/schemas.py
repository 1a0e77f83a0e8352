from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from ninja import Schema

from shipdesk.api.schemas import MoneyIn
from pydantic import Field, StringConstraints

Str = lambda n, m=0: Annotated[str, StringConstraints(max_length=n, min_length=m)]  # noqa: E731
Money = MoneyIn


class ProductIn(Schema):
    sku: Str(64, 1)
    title: Str(300, 1)
    barcode: Str(64) = ""
    bin_location: Str(32) = ""  # shelf position; the pick list walks bins in order
    price: Money
    currency: Str(3)
    on_hand: int = Field(default=0, ge=0, le=10_000_000)
    low_stock_threshold: int = Field(default=5, ge=0, le=10_000_000)


class ProductPatch(Schema):
    title: Str(300, 1) | None = None
    barcode: Str(64) | None = None
    bin_location: Str(32) | None = None
    price: Money | None = None
    low_stock_threshold: int | None = Field(default=None, ge=0, le=10_000_000)
    is_active: bool | None = None


class ProductOut(Schema):
    sku: str
    title: str
    barcode: str
    bin_location: str
    price: str
    currency: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int
    is_active: bool


class ProductPageOut(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class StockIn(Schema):
    delta: int | None = Field(default=None, ge=-10_000_000, le=10_000_000)
    on_hand: int | None = Field(default=None, ge=0, le=10_000_000)
    reason: Str(200, 1)


class StockOut(Schema):
    sku: str
    on_hand: int
    reserved: int
    available: int
