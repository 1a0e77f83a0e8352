"""Return actions: the only code that changes a return. Each is one transaction.

Every action locks the order first (`orders.locks.lock_order`), then the return, then the
order's lines — the lock order of every writer of an order — so a return's actions, the order's
own actions and refunds queue on one row. Each writes the order's timeline event and the
outbox rows (the customer's email, the seller's alert) before commit.

The money step is `orders.services.refund_shipped_order` (source `return`), with the return's
own idempotency key: a return is refunded once, however often or concurrently it is asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shipdesk.accounts.policy import calendar_for
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import InvalidTransition, NotFound, PermissionDenied, StateConflict, ValidationFailed
from shipdesk.inventory import services as stock
from shipdesk.inventory.models import StockMove
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification, resolve_alerts_of_stages
from shipdesk.orders import events
from shipdesk.orders import terms as order_terms
from shipdesk.orders.locks import lock_lines, lock_order
from shipdesk.orders.models import Order, OrderLine
from shipdesk.orders.selectors import left_to_refund, refundable_units, shipping_refunded
from shipdesk.orders.services import refund_shipped_order, reserve_short_lines
from shipdesk.single_line import single_line_problem

from . import terms
from .models import ReturnLine, ReturnPolicy, ReturnRequest, ReturnStatus
from .policy import MAX_WINDOW_DAYS, MIN_WINDOW_DAYS, return_rules_for

K = Notification.Kind
SHOP_ACTORS = frozenset({ActorKind.SELLER, ActorKind.OPERATOR, ActorKind.PLATFORM})
# Who may ask for a return: the customer (their order page, or the storefront with a platform
# token), or the shop recording it for them.
REQUESTERS = SHOP_ACTORS | {ActorKind.CUSTOMER}
MAX_LINES = 100
MAX_TEXT = 2000


class ReturnWindowClosed(StateConflict):
    code = "return_window_closed"


def _text_problem(value: str, limit: int = MAX_TEXT) -> str:
    return f"At most {limit} characters." if len(value or "") > limit else ""


def return_window_ends(order: Order, *, window_days: int) -> datetime | None:
    """The end of the order's return window: `window_days` after delivery (after shipping, for a
    parcel whose delivery nobody reported); None before it shipped."""
    start = order.delivered_at or order.shipped_at
    return None if start is None else start + timedelta(days=window_days)


def _units_in_open_returns(order: Order) -> dict[int, int]:
    rows = (
        ReturnLine.objects.filter(return_request__order=order, return_request__status__in=terms.OPEN_STATUSES)
        .values("line_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["line_id"]: row["units"] for row in rows}


def returnable_units(order: Order, lines: list[OrderLine]) -> dict[int, int]:
    """Units of each line that may still be returned: shipped, not refunded, in no open return."""
    taken = _units_in_open_returns(order)
    return {line.pk: max(0, refundable_units(line) - taken.get(line.pk, 0)) for line in lines}


def step_stage(request_id: int, step: str) -> str:
    """The outbox stage of a return step's due-soon and overdue alerts (`return-<id>-<step>`)."""
    return f"return-{request_id}-{step}"


def _stages(request: ReturnRequest, step: str) -> list[str]:
    # The "return requested" alert asks for the answer too.
    plain = [f"return-{request.pk}"] if step == terms.ANSWER else []
    return [*plain, step_stage(request.pk, step)]


