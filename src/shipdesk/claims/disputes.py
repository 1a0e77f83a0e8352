"""Chargebacks: a payment provider's dispute recorded on its order, its money held and settled.

`apply_dispute` is the one writer, called (through `payments.provider_events.DISPUTE_APPLIERS`)
inside the webhook receipt's transaction, so each provider event applies once. Rules:

* A dispute is one row per (provider, dispute id): its first event creates it, later ones update
  it; an event about a dispute already closed, or one that would move it back to an earlier
  state, changes nothing (events can arrive out of order). A dispute on an order never paid is
  refused (logged and acknowledged by the webhook as `refused`).
* Money: when the bank takes the money back (any status but an inquiry's), the disputed amount
  leaves the seller's available balance (`earnings.services.hold_for_dispute`), once. Won, or an
  inquiry closed: the hold returns. Lost: the hold stays debited and the provider's fee is
  debited too. The sale's own earnings are untouched: the ledger shows the chargeback apart.
* Each event writes the order's timeline and alerts the seller (opened, and each closing outcome).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shipdesk import money
from shipdesk.actors import Actor
from shipdesk.earnings import services as earnings
from shipdesk.errors import ClaimConflict
from shipdesk.notifications import rendering
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders.events import dispute_closed_event, dispute_opened_event, dispute_updated_event
from shipdesk.orders.locks import lock_order
from shipdesk.orders.terms import CAPTURED_STATES
from shipdesk.payments.webhooks import DisputeFacts

from . import terms
from .models import Dispute


def _headline(dispute: Dispute, step: str) -> str:
    reason = terms.DISPUTE_REASONS.label(dispute.reason)
    return {
        "opened": f"chargeback opened ({reason})",
        terms.WON: "chargeback won",
        terms.LOST: "chargeback lost",
        terms.WARNING_CLOSED: "payment inquiry closed",
    }.get(step, f"chargeback {terms.DISPUTE_STATUSES.label(dispute.status).lower()}")


def _alert(*, order, dispute: Dispute, step: str, at: datetime) -> None:
    c, tz = dispute.currency, order.seller.timezone
    queue_notification(
        order=order,
        kind=Notification.Kind.SELLER_DISPUTE_UPDATE,
        recipient=order.seller.email,
        stage=f"{dispute.pk}:{step}",
        context={
            "dispute": {
                "step": step,
                "headline": _headline(dispute, step),
                "status": terms.DISPUTE_STATUSES.label(dispute.status),
                "reason": terms.DISPUTE_REASONS.label(dispute.reason),
                "amount": rendering.money(dispute.amount, c),
                "held": rendering.money(dispute.held, c) if dispute.held else "",
                "fee": rendering.money(dispute.fee, c) if dispute.fee else "",
                "evidence_due_by": rendering.when(dispute.evidence_due_by, tz),
            }
        },
        at=at,
    )


@transaction.atomic
def apply_dispute(
    *, order_id: int, seller_id: int, actor: Actor, provider: str, dispute: DisputeFacts, at: datetime | None = None
) -> bool:
    """Record one provider event about a dispute on the order; True when it changed anything.

    Guards: the order's lock first (every writer of the order queues there), then the dispute row.
    Writes: the `Dispute` row, its ledger entries (hold, release, fee), an order event, and the
    seller's alert (opened and closed).
    """
    now = at or timezone.now()
    order = lock_order(order_id=order_id, seller_id=seller_id)
    amount = money.quantize(dispute.amount, order.currency)
    fee = money.quantize(dispute.fee, order.currency)
    row = Dispute.objects.select_for_update().filter(provider=provider, provider_dispute_id=dispute.dispute_id).first()
    created = row is None
    if row is None:
        row = Dispute(
            seller_id=order.seller_id,
            order=order,
            provider=provider,
            provider_dispute_id=dispute.dispute_id,
            opened_at=now,
        )
    elif row.closed_at is not None:
        return False  # closed already: a late or repeated event is old news
    elif row.order_id != order.pk:
        return False  # the provider's id names another order's dispute: never move it
    elif terms.DISPUTE_PROGRESS[dispute.status] < terms.DISPUTE_PROGRESS[row.status]:
        return False  # an older state delivered late
    if created and order.payment_status not in CAPTURED_STATES:
        raise ClaimConflict(
            "A chargeback needs a captured payment; this order was never paid.",
            details={"payment_status": order.payment_status},
        )
    previous = (row.status, row.amount if not created else None, row.fee, row.evidence_due_by)
    row.status = dispute.status
    row.reason = dispute.reason or "general"
    row.amount = amount
    row.currency = order.currency
    row.evidence_due_by = dispute.evidence_due_by
    row.fee = max(row.fee or Decimal("0"), fee)
    row.updated_at = now
    closed = dispute.status in terms.CLOSED_DISPUTE_STATUSES
    if closed:
        row.closed_at = now
    if not created and previous == (row.status, row.amount, row.fee, row.evidence_due_by):
        return False

    # The money: held while the bank has it (not for an inquiry); returned on a win; on a loss
    # the hold stays (taken now if it never was) and the fee follows.
    row.save()  # a pk for the ledger descriptions and events
    if dispute.status == terms.LOST:
        if row.held == 0:
            earnings.hold_for_dispute(order=order, amount=amount, at=now)
            row.held = amount
        earnings.charge_dispute_fee(order=order, fee=row.fee, at=now)
    elif closed:
        if row.held:
            earnings.release_dispute_hold(order=order, amount=row.held, at=now)
            row.held = Decimal("0")
    elif dispute.status not in terms.INQUIRY_STATUSES and row.held == 0:
        earnings.hold_for_dispute(order=order, amount=amount, at=now)
        row.held = amount
    row.save()

    if created:
        dispute_opened_event(order=order, actor=actor, at=now, dispute=row)
        _alert(order=order, dispute=row, step="opened", at=now)
    if closed:
        dispute_closed_event(order=order, actor=actor, at=now, dispute=row)
        _alert(order=order, dispute=row, step=row.status, at=now)
    elif not created:
        dispute_updated_event(order=order, actor=actor, at=now, dispute=row)
    return True
