"""Order histories for the performance tests, written in bulk.

A 100-order history through the services takes seconds; these rows are what the services
write (the same timestamps, deadlines, statuses and payment), inserted with `bulk_create`. The
deadlines default to the policy's (confirm 24 h after payment; ship 3 days after processing;
ETA 5 days after shipping) — the exact values matter only relative to the step timestamps.
A few tests in test_metric_figures.py build orders through the real services to show the two agree.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from shipdesk.orders.models import Cancellation, Order, OrderStatus
from shipdesk.performance.models import Review
from shipdesk.returns.models import ReturnRequest
from shipdesk.shipping.models import Shipment, TrackingEvent

_numbers = itertools.count(100_000)
DEFAULT = object()


def order(
    seller,
    *,
    placed_at: datetime,
    paid_at=DEFAULT,
    confirm_by=DEFAULT,
    confirmed_at: datetime | None = None,
    processing_at: datetime | None = None,
    ship_by=DEFAULT,
    shipped_at: datetime | None = None,
    deliver_by=DEFAULT,
    delivered_at: datetime | None = None,
    cancelled_at: datetime | None = None,
) -> Order:
    """An unsaved order in the state its timestamps say."""
    paid_at = placed_at if paid_at is DEFAULT else paid_at
    if confirm_by is DEFAULT:
        confirm_by = max(placed_at, paid_at) + timedelta(hours=24) if paid_at else None
    if processing_at is None and shipped_at is not None:
        processing_at = shipped_at - timedelta(hours=1)
    if confirmed_at is None and processing_at is not None:
        confirmed_at = processing_at - timedelta(hours=1)
    if ship_by is DEFAULT:
        ship_by = processing_at + timedelta(days=3) if processing_at else None
    if deliver_by is DEFAULT:
        deliver_by = shipped_at + timedelta(days=5) if shipped_at else None
    status = (
        OrderStatus.CANCELLED
        if cancelled_at
        else OrderStatus.DELIVERED
        if delivered_at
        else OrderStatus.SHIPPED
        if shipped_at
        else OrderStatus.PROCESSING
        if processing_at
        else OrderStatus.CONFIRMED
        if confirmed_at
        else OrderStatus.PENDING
    )
    n = next(_numbers)
    return Order(
        seller=seller,
        number=n,
        channel="web",
        external_id=f"H-{n}",
        request_fingerprint="x" * 64,
        status=status,
        payment_status="paid" if paid_at else "unpaid",
        customer_name="Ada",
        customer_email="ada@example.com",
        ship_name="Ada",
        ship_line1="1 Main St",
        ship_city="Springfield",
        ship_postal_code="62701",
        ship_country="US",
        currency="USD",
        subtotal=Decimal("20"),
        shipping_fee=Decimal("5"),
        total=Decimal("25"),
        placed_at=placed_at,
        paid_at=paid_at,
        confirmed_at=confirmed_at,
        processing_at=processing_at,
        shipped_at=shipped_at,
        delivered_at=delivered_at,
        cancelled_at=cancelled_at,
        confirm_by=confirm_by,
        ship_by=ship_by,
        deliver_by=deliver_by,
        process_by=confirmed_at + timedelta(days=2) if confirmed_at else None,
    )


def save(orders: list[Order], *, scanned: bool = True, carrier: str = "ups") -> list[Order]:
    """Insert the orders; every shipped one gets its shipment, and a carrier scan when `scanned`."""
    saved = Order.objects.bulk_create(orders)
    shipments = Shipment.objects.bulk_create(
        [
            Shipment(
                seller_id=o.seller_id,
                order=o,
                carrier=carrier,
                service_level="ground",
                tracking_number=f"1ZTEST{o.number}",
                shipped_at=o.shipped_at,
                eta=o.deliver_by,
                delivered_at=o.delivered_at,
            )
            for o in saved
            if o.shipped_at
        ]
    )
    if scanned:
        scan(shipments)
    return saved


def scan(shipments, *, status: str = "in_transit", after: timedelta = timedelta(hours=6)) -> None:
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                seller_id=s.seller_id,
                shipment=s,
                status=status,
                occurred_at=s.shipped_at + after,
                source="generic",
                fingerprint=f"{s.pk}-{status}",
                created_at=s.shipped_at + after,
            )
            for s in shipments
        ]
    )


def cancel(o: Order, *, reason: str, actor_kind: str, at: datetime | None = None) -> None:
    at = at or o.cancelled_at
    Order.objects.filter(pk=o.pk).update(status=OrderStatus.CANCELLED, cancelled_at=at)
    Cancellation.objects.create(
        seller_id=o.seller_id, order=o, reason=reason, actor_kind=actor_kind, actor_label=actor_kind, created_at=at
    )


def review(o: Order, rating: int, *, at: datetime) -> Review:
    return Review.objects.create(seller_id=o.seller_id, order=o, rating=rating, created_at=at)


def return_request(
    o: Order,
    *,
    requested_at: datetime,
    answer_by: datetime | None = None,
    approved_at: datetime | None = None,
    rejected_at: datetime | None = None,
) -> ReturnRequest:
    """A return of order `o` as `returns.services` leaves it: requested, then approved or rejected
    (an answer due 2 days after the request unless `answer_by` says otherwise)."""
    status = "approved" if approved_at else "rejected" if rejected_at else "requested"
    return ReturnRequest.objects.create(
        seller_id=o.seller_id,
        order=o,
        status=status,
        requested_by_kind="customer",
        requested_by_label="customer",
        requested_at=requested_at,
        answer_by=answer_by or requested_at + timedelta(days=2),
        approved_at=approved_at,
        rejected_at=rejected_at,
        rejection_reason="Used" if rejected_at else "",
    )