@transaction.atomic
def request_return(
    *,
    order_id: int,
    seller_id: int | None,
    actor: Actor,
    lines: Sequence[tuple[int, int, str]],
    note: str = "",
    at: datetime | None = None,
) -> ReturnRequest:
    """Ask to send units of a shipped or delivered order back; returns the `requested` return.

    `lines`: (line_id, quantity, reason) triples, reasons from `returns.terms.RETURN_REASONS`.
    Guards: 1 to 100 lines, known reasons, a note of at most 2000 characters (422); the customer
    or someone acting for the shop (403); shipped or delivered (409 invalid_transition); the
    customer within the shop's return window (409 return_window_closed; the shop itself may
    accept a late return); each line on the order once, 1 ≤ quantity ≤ its units shipped, not
    refunded and in no open return (422). Writes: the return and its lines, due for an answer
    within the policy's business days; the `return_requested` event; the customer's
    acknowledgement and the seller's alert and email.
    """
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = ["Name at least one line to return."]
    elif len(lines) > MAX_LINES:
        errors["lines"] = [f"At most {MAX_LINES} lines."]
    for index, (_, _, reason) in enumerate(lines[:MAX_LINES]):
        if reason not in terms.RETURN_REASONS:
            errors[f"lines.{index}.reason"] = [f"One of: {', '.join(terms.RETURN_REASONS.values)}."]
    if problem := _text_problem(note):
        errors["note"] = [problem]
    if errors:
        raise ValidationFailed("Invalid return request.", details=errors)
    if actor.kind not in REQUESTERS:
        raise PermissionDenied(f"A {actor.kind.value} cannot ask for a return.")
    order = lock_order(order_id=order_id, seller_id=seller_id)
    if order.status not in order_terms.DISPATCHED_STATUSES:
        raise _not_returnable(order)
    now = at or timezone.now()
    rules = return_rules_for(order.seller_id)
    ends = return_window_ends(order, window_days=rules.window_days)
    if actor.kind in (ActorKind.CUSTOMER, ActorKind.PLATFORM) and ends is not None and now > ends:
        raise ReturnWindowClosed(
            f"The return window of this order closed on {ends:%Y-%m-%d} ({rules.window_days} days after delivery).",
            details={"return_window_ends": ends.isoformat()},
        )
    order_lines = lock_lines(order)
    by_id = {line.pk: line for line in order_lines}
    left = returnable_units(order, order_lines)
    seen: set[int] = set()
    for index, (line_id, quantity, _) in enumerate(lines):
        if line_id not in by_id or line_id in seen:
            errors[f"lines.{index}.line_id"] = [
                "Not a line of this order." if line_id not in by_id else "Each line once."
            ]
            continue
        seen.add(line_id)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= left[line_id]:
            errors[f"lines.{index}.quantity"] = [
                f"Between 1 and {left[line_id]}, the units that may still be returned."
                if left[line_id]
                else "No unit of this line may be returned (refunded, or in another return)."
            ]
    if errors:
        raise ValidationFailed("Invalid return request.", details=errors)

    answer_by = calendar_for(order.seller).add_business_days(now, rules.answer_business_days)
    request = ReturnRequest.objects.create(
        seller_id=order.seller_id,
        order=order,
        note=note or "",
        requested_by_kind=actor.kind.value,
        requested_by_label=actor.label[:200],
        requested_at=now,
        answer_by=answer_by,
        action_due_at=answer_by,
    )
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(
                seller_id=order.seller_id, return_request=request, line=by_id[line_id], quantity=quantity, reason=reason
            )
            for line_id, quantity, reason in lines
        ]
    )
    described = [
        {"line_id": line_id, "sku": by_id[line_id].sku, "quantity": quantity, "reason": reason}
        for line_id, quantity, reason in lines
    ]
    events.return_requested_event(order=order, actor=actor, at=now, return_id=request.pk, lines=described, note=note)
    context = {"return_id": request.pk, "return_lines": described, "note": note, "answer_by": answer_by.isoformat()}
    stage = f"return-{request.pk}"
    queue_notification(
        order=order, kind=K.CUSTOMER_RETURN_REQUESTED, stage=stage, recipient=order.customer_email,
        context=context, lines=order_lines, at=now,
    )  # fmt: skip
    queue_notification(
        order=order, kind=K.SELLER_RETURN_REQUESTED, stage=stage, recipient=order.seller.email,
        context=context, lines=order_lines, at=now,
    )  # fmt: skip
    return request


