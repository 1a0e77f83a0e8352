"""Queue outbox rows and work the seller's alerts.

`queue_notification` is called by other services inside their transaction: it records what the
message shows — the order as it is at that moment (`notifications.facts`) — on the outbox row,
writes the row and — for a seller — the dashboard alert, and sends nothing itself. The worker
(`notifications.delivery`) renders the message from those facts and sends it: the content is
fixed now, only the templates' wording is that of the send. No template is rendered inside the
caller's transaction: that is CPU on every intake and lifecycle request for mail sent later.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import datetime
from functools import reduce

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shipdesk.actors import Actor
from shipdesk.errors import NotFound, StateConflict
from shipdesk.ops.requests import with_request_id
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import OrderStatus
from shipdesk.shipping.models import Shipment, ShipmentPurpose

from . import facts as message_facts
from . import rendering
from .models import Alert, Notification

K = Notification.Kind

# Kinds whose message shows the parcel (carrier, tracking link, ETA).
_WITH_SHIPMENT = frozenset(
    {
        K.CUSTOMER_SHIPPED,
        K.CUSTOMER_DELIVERED,
        K.CUSTOMER_DELAY_NOTICE,
        K.CUSTOMER_REVIEW_REQUEST,
        K.SELLER_DELIVERY_EXCEPTION,
    }
)

# Timeline event types written for a notification (OrderEvent.type); the message's own words
# are in `params` (kind, recipient, subject, attempts, error).


def _parcel_of(order, extra: dict) -> Shipment | None:
    """The parcel a message shows: the one its caller names (`shipment_id`), else the order's
    latest own parcel."""
    parcels = Shipment.objects.filter(order_id=order.pk)
    if extra.get("shipment_id"):
        return parcels.filter(pk=extra["shipment_id"]).first()
    return parcels.filter(purpose=ShipmentPurpose.ORDER).order_by("-shipped_at", "-id").first()


def queue_notification(
    *,
    order,
    kind: str,
    recipient: str,
    stage: str = "",
    context: dict | None = None,
    lines: list | None = None,
    shipment: Shipment | None = None,
    new_order: bool = False,
    at: datetime | None = None,
) -> Notification | None:
    """Queue the message `kind` about `order`; None if this (order, kind, stage) was queued before.

    `at`: the moment of the change that causes the message (the caller's action time, default
    now): the outbox row, its first attempt and the seller's alert are dated by it.

    A second attempt at the same (order, kind, stage) is a no-op — exactly "at most once" — e.g.
    two sweeps racing to send the same due-soon alert: the unique constraint lets one in.
    `lines`: the order's lines by id, when the caller holds them (saves reading them again).
    `shipment`: the parcel a message about a parcel shows, when the caller holds it as it now
    stands (the one it just created or marked delivered); else it is read (`_parcel_of`).
    `new_order`: the order was created in the caller's transaction, so no message of it can
    exist yet and the insert needs no savepoint to survive a duplicate.
    """
    extra = dict(context or {})
    seller = order.seller
    if lines is None:
        lines = list(order.lines.order_by("id")) if order.pk else []
    if kind not in _WITH_SHIPMENT:
        shipment = None
    elif shipment is None:
        shipment = _parcel_of(order, extra)
    facts = message_facts.of_order(order=order, lines=lines, shipment=shipment, seller=seller)
    # The bell shows the alert at once, so its one line is written now (a few f-strings).
    title = (
        rendering.alert_title(kind, order=order, lines=lines, extra=extra, seller=seller)
        if kind in rendering.SELLER_KINDS
        else ""
    )
    return _queue(
        seller=seller,
        order=order,
        kind=kind,
        stage=stage,
        recipient=recipient,
        context=extra,
        facts=facts,
        title=title,
        first_of_order=new_order,
        at=at,
    )


def queue_digest(*, seller, stage: str, digest: dict, at: datetime | None = None) -> Notification | None:
    """Queue the seller's daily digest for one local day (`stage`, the ISO date); once per day."""
    title = f"Today: {digest['to_confirm']} to confirm, {digest['to_process']} to process, {digest['to_ship']} to ship"
    if digest.get("overdue"):
        title += f" ({digest['overdue']} overdue)"
    # A quiet day gets no mail, but the row is still written: the day is done, and the next
    # sweep does not build the digest again.
    idle = not any(digest.get(key) for key in ("to_confirm", "to_process", "to_ship", "short", "delayed"))
    return _queue(
        seller=seller,
        order=None,
        kind=K.SELLER_DAILY_DIGEST,
        stage=stage,
        recipient=seller.email,
        context={"digest": digest},
        facts=message_facts.of_shop(seller),
        title="" if idle else title,
        skip="nothing to do today" if idle else "",
        at=at,
    )


