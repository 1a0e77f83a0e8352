"""Claims: the customer reports a delivery problem; the seller answers; the operator decides.

One function per business action, each one transaction, the order locked first (then the claim
row): `open_claim`, `answer_claim`, `refuse_claim`, `escalate_claim` (the sweep's, at the
deadline), `decide_claim` (the operator's). Each writes the order's timeline and queues the
customer's email and the seller's alert of its step. Money moves only through
`orders.services.refund_shipped_order` (source "claim" for the seller's refund, "operator" for
the operator's, which the seller's earnings bear like any refund after shipment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from shipdesk.accounts.policy import calendar_for
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import ClaimBeforeEta, ClaimConflict, NotFound, PermissionDenied, ValidationFailed
from shipdesk.notifications import rendering
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders import events
from shipdesk.orders import services as order_services
from shipdesk.orders import terms as order_terms
from shipdesk.orders.locks import lock_order

from . import reshipments, terms
from .models import Claim, ClaimLine

MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class ClaimedLine:
    line_id: int
    quantity: int


# --- messages ----------------------------------------------------------------------------------


def _headline(claim: Claim, step: str, tz: str) -> str:
    kind = terms.CLAIM_KINDS.label(claim.kind)
    return {
        "opened": f"delivery problem reported ({kind})",
        "resolved": f"delivery problem answered: {terms.RESOLUTIONS.label(claim.resolution)}",
        "refused": "delivery problem refused",
        "escalated": f"delivery problem escalated to the marketplace ({kind})",
        "decided": f"delivery problem decided: {terms.DECISIONS.label(claim.decision)}",
        "due_soon": f"answer the delivery problem ({kind}) by {rendering.when(claim.answer_by, tz)}",
    }[step]


def _claim_context(claim: Claim, order, step: str, lines: list[ClaimLine]) -> dict:
    c, tz = order.currency, order.seller.timezone
    shipment = claim.reshipment
    return {
        "id": claim.pk,
        "step": step,
        "headline": _headline(claim, step, tz),
        "kind": terms.CLAIM_KINDS.label(claim.kind),
        "description": claim.description,
        "answer_by": rendering.when(claim.answer_by, tz),
        "resolution": claim.resolution,
        "resolution_label": terms.RESOLUTIONS.label(claim.resolution) if claim.resolution else "",
        "note": claim.decision_note if step == "decided" else claim.answer_note,
        "refunded": rendering.money(claim.refunded, c) if claim.refunded else "",
        "tracking_number": shipment.tracking_number if shipment else "",
        "tracking_url": shipment.tracking_url if shipment else "",
        "items": [f"{cl.quantity} × {cl.line.title}" for cl in lines],
        "decision": claim.decision,
        "decision_label": terms.DECISIONS.label(claim.decision) if claim.decision else "",
    }


def _tell(*, claim: Claim, order, step: str, at: datetime, seller_too: bool) -> None:
    """The customer's email of this step, and the seller's alert when `seller_too`."""
    lines = list(claim.lines.select_related("line").order_by("id"))
    context = {"claim": _claim_context(claim, order, step, lines)}
    stage = f"{claim.pk}:{step}"
    queue_notification(
        order=order,
        kind=Notification.Kind.CUSTOMER_CLAIM_UPDATE,
        recipient=order.customer_email,
        stage=stage,
        context=context,
        at=at,
    )
    if seller_too:
        queue_notification(
            order=order,
            kind=Notification.Kind.SELLER_CLAIM_UPDATE,
            recipient=order.seller.email,
            stage=stage,
            context=context,
            at=at,
        )


# --- opening -----------------------------------------------------------------------------------


def _check_lines(order_lines: dict, lines: Sequence[ClaimedLine], *, kind: str) -> dict[int, int]:
    errors: dict[str, list[str]] = {}
    chosen: dict[int, int] = {}
    for i, claimed in enumerate(lines):
        line = order_lines.get(claimed.line_id)
        if line is None:
            errors[f"lines.{i}.line_id"] = ["No such line on this order."]
        elif claimed.line_id in chosen:
            errors[f"lines.{i}.line_id"] = ["This line is named twice."]
        elif not 1 <= claimed.quantity <= line.open_quantity:
            errors[f"lines.{i}.quantity"] = [f"Between 1 and {line.open_quantity} (the units shipped)."]
        else:
            chosen[claimed.line_id] = claimed.quantity
    if not lines and kind in terms.KINDS_NAMING_LINES:
        errors["lines"] = ["Name the items the problem is about."]
    if errors:
        raise ValidationFailed("Some fields are invalid.", details=errors)
    if not chosen:  # not_received without lines: the whole parcel
        chosen = {line.pk: line.open_quantity for line in order_lines.values() if line.open_quantity}
    return chosen


@transaction.atomic
def open_claim(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    kind: str,
    lines: Sequence[ClaimedLine] = (),
    description: str,
    at: datetime | None = None,
) -> Claim:
    """Open a claim on a shipped or delivered order.

    Guards, in this order: the order is the caller's (404); fields (422 per field: kind, lines
    on the order and within what shipped, a description); the order has left the shop and has no
    other claim in progress (409 `claim_conflict`); a `not_received` claim only once the ETA has
    passed (409 `claim_before_eta`). Writes: the claim and its lines, with `answer_by` =
    ANSWER_BUSINESS_DAYS business days in the seller's calendar; the `claim_opened` event; the
    customer's acknowledgement and the seller's alert.
    """
    now = at or timezone.now()
    order = lock_order(order_id=order_id, seller_id=seller_id)
    description = (description or "").strip()
    problems = {}
    if kind not in terms.CLAIM_KINDS:
        problems["kind"] = [f"One of: {', '.join(terms.CLAIM_KINDS.values)}."]
    if not description or len(description) > MAX_DESCRIPTION:
        problems["description"] = [f"Say what happened (1 to {MAX_DESCRIPTION} characters)."]
    if problems:
        raise ValidationFailed("Some fields are invalid.", details=problems)
    order_lines = {line.pk: line for line in order.lines.order_by("id")}
    chosen = _check_lines(order_lines, lines, kind=kind)
    if order.status not in order_terms.DISPATCHED_STATUSES:
        raise ClaimConflict(
            "A delivery problem can be reported once the order has shipped.", details={"status": order.status}
        )
    if kind == terms.NOT_RECEIVED and order.deliver_by is not None and now < order.deliver_by:
        raise ClaimBeforeEta(
            "The parcel is not late yet: report it as not received after its expected delivery date.",
            details={"eta": order.deliver_by.isoformat()},
        )
    answer_by = calendar_for(order.seller).add_business_days(now, terms.ANSWER_BUSINESS_DAYS)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                seller_id=order.seller_id,
                order=order,
                kind=kind,
                description=description,
                opened_by_kind=actor.kind.value,
                opened_by_label=actor.label[:200],
                opened_at=now,
                answer_by=answer_by,
            )
    except IntegrityError:
        raise ClaimConflict(
            "This order already has a delivery problem in progress.", details={"order_id": order.pk}
        ) from None
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(seller_id=order.seller_id, claim=claim, line_id=line_id, quantity=quantity)
            for line_id, quantity in chosen.items()
        ]
    )
    events.claim_opened_event(order=order, actor=actor, at=now, claim_id=claim.pk, kind=kind, answer_by=answer_by)
    _tell(claim=claim, order=order, step="opened", at=now, seller_too=True)
    return claim


# --- the seller's answer -----------------------------------------------------------------------


def _locked_claim(*, claim_id: int, seller_id: int | None) -> tuple[Claim, object]:
    """The claim's order locked (the one lock every writer of the order queues on), then the claim."""
    found = Claim.objects.filter(pk=claim_id)
    if seller_id is not None:
        found = found.filter(seller_id=seller_id)
    order_id = found.values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("Claim not found.")
    order = lock_order(order_id=order_id, seller_id=seller_id)
    claim = Claim.objects.select_for_update(of=("self",)).select_related("reshipment").get(pk=claim_id)
    return claim, order