def _not_returnable(order: Order) -> StateConflict:
    return InvalidTransition(
        f"Only a shipped or delivered order can be returned; this one is {order.status}.",
        details={"status": order.status},
    )


def _lock_return(*, return_id: int, seller_id: int | None, actor: Actor) -> tuple[Order, ReturnRequest]:
    """The return's order locked, then the return; another seller's return is NotFound."""
    if actor.kind not in SHOP_ACTORS | {ActorKind.SYSTEM}:
        raise PermissionDenied(f"A {actor.kind.value} cannot act on returns.")
    scoped = ReturnRequest.objects.filter(pk=return_id)
    if seller_id is not None:
        scoped = scoped.filter(seller_id=seller_id)
    order_id = scoped.values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("Return not found.")
    order = lock_order(order_id=order_id, seller_id=seller_id)
    request = ReturnRequest.objects.select_for_update(no_key=True).get(pk=return_id)
    return order, request


def _require_status(request: ReturnRequest, *wanted: str, doing: str) -> None:
    if request.status not in wanted:
        raise StateConflict(
            f"Cannot {doing} a return that is {request.status}.",
            details={"status": request.status, "allowed_actions": allowed_return_actions(request.status)},
        )


def allowed_return_actions(status: str) -> list[str]:
    """What the seller may do with a return in `status`: what a screen offers."""
    return {
        terms.REQUESTED: ["approve", "reject"],
        terms.APPROVED: ["receive"],
        terms.RECEIVED: ["refund"],
    }.get(status, [])


@transaction.atomic
def approve_return(
    *,
    return_id: int,
    seller_id: int | None,
    actor: Actor,
    instructions: str = "",
    return_address: str = "",
    return_label_url: str = "",
    at: datetime | None = None,
) -> ReturnRequest:
    """Accept a requested return and tell the customer how to send it.

    Guards: someone acting for the shop (403); the return requested (409); instructions and
    address of at most 2000 characters, a label URL of at most 500 starting with https:// or
    http://, and a return address — given, or the shop's policy's (422). Writes: status, the
    instructions, address and label, who pays the postage (the shop's policy and the reasons)
    and whether the shipping is refunded with the units; no step due until the parcel arrives;
    settles the answer alerts; the `return_approved` event; the customer's email.
    """
    errors: dict[str, list[str]] = {}
    for field, value in (("instructions", instructions), ("return_address", return_address)):
        if problem := _text_problem(value):
            errors[field] = [problem]
    label = (return_label_url or "").strip()
    if label and (len(label) > 500 or not label.startswith(("https://", "http://")) or single_line_problem(label)):
        errors["return_label_url"] = ["An http(s) URL of at most 500 characters."]
    if errors:
        raise ValidationFailed("Invalid approval.", details=errors)
    order, request = _lock_return(return_id=return_id, seller_id=seller_id, actor=actor)
    _require_status(request, terms.REQUESTED, doing="approve")
    rules = return_rules_for(order.seller_id)
    address = (return_address or "").strip() or rules.return_address
    if not address:
        raise ValidationFailed(
            "Say where the parcel goes back to: give a return address, or set one in the shop's return policy.",
            details={"return_address": ["Give the return address (or set one in the shop's return policy)."]},
        )
    now = at or timezone.now()
    reasons = list(request.lines.values_list("reason", flat=True))
    payer = terms.shipping_paid_by(policy=rules.shipping_policy, reasons=reasons)
    request.status = ReturnStatus.APPROVED
    request.approved_at = now
    request.instructions = (instructions or "").strip() or rules.instructions
    request.return_address = address
    request.return_label_url = label
    request.shipping_paid_by = payer
    request.refund_shipping = payer == terms.SELLER and any(
        order_terms.REFUND_REASONS[reason].seller_fault for reason in reasons
    )
    request.action_due_at = None
    request.save(
        update_fields=[
            "status", "approved_at", "instructions", "return_address", "return_label_url", "shipping_paid_by",
            "refund_shipping", "action_due_at",
        ]
    )  # fmt: skip
    resolve_alerts_of_stages(order=order, stages=_stages(request, terms.ANSWER), at=now)
    events.return_approved_event(order=order, actor=actor, at=now, return_id=request.pk, shipping_paid_by=payer)
    queue_notification(
        order=order,
        kind=K.CUSTOMER_RETURN_APPROVED,
        stage=f"return-{request.pk}",
        recipient=order.customer_email,
        context={
            "return_id": request.pk,
            "instructions": request.instructions,
            "return_address": request.return_address,
            "return_label_url": request.return_label_url,
            "shipping_paid_by": payer,
            "return_lines": _described_lines(request),
        },
        at=now,
    )
    return request


