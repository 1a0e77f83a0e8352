"""Orders endpoints: parse, authorise, call one service or selector, render."""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import AwareDatetime, BeforeValidator, Field
from pydantic import ValidationError as PydanticValidationError

from shipdesk.actors import Actor, ActorKind
from shipdesk.api.auth import actor_of, require_platform, scope_of, seller_for_write
from shipdesk.api.parsing import JsonObjectParser
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import ValidationFailed

from . import selectors, services, substitutions
from .models import Order, ShippedRefund
from .presenters import order_detail, order_summary, shipped_refund_detail
from .schemas import (
    AddressCorrectionIn,
    CancelIn,
    CancelLineIn,
    CancelRequestIn,
    DeliverIn,
    NoteIn,
    OrderIn,
    OrderOut,
    OrderPageOut,
    OrderStatusValue,
    ParcelIn,
    PaymentIn,
    PaymentStateValue,
    RefundIn,
    ShipIn,
    ShippedRefundOut,
    StatusCountsOut,
    SubstituteIn,
)

router = Router(tags=["orders"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _detail(request: HttpRequest, order_id: int) -> dict:
    order = selectors.get_order(seller_id=scope_of(request), order_id=order_id)
    return order_detail(order, actor_kind=actor_of(request).kind)


def _answer(request: HttpRequest, order: Order) -> dict:
    """The answer to an action, from the order it returned: what it holds is not read again."""
    return order_detail(selectors.order_answer(order), actor_kind=actor_of(request).kind)


@router.post(
    "",
    response={200: OrderOut, 201: OrderOut, **ERRORS},
    summary="Place an order",
    openapi_extra={
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "A retry with the same key and body returns the same order (200).",
            }
        ]
    },
)
def place_order(request: HttpRequest, payload: OrderIn):
    """Idempotent: the same `(seller, channel, external_id)` or `Idempotency-Key` returns the same
    order with 200; the same key with a different body is 409 `idempotency_conflict`."""
    seller = seller_for_write(request, payload.seller)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise ValidationFailed("Idempotency-Key is too long.", details={"Idempotency-Key": ["At most 200 characters."]})
    data = services.NewOrder(
        channel=payload.channel,
        external_id=payload.external_id,
        customer_name=payload.customer.name,
        customer_email=payload.customer.email,
        customer_phone=payload.customer.phone,
        ship_name=payload.shipping_address.name,
        ship_line1=payload.shipping_address.line1,
        ship_line2=payload.shipping_address.line2,
        ship_city=payload.shipping_address.city,
        ship_region=payload.shipping_address.region,
        ship_postal_code=payload.shipping_address.postal_code,
        ship_country=payload.shipping_address.country,
        currency=payload.currency,
        lines=tuple(
            services.NewOrderLine(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price, tax=line.tax)
            for line in payload.lines
        ),
        shipping_fee=payload.shipping_fee,
        shipping_tax=payload.shipping_tax,
        payment_status=payload.payment_status,
        payment_reference=payload.payment_reference,
        placed_at=payload.placed_at,
        note=payload.note,
        is_gift=payload.is_gift,
        gift_message=payload.gift_message,
    )
    order, created = services.place_order(
        seller_id=seller.pk, data=data, actor=actor_of(request), idempotency_key=key, seller=seller
    )
    if not created:
        return Status(200, _detail(request, order.pk))
    return Status(201, _answer(request, order))


def _iso_8601_only(value):
    # pydantic reads a bare number as Unix seconds ("0.5" is 1970-01-01T00:00:00.5Z); the
    # document promises `format: date-time`, so a number is refused like any other non-date.
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("Input should be an ISO 8601 date-time, such as 2026-01-31T09:00:00Z.")
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_8601_only)]


class OrderFiltersIn(Schema):
    status: OrderStatusValue | None = None
    payment_status: PaymentStateValue | None = None
    q: str | None = Field(default=None, max_length=200)
    overdue: bool | None = None
    placed_after: IsoDateTime | None = None
    placed_before: IsoDateTime | None = None
    sort: Literal["-placed_at", "placed_at", "deadline"] = "-placed_at"
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=500)