def _claimed(claim: Claim) -> list[tuple[int, int]]:
    return [(cl.line_id, cl.quantity) for cl in claim.lines.order_by("id")]


def _refund(*, claim: Claim, order, actor: Actor, source: str, key: str) -> Decimal:
    """Refund the claimed units (and the shipping fee for a parcel that never came); returns the amount.

    The claim's kind is the refund's reason (the same words in `orders.terms.REFUND_REASONS`); the
    key makes a retry of the same answer or decision return the first refund, never a second.
    """
    refund = order_services.refund_shipped_order(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=actor,
        lines=_claimed(claim),
        shipping=claim.kind == terms.NOT_RECEIVED,
        reason=claim.kind,
        source=source,
        note=f"claim {claim.pk}",
        idempotency_key=key,
    )
    return refund.amount


@transaction.atomic
def answer_claim(
    *,
    claim_id: int,
    seller_id: int | None,
    actor: Actor,
    resolution: str,
    note: str = "",
    carrier: str = "",
    service_level: str = "",
    tracking_number: str = "",
    at: datetime | None = None,
) -> Claim:
    """The seller resolves an open (or refused) claim with a refund, a reshipment or a return.

    Guards: the claim is the caller's (404); the claim still answerable (409 `claim_conflict`:
    two answers at once queue on the order's lock and the second finds it resolved, so the
    customer is refunded once); fields (422: a return's instructions; a reshipment's carrier,
    service level and valid, unused tracking number; stock for the units, 409
    `insufficient_stock`). Writes: the refund through `refund_shipped_order`, or the reshipment's
    parcel and stock moves, or the return's instructions; the claim resolved; the
    `claim_resolved` event; the customer's email.
    """
    now = at or timezone.now()
    claim, order = _locked_claim(claim_id=claim_id, seller_id=seller_id)
    if claim.status not in terms.ANSWERABLE_STATUSES:
        raise ClaimConflict(
            f"This claim is {terms.CLAIM_STATUSES.label(claim.status).lower()}: it cannot be answered now.",
            details={"status": claim.status},
        )
    if resolution not in terms.RESOLUTIONS:
        raise ValidationFailed(
            "Some fields are invalid.", details={"resolution": [f"One of: {', '.join(terms.RESOLUTIONS.values)}."]}
        )
    note = (note or "").strip()
    if resolution == terms.RETURN and not note:
        raise ValidationFailed(
            "Some fields are invalid.", details={"note": ["Tell the customer how to return the items."]}
        )
    if len(note) > MAX_DESCRIPTION:
        raise ValidationFailed("Some fields are invalid.", details={"note": [f"At most {MAX_DESCRIPTION} characters."]})
    number = ""
    if resolution == terms.REFUND:
        claim.refunded += _refund(claim=claim, order=order, actor=actor, source="claim", key=f"claim-{claim.pk}")
    elif resolution == terms.RESHIPMENT:
        claim.reshipment = reshipments.reship(
            order=order,
            lines=_claimed(claim),
            actor=actor,
            carrier=carrier,
            service_level=service_level,
            tracking_number=tracking_number,
            reason=f"reshipment for claim {claim.pk}",
            at=now,
        )
        number = claim.reshipment.tracking_number
    claim.status = terms.RESOLVED
    claim.resolution = resolution
    claim.answer_note = note
    claim.answered_at = now
    claim.save(update_fields=["status", "resolution", "answer_note", "answered_at", "refunded", "reshipment"])
    events.claim_resolved_event(
        order=order,
        actor=actor,
        at=now,
        claim_id=claim.pk,
        resolution=resolution,
        note=note,
        refunded=str(claim.refunded),
        tracking_number=number,
    )
    _tell(claim=claim, order=order, step="resolved", at=now, seller_too=False)
    return claim