def queue_conversation_message(
    *, seller, order, kind: str, stage: str, recipient: str, context: dict, at: datetime | None = None
) -> Notification | None:
    """Queue a message of a conversation or a support case (`rendering.CONVERSATION_KINDS`), whose
    words its caller gives in `context` ("message" or "case"); once per (order or seller, kind,
    stage). With an order it is an order's message like any other (`queue_notification`); a support
    case about the shop as a whole has none, and is rendered without an order's details."""
    if order is not None:
        return queue_notification(order=order, kind=kind, recipient=recipient, stage=stage, context=context, at=at)
    title = rendering.alert_title(kind, order=None, lines=[], extra=context, seller=seller)
    return _queue(
        seller=seller,
        order=None,
        kind=kind,
        stage=stage,
        recipient=recipient,
        context=context,
        facts=message_facts.of_shop(seller),
        title=title if kind in rendering.SELLER_KINDS else "",
        at=at,
    )


def queue_seller_messages(*, kind: str, messages: list[dict], at: datetime | None = None) -> int:
    """Queue one seller-level message (no order) per item of `messages`, in a fixed number of
    queries however many there are; returns how many were new.

    Each item: `{"seller", "stage", "context", "title"}`; rendered by the worker from the
    templates of `kind` (`notifications/email/<kind>.*`) with `context`. Like the digest, once per (seller, kind,
    stage): an item whose row exists is skipped. Used by the daily performance evaluation, which
    may change many sellers' standing in one run (call inside its transaction).
    """
    if not messages:
        return 0
    now = at or timezone.now()
    wanted = {(item["seller"].pk, item["stage"]) for item in messages}
    existing = set(
        Notification.objects.filter(
            kind=kind, order__isnull=True, seller_id__in={pk for pk, _ in wanted}, stage__in={st for _, st in wanted}
        ).values_list("seller_id", "stage")
    )
    rows, titles = [], []
    for item in messages:
        seller, stage = item["seller"], item["stage"]
        if (seller.pk, stage) in existing:
            continue
        existing.add((seller.pk, stage))
        row = Notification(
            seller_id=seller.pk, order=None, kind=kind, stage=stage, recipient=seller.email,
            context=with_request_id(dict(item["context"])), facts=message_facts.of_shop(seller),
            created_at=now, next_attempt_at=now,
        )  # fmt: skip
        rows.append(row)
        titles.append(item["title"])
    created = Notification.objects.bulk_create(rows)
    Alert.objects.bulk_create(
        [
            Alert(seller_id=row.seller_id, order=None, notification=row, kind=kind, title=title[:300], created_at=now)
            for row, title in zip(created, titles, strict=True)
            if title
        ]
    )
    return len(created)


def _queue(
    *,
    seller,
    order,
    kind,
    stage,
    recipient,
    context,
    facts,
    title,
    skip: str = "",
    first_of_order: bool = False,
    at: datetime | None = None,
) -> Notification | None:
    now = at or timezone.now()
    row = Notification(
        seller_id=seller.pk,
        order=order,
        kind=kind,
        stage=stage,
        recipient=recipient,
        context=with_request_id(context),  # ops: which request queued it, when one did
        facts=facts,
        created_at=now,
        next_attempt_at=now,
    )
    if skip:
        row.status = Notification.Status.SKIPPED
        row.last_error = skip
    if first_of_order:
        row.save(force_insert=True)  # nothing of a new order was queued before
    else:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            return None  # queued before: at most once per (order, kind, stage)
    if title:
        Alert.objects.create(
            seller_id=seller.pk, order=order, notification=row, kind=kind, title=title[:300], created_at=now
        )
    return row


def timeline_params(row: Notification, **more) -> dict:
    """What the order's timeline says about a message."""
    return {
        "notification_id": row.pk,
        "kind": row.kind,
        "recipient": row.recipient,
        "subject": row.subject,
        "attempts": row.attempts,
        **({"error": row.last_error} if row.last_error else {}),
        **more,
    }


# --- the customer's delay notice (one click from the seller) --------------------------------------


@transaction.atomic
def send_delay_notice(*, order_id: int, seller_id: int | None, actor: Actor) -> Notification:
    """Tell the customer their parcel is late; once per order. The order must be shipped and delayed."""
    order = lock_order(order_id=order_id, seller_id=seller_id)
    # The parcel the notice is about: the order's delayed parcel still on its way.
    shipment = (
        Shipment.objects.filter(order=order, purpose=ShipmentPurpose.ORDER, delayed=True, delivered_at__isnull=True)
        .order_by("delayed_at", "id")
        .first()
    )
    if order.status != OrderStatus.SHIPPED or shipment is None:
        raise StateConflict(
            "Only a shipped order whose parcel is delayed gets a delay notice.", details={"status": order.status}
        )
    existing = Notification.objects.filter(order=order, kind=K.CUSTOMER_DELAY_NOTICE, stage="").first()
    if existing is not None:
        raise StateConflict(
            "The customer was already sent a delay notice for this order.", details={"notification_id": existing.pk}
        )
    row = queue_notification(
        order=order,
        kind=K.CUSTOMER_DELAY_NOTICE,
        recipient=order.customer_email,
        context={
            "reason": shipment.delay_reason or "missed_eta",
            "requested_by": actor.label,
            "shipment_id": shipment.pk,
        },
    )
    assert row is not None  # checked above, under the order's lock
    return row