@transaction.atomic
def reject_return(
    *, return_id: int, seller_id: int | None, actor: Actor, reason: str, at: datetime | None = None
) -> ReturnRequest:
    """Refuse a requested return, saying why.

    Guards: someone acting for the shop (403); the return requested (409); a reason of 1 to 2000
    characters (422). Writes: status and reason; the units are free for another request; settles
    the answer alerts; the `return_rejected` event; the customer's email with the reason.
    """
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_TEXT:
        raise ValidationFailed(
            "Say why the return is refused.", details={"reason": [f"Between 1 and {MAX_TEXT} characters."]}
        )
    order, request = _lock_return(return_id=return_id, seller_id=seller_id, actor=actor)
    _require_status(request, terms.REQUESTED, doing="reject")
    now = at or timezone.now()
    request.status = ReturnStatus.REJECTED
    request.rejected_at = now
    request.rejection_reason = reason
    request.action_due_at = None
    request.save(update_fields=["status", "rejected_at", "rejection_reason", "action_due_at"])
    resolve_alerts_of_stages(order=order, stages=_stages(request, terms.ANSWER), at=now)
    events.return_rejected_event(order=order, actor=actor, at=now, return_id=request.pk, reason=reason)
    queue_notification(
        order=order,
        kind=K.CUSTOMER_RETURN_REJECTED,
        stage=f"return-{request.pk}",
        recipient=order.customer_email,
        context={"return_id": request.pk, "rejection_reason": reason, "return_lines": _described_lines(request)},
        at=now,
    )
    return request


def _described_lines(request: ReturnRequest) -> list[dict]:
    return [
        {
            "line_id": each.line_id,
            "sku": each.line.sku,
            "quantity": each.quantity,
            "reason": each.reason,
            "resellable": each.received_resellable,
            "damaged": each.received_damaged,
        }
        for each in request.lines.select_related("line").order_by("line_id")
    ]