@transaction.atomic
def refuse_claim(*, claim_id: int, seller_id: int | None, actor: Actor, reason: str, at: datetime | None = None):
    """The seller refuses an open claim, saying why; it still escalates to the operator at `answer_by`.

    Guards: the caller's claim (404), open (409 `claim_conflict`), a reason (422). Writes: the
    claim refused with the reason; the `claim_refused` event; the customer's email.
    """
    now = at or timezone.now()
    claim, order = _locked_claim(claim_id=claim_id, seller_id=seller_id)
    if claim.status != terms.OPEN:
        raise ClaimConflict(
            f"This claim is {terms.CLAIM_STATUSES.label(claim.status).lower()}: it cannot be refused now.",
            details={"status": claim.status},
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_DESCRIPTION:
        raise ValidationFailed(
            "Some fields are invalid.", details={"reason": [f"Say why (1 to {MAX_DESCRIPTION} characters)."]}
        )
    claim.status = terms.REFUSED
    claim.answer_note = reason
    claim.answered_at = now
    claim.save(update_fields=["status", "answer_note", "answered_at"])
    events.claim_refused_event(order=order, actor=actor, at=now, claim_id=claim.pk, reason=reason)
    _tell(claim=claim, order=order, step="refused", at=now, seller_too=False)
    return claim


# --- the deadline and the operator -------------------------------------------------------------


@transaction.atomic
def escalate_claim(*, claim_id: int, now: datetime) -> bool:
    """Hand an unanswered or refused claim to the operator once its `answer_by` has passed.

    Safe to repeat (a sweep after downtime, two sweeps at once): the second finds it escalated.
    Writes: the claim escalated; the `claim_escalated` event; the customer's email and the
    seller's alert.
    """
    try:
        claim, order = _locked_claim(claim_id=claim_id, seller_id=None)
    except NotFound:
        return False
    if claim.status not in terms.ANSWERABLE_STATUSES or claim.answer_by > now:
        return False
    claim.status = terms.ESCALATED
    claim.escalated_at = now
    claim.save(update_fields=["status", "escalated_at"])
    events.claim_escalated_event(order=order, at=now, claim_id=claim.pk, answer_by=claim.answer_by)
    _tell(claim=claim, order=order, step="escalated", at=now, seller_too=True)
    return True


ESCALATION_BATCH = 500


def escalate_overdue_claims(*, now: datetime | None = None) -> int:
    """Escalate every claim whose seller's deadline has passed unresolved; returns how many."""
    now = now or timezone.now()
    due = list(
        Claim.objects.filter(status__in=terms.ANSWERABLE_STATUSES, answer_by__lte=now)
        .order_by("answer_by", "id")
        .values_list("pk", flat=True)[:ESCALATION_BATCH]
    )
    return sum(escalate_claim(claim_id=pk, now=now) for pk in due)


# A claim is "due soon" once this share of its answer window has passed (like the order steps).
DUE_SOON_FRACTION = 0.75
# No answer window is longer than this (2 business days over a long holiday), so a claim due
# later cannot be due soon yet: the sweep reads only the claims due within it.
LONGEST_WINDOW = timedelta(days=10)


def due_soon_at(claim: Claim) -> datetime:
    return claim.opened_at + (claim.answer_by - claim.opened_at) * DUE_SOON_FRACTION


@transaction.atomic
def remind_due_soon(*, claim_id: int, now: datetime) -> bool:
    """Alert the seller once that a claim's answer is due soon; False when not (or no longer) due."""
    try:
        claim, order = _locked_claim(claim_id=claim_id, seller_id=None)
    except NotFound:
        return False
    if claim.status != terms.OPEN or not due_soon_at(claim) <= now < claim.answer_by:
        return False
    lines = list(claim.lines.select_related("line").order_by("id"))
    context = _claim_context(claim, order, "due_soon", lines)
    return (
        queue_notification(
            order=order,
            kind=Notification.Kind.SELLER_CLAIM_UPDATE,
            recipient=order.seller.email,
            stage=f"{claim.pk}:due_soon",
            context={"claim": context},
            at=now,
        )
        is not None
    )


def remind_claims_due_soon(*, now: datetime | None = None) -> int:
    """Alert the sellers of the open claims whose answer is due soon; each claim once."""
    now = now or timezone.now()
    candidates = Claim.objects.filter(
        status=terms.OPEN, answer_by__gt=now, answer_by__lte=now + LONGEST_WINDOW * (1 - DUE_SOON_FRACTION)
    ).order_by("answer_by", "id")[:ESCALATION_BATCH]
    due = [c.pk for c in candidates.only("pk", "opened_at", "answer_by") if due_soon_at(c) <= now]
    return sum(remind_due_soon(claim_id=pk, now=now) for pk in due)


@transaction.atomic
def decide_claim(*, claim_id: int, actor: Actor, decision: str, note: str = "", at: datetime | None = None) -> Claim:
    """The marketplace operator decides an escalated claim.

    Guards: the operator (or the platform) acts (403); the claim is escalated (409
    `claim_conflict`); a known decision (422). `refund_customer` refunds the claimed units
    through `refund_shipped_order` with source "operator": the refund reverses the seller's
    earnings like any refund after shipment, and the claim counts as lost by the seller (order
    defect rate). Writes: the decision; the `claim_decided` event; the customer's email and the
    seller's alert.
    """
    if actor.kind not in (ActorKind.OPERATOR, ActorKind.PLATFORM, ActorKind.SYSTEM):
        raise PermissionDenied("Only the marketplace operator decides an escalated claim.")
    now = at or timezone.now()
    claim, order = _locked_claim(claim_id=claim_id, seller_id=None)
    if claim.status != terms.ESCALATED:
        raise ClaimConflict("Only an escalated claim is decided by the marketplace.", details={"status": claim.status})
    if decision not in terms.DECISIONS:
        raise ValidationFailed(
            "Some fields are invalid.", details={"decision": [f"One of: {', '.join(terms.DECISIONS.values)}."]}
        )
    note = (note or "").strip()[:MAX_DESCRIPTION]
    if decision == terms.REFUND_CUSTOMER:
        claim.refunded += _refund(
            claim=claim, order=order, actor=actor, source="operator", key=f"claim-{claim.pk}-operator"
        )
        claim.seller_lost = True
    claim.status = terms.DECIDED
    claim.decision = decision
    claim.decision_note = note
    claim.decided_at = now
    claim.save(update_fields=["status", "decision", "decision_note", "decided_at", "refunded", "seller_lost"])
    events.claim_decided_event(
        order=order,
        actor=actor,
        at=now,
        claim_id=claim.pk,
        decision=decision,
        note=note,
        refunded=str(claim.refunded),
    )
    _tell(claim=claim, order=order, step="decided", at=now, seller_too=True)
    return claim
