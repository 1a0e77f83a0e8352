"""Periodic sweeps over orders (docs/workflow.md Deadlines and Notifications), run by the worker.

Every sweep works from the rows as they are now — "orders past their deadline without an
overdue alert" — never from "what happened since my last run", so running one twice changes
nothing the second time and a run after a day of downtime catches up on the whole day at once.
Each finding is acted on in its own transaction under the order's lock (the lock order of
`orders.services`), re-checked there: a seller confirming at the same moment wins cleanly.
Duplicates are impossible, not merely unlikely: every message is unique per (order, kind, stage).

- deadline alerts, every minute: an open step at 75 % of its window or past its deadline →
  the seller's due-soon or overdue alert and email; the late flag.
- auto-cancel, every 5 minutes: unpaid for 48 h, or paid and unconfirmed for 72 h →
  `cancel_order` as the system (stock released, refund, customer email).
- delivery delays, every 10 minutes: parcels past their ETA or not moving for 3 days →
  registered by the shipping app (`shipping.flag_delayed_shipments`): flag and seller alert; the
  seller sends the customer a delay notice in one click (`notifications.services.send_delay_notice`).
- review requests, every hour: delivered 2 days ago → the customer's review-request email.
- daily digest, every 15 minutes: sellers past 08:00 local without today's digest → one email and
  alert of what needs doing today.
- short lines, every 5 minutes: short lines of products with stock available →
  `reserve_short_lines` (catches lines skipped under SKIP LOCKED).

The "due soon" instant of the confirm step is 75 % of its 24 elapsed hours; of the process and
ship steps, 75 % of the *business hours* of their window (`business_due_soon_at`), so the alert
falls on a day the shop works, not on the Sunday in the middle of a Friday-to-Tuesday window.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import calendars_for, policy_for
from shipdesk.actors import SYSTEM
from shipdesk.inventory.models import Product
from shipdesk.jobs import periodic
from shipdesk.notifications.models import Notification
from shipdesk.notifications.rendering import day, order_url, when
from shipdesk.notifications.services import queue_digest, queue_notification
from shipdesk.shipping.models import Shipment

from . import services
from .deadlines import BusinessCalendar, business_due_soon_at, day_bounds, due_soon_at
from .events import deadline_missed_event
from .locks import lock_order
from .models import Cancellation, CancelReason, LineStock, Order, OrderLine, OrderStatus, PaymentStatus
from .terms import STAGE_BY_NAME, STAGES, Stage, stage_for

logger = logging.getLogger(__name__)

K = Notification.Kind

# Orders looked at per sweep and kind; a longer backlog is worked off by the next runs.
SWEEP_BATCH = 500
# A due-soon alert is looked for only this close to the deadline: 25 % of the longest real
# window (3 business days across a long holiday) is far less.
DUE_SOON_HORIZON = timedelta(days=14)
# After a long outage, a review request for a parcel delivered weeks ago is noise, not service.
REVIEW_REQUEST_WINDOW = timedelta(days=30)
DIGEST_ORDERS = 10

# Who a timeout cancellation counts against (docs/workflow.md): never paid is not the seller's doing;
# paid and never confirmed is. Performance metrics read the Cancellation's reason.
SELLER_CAUSED_TIMEOUTS = {CancelReason.UNPAID_TIMEOUT: False, CancelReason.UNCONFIRMED_TIMEOUT: True}


# --- pure: when "due soon" is (the business-hours arithmetic is in orders.deadlines) ---------------


def stage_window_fields(stage: Stage) -> tuple[str, ...]:
    """The order fields `stage_window_start` reads, in its argument order."""
    return ("placed_at", "paid_at") if stage.value == "confirm" else (stage.window_start,)


def stage_window_start(stage: Stage, *fields: datetime | None) -> datetime | None:
    """When the step's window started, from the values of `stage_window_fields(stage)`."""
    if stage.value == "confirm":
        placed_at, paid_at = fields
        return max(placed_at, paid_at) if paid_at else None
    return fields[0]


def due_soon_instant(
    stage: Stage, *, start: datetime | None, deadline: datetime | None, calendar: BusinessCalendar | None
) -> datetime | None:
    if start is None or deadline is None or deadline < start:
        return None
    if stage.business_days:
        return business_due_soon_at(calendar, window_start=start, deadline=deadline)
    return due_soon_at(window_start=start, deadline=deadline)