@transaction.atomic
def receive_return(
    *,
    return_id: int,
    seller_id: int | None,
    actor: Actor,
    lines: Sequence[tuple[int, int, str]],
    refund: bool = True,
    at: datetime | None = None,
) -> ReturnRequest:
    """The returned parcel arrived: restock what can be sold again, write off the rest, refund.

    `lines`: (line_id, quantity, condition) triples, condition resellable or damaged; a line may
    appear once per condition. Guards: someone acting for the shop (403); the return approved
    (409); 1 to 100 entries, each line in this return, a known condition, quantity ≥ 1, and per
    line no more units than were asked back (422). Writes: resellable units restocked (on_hand up,
    a `restocked` stock move) and offered to short lines waiting for the product; damaged units
    written off (a `written_off` move, on_hand unchanged); the lines' received counts; status
    received with the refund due within the policy's business days; the `return_received`
    event; the customer's email. With `refund` (the default), then refunds it (`refund_return`).
    """
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = ["Name at least one line received."]
    elif len(lines) > MAX_LINES:
        errors["lines"] = [f"At most {MAX_LINES} entries."]
    for index, (_, quantity, condition) in enumerate(lines[:MAX_LINES]):
        if condition not in terms.CONDITIONS:
            errors[f"lines.{index}.condition"] = [f"One of: {', '.join(terms.CONDITIONS.values)}."]
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors[f"lines.{index}.quantity"] = ["At least 1."]
    if errors:
        raise ValidationFailed("Invalid receipt.", details=errors)
    order, request = _lock_return(return_id=return_id, seller_id=seller_id, actor=actor)
    _require_status(request, terms.APPROVED, doing="receive")
    lock_lines(order)
    return_lines = {each.line_id: each for each in request.lines.select_related("line")}
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {terms.RESELLABLE: 0, terms.DAMAGED: 0})
    for index, (line_id, quantity, condition) in enumerate(lines):
        if line_id not in return_lines:
            errors[f"lines.{index}.line_id"] = ["Not a line of this return."]
        elif counts[line_id][condition]:
            errors[f"lines.{index}.line_id"] = ["Each line once per condition."]
        else:
            counts[line_id][condition] = quantity
    for index, (line_id, _, _) in enumerate(lines):
        if line_id in return_lines and sum(counts[line_id].values()) > return_lines[line_id].quantity:
            errors.setdefault(f"lines.{index}.quantity", [f"At most {return_lines[line_id].quantity} in all."])
    if errors:
        raise ValidationFailed("Invalid receipt.", details=errors)

    now = at or timezone.now()
    moves: list[StockMove] = []
    restocked: set[int] = set()
    for line_id, received in sorted(counts.items()):
        each = return_lines[line_id]
        each.received_resellable = received[terms.RESELLABLE]
        each.received_damaged = received[terms.DAMAGED]
        product_id = each.line.product_id
        why = f"return R{request.pk} of order #{order.number}"
        if each.received_resellable:
            stock.restock(product_id=product_id, quantity=each.received_resellable)
            restocked.add(product_id)
            moves.append(
                stock.build_stock_move(
                    product_id=product_id, seller_id=order.seller_id, kind=StockMove.Kind.RESTOCKED, actor=actor,
                    on_hand_delta=each.received_resellable, order_id=order.pk, reason=f"{why}: resellable", at=now,
                )
            )  # fmt: skip
        if each.received_damaged:
            # Damaged units never reach the shelf: on_hand stays as it is, the move says why.
            moves.append(
                stock.build_stock_move(
                    product_id=product_id, seller_id=order.seller_id, kind=StockMove.Kind.WRITTEN_OFF, actor=actor,
                    order_id=order.pk, reason=f"{why}: {each.received_damaged} damaged, written off", at=now,
                )
            )  # fmt: skip
    ReturnLine.objects.bulk_update(list(return_lines.values()), ["received_resellable", "received_damaged"])
    stock.write_moves(moves)
    rules = return_rules_for(order.seller_id)
    request.status = ReturnStatus.RECEIVED
    request.received_at = now
    request.refund_by = calendar_for(order.seller).add_business_days(now, rules.refund_business_days)
    request.action_due_at = request.refund_by
    request.save(update_fields=["status", "received_at", "refund_by", "action_due_at"])
    described = [
        {"line_id": line_id, "sku": return_lines[line_id].line.sku, **received}
        for line_id, received in sorted(counts.items())
    ]
    events.return_received_event(order=order, actor=actor, at=now, return_id=request.pk, lines=described)
    queue_notification(
        order=order,
        kind=K.CUSTOMER_RETURN_RECEIVED,
        stage=f"return-{request.pk}",
        recipient=order.customer_email,
        context={"return_id": request.pk, "received_lines": described},
        at=now,
    )
    for product_id in sorted(restocked):
        reserve_short_lines(product_id=product_id, actor=actor, at=now)
    if refund:
        _refund_locked(order=order, request=request, actor=actor, now=now)
    return request


