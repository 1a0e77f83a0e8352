"""Shipping endpoints: carriers, tracking numbers, documents, pack checks and carrier webhooks.

Thin adapters: parse, authorise, call one service or selector, render.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from shipdesk.api.auth import actor_of, scope_of, token_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import NotFound, ValidationFailed

from . import pack_checks, selectors, services, webhooks
from .carriers import SANDBOX, carriers_for
from .document_data import DocumentOrder
from .schemas import CarrierOut, OrderIdsIn, PackCheckIn, PackCheckOut, TrackingNumberOut, WebhookAckOut
from .tracking import detect_carriers, normalize_tracking_number

router = Router(tags=["shipping"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PDF = {
    "responses": {
        200: {
            "description": "A PDF document.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/carriers", response={200: list[CarrierOut], 401: ErrorOut}, summary="Carriers and their service levels")
def carriers(request: HttpRequest):
    # The sandbox carrier only where sellers may ship with it.
    # A seller's national post comes first (a platform token sees the registry's own order).
    token = token_of(request)
    country = str(token.seller.country) if token.seller_id else ""
    listed = [*carriers_for(country), *([SANDBOX] if settings.SHIPDESK_SANDBOX_CARRIER else [])]
    return [
        {
            "code": c.code,
            "name": c.name,
            "tracked": c.tracked,
            "tracking_url": c.tracking_url,
            "kind": c.kind,
            "country": c.country or None,
            "services": [{"code": s.code, "name": s.name, "transit_days": s.transit_days} for s in c.services],
        }
        for c in listed
    ]


@router.get(
    "/tracking-numbers/{number}",
    response={200: TrackingNumberOut, 401: ErrorOut, 422: ErrorOut},
    summary="Which carriers a tracking number is valid for",
)
def tracking_number(request: HttpRequest, number: str):
    """The ship form calls this as the seller types. `valid: false` means the number has the
    carrier's shape but a wrong check digit (a typo, most likely)."""
    if len(number) > 256 or len(normalize_tracking_number(number)) > 64:
        raise ValidationFailed("Too long for a tracking number.", details={"number": ["At most 64 characters."]})
    matches = detect_carriers(number)
    return {
        "normalized": normalize_tracking_number(number),
        "matches": [{"carrier": m.carrier, "service": m.service, "valid": m.valid} for m in matches],
    }


# --- documents ------------------------------------------------------------------------------


def _documents():
    """The PDF renderer, imported at the first PDF a worker serves: ReportLab and PIL are ~10 MiB
    of every web worker's memory otherwise, for requests that are nearly all something else."""
    from . import documents  # noqa: PLC0415  (deferred for memory, as said above)

    return documents


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _one(request: HttpRequest, order_id: int, *, need_shipment: bool = False) -> list[DocumentOrder]:
    try:
        return selectors.document_orders(seller_id=scope_of(request), order_ids=[order_id], need_shipment=need_shipment)
    except NotFound as exc:
        raise NotFound("Order not found.") from exc


@router.get(
    "/orders/{int:order_id}/packing-slip.pdf",
    response={**ERRORS},
    openapi_extra=PDF,
    tags=["documents"],
    summary="The packing slip of an order (PDF)",
)
def packing_slip(request: HttpRequest, order_id: int):
    orders = _one(request, order_id)
    return _pdf(_documents().packing_slips_pdf(orders), f"packing-slip-{orders[0].number}.pdf")


@router.get(
    "/orders/{int:order_id}/gift-slip.pdf",
    response={**ERRORS},
    openapi_extra=PDF,
    tags=["documents"],
    summary="The gift slip of an order, without any price (PDF)",
)
def gift_slip(request: HttpRequest, order_id: int):
    """The shop (and its logo), the gift message and the items with their quantities: no price,
    no total. Printable for any order; the order page offers it for gifts."""
    orders = _one(request, order_id)
    return _pdf(_documents().gift_slips_pdf(orders), f"gift-slip-{orders[0].number}.pdf")


@router.get(
    "/orders/{int:order_id}/label.pdf",
    response={**ERRORS},
    openapi_extra=PDF,
    tags=["documents"],
    summary="The 4×6 in shipping label of a shipped order (PDF)",
)
def label(request: HttpRequest, order_id: int):
    """For the sandbox carrier and self-printed labels: addresses, carrier, service and the
    tracking number as a Code 128 barcode. 409 before the order ships (no tracking number yet)."""
    orders = _one(request, order_id, need_shipment=True)
    return _pdf(_documents().labels_pdf(orders), f"label-{orders[0].number}.pdf")