# --- alerts ----------------------------------------------------------------------------------------


def raise_alert(*, seller_id: int, order, kind: str, title: str, at: datetime | None = None) -> Alert:
    """A line in the seller's bell with no email behind it: news the seller should see, not be
    mailed about (a customer's answer to a substitute offer, a new review). Call inside the
    transaction of the change it reports."""
    return Alert.objects.create(
        seller_id=seller_id, order=order, kind=kind[:40], title=title[:300], created_at=at or timezone.now()
    )


def mark_alert_read(*, alert_id: int, seller_id: int | None, at: datetime | None = None) -> Alert:
    """Mark one alert read (idempotent: an alert read before keeps its first read time)."""
    qs = Alert.objects.filter(pk=alert_id)
    if seller_id is not None:
        qs = qs.filter(seller_id=seller_id)
    qs.filter(read_at__isnull=True).update(read_at=at or timezone.now())
    alert = qs.select_related("order").first()
    if alert is None:
        raise NotFound("Alert not found.")
    return alert


# The alerts that ask the seller for a step of an order, by step: what the step settles. A new
# order, a failed payment and a short line all wait for the confirmation (which needs the order
# paid and every line in stock); a due-soon or overdue alert waits for the step it names.
_DEADLINE_KINDS = (K.SELLER_DUE_SOON, K.SELLER_OVERDUE)
ALERTS_ASKING_FOR = {
    "confirm": Q(kind__in=(K.SELLER_NEW_ORDER, K.SELLER_PAYMENT_FAILED, K.SELLER_OUT_OF_STOCK))
    | Q(kind__in=_DEADLINE_KINDS, notification__stage="confirm"),
    "process": Q(kind__in=_DEADLINE_KINDS, notification__stage="process"),
    "ship": Q(kind__in=_DEADLINE_KINDS, notification__stage="ship"),
}


def resolve_step_alerts(*, order, steps: Iterable[str], at: datetime | None = None) -> int:
    """Mark read the order's unread alerts that asked for one of `steps`, now taken (or moot:
    a cancellation settles them all). Returns how many.

    Called by the order services inside the transaction of the step, so the bell never shows
    "confirm #1001" for an order that is already confirmed or cancelled. Other alerts of the
    order (a delivery exception, a customer's answer) stay unread: they are news, not a to-do.
    """
    wanted = [ALERTS_ASKING_FOR[step] for step in steps]
    if not wanted:
        return 0
    asking = reduce(operator.or_, wanted)
    return Alert.objects.filter(asking, seller_id=order.seller_id, order_id=order.pk, read_at__isnull=True).update(
        read_at=at or timezone.now()
    )


def resolve_alerts_of_stages(*, order, stages: Iterable[str], at: datetime | None = None) -> int:
    """Mark read the order's unread alerts whose message was queued for one of `stages` (a
    return's answer or refund step, `return-<id>-<step>`): the step was taken. Returns how many."""
    return Alert.objects.filter(
        seller_id=order.seller_id, order_id=order.pk, read_at__isnull=True, notification__stage__in=list(stages)
    ).update(read_at=at or timezone.now())


def mark_all_alerts_read(*, seller_id: int, at: datetime | None = None) -> int:
    """Mark read every alert the seller had at `at` (default now); an alert raised after `at` stays unread."""
    at = at or timezone.now()
    return Alert.objects.filter(seller_id=seller_id, read_at__isnull=True, created_at__lte=at).update(read_at=at)


def requeue_failed(*, notification_ids: list[int]) -> int:
    """Send FAILED messages again (the operator fixed the address, the mail server or a template):
    a fresh set of attempts from now. Sent, queued and skipped messages are left alone, and so is
    a message that has neither words nor facts to render them from (it failed to render when it
    was queued, before the facts existed). One that failed to render in the worker is rendered
    again from its facts."""
    now = timezone.now()
    return (
        Notification.objects.filter(pk__in=notification_ids, status=Notification.Status.FAILED)
        .exclude(subject="", facts__isnull=True)
        .update(status=Notification.Status.QUEUED, attempts=0, next_attempt_at=now, failed_at=None, handed_over_at=None)
    )