@transaction.atomic
def refund_return(*, return_id: int, seller_id: int | None, actor: Actor, at: datetime | None = None) -> ReturnRequest:
    """Refund a received return: the units that came back (resellable and damaged alike), their
    exact tax, and the order's shipping when the shop was at fault and pays the postage.

    Guards: someone acting for the shop (403); the return received (409; a refunded return is
    409 too: it is refunded once). Writes: the refund (`orders.services.refund_shipped_order`,
    source `return`, keyed by the return so it is never paid twice); status refunded; settles
    the refund alerts. The customer's "refunded" email is the refund's own.
    """
    order, request = _lock_return(return_id=return_id, seller_id=seller_id, actor=actor)
    _require_status(request, terms.RECEIVED, doing="refund")
    _refund_locked(order=order, request=request, actor=actor, now=at or timezone.now())
    return request


def _refund_locked(*, order: Order, request: ReturnRequest, actor: Actor, now: datetime) -> None:
    return_lines = list(request.lines.select_related("line").order_by("line_id"))
    # Units refunded meanwhile (a goodwill refund of the same units) are not refunded twice.
    units = [
        (each.line_id, min(each.received, refundable_units(each.line)))
        for each in return_lines
        if min(each.received, refundable_units(each.line)) > 0
    ]
    reasons = [each.reason for each in return_lines]
    reason = next((r for r in reasons if order_terms.REFUND_REASONS[r].seller_fault), reasons[0])
    if (units or request.refund_shipping) and left_to_refund(order).total > 0:
        request.shipped_refund = refund_shipped_order(
            order_id=order.pk,
            seller_id=order.seller_id,
            actor=actor,
            lines=units,
            shipping=request.refund_shipping and not shipping_refunded(order),
            reason=reason,
            source="return",
            note=f"return R{request.pk}",
            idempotency_key=f"return-{request.pk}",
            at=now,
        )
    request.status = ReturnStatus.REFUNDED
    request.refunded_at = now
    request.action_due_at = None
    request.save(update_fields=["status", "refunded_at", "action_due_at", "shipped_refund"])
    resolve_alerts_of_stages(order=order, stages=_stages(request, terms.REFUND), at=now)


def set_return_policy(
    *,
    seller_id: int,
    window_days: int | None,
    shipping_policy: str | None,
    return_address: str = "",
    instructions: str = "",
) -> ReturnPolicy:
    """Set a shop's return policy (created or replaced); None (or "") is the platform default.

    Guards (422 per field, nothing written): a window of MIN_WINDOW_DAYS to MAX_WINDOW_DAYS
    whole days; a known shipping policy (`returns.terms.SHIPPING_POLICIES`); an address and
    instructions of at most 2000 characters. Writes the shop's one ReturnPolicy row; returns
    requested and approved afterwards follow it (those already approved keep who pays).
    """
    return_address = (return_address or "").strip()
    instructions = (instructions or "").strip()
    shipping_policy = (shipping_policy or "").strip()
    errors: dict[str, list[str]] = {}
    if window_days is not None and (
        isinstance(window_days, bool)
        or not isinstance(window_days, int)
        or not MIN_WINDOW_DAYS <= window_days <= MAX_WINDOW_DAYS
    ):
        errors["window_days"] = [f"A whole number of days from {MIN_WINDOW_DAYS} to {MAX_WINDOW_DAYS}."]
    if shipping_policy and shipping_policy not in terms.SHIPPING_POLICIES:
        errors["shipping_policy"] = [f"One of: {', '.join(terms.SHIPPING_POLICIES.values)}."]
    for field, value in (("return_address", return_address), ("instructions", instructions)):
        if problem := _text_problem(value):
            errors[field] = [problem]
    if errors:
        raise ValidationFailed("The return policy is not valid.", details=errors)
    policy, _ = ReturnPolicy.objects.update_or_create(
        seller_id=seller_id,
        defaults={
            "window_days": window_days,
            "shipping_policy": shipping_policy,
            "return_address": return_address,
            "instructions": instructions,
        },
    )
    return policy
