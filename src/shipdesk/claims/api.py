"""Claims and disputes endpoints: parse, authorise, call one service or selector, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from shipdesk.api.auth import actor_of, require_platform, scope_of
from shipdesk.api.schemas import ErrorOut

from . import selectors, services
from .presenters import claim_out, dispute_out
from .schemas import AnswerIn, ClaimFiltersIn, ClaimIn, ClaimOut, ClaimPageOut, DecideIn, DisputeOut, RefuseIn

router = Router(tags=["claims"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PDF = {
    "responses": {
        200: {
            "description": "A PDF document.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _claim(request: HttpRequest, claim_id: int) -> dict:
    return claim_out(selectors.get_claim(seller_id=scope_of(request), claim_id=claim_id))


@router.post(
    "/orders/{int:order_id}/claims",
    response={201: ClaimOut, **ERRORS},
    summary="Report a delivery problem (not received, damaged, wrong item, missing item)",
)
def open_claim(request: HttpRequest, order_id: int, payload: ClaimIn):
    """For a shipped or delivered order. `not_received` is refused with 409 `claim_before_eta`
    until the parcel's expected delivery date has passed; a second claim while one is in
    progress is 409 `claim_conflict`. The seller must answer by `answer_by` (2 business days)."""
    claim = services.open_claim(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        kind=payload.kind,
        lines=[services.ClaimedLine(line_id=line.line_id, quantity=line.quantity) for line in payload.lines],
        description=payload.description,
    )
    return Status(201, _claim(request, claim.pk))


@router.get("/claims", response={200: ClaimPageOut, **ERRORS}, summary="List claims, newest first (keyset)")
def list_claims(request: HttpRequest, filters: Query[ClaimFiltersIn]):
    page = selectors.list_claims(
        seller_id=scope_of(request),
        status=filters.status,
        kind=filters.kind,
        order_id=filters.order_id,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return {"items": [claim_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/claims/{int:claim_id}", response={200: ClaimOut, **ERRORS}, summary="One claim")
def get_claim(request: HttpRequest, claim_id: int):
    return _claim(request, claim_id)


@router.post(
    "/claims/{int:claim_id}/answer",
    response={200: ClaimOut, **ERRORS},
    summary="Resolve a claim: refund, reshipment (with its tracking number) or return (with instructions)",
)
def answer_claim(request: HttpRequest, claim_id: int, payload: AnswerIn):
    """Answering twice (or twice at once) is 409 `claim_conflict` for the second: one refund."""
    services.answer_claim(
        claim_id=claim_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        resolution=payload.resolution,
        note=payload.note,
        carrier=payload.carrier,
        service_level=payload.service_level,
        tracking_number=payload.tracking_number,
    )
    return _claim(request, claim_id)


@router.post("/claims/{int:claim_id}/refuse", response={200: ClaimOut, **ERRORS}, summary="Refuse a claim")
def refuse_claim(request: HttpRequest, claim_id: int, payload: RefuseIn):
    """A refused claim escalates to the marketplace operator at its `answer_by`."""
    services.refuse_claim(
        claim_id=claim_id, seller_id=scope_of(request), actor=actor_of(request), reason=payload.reason
    )
    return _claim(request, claim_id)


@router.post(
    "/claims/{int:claim_id}/decide",
    response={200: ClaimOut, **ERRORS},
    summary="Decide an escalated claim (platform token: the marketplace operator)",
)
def decide_claim(request: HttpRequest, claim_id: int, payload: DecideIn):
    """`refund_customer` refunds the claimed units and charges the seller's earnings."""
    require_platform(request)
    services.decide_claim(claim_id=claim_id, actor=actor_of(request), decision=payload.decision, note=payload.note)
    return _claim(request, claim_id)


# --- disputes ------------------------------------------------------------------------------------


@router.get(
    "/orders/{int:order_id}/disputes", response={200: list[DisputeOut], **ERRORS}, summary="An order's chargebacks"
)
def order_disputes(request: HttpRequest, order_id: int):
    return [dispute_out(d) for d in selectors.order_disputes(seller_id=scope_of(request), order_id=order_id)]


@router.get(
    "/orders/{int:order_id}/disputes/{int:dispute_id}",
    response={200: DisputeOut, **ERRORS},
    summary="One chargeback",
)
def get_dispute(request: HttpRequest, order_id: int, dispute_id: int):
    return dispute_out(selectors.get_dispute(seller_id=scope_of(request), order_id=order_id, dispute_id=dispute_id))


def evidence_pdf(*, seller_id: int | None, order_id: int, dispute_id: int) -> HttpResponse:
    """The evidence pack PDF (also served by the dashboard's order page)."""
    # ReportLab is ~10 MiB of a web worker's memory: loaded at the first PDF, not at start-up.
    from .evidence import render_evidence_pack  # noqa: PLC0415  (deferred for memory)

    pack = selectors.evidence_pack(seller_id=seller_id, order_id=order_id, dispute_id=dispute_id, now=timezone.now())
    response = HttpResponse(render_evidence_pack(pack), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="dispute-evidence-{pack.order.number}-{pack.dispute.pk}.pdf"'
    return response


@router.get(
    "/orders/{int:order_id}/disputes/{int:dispute_id}/evidence.pdf",
    response={**ERRORS},
    summary="The chargeback's evidence pack (PDF): order, items, address, parcels, every carrier scan, timeline",
    openapi_extra=PDF,
)
def dispute_evidence(request: HttpRequest, order_id: int, dispute_id: int):
    return evidence_pdf(seller_id=scope_of(request), order_id=order_id, dispute_id=dispute_id)
