"""Input and output schemas of the orders API (separate per direction, per HackSoft)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, Field, StrictInt, StringConstraints
from pydantic_core import PydanticCustomError

from shipdesk.api.schemas import MoneyIn, SingleLine
from shipdesk.shipping.models import ShipmentPurpose

from . import terms
from .placed_at_window import placed_at_problem
from .services import MAX_QUANTITY

# Length caps here keep absurd input (a 10 MB name) out of the services; the services check
# the same limits again because the dashboard and CLI call them too. `Str` is for the
# multi-line texts (notes); every one-line field is `SingleLine` (no control characters).
Str = lambda n: Annotated[str, StringConstraints(max_length=n)]  # noqa: E731
Money = MoneyIn
# JSON `true` is not a quantity: strict, so a boolean is refused instead of read as 1.
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]


def _within_placed_at_window(value: datetime) -> datetime:
    problem = placed_at_problem(value, now=timezone.now())
    if problem:
        raise PydanticCustomError("placed_at_window", problem)
    return value


PlacedAt = Annotated[AwareDatetime, AfterValidator(_within_placed_at_window)]

# The API's enums are the vocabulary of `orders.terms`, value for value.
OrderStatusValue = Literal[terms.ORDER_STATUSES.values]  # type: ignore[valid-type]
PaymentStateValue = Literal[terms.PAYMENT_STATES.values]  # type: ignore[valid-type]
LineStockState = Literal[terms.LINE_STOCK_STATES.values]  # type: ignore[valid-type]
CancelReasonValue = Literal[terms.CANCEL_REASONS.values]  # type: ignore[valid-type]
PersonCancelReason = Literal[terms.PERSON_CANCEL_REASONS]  # type: ignore[valid-type]
EventTypeValue = Literal[terms.EVENT_TYPES.values]  # type: ignore[valid-type]
RefundReasonValue = Literal[terms.REFUND_REASONS.values]  # type: ignore[valid-type]
RefundSourceValue = Literal[terms.REFUND_SOURCES.values]  # type: ignore[valid-type]


class CustomerIn(Schema):
    name: SingleLine(200)
    email: SingleLine(254)
    phone: SingleLine(32) = ""


class AddressIn(Schema):
    name: SingleLine(200)
    line1: SingleLine(200)
    line2: SingleLine(200) = ""
    city: SingleLine(100)
    region: SingleLine(100) = ""
    postal_code: SingleLine(20) = ""
    country: SingleLine(2)


class LineIn(Schema):
    sku: SingleLine(64)
    quantity: Quantity
    unit_price: Money = Field(ge=0)
    tax: Money = Field(default=Decimal("0"), ge=0, description="Tax on the whole line (all units).")


class OrderIn(Schema):
    seller: SingleLine(64) | None = None
    channel: SingleLine(32)
    external_id: SingleLine(128)
    customer: CustomerIn
    shipping_address: AddressIn
    currency: SingleLine(3)
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    shipping_fee: Money = Field(default=Decimal("0"), ge=0)
    shipping_tax: Money = Field(default=Decimal("0"), ge=0, description="Tax on the shipping fee.")
    payment_status: Literal[terms.UNPAID, terms.PAID] = terms.UNPAID
    payment_reference: SingleLine(200) = ""
    placed_at: PlacedAt | None = None
    note: Str(5000) = ""
    is_gift: bool = Field(default=False, description="A gift: a gift slip without prices goes in the box.")
    gift_message: SingleLine(300) = Field(
        default="", description="Printed on the packing slip and the gift slip; a message makes the order a gift."
    )


class AddressCorrectionIn(Schema):
    shipping_address: AddressIn
    # The customer asked for the correction (the timeline says so); else the seller's own.
    customer_request: bool = False


class ParcelLineIn(Schema):
    line_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
    quantity: Quantity


class ParcelIn(Schema):
    lines: list[ParcelLineIn] = Field(min_length=1, max_length=100, description="The units in this parcel.")
    carrier: SingleLine(32)
    service_level: SingleLine(64)
    tracking_number: SingleLine(200)
    # For a parcel holding the whole order: ship although a started pack check misses units.
    confirm_incomplete_pack: bool = False


class ShipIn(Schema):
    carrier: SingleLine(32)
    service_level: SingleLine(64)
    tracking_number: SingleLine(200)
    # The seller's answer to 409 pack_check_incomplete: ship although the pack check misses units.
    confirm_incomplete_pack: bool = False


class CancelIn(Schema):
    reason: PersonCancelReason
    note: Str(2000) = ""
    # A storefront relaying the customer's own cancel says so: the customer may cancel only
    # before the seller starts packing, and it does not count against the seller.
    on_behalf_of_customer: bool = False


class CancelLineIn(Schema):
    quantity: Quantity
    reason: PersonCancelReason
    note: Str(2000) = ""


class SubstituteIn(Schema):
    sku: SingleLine(64) = Field(description="The SKU to send instead; in stock for the line's open quantity.")
    note: Str(500) = Field(default="", description="Shown to the customer with the offer.")


class PaymentIn(Schema):
    status: Literal[terms.PAID, terms.FAILED, terms.REFUNDED]  # what the provider reports
    amount: Money = Field(gt=0)
    reference: SingleLine(200) = ""


class DeliverIn(Schema):
    delivered_at: AwareDatetime | None = None


class NoteIn(Schema):
    text: Str(5000)


class CustomerOut(Schema):
    name: str
    email: str
    phone: str


class AddressOut(Schema):
    name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


class LineOut(Schema):
    id: int
    sku: str
    title: str
    quantity: int
    quantity_cancelled: int
    quantity_refunded: int = 0  # units refunded after shipment
    unit_price: str
    tax: str  # on the whole line, all units
    stock: LineStockState
    # Units of this line in the order's parcels so far (equal to the open quantity once shipped).
    quantity_shipped: int = 0


class DeadlinesOut(Schema):
    confirm_by: datetime | None
    process_by: datetime | None
    ship_by: datetime | None
    deliver_by: datetime | None


class LateOut(Schema):
    confirm: bool
    process: bool
    ship: bool
    deliver: bool


class ParcelLineOut(Schema):
    line_id: int
    quantity: int


class ShipmentOut(Schema):
    id: int
    # order: a parcel of the order's own lines; reshipment: a claim's replacement parcel.
    purpose: Literal[tuple(ShipmentPurpose.values)]  # type: ignore[valid-type]
    carrier: str
    service_level: str
    tracking_number: str
    tracking_url: str
    # Shipdesk's own page for the customer (`/t/<token>/`): scans, ETA and delays, no sign-in.
    customer_tracking_url: str
    shipped_at: datetime
    eta: datetime | None
    delivered_at: datetime | None
    # What the carrier last said (pre_transit … delivered, exception, return_to_sender), and
    # whether the parcel is flagged delayed: exception, return to sender, no movement, missed ETA.
    tracking_status: str | None = None
    delayed: bool = False
    delay_reason: Literal["exception", "return_to_sender", "no_movement", "missed_eta"] | None = None
    # The units of the order's lines in this parcel.
    lines: list[ParcelLineOut] = []


class CancellationOut(Schema):
    line_id: int | None
    quantity: int | None
    reason: CancelReasonValue
    note: str
    actor: str
    # refund_amount = refund_items + refund_shipping + refund_tax
    refund_amount: str
    refund_items: str
    refund_shipping: str
    refund_tax: str
    created_at: datetime


class SubstituteOfferOut(Schema):
    id: int
    line_id: int
    original_sku: str
    substitute_sku: str
    substitute_title: str
    quantity: int
    note: str
    status: Literal["offered", "accepted", "declined", "withdrawn"]
    expires_at: datetime
    decided_at: datetime | None
    # The customer's page (`/s/<token>/`), as emailed; for the storefront to show it too.
    customer_url: str


class EventOut(Schema):
    id: int
    type: EventTypeValue
    actor: dict
    params: dict
    created_at: datetime


class OrderSummaryOut(Schema):
    id: int
    number: int
    seller: str
    channel: str
    external_id: str
    status: OrderStatusValue
    payment_status: PaymentStateValue
    customer_name: str
    currency: str
    total: str
    placed_at: datetime
    next_deadline: datetime | None
    overdue: bool


class OrderOut(Schema):
    id: int
    number: int
    seller: str
    channel: str
    external_id: str
    status: OrderStatusValue
    payment_status: PaymentStateValue
    payment_reference: str
    customer: CustomerOut
    shipping_address: AddressOut
    note: str
    is_gift: bool = False
    gift_message: str = ""
    currency: str
    subtotal: str
    shipping_fee: str
    shipping_tax: str
    # tax_total = the lines' tax + shipping_tax; total = subtotal + shipping_fee + tax_total
    tax_total: str
    total: str
    refunded_total: str
    refunded_tax: str  # the tax part of refunded_total
    lines: list[LineOut]
    placed_at: datetime
    paid_at: datetime | None
    confirmed_at: datetime | None
    processing_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    deadlines: DeadlinesOut
    next_deadline: datetime | None
    late: LateOut
    # The order's first parcel (null before any left); `shipments` lists every parcel, in the
    # order they left, reshipments included (docs/parcels.md).
    shipment: ShipmentOut | None
    shipments: list[ShipmentOut] = []
    cancellations: list[CancellationOut]
    substitute_offers: list[SubstituteOfferOut]
    allowed_actions: list[str]
    events: list[EventOut]


class OrderPageOut(Schema):
    items: list[OrderSummaryOut]
    next_cursor: str | None
    prev_cursor: str | None = None  # the page before; None on the first page


class StatusCountsOut(Schema):
    pending: int
    confirmed: int
    processing: int
    shipped: int
    delivered: int
    cancelled: int
    needs_action: int
    overdue: int


class CancelRequestIn(Schema):
    note: Str(2000) = Field(default="", description="The customer's words to the shop.")


# --- refunds after shipment --------------------------------------------------------------------


class RefundLineIn(Schema):
    line_id: StrictInt
    quantity: Quantity


class RefundIn(Schema):
    lines: list[RefundLineIn] = Field(
        default_factory=list, max_length=100, description="Units to refund, with their exact share of the tax."
    )
    amount: Money | None = Field(default=None, gt=0, description="An amount instead of lines (goodwill).")
    shipping: bool = Field(default=False, description="Refund the shipping fee and its tax (once per order).")
    reason: RefundReasonValue
    note: Str(2000) = ""


class RefundedLineOut(Schema):
    line_id: int
    sku: str
    quantity: int
    items: str
    tax: str


class ShippedRefundOut(Schema):
    id: int
    order_id: int
    source: RefundSourceValue
    reason: RefundReasonValue
    note: str
    currency: str
    # amount = items + shipping + tax
    amount: str
    items: str
    shipping: str
    tax: str
    lines: list[RefundedLineOut]
    actor: str
    created_at: datetime
