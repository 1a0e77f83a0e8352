"""Input and output schemas of the checkout API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from shipdesk.api.schemas import MoneyIn, SingleLine
from shipdesk.orders import terms
from shipdesk.orders.schemas import AddressIn, CustomerIn, PlacedAt, Quantity, Str


class CheckoutLineIn(Schema):
    seller: SingleLine(64) = Field(description="The shop's slug: the line goes to that shop's order.")
    sku: SingleLine(64)
    quantity: Quantity
    unit_price: MoneyIn = Field(ge=0)
    tax: MoneyIn = Field(default=Decimal("0"), ge=0, description="Tax on the whole line (all units).")


class ShopShippingIn(Schema):
    seller: SingleLine(64)
    fee: MoneyIn = Field(ge=0, description="This shop's shipping fee (its order's shipping_fee).")
    tax: MoneyIn = Field(default=Decimal("0"), ge=0, description="Tax on that fee.")


class PaymentIn(Schema):
    status: Literal[terms.UNPAID, terms.PAID] = terms.PAID
    amount: MoneyIn = Field(ge=0, description="Must equal the sum of the orders' totals, to the cent.")
    reference: SingleLine(200) = ""


class CheckoutIn(Schema):
    reference: SingleLine(128, min_length=1) = Field(
        description="The storefront's checkout id: each shop's order gets it as external_id (channel `checkout`)."
    )
    customer: CustomerIn
    shipping_address: AddressIn
    currency: SingleLine(3)
    lines: list[CheckoutLineIn] = Field(min_length=1, max_length=500)
    shipping: list[ShopShippingIn] = Field(default=[], max_length=20, description="One entry per shop; none: free.")
    payment: PaymentIn
    placed_at: PlacedAt | None = None
    note: Str(5000) = ""


class CheckoutOrderOut(Schema):
    seller: str
    order_id: int
    number: int
    status: str
    payment_status: str
    subtotal: str
    shipping_fee: str
    tax_total: str
    total: str
    allocated: str = Field(description="The part of the payment that pays this order (its total).")


class CheckoutOut(Schema):
    id: int
    reference: str
    currency: str
    payment_status: str
    payment_amount: str
    payment_reference: str
    orders: list[CheckoutOrderOut]
    created_at: datetime
