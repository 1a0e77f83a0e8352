"""Reads of claims and disputes, always inside one seller (`seller_id=None`: the operator's view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils.dateparse import parse_datetime

from shipdesk.conversations.models import Attachment, Message
from shipdesk.errors import NotFound
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor
from shipdesk.shipping.models import Shipment, TrackingEvent

from . import terms
from .models import Claim, Dispute

MAX_LIMIT = 200


def _claims(seller_id: int | None) -> QuerySet[Claim]:
    qs = Claim.objects.select_related("order").prefetch_related("lines__line")
    return qs if seller_id is None else qs.filter(seller_id=seller_id)


def get_claim(*, seller_id: int | None, claim_id: int) -> Claim:
    """The claim; another seller's is `NotFound`, like an unknown one."""
    claim = _claims(seller_id).filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("Claim not found.")
    return claim


def order_claims(*, seller_id: int | None, order_id: int) -> list[Claim]:
    return list(_claims(seller_id).filter(order_id=order_id).order_by("-opened_at", "-id"))


@dataclass(frozen=True)
class ClaimPage:
    items: list[Claim]
    next_cursor: str | None


def list_claims(
    *,
    seller_id: int | None,
    status: str | None = None,
    kind: str | None = None,
    order_id: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> ClaimPage:
    """Newest first, keyset-paged on (opened_at, id) with the `claim_seller_opened` index."""
    limit = max(1, min(limit, MAX_LIMIT))
    qs = _claims(seller_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    if cursor:
        values = decode_cursor(cursor, "claims")
        after = parse_datetime(values[0]) if isinstance(values, list) and len(values) == 2 else None
        if after is None or not isinstance(values[1], int):
            raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
        qs = qs.filter(opened_at__lte=after).exclude(opened_at=after, id__gte=values[1])
    rows = list(qs.order_by("-opened_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor("claims", [rows[-1].opened_at.isoformat(), rows[-1].pk])
    return ClaimPage(items=rows, next_cursor=next_cursor)


def _require_order(*, seller_id: int | None, order_id: int) -> None:
    orders = Order.objects.filter(pk=order_id)
    if seller_id is not None:
        orders = orders.filter(seller_id=seller_id)
    if not orders.exists():
        raise NotFound("Order not found.")


def claims_needing_answer(*, seller_id: int, limit: int = 100) -> list[Claim]:
    """The seller's claims still to answer (open or refused), nearest deadline first."""
    return list(_claims(seller_id).filter(status__in=terms.ANSWERABLE_STATUSES).order_by("answer_by", "id")[:limit])


def order_disputes(*, seller_id: int | None, order_id: int) -> list[Dispute]:
    """The order's disputes, newest first; another seller's order is `NotFound`."""
    _require_order(seller_id=seller_id, order_id=order_id)
    return disputes_of(seller_id=seller_id, order_id=order_id)


def disputes_of(*, seller_id: int | None, order_id: int) -> list[Dispute]:
    """The disputes of an order already known to be the caller's (the order page), newest first."""
    qs = Dispute.objects.filter(order_id=order_id)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    return list(qs.order_by("-opened_at", "-id"))


def get_dispute(*, seller_id: int | None, order_id: int, dispute_id: int) -> Dispute:
    qs = Dispute.objects.select_related("order").filter(pk=dispute_id, order_id=order_id)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    dispute = qs.first()
    if dispute is None:
        raise NotFound("Dispute not found.")
    return dispute


# --- the evidence pack ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidencePack:
    """What the seller sends the provider to contest a chargeback: the order as it happened."""

    dispute: Dispute
    order: Order
    lines: list
    shipments: list[Shipment]
    scans: dict[int, list[TrackingEvent]]  # by shipment id, oldest first
    events: list[OrderEvent]  # the whole timeline, oldest first
    claims: list[Claim]  # the delivery problems the customer reported, in their words
    messages: list[Message]  # the order's conversation, oldest first, attachments prefetched
    generated_at: datetime


def evidence_pack(*, seller_id: int | None, order_id: int, dispute_id: int, now: datetime) -> EvidencePack:
    """The dispute's order with its items, address, every parcel with every carrier scan
    (the delivery scan included), the customer's claims, the conversation with the customer (every
    message and its attachments' names) and the timeline. Eight queries, whatever the order's size."""
    dispute = get_dispute(seller_id=seller_id, order_id=order_id, dispute_id=dispute_id)
    order = Order.objects.select_related("seller").get(pk=order_id)
    shipments = list(Shipment.objects.filter(order_id=order_id).order_by("shipped_at", "id"))
    scans: dict[int, list[TrackingEvent]] = {s.pk: [] for s in shipments}
    for scan in TrackingEvent.objects.filter(
        seller_id=order.seller_id, shipment_id__in=[s.pk for s in shipments]
    ).order_by("occurred_at", "id"):
        scans[scan.shipment_id].append(scan)
    return EvidencePack(
        dispute=dispute,
        order=order,
        lines=list(order.lines.order_by("id")),
        shipments=shipments,
        scans=scans,
        events=list(OrderEvent.objects.filter(order_id=order_id).order_by("created_at", "id")),
        claims=list(Claim.objects.filter(order_id=order_id).order_by("opened_at", "id")),
        messages=list(
            Message.objects.filter(seller_id=order.seller_id, order_id=order_id)
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
            .order_by("created_at", "id")
        ),
        generated_at=now,
    )