def _each(what: str, order_ids, act) -> int:
    """Act on each finding in its own transaction; one order that fails (a bug, a deadlock) is
    logged and left for the next run instead of stopping the sweep for every other order."""
    done = 0
    for order_id in list(order_ids):
        try:
            done += bool(act(order_id))
        except Exception:
            logger.exception("Sweep %s failed for order %s; the next run tries again.", what, order_id)
    return done


def _without(kind: str, stage: str = ""):
    return ~Exists(Notification.objects.filter(order=OuterRef("pk"), kind=kind, stage=stage))


# --- deadlines --------------------------------------------------------------------------------


@periodic("orders.deadline-alerts", every=timedelta(minutes=1))
def sweep_deadlines(now: datetime | None = None) -> dict:
    """Due-soon and overdue alerts for the confirm, process and ship steps; late flags."""
    now = now or timezone.now()
    calendars: dict[int, BusinessCalendar] = {}  # by seller id, read once per sweep
    counts = {"due_soon": 0, "overdue": 0}
    for stage in STAGES:
        overdue_ids = list(
            Order.objects.filter(status=stage.status, action_due_at__lt=now)
            .filter(_without(K.SELLER_OVERDUE, stage.value))
            .order_by("action_due_at", "id")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        counts["overdue"] += _each(
            "overdue", overdue_ids, lambda pk, stage=stage: flag_overdue(order_id=pk, stage=stage.value, now=now)
        )

        # Every open order in the horizon is looked at every minute: read only the columns the
        # due-soon instant needs (whole rows with their sellers were a third of the sweep) and
        # the calendars of all their sellers in one query, not one per seller.
        candidates = list(
            Order.objects.filter(status=stage.status, action_due_at__gte=now, action_due_at__lte=now + DUE_SOON_HORIZON)
            .filter(_without(K.SELLER_DUE_SOON, stage.value))
            .order_by("action_due_at", "id")
            .values_list("pk", "seller_id", stage.deadline, *stage_window_fields(stage))[:SWEEP_BATCH]
        )
        if stage.business_days and (missing := {row[1] for row in candidates} - calendars.keys()):
            calendars.update(calendars_for(missing))
        due = [
            pk
            for pk, seller_id, deadline, *window in candidates
            if (
                at := due_soon_instant(
                    stage,
                    start=stage_window_start(stage, *window),
                    deadline=deadline,
                    calendar=calendars.get(seller_id),
                )
            )
            is not None
            and at <= now
        ]
        counts["due_soon"] += _each(
            "due soon", due, lambda pk, stage=stage: alert_due_soon(order_id=pk, stage=stage.value, now=now)
        )
    return counts


@transaction.atomic
def alert_due_soon(*, order_id: int, stage: str, now: datetime) -> bool:
    step = STAGE_BY_NAME[stage]
    order = lock_order(order_id=order_id, seller_id=None)
    deadline = getattr(order, step.deadline)
    if order.status != step.status or deadline is None or now > deadline:
        return False  # moved on, or already overdue (the overdue alert says more)
    return (
        queue_notification(
            order=order,
            kind=K.SELLER_DUE_SOON,
            stage=stage,
            recipient=order.seller.email,
            context={"stage": stage, "deadline": deadline.isoformat()},
            at=now,
        )
        is not None
    )


@transaction.atomic
def flag_overdue(*, order_id: int, stage: str, now: datetime) -> bool:
    """Flag the order late for `stage` and alert the seller, once."""
    step = STAGE_BY_NAME[stage]
    order = lock_order(order_id=order_id, seller_id=None)
    deadline = getattr(order, step.deadline)
    if order.status != step.status or deadline is None or not now > deadline:
        return False
    row = queue_notification(
        order=order,
        kind=K.SELLER_OVERDUE,
        stage=stage,
        recipient=order.seller.email,
        context={"stage": stage, "deadline": deadline.isoformat()},
        at=now,
    )
    if row is None:
        return False
    # The same flag the action sets when it is done late; set now so lists and metrics see it.
    setattr(order, step.late_flag, True)
    order.save(update_fields=[step.late_flag, "updated_at"])
    deadline_missed_event(order=order, at=now, stage=stage, deadline=deadline)
    return True


# --- auto-cancel ------------------------------------------------------------------------------


def _shortest(field: str) -> int:
    """The shortest timeout in force for any seller: the platform's, or a seller's override."""
    override = Seller.objects.filter(**{f"{field}__isnull": False}).aggregate(m=Min(field))["m"]
    default = settings.SHIPDESK_POLICY[field]
    return min(default, override) if override is not None else default


_UNPAID = (PaymentStatus.UNPAID, PaymentStatus.FAILED)
_PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


@periodic("orders.auto-cancel", every=timedelta(minutes=5))
def sweep_auto_cancel(now: datetime | None = None) -> dict:
    """Cancel pending orders never paid within 48 h, and paid ones never confirmed within 72 h."""
    now = now or timezone.now()
    counts = {"unpaid": 0, "unconfirmed": 0}
    unpaid = (
        Order.objects.filter(
            status=OrderStatus.PENDING,
            payment_status__in=_UNPAID,
            placed_at__lte=now - timedelta(hours=_shortest("unpaid_cancel_hours")),
        )
        .order_by("placed_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    counts["unpaid"] += _each(
        "unpaid timeout", unpaid, lambda pk: auto_cancel(order_id=pk, reason=CancelReason.UNPAID_TIMEOUT, now=now)
    )
    # A paid pending order is past its confirm deadline long before it times out, so the
    # deadline index (`action_due_at`) finds the candidates.
    unconfirmed = (
        Order.objects.filter(status=OrderStatus.PENDING, payment_status__in=_PAID, action_due_at__lt=now)
        .filter(paid_at__lte=now - timedelta(hours=_shortest("unconfirmed_cancel_hours")))
        .order_by("action_due_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    counts["unconfirmed"] += _each(
        "unconfirmed timeout",
        unconfirmed,
        lambda pk: auto_cancel(order_id=pk, reason=CancelReason.UNCONFIRMED_TIMEOUT, now=now),
    )
    return counts


def timeout_due_at(order: Order, reason: str) -> datetime | None:
    """When `order` times out for `reason` under its seller's policy, or None if it cannot."""
    policy = policy_for(order.seller)
    if order.status != OrderStatus.PENDING:
        return None
    if reason == CancelReason.UNPAID_TIMEOUT and order.payment_status in _UNPAID:
        return order.placed_at + timedelta(hours=policy.unpaid_cancel_hours)
    if reason == CancelReason.UNCONFIRMED_TIMEOUT and order.payment_status in _PAID and order.paid_at:
        # The seller's clock starts when the money is there, as for the confirm deadline.
        return max(order.placed_at, order.paid_at) + timedelta(hours=policy.unconfirmed_cancel_hours)
    return None


@transaction.atomic
def auto_cancel(*, order_id: int, reason: str, now: datetime) -> bool:
    order = lock_order(order_id=order_id, seller_id=None)
    due = timeout_due_at(order, reason)
    if due is None or due > now:
        return False  # paid, confirmed or cancelled meanwhile; or a seller with a longer timeout
    hours = round(
        (
            due - (order.placed_at if reason == CancelReason.UNPAID_TIMEOUT else max(order.placed_at, order.paid_at))
        ).total_seconds()
        / 3600
    )
    if reason == CancelReason.UNPAID_TIMEOUT:
        note = f"Not paid within {hours} hours; cancelled automatically. Not counted against the shop."
    else:
        note = (
            f"Paid but not confirmed within {hours} hours; cancelled automatically. "
            "Counts as a cancellation by the shop."
        )
    order = services.cancel_order(order_id=order.pk, seller_id=None, actor=SYSTEM, reason=reason, note=note, at=now)
    refund = Cancellation.objects.filter(order=order, line__isnull=True).values_list("refund_amount", flat=True).get()
    queue_notification(
        order=order,
        kind=K.SELLER_AUTO_CANCELLED,
        recipient=order.seller.email,
        context={
            "reason": reason,
            "hours": hours,
            "refund_amount": str(refund),
            "seller_caused": SELLER_CAUSED_TIMEOUTS[reason],
        },
        at=now,
    )
    return True


# --- delivery ---------------------------------------------------------------------------------


@periodic("orders.review-requests", every=timedelta(hours=1))
def sweep_review_requests(now: datetime | None = None) -> int:
    """Ask the customer for a review 2 days after delivery (policy), once per order."""
    now = now or timezone.now()
    after = timedelta(days=settings.SHIPDESK_EMAIL["review_request_days"])
    due = (
        Order.objects.filter(
            status=OrderStatus.DELIVERED,
            delivered_at__lte=now - after,
            delivered_at__gte=now - after - REVIEW_REQUEST_WINDOW,
        )
        .filter(_without(K.CUSTOMER_REVIEW_REQUEST))
        .order_by("delivered_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return _each("review request", due, lambda pk: request_review(order_id=pk, now=now))


@transaction.atomic
def request_review(*, order_id: int, now: datetime | None = None) -> bool:
    order = lock_order(order_id=order_id, seller_id=None)
    if order.status != OrderStatus.DELIVERED:
        return False
    return (
        queue_notification(order=order, kind=K.CUSTOMER_REVIEW_REQUEST, recipient=order.customer_email, at=now)
        is not None
    )


# --- the daily digest -------------------------------------------------------------------------


@periodic("orders.daily-digest", every=timedelta(minutes=15))
def sweep_daily_digests(now: datetime | None = None) -> int:
    """Each seller's digest of the day, once their local clock passes the digest hour."""
    now = now or timezone.now()
    hour = settings.SHIPDESK_EMAIL["digest_hour"]
    due: list[tuple[Seller, str]] = []
    for seller in Seller.objects.filter(is_active=True).order_by("id"):
        local = now.astimezone(ZoneInfo(seller.timezone))
        if local.hour >= hour:
            due.append((seller, local.date().isoformat()))
    if not due:
        return 0
    done = set(
        Notification.objects.filter(
            kind=K.SELLER_DAILY_DIGEST, order__isnull=True, stage__in={stage for _, stage in due}
        ).values_list("seller_id", "stage")
    )
    queued = 0
    for seller, stage in due:
        if (seller.pk, stage) in done:
            continue
        with transaction.atomic():
            queued += (
                queue_digest(seller=seller, stage=stage, digest=build_digest(seller=seller, now=now), at=now)
                is not None
            )
    return queued


def build_digest(*, seller: Seller, now: datetime) -> dict:
    """What needs doing today at one shop: counts, and the most urgent orders."""
    zone = ZoneInfo(seller.timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    end_of_day, _ = day_bounds(tomorrow, zone)
    open_orders = Order.objects.filter(seller=seller, action_due_at__isnull=False)
    counts = {OrderStatus.PENDING: 0, OrderStatus.CONFIRMED: 0, OrderStatus.PROCESSING: 0}
    counts.update(open_orders.values_list("status").annotate(n=Count("id")).order_by())
    # The nearest deadlines first, overdue ones at the top, today's or not: what to start with.
    urgent = list(open_orders.order_by("action_due_at", "id")[:DIGEST_ORDERS])
    return {
        "date": day(now, seller.timezone),
        "to_confirm": counts[OrderStatus.PENDING],
        "to_process": counts[OrderStatus.CONFIRMED],
        "to_ship": counts[OrderStatus.PROCESSING],
        "overdue": open_orders.filter(action_due_at__lt=now).count(),
        "due_today": open_orders.filter(action_due_at__gte=now, action_due_at__lt=end_of_day).count(),
        "short": Order.objects.filter(seller=seller, status=OrderStatus.PENDING)
        .filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), stock=LineStock.SHORT)))
        .count(),
        "delayed": Shipment.objects.filter(seller=seller, delayed=True, order__status=OrderStatus.SHIPPED).count(),
        # Products at or under their low-stock threshold (marked by inventory when they fell).
        "low_stock": Product.objects.filter(seller=seller, is_active=True, low_stock_since__isnull=False).count(),
        "orders": [
            {
                "number": order.number,
                "customer": order.customer_name,
                "action": stage.value if (stage := stage_for(order.status)) else "",
                "deadline": when(order.action_due_at, seller.timezone),
                "overdue": order.action_due_at < now,
                "url": order_url(order.pk),
            }
            for order in urgent
        ],
    }


# --- short lines --------------------------------------------------------------------------------


@periodic("orders.reserve-short-lines", every=timedelta(minutes=5))
def sweep_short_lines() -> int:
    """Reserve short lines whose product has stock free.

    `reserve_short_lines` runs at every stock change, but skips lines another transaction holds
    (SKIP LOCKED, to keep the lock order); such a line would otherwise wait for the next change
    of its product's stock, which may never come. Starts from the short lines (a partial index).
    """
    product_ids = list(
        OrderLine.objects.filter(stock=LineStock.SHORT, order__status=OrderStatus.PENDING)
        .filter(product__on_hand__gt=F("product__reserved"))
        .values_list("product_id", flat=True)
        .distinct()
        .order_by("product_id")[:SWEEP_BATCH]
    )
    reserved = 0
    for product_id in product_ids:
        with transaction.atomic():
            product = Product.objects.select_for_update(no_key=True).filter(pk=product_id).first()
            if product is not None and product.on_hand > product.reserved:
                reserved += services.reserve_short_lines(product_id=product_id, actor=SYSTEM)
    return reserved
