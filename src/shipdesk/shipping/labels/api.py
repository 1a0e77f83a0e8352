"""Label endpoints: rates for an order's parcel, buy, print, void, mark shipped, batches.

Thin adapters: parse, authorise, call one service or selector, render.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shipdesk import money
from shipdesk.accounts import selectors as accounts_selectors
from shipdesk.accounts import services as accounts_services
from shipdesk.api.auth import actor_of, scope_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import NotFound, StateConflict
from shipdesk.orders import services as order_services
from shipdesk.shipping.carriers import get_carrier

from . import selectors, services
from .models import Label, LabelBatch, LabelStatus
from .schemas import (
    BatchIn,
    BatchOut,
    BoxIn,
    BoxOut,
    BuyLabelIn,
    LabelOut,
    RatesOut,
    ShipWithLabelIn,
    ShopAddressIn,
    ShopAddressOut,
)
from .tasks import run_label_batch as run_label_batch_task

router = Router(tags=["labels"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 503: ErrorOut}
PDF = {
    "responses": {
        200: {
            "description": "A PDF document.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _names(carrier_code: str, service_code: str) -> tuple[str, str]:
    carrier = get_carrier(carrier_code)
    service = carrier.service(service_code) if carrier else None
    return (carrier.name if carrier else carrier_code), (service.name if service else service_code)


def label_out(label: Label) -> dict:
    carrier_name, service_name = _names(label.carrier, label.service_level)
    printable = label.status in (LabelStatus.BOUGHT, LabelStatus.SHIPPED)
    return {
        "id": label.pk,
        "order_id": label.order_id,
        "status": label.status,
        "provider": label.provider,
        "carrier": label.carrier,
        "carrier_name": carrier_name,
        "service_level": label.service_level,
        "service_name": service_name,
        "tracking_number": label.tracking_number,
        "tracking_url": services.tracking_url_of(label),
        "price": money.format_amount(label.price, label.currency),
        "currency": label.currency,
        "delivery_date": label.delivery_date,
        "weight_grams": label.weight_grams,
        "lines": {str(k): v for k, v in label.lines.items()},
        "pdf_url": f"/api/v1/labels/{label.pk}/label.pdf" if printable else None,
        "failure": label.failure,
        "created_at": label.created_at,
        "bought_at": label.bought_at,
        "shipped_at": label.shipped_at,
        "voided_at": label.voided_at,
    }


def batch_out(batch: LabelBatch) -> dict:
    finished = batch.status == LabelBatch.Status.FINISHED and batch.bought
    return {
        "id": batch.pk,
        "status": batch.status,
        "total": batch.total,
        "processed": batch.processed,
        "bought": batch.bought,
        "failed": batch.failed,
        "report": batch.report,
        "pdf_url": f"/api/v1/labels/batches/{batch.pk}/labels.pdf" if finished else None,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
    }


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _combined_pdf(documents: list[bytes]) -> bytes:
    # pypdf and ReportLab are loaded at the first batch a worker joins (memory, as shipping.api says).
    from shipdesk.shipping import documents as rendering  # noqa: PLC0415  (deferred for memory)

    return rendering.combined_pdf(documents)


class RatesQueryIn(Schema):
    # A parcel of some lines: "line_id:units,line_id:units"; none, every unit not yet shipped.
    lines: str | None = Field(default=None, max_length=2000, pattern=r"^\d{1,18}:\d{1,6}(,\d{1,18}:\d{1,6})*$")


@router.get("/orders/{int:order_id}/rates", response={200: RatesOut, **ERRORS}, summary="Rates for a parcel")
def rates(request: HttpRequest, order_id: int, query: Query[RatesQueryIn]):
    """The parcel is the order's units not yet shipped — or, with `lines=12:1,13:2`, those units of
    those lines (one parcel of several) — each product's weight and size in the shop's box. The
    rates come from the configured label provider, cheapest first; each `rate_id` can be bought
    for this order and parcel (`POST /orders/{id}/labels`). 409 unless the order is processing
    and the shop has a ship-from address; 503 when the provider cannot be reached."""
    lines = None
    if query.lines:
        lines = {}
        for part in query.lines.split(","):
            line_id, units = part.split(":")
            lines[int(line_id)] = lines.get(int(line_id), 0) + int(units)
    found = services.quote_rates(order_id=order_id, seller_id=scope_of(request), lines=lines)
    parcel = found.parcel
    out = []
    for quote in found.quotes:
        carrier_name, service_name = _names(quote.carrier, quote.service_level)
        out.append(
            {
                "rate_id": quote.provider_rate_id,
                "provider": quote.provider,
                "carrier": quote.carrier,
                "carrier_name": carrier_name,
                "service_level": quote.service_level,
                "service_name": service_name,
                "price": money.format_amount(quote.price, quote.currency),
                "currency": quote.currency,
                "delivery_days": quote.delivery_days,
                "delivery_date": quote.delivery_date,
            }
        )
    return {
        "order_id": order_id,
        "parcel": {
            "weight_grams": parcel.weight_grams,
            "length_cm": str(parcel.length_cm),
            "width_cm": str(parcel.width_cm),
            "height_cm": str(parcel.height_cm),
            "box": parcel.box,
            "estimated": parcel.estimated,
        },
        "rates": out,
    }


@router.post("/orders/{int:order_id}/labels", response={201: LabelOut, **ERRORS}, summary="Buy a label")
def buy(request: HttpRequest, order_id: int, payload: BuyLabelIn):
    """Buys the rate's label: its tracking number is attached and its postage charged to your
    earnings ledger. One pending label per order (409 `label_exists`); the order stays processing
    until you mark it shipped with the label (`POST /labels/{id}/ship`) or the carrier first scans it."""
    label = order_services.buy_label(
        order_id=order_id, seller_id=scope_of(request), actor=actor_of(request), rate_id=payload.rate_id
    )
    return Status(201, label_out(label))


@router.get("/orders/{int:order_id}/labels", response={200: list[LabelOut], **ERRORS}, summary="An order's labels")
def order_labels(request: HttpRequest, order_id: int):
    seller_id = scope_of(request)
    if not selectors.order_is_visible(order_id=order_id, seller_id=seller_id):
        raise NotFound("Order not found.")
    return [label_out(label) for label in selectors.labels_of_order(seller_id=seller_id, order_id=order_id)]


@router.get("/labels/{int:label_id}", response={200: LabelOut, **ERRORS}, summary="One label")
def get_label(request: HttpRequest, label_id: int):
    return label_out(selectors.get_label(seller_id=scope_of(request), label_id=label_id))


@router.get(
    "/labels/{int:label_id}/label.pdf",
    response={**ERRORS},
    openapi_extra=PDF,
    summary="The label to print (4×6 in PDF)",
)
def label_pdf(request: HttpRequest, label_id: int):
    label = selectors.get_label(seller_id=scope_of(request), label_id=label_id, with_pdf=True)
    if label.status not in (LabelStatus.BOUGHT, LabelStatus.SHIPPED) or not label.pdf:
        raise StateConflict(f"This label is {label.status}: nothing to print.", details={"status": label.status})
    return _pdf(bytes(label.pdf), f"label-{label.tracking_number}.pdf")


@router.post("/labels/{int:label_id}/void", response={200: LabelOut, **ERRORS}, summary="Void an unused label")
def void(request: HttpRequest, label_id: int):
    """Only a bought label the parcel has not shipped with (409 `label_not_voidable`); its postage
    comes back to your earnings ledger."""
    label = order_services.void_label(label_id=label_id, seller_id=scope_of(request), actor=actor_of(request))
    return label_out(label)


@router.post("/labels/{int:label_id}/ship", response={200: LabelOut, **ERRORS}, summary="Mark shipped with the label")
def ship(request: HttpRequest, label_id: int, payload: ShipWithLabelIn):
    """The order ships with the label's carrier, service and tracking number (as `POST
    /orders/{id}/ship` would), and the label becomes its parcel's."""
    order_services.ship_with_label(
        label_id=label_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        confirm_incomplete_pack=payload.confirm_incomplete_pack,
    )
    return label_out(selectors.get_label(seller_id=scope_of(request), label_id=label_id))


@router.post("/labels/batches", response={200: BatchOut, 202: BatchOut, **ERRORS}, summary="Buy labels for many orders")
def start_batch(request: HttpRequest, payload: BatchIn):
    """Each order is rated with your shop's label service (or the cheapest rate) and bought; the
    report says per order what was bought or why not, and `pdf_url` is every label in one PDF.
    Up to SHIPDESK_LABEL_BATCH_INLINE orders answer 200 finished; more answer 202 running, worked
    through by a job: poll `GET /labels/batches/{id}` for progress. Needs a seller token."""
    seller_id = scope_of(request)
    if seller_id is None:
        raise StateConflict("A batch buys for one shop: use a seller token.", details={})
    batch = order_services.start_label_batch(seller_id=seller_id, order_ids=payload.order_ids, actor=actor_of(request))
    if batch.total <= settings.SHIPDESK_LABEL_BATCH_INLINE:
        batch = order_services.run_label_batch(batch_id=batch.pk, render_pdf=_combined_pdf)
        return Status(200, batch_out(batch))
    transaction.on_commit(lambda: run_label_batch_task.enqueue(batch.pk))
    return Status(202, batch_out(batch))


@router.get("/labels/batches/{int:batch_id}", response={200: BatchOut, **ERRORS}, summary="A label batch's progress")
def get_batch(request: HttpRequest, batch_id: int):
    return batch_out(selectors.get_batch(seller_id=scope_of(request), batch_id=batch_id))


@router.get(
    "/labels/batches/{int:batch_id}/labels.pdf",
    response={**ERRORS},
    openapi_extra=PDF,
    summary="Every label of a finished batch in one PDF",
)
def batch_pdf(request: HttpRequest, batch_id: int):
    batch = selectors.get_batch(seller_id=scope_of(request), batch_id=batch_id, with_pdf=True)
    if batch.status != LabelBatch.Status.FINISHED or not batch.pdf:
        raise StateConflict("The batch has no labels to print yet.", details={"status": batch.status})
    return _pdf(bytes(batch.pdf), f"labels-batch-{batch.pk}.pdf")


# --- the shop's side: ship-from and return addresses, boxes ---------------------------------------


def _own_shop(request: HttpRequest) -> int:
    seller_id = scope_of(request)
    if seller_id is None:
        raise StateConflict("A shop's addresses and boxes are its own: use a seller token.", details={})
    return seller_id


def _address_out(address) -> dict:
    return {
        "kind": address.kind,
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": str(address.country),
        "phone": address.phone,
    }


@router.get("/shop/addresses", response={200: list[ShopAddressOut], **ERRORS}, tags=["shop"], summary="Addresses")
def addresses(request: HttpRequest):
    """The shop's ship-from address (the sender on labels) and return address, those that are set."""
    return [_address_out(a) for a in accounts_selectors.shop_addresses_of(seller_id=_own_shop(request)).values()]


@router.put("/shop/addresses/{kind}", response={200: ShopAddressOut, **ERRORS}, tags=["shop"], summary="Set an address")
def set_address(request: HttpRequest, kind: Literal["ship_from", "return"], payload: ShopAddressIn):
    """Validated by the country's rules, as customers' addresses are (422 per field)."""
    address = accounts_services.set_shop_address(seller_id=_own_shop(request), kind=kind, **payload.dict())
    return _address_out(address)


def _box_out(box) -> dict:
    return {
        "id": box.pk,
        "name": box.name,
        "length_cm": str(box.length_cm),
        "width_cm": str(box.width_cm),
        "height_cm": str(box.height_cm),
        "weight_grams": box.weight_grams,
        "is_default": box.is_default,
    }


@router.get("/boxes", response={200: list[BoxOut], **ERRORS}, tags=["shop"], summary="The shop's boxes")
def boxes(request: HttpRequest):
    return [_box_out(box) for box in selectors.boxes_of(seller_id=_own_shop(request))]


@router.post("/boxes", response={201: BoxOut, **ERRORS}, tags=["shop"], summary="Add a box")
def add_box(request: HttpRequest, payload: BoxIn):
    """A parcel is sized as the default box if its units fit, else the smallest box they fit."""
    return Status(201, _box_out(services.add_box(seller_id=_own_shop(request), **payload.dict())))


@router.delete("/boxes/{int:box_id}", response={204: None, **ERRORS}, tags=["shop"], summary="Remove a box")
def remove_box(request: HttpRequest, box_id: int):
    services.remove_box(seller_id=_own_shop(request), box_id=box_id)
    return Status(204, None)
