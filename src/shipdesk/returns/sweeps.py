"""The returns' deadline sweep (run by the worker every minute), like the order steps' own.

A return owes the seller a step while it is requested (answer within the policy's business
days) and while it is received but not refunded (refund within as many). At 75 % of the step's
business hours the seller gets a "due soon" alert and email, past the deadline an "overdue"
one — each once per return and step (the outbox is unique per order, kind and stage). Safe to
run twice and after downtime: it works from the rows as they are now.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from shipdesk.accounts.policy import calendars_for
from shipdesk.jobs import periodic
from shipdesk.notifications.models import Notification
from shipdesk.notifications.services import queue_notification
from shipdesk.orders.deadlines import business_due_soon_at
from shipdesk.orders.locks import lock_order

from . import terms
from .models import ReturnRequest
from .services import step_stage

logger = logging.getLogger(__name__)
K = Notification.Kind
SWEEP_BATCH = 500
DUE_SOON_HORIZON = timedelta(days=14)


def _without(kind: str, step: str):
    """No `kind` message yet for this return's step (its stage is `return-<id>-<step>`)."""
    stage = Concat(Value("return-"), Cast(OuterRef("pk"), CharField()), Value(f"-{step}"))
    return ~Exists(Notification.objects.filter(order=OuterRef("order_id"), kind=kind, stage=stage))


def _each(what: str, ids, act) -> int:
    done = 0
    for return_id in ids:
        try:
            done += bool(act(return_id))
        except Exception:
            logger.exception("Return sweep %s failed for return %s; the next run tries again.", what, return_id)
    return done


@periodic("returns.deadline-alerts", every=timedelta(minutes=1))
def sweep_return_deadlines(now: datetime | None = None) -> dict:
    """Due-soon and overdue alerts for answering and refunding returns."""
    now = now or timezone.now()
    counts = {"due_soon": 0, "overdue": 0}
    for step in terms.STEPS:
        overdue = list(
            ReturnRequest.objects.filter(status=step.status, action_due_at__lt=now)
            .filter(_without(K.SELLER_RETURN_OVERDUE, step.value))
            .order_by("action_due_at", "id")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        counts["overdue"] += _each(
            "overdue", overdue, lambda pk, step=step: alert_return_step(return_id=pk, step=step.value, now=now)
        )
        candidates = list(
            ReturnRequest.objects.filter(
                status=step.status, action_due_at__gte=now, action_due_at__lte=now + DUE_SOON_HORIZON
            )
            .filter(_without(K.SELLER_RETURN_DUE_SOON, step.value))
            .order_by("action_due_at", "id")
            .values_list("pk", "seller_id", step.window_start, step.deadline)[:SWEEP_BATCH]
        )
        calendars = calendars_for({row[1] for row in candidates})
        due = [
            pk
            for pk, seller_id, start, deadline in candidates
            if start is not None
            and deadline is not None
            and seller_id in calendars
            and business_due_soon_at(calendars[seller_id], window_start=start, deadline=deadline) <= now
        ]
        counts["due_soon"] += _each(
            "due soon", due, lambda pk, step=step: alert_return_step(return_id=pk, step=step.value, now=now)
        )
    return counts


@transaction.atomic
def alert_return_step(*, return_id: int, step: str, now: datetime) -> bool:
    """The seller's due-soon (before the deadline) or overdue (after it) alert for a return's step, once."""
    the_step = terms.STEPS[step]
    order_id = ReturnRequest.objects.filter(pk=return_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return False
    order = lock_order(order_id=order_id, seller_id=None)
    request = ReturnRequest.objects.get(pk=return_id)
    deadline = getattr(request, the_step.deadline)
    if request.status != the_step.status or deadline is None:
        return False  # the step was taken meanwhile
    kind = K.SELLER_RETURN_OVERDUE if now > deadline else K.SELLER_RETURN_DUE_SOON
    return (
        queue_notification(
            order=order,
            kind=kind,
            stage=step_stage(request.pk, step),
            recipient=order.seller.email,
            context={"return_id": request.pk, "stage": step, "deadline": deadline.isoformat()},
            at=now,
        )
        is not None
    )
