"""GET /api/v1/earnings: a seller's balances per currency and its ledger entries, newest first."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from shipdesk import money
from shipdesk.accounts.models import Seller
from shipdesk.api.auth import scope_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import NotFound, ValidationFailed

from . import selectors

router = Router(tags=["earnings"])


class BalanceOut(Schema):
    currency: str
    pending: str
    available: str
    paid_out: str


class EntryOut(Schema):
    id: int
    kind: str
    currency: str
    order_id: int | None
    order_number: int | None
    payout_id: int | None
    pending: str
    available: str
    paid_out: str
    description: str
    created_at: datetime


class EarningsOut(Schema):
    balances: list[BalanceOut]
    entries: list[EntryOut]
    next_cursor: str | None


@router.get(
    "",
    response={200: EarningsOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Balances and ledger entries",
)
def earnings(request: HttpRequest, seller: str | None = None, limit: int = 50, cursor: str | None = None):
    """Balances are sums of the entries. A platform token names the seller with `?seller=<slug>`;
    entries are keyset-paged with `cursor` (from `next_cursor`)."""
    seller_id = scope_of(request)
    if seller_id is None:
        if not seller:
            raise ValidationFailed("Name the seller.", details={"seller": ["Required with a platform token."]})
        seller_id = Seller.objects.filter(slug=seller).values_list("pk", flat=True).first()
        if seller_id is None:
            raise NotFound("Seller not found.")
    if not 1 <= limit <= selectors.MAX_LIMIT:
        raise ValidationFailed("Invalid limit.", details={"limit": [f"Between 1 and {selectors.MAX_LIMIT}."]})
    page = selectors.entries(seller_id=seller_id, limit=limit, cursor=cursor)
    return {
        "balances": [
            {
                "currency": b.currency,
                "pending": str(b.pending),
                "available": str(b.available),
                "paid_out": str(b.paid_out),
            }
            for b in selectors.balances(seller_id=seller_id)
        ],
        "entries": [
            {
                "id": e.pk,
                "kind": e.kind,
                "currency": e.currency,
                "order_id": e.order_id,
                "order_number": e.order.number if e.order_id else None,
                "payout_id": e.payout_id,
                "pending": money.format_amount(e.pending, e.currency),
                "available": money.format_amount(e.available, e.currency),
                "paid_out": money.format_amount(e.paid_out, e.currency),
                "description": e.description,
                "created_at": e.created_at,
            }
            for e in page.items
        ],
        "next_cursor": page.next_cursor,
    }