@router.post(
    "/documents/packing-slips",
    response={**ERRORS},
    openapi_extra=PDF,
    tags=["documents"],
    summary="Packing slips of many orders in one PDF",
)
def packing_slips(request: HttpRequest, payload: OrderIdsIn):
    """One slip per order, in the order given; any id that is not yours makes it a 404."""
    orders = selectors.document_orders(seller_id=scope_of(request), order_ids=payload.order_ids)
    return _pdf(_documents().packing_slips_pdf(orders), "packing-slips.pdf")


@router.post(
    "/documents/labels",
    response={**ERRORS},
    openapi_extra=PDF,
    tags=["documents"],
    summary="Shipping labels of many shipped orders in one PDF",
)
def labels(request: HttpRequest, payload: OrderIdsIn):
    orders = selectors.document_orders(seller_id=scope_of(request), order_ids=payload.order_ids, need_shipment=True)
    return _pdf(_documents().labels_pdf(orders), "labels.pdf")


@router.post(
    "/documents/pick-list",
    response={**ERRORS},
    openapi_extra=PDF,
    tags=["documents"],
    summary="A pick list: quantities per SKU across orders, by bin location (PDF)",
)
def pick_list(request: HttpRequest, payload: OrderIdsIn):
    orders = selectors.document_orders(seller_id=scope_of(request), order_ids=payload.order_ids)
    return _pdf(_documents().pick_list_pdf(orders, generated_at=timezone.now()), "pick-list.pdf")


# --- pack checks ----------------------------------------------------------------------------


def _pack_out(state: pack_checks.PackState) -> dict:
    return {
        "order_id": state.order_id,
        "started": state.started,
        "complete": state.complete,
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "title": line.title,
                "barcode": line.barcode,
                "quantity": line.quantity,
                "packed": state.packed.get(line.line_id, 0),
            }
            for line in state.lines
        ],
        "missing": [
            {"line_id": line.line_id, "sku": line.sku, "title": line.title, "quantity": units}
            for line, units in state.missing
        ],
        "refused": [{"code": r.code, "reason": r.reason} for r in state.refused],
    }


@router.get(
    "/orders/{int:order_id}/pack-check",
    response={200: PackCheckOut, **ERRORS},
    tags=["packing"],
    summary="The pack check of an order",
)
def get_pack_check(request: HttpRequest, order_id: int):
    return _pack_out(pack_checks.pack_state(order_id=order_id, seller_id=scope_of(request)))


@router.post(
    "/orders/{int:order_id}/pack-check",
    response={200: PackCheckOut, **ERRORS},
    tags=["packing"],
    summary="Scan items into the box of a processing order",
)
def pack_check(request: HttpRequest, order_id: int, payload: PackCheckIn):
    """Each scan is a product barcode or SKU and ticks one unit of its line. A code not in the
    order, or one unit too many, is refused (`refused`) and changes nothing. Scans add to the
    check already made (`restart: true` starts over); `missing` lists what is still to pack. When
    nothing is missing the timeline records the check. Shipping an order whose started check is
    missing units is refused with 409 `pack_check_incomplete` unless `confirm_incomplete_pack`."""
    state = pack_checks.record_pack_scans(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        scans=payload.scans,
        restart=payload.restart,
    )
    return _pack_out(state)


# --- carrier webhooks -----------------------------------------------------------------------


@router.post(
    "/webhooks/tracking/{provider}",
    auth=None,
    response={200: WebhookAckOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["webhooks"],
    summary="Receive a carrier's tracking event (generic, easypost, aftership)",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
def tracking_webhook(request: HttpRequest, provider: str):
    """Signed by the provider, not a bearer token: `generic` with `Shipdesk-Signature:
    t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (5 minutes' tolerance), `easypost` with
    `X-Hmac-Signature`, `aftership` with `aftership-hmac-sha256`. A bad signature is 401 and
    changes nothing. A replayed event id is 200 `duplicate`, a number no shipment has is 200
    `unknown_number` (logged), a number on more than one parcel is 200 `ambiguous_number`
    (applied to none; an error log line and a record in the admin for the operator): none of
    these changes anything, and the provider stops retrying."""
    found = webhooks.PROVIDERS.get(provider)
    if found is None:
        raise NotFound(f"No tracking webhook provider {provider!r}.", details={"providers": sorted(webhooks.PROVIDERS)})
    parsed = webhooks.read_webhook(provider=found, body=request.body, headers=request.headers, now=timezone.now())
    if isinstance(parsed, webhooks.Ignored):
        return {"status": services.record_ignored_webhook(provider=found.name, event_id=parsed.event_id)}
    return {"status": services.record_tracking_update(update=parsed).outcome}
