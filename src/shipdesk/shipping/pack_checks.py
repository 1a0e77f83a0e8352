"""Pack check actions: scan items into the box, read the check, and the guard `ship_order` calls.

Services in the sense of docs/architecture.md: each public writer is one transaction that locks the order
first, and writes the timeline event with the change. The matching rules are in `packing`.
`orders.services.ship_order` imports this module, so it must never import `orders.services`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from shipdesk.actors import Actor
from shipdesk.errors import InvalidTransition, NotFound, ValidationFailed
from shipdesk.inventory.models import Product
from shipdesk.orders.events import pack_checked_event, shipped_incomplete_pack_event
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import LineStock, Order, OrderLine, OrderStatus

from .models import PackCheck
from .packing import (
    MAX_SCANS_PER_REQUEST,
    PackCheckIncomplete,
    PackLine,
    Refusal,
    apply_scans,
    missing_units,
)

# Refused scans kept on the check, newest last, for the pack screen and the operator.
REFUSED_KEPT = 20


@dataclass(frozen=True)
class PackState:
    order_id: int
    lines: list[PackLine]
    packed: dict[int, int]
    started: bool
    complete: bool
    refused: list[Refusal]  # of this request (record) or the last ones kept (read)
    accepted: tuple[tuple[str, int], ...] = ()  # (code, line id) ticked by this request

    @property
    def missing(self) -> list[tuple[PackLine, int]]:
        return missing_units(self.lines, self.packed)


def _pack_lines(order: Order) -> list[PackLine]:
    lines = [line for line in OrderLine.objects.filter(order=order).order_by("id") if line.stock != LineStock.RELEASED]
    barcodes = dict(Product.objects.filter(pk__in=[line.product_id for line in lines]).values_list("pk", "barcode"))
    return [
        PackLine(
            line_id=line.pk,
            sku=line.sku,
            title=line.title,
            barcode=barcodes.get(line.product_id, ""),
            quantity=line.open_quantity,
        )
        for line in lines
    ]


def _packed(check: PackCheck | None) -> dict[int, int]:
    return {int(line_id): int(units) for line_id, units in (check.packed if check else {}).items()}


def pack_state(*, order_id: int, seller_id: int | None) -> PackState:
    """The pack check of an order as it stands (a read: nothing is locked or written)."""
    qs = Order.objects.filter(pk=order_id)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    order = qs.first()
    if order is None:
        raise NotFound("Order not found.")
    check = PackCheck.objects.filter(order=order).first()
    lines = _pack_lines(order)
    packed = {line.line_id: min(_packed(check).get(line.line_id, 0), line.quantity) for line in lines}
    refused = [Refusal(code=r["code"], reason=r["reason"]) for r in (check.refused if check else [])]
    return PackState(
        order_id=order.pk,
        lines=lines,
        packed=packed,
        started=check is not None,
        complete=check is not None and not missing_units(lines, packed),
        refused=refused,
    )


@transaction.atomic
def record_pack_scans(
    *, order_id: int, seller_id: int | None, actor: Actor, scans: list[str], restart: bool = False
) -> PackState:
    """Scan items into the box of a processing order; wrong items and extra units are refused.

    The check is kept on the order, so scans may come one by one (the pack screen) or in a batch
    (the API). When the last missing unit is scanned the timeline records the check.
    """
    if not isinstance(scans, list) or len(scans) > MAX_SCANS_PER_REQUEST:
        raise ValidationFailed("Too many scans.", details={"scans": [f"At most {MAX_SCANS_PER_REQUEST} per request."]})
    order = lock_order(order_id=order_id, seller_id=seller_id, with_seller=False)
    if order.status != OrderStatus.PROCESSING:
        raise InvalidTransition(
            f"Only an order being processed can be packed; this one is {order.status}.",
            details={"status": order.status},
        )
    now = timezone.now()
    lines = _pack_lines(order)
    check = PackCheck.objects.filter(order=order).first()
    if check is None:
        check = PackCheck(seller_id=order.seller_id, order=order, started_at=now, updated_at=now)
    if restart:
        check.packed, check.refused, check.scans = {}, [], 0
        check.complete, check.completed_at, check.started_at = False, None, now
    was_complete = check.complete

    result = apply_scans(lines, _packed(check), scans)
    complete = not missing_units(lines, result.packed)
    check.packed = {str(line_id): units for line_id, units in result.packed.items() if units}
    check.refused = (
        check.refused + [{"code": r.code, "reason": r.reason, "at": now.isoformat()} for r in result.refused]
    )[-REFUSED_KEPT:]
    check.scans += len(result.accepted)
    check.complete = complete
    check.completed_at = (check.completed_at or now) if complete else None
    check.updated_at = now
    check.save()
    if complete and not was_complete:
        pack_checked_event(
            order=order,
            actor=actor,
            at=now,
            units=sum(result.packed.values()),
            scans=check.scans,
            refused=len(check.refused),
        )
    return PackState(
        order_id=order.pk,
        lines=lines,
        packed=result.packed,
        started=True,
        complete=complete,
        refused=result.refused,
        accepted=tuple(result.accepted),
    )


def require_complete_pack(*, order: Order, confirmed: bool, actor: Actor) -> None:
    """Refuse to ship an order whose pack check was started and is missing units, unless confirmed.

    Called by `orders.services.ship_order` under the order's lock. No check started: nothing to
    confirm (sellers who do not scan are not slowed down). Confirmed: the timeline says what was
    missing when the parcel left.
    """
    check = PackCheck.objects.filter(order=order).first()
    if check is None:
        return
    lines = _pack_lines(order)
    missing = missing_units(lines, _packed(check))
    if not missing:
        return
    listed = [{"line_id": line.line_id, "sku": line.sku, "quantity": units} for line, units in missing]
    if not confirmed:
        summary = ", ".join(f"{units} × {line.sku}" for line, units in missing)
        raise PackCheckIncomplete(
            f"The pack check is missing {summary}. Confirm to ship it anyway.",
            details={"missing": listed},
        )
    shipped_incomplete_pack_event(order=order, actor=actor, missing=listed)