@router.get("", response={200: OrderPageOut, **ERRORS}, summary="List orders (keyset pagination)")
def list_orders(request: HttpRequest, filters: Query[OrderFiltersIn]):
    """`sort=deadline` is "needs action": open orders by nearest deadline. Pass `next_cursor` back as
    `cursor` for the next page, `prev_cursor` for the page before; a cursor is tied to its sort."""
    page = selectors.list_orders(
        seller_id=scope_of(request),
        filters=selectors.OrderFilters(
            status=filters.status,
            payment_status=filters.payment_status,
            q=filters.q,
            overdue=filters.overdue,
            placed_after=filters.placed_after,
            placed_before=filters.placed_before,
        ),
        sort=filters.sort,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return {
        "items": [order_summary(o) for o in page.items],
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
    }


@router.get("/counts", response={200: StatusCountsOut, **ERRORS}, summary="Orders per status")
def order_counts(request: HttpRequest):
    return selectors.count_orders_by_status(seller_id=scope_of(request))


@router.get("/{int:order_id}", response={200: OrderOut, **ERRORS}, summary="One order with its timeline")
def get_order(request: HttpRequest, order_id: int):
    return _detail(request, order_id)


@router.post("/{int:order_id}/confirm", response={200: OrderOut, **ERRORS}, summary="Confirm (pending → confirmed)")
def confirm(request: HttpRequest, order_id: int):
    order = services.confirm_order(order_id=order_id, seller_id=scope_of(request), actor=actor_of(request))
    return _answer(request, order)


@router.post(
    "/{int:order_id}/process", response={200: OrderOut, **ERRORS}, summary="Start processing (stock is deducted)"
)
def process(request: HttpRequest, order_id: int):
    order = services.process_order(order_id=order_id, seller_id=scope_of(request), actor=actor_of(request))
    return _answer(request, order)


@router.post(
    "/{int:order_id}/ship", response={200: OrderOut, **ERRORS}, summary="Ship with a carrier and tracking number"
)
def ship(request: HttpRequest, order_id: int, payload: ShipIn):
    order = services.ship_order(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        carrier=payload.carrier,
        service_level=payload.service_level,
        tracking_number=payload.tracking_number,
        confirm_incomplete_pack=payload.confirm_incomplete_pack,
    )
    return _answer(request, order)


@router.post(
    "/{int:order_id}/address",
    response={200: OrderOut, **ERRORS},
    summary="Correct the shipping address before anything ships",
)
def correct_address(request: HttpRequest, order_id: int, payload: AddressCorrectionIn):
    """The whole corrected address, checked by the rules an order is placed with (the country's
    included; 422 per field). 409 `address_locked` once a parcel has shipped or the order is
    closed. The timeline records the old and new values (`address_corrected`)."""
    services.correct_address(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        address=payload.shipping_address.dict(),
        customer_request=payload.customer_request,
    )
    return _detail(request, order_id)


@router.post(
    "/{int:order_id}/parcels",
    response={201: OrderOut, **ERRORS},
    summary="Ship some lines in a parcel (ship what is in stock now)",
)
def ship_parcel(request: HttpRequest, order_id: int, payload: ParcelIn):
    """A processing order ships in one or more parcels, each with its own carrier, service level
    and tracking number. The order stays `processing` (lines show `quantity_shipped`) until a
    parcel puts its last open units on their way, then it is `shipped`; it is `delivered` when
    the last parcel is. A line named twice, not on the order, or with more units than it has
    left to ship is 422 with the reason per line (`details.lines`)."""
    seen: set[int] = set()
    repeated = [item.line_id for item in payload.lines if item.line_id in seen or seen.add(item.line_id)]
    if repeated:
        raise ValidationFailed(
            "Name each line once.", details={"lines": {str(line_id): ["Named twice."] for line_id in repeated}}
        )
    services.ship_parcel(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        carrier=payload.carrier,
        service_level=payload.service_level,
        tracking_number=payload.tracking_number,
        lines={item.line_id: item.quantity for item in payload.lines},
        confirm_incomplete_pack=payload.confirm_incomplete_pack,
    )
    return Status(201, _detail(request, order_id))


@router.post(
    "/{int:order_id}/deliver",
    response={200: OrderOut, **ERRORS},
    summary="Mark delivered",
    openapi_extra={
        "requestBody": {"required": False, "content": {"application/json": {"schema": DeliverIn.model_json_schema()}}}
    },
)
def deliver(request: HttpRequest, order_id: int):
    """For the operator and integrations, or a seller whose carrier is untracked ("other");
    tracked parcels are delivered by the carrier's event. The body (`delivered_at`) is optional."""
    payload = DeliverIn()
    if request.body.strip():
        try:
            # The API's parser: a JSON object without NUL characters, as every other body.
            data = JsonObjectParser().parse_body(request)
        except Exception as exc:
            raise HttpError(400, "Cannot parse request body") from exc
        try:
            payload = DeliverIn.model_validate(data)
        except PydanticValidationError as exc:
            raise ValidationError(
                [{**e, "loc": ("body", "payload", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc
    order = services.deliver_order(
        order_id=order_id, seller_id=scope_of(request), actor=actor_of(request), delivered_at=payload.delivered_at
    )
    return _answer(request, order)


@router.post(
    "/{int:order_id}/cancel",
    response={200: OrderOut, **ERRORS},
    summary="Cancel (releases or restocks, refunds if paid)",
)
def cancel(request: HttpRequest, order_id: int, payload: CancelIn):
    """A platform token relaying the customer's request sets `on_behalf_of_customer`: allowed only
    before processing starts."""
    actor = actor_of(request)
    if payload.on_behalf_of_customer:
        require_platform(request)
        actor = Actor(kind=ActorKind.CUSTOMER, label=f"customer via {actor.label}"[:200], token_id=actor.token_id)
    order = services.cancel_order(
        order_id=order_id, seller_id=scope_of(request), actor=actor, reason=payload.reason, note=payload.note
    )
    return _answer(request, order)


@router.post(
    "/{int:order_id}/lines/{int:line_id}/cancel",
    response={200: OrderOut, **ERRORS},
    summary="Cancel part of a line (partial refund)",
)
def cancel_line(request: HttpRequest, order_id: int, line_id: int, payload: CancelLineIn):
    services.cancel_line(
        order_id=order_id,
        seller_id=scope_of(request),
        line_id=line_id,
        quantity=payload.quantity,
        actor=actor_of(request),
        reason=payload.reason,
        note=payload.note,
    )
    return _detail(request, order_id)


@router.post(
    "/{int:order_id}/lines/{int:line_id}/substitute",
    response={200: OrderOut, **ERRORS},
    summary="Offer the customer another SKU for a short line (they accept or decline by link)",
)
def offer_substitute(request: HttpRequest, order_id: int, line_id: int, payload: SubstituteIn):
    """The customer is emailed a link (`substitute_offers[].customer_url`); accepting swaps the
    line and reserves the substitute at the line's price, declining cancels and refunds the line.
    409 when the line is not short or the order is not pending; 409 `insufficient_stock` when
    the substitute lacks the units."""
    substitutions.offer_substitute(
        order_id=order_id,
        seller_id=scope_of(request),
        line_id=line_id,
        sku=payload.sku,
        actor=actor_of(request),
        note=payload.note,
    )
    return _detail(request, order_id)


@router.post(
    "/{int:order_id}/payment", response={200: OrderOut, **ERRORS}, summary="Record a payment update (platform)"
)
def payment(request: HttpRequest, order_id: int, payload: PaymentIn):
    require_platform(request)
    services.update_payment(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        status=payload.status,
        amount=payload.amount,
        reference=payload.reference,
    )
    return _detail(request, order_id)


@router.post(
    "/{int:order_id}/notes", response={200: OrderOut, **ERRORS}, summary="Add an internal note to the timeline"
)
def add_note(request: HttpRequest, order_id: int, payload: NoteIn):
    services.add_note(order_id=order_id, seller_id=scope_of(request), actor=actor_of(request), text=payload.text)
    return _detail(request, order_id)


@router.post(
    "/{int:order_id}/refunds",
    response={201: ShippedRefundOut, 200: ShippedRefundOut, **ERRORS},
    summary="Refund a shipped or delivered order (units, shipping, or an amount)",
    openapi_extra={
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "A retry with the same key returns the same refund (200), never a second one.",
            }
        ]
    },
)
def refund(request: HttpRequest, order_id: int, payload: RefundIn):
    """`lines` refunds those units and their exact tax share; `shipping` the shipping fee and its
    tax, once per order; `amount` an amount instead (goodwill), carrying tax in proportion. Never
    more than is left to refund (422). Paid back through the payment provider; the seller's
    earnings are reversed by the non-tax part. A seller token refunds as goodwill, a platform
    token as the operator."""
    actor = actor_of(request)
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and len(key) > 200:
        raise ValidationFailed("Idempotency-Key is too long.", details={"Idempotency-Key": ["At most 200 characters."]})
    source = "operator" if actor.kind is ActorKind.PLATFORM else "goodwill"
    # A retry of a refund made before answers 200 with it, as a retried order placement does.
    replayed = key is not None and ShippedRefund.objects.filter(order_id=order_id, idempotency_key=key).exists()
    made = services.refund_shipped_order(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor,
        lines=[(line.line_id, line.quantity) for line in payload.lines],
        amount=payload.amount,
        shipping=payload.shipping,
        reason=payload.reason,
        source=source,
        note=payload.note,
        idempotency_key=key,
    )
    return Status(200 if replayed else 201, shipped_refund_detail(made))


@router.post(
    "/{int:order_id}/cancel-request",
    response={200: OrderOut, **ERRORS},
    summary="The customer asks to cancel (platform): pending cancels at once, later the shop decides",
)
def cancel_request(request: HttpRequest, order_id: int, payload: CancelRequestIn):
    """For a storefront relaying its customer (platform token). A pending order is cancelled at
    once and refunded; a confirmed or processing one becomes a request the shop answers (it is
    alerted and emailed; the `cancel_requested` event is on the timeline). Once per order (409)."""
    require_platform(request)
    actor = actor_of(request)
    services.request_cancellation(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=Actor(kind=ActorKind.CUSTOMER, label=f"customer via {actor.label}"[:200], token_id=actor.token_id),
        note=payload.note,
    )
    return _detail(request, order_id)
