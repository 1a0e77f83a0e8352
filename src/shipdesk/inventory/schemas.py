from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StrictInt

from shipdesk.api.schemas import MoneyIn, SingleLine

from .handling_notes import HANDLING_NOTE_VALUES
from .models import MAX_ON_HAND, MAX_SIDE_CM, MAX_WEIGHT_GRAMS

# Every text field of a product is one line (shipdesk.single_line): no control characters.
Str = SingleLine
Money = MoneyIn
# Counts are JSON integers: strict, so `true` is refused instead of read as 1.
Count = Annotated[StrictInt, Field(ge=0, le=MAX_ON_HAND)]
# One unit's weight and sides, for parcels and label rates.
Grams = Annotated[StrictInt, Field(gt=0, le=MAX_WEIGHT_GRAMS)]
# How a product must be handled (inventory.handling_notes): printed beside its line on the papers.
HandlingNotes = Annotated[list[Literal[HANDLING_NOTE_VALUES]], Field(max_length=len(HANDLING_NOTE_VALUES))]
Centimetres = Annotated[Decimal, Field(gt=0, le=MAX_SIDE_CM, decimal_places=1, allow_inf_nan=False)]


class ProductIn(Schema):
    sku: Str(64, 1)
    title: Str(300, 1)
    barcode: Str(64) = ""
    bin_location: Str(32) = ""  # shelf position; the pick list walks bins in order
    price: Money
    currency: Str(3)
    on_hand: Count = 0
    low_stock_threshold: Count = 5
    weight_grams: Grams | None = None  # one unit, as packed
    length_cm: Centimetres | None = None
    width_cm: Centimetres | None = None
    height_cm: Centimetres | None = None
    handling_notes: HandlingNotes = []


class ProductPatch(Schema):
    title: Str(300, 1) | None = None
    barcode: Str(64) | None = None
    bin_location: Str(32) | None = None
    price: Money | None = None
    low_stock_threshold: Count | None = None
    is_active: bool | None = None
    weight_grams: Grams | None = None
    length_cm: Centimetres | None = None
    width_cm: Centimetres | None = None
    height_cm: Centimetres | None = None
    handling_notes: HandlingNotes | None = None  # the whole set: [] removes them all


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
    weight_grams: int | None = None
    length_cm: str | None = None
    width_cm: str | None = None
    height_cm: str | None = None
    handling_notes: list[str] = []


class ProductPageOut(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class StockIn(Schema):
    delta: Annotated[StrictInt, Field(ge=-MAX_ON_HAND, le=MAX_ON_HAND)] | None = None
    on_hand: Count | None = None
    reason: Str(200, 1)


class StockOut(Schema):
    sku: str
    on_hand: int
    reserved: int
    available: int
