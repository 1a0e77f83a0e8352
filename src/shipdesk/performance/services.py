"""The daily evaluation: snapshots, penalty points, the current standing, and the seller's notice.

A seller is evaluated once per local day `D`, as of the local midnight that ends `D` — so the
figures of a snapshot never depend on when the worker happened to run, and evaluating a past
day (the backfill) gives what the evaluation on that day would have given.

`evaluate_all_sellers` evaluates many sellers with a constant number of queries: sellers are
grouped by their evaluation instant (one group per distinct local midnight, i.e. per time zone
offset, not per seller), each group's figures come from `selectors.compute_figures` (one
GROUP BY seller query per metric), and everything is written with bulk inserts and updates.
Each group is one transaction; the unique (seller, day) snapshot makes a rerun a no-op.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.errors import NotFound
from shipdesk.notifications.models import Notification
from shipdesk.notifications.rendering import absolute
from shipdesk.notifications.services import queue_seller_messages
from shipdesk.ops.replica_routing import replica_reads

from . import metrics as m
from .metrics import METRICS, MetricFigure
from .models import PenaltyPoint, PerformanceSnapshot, SellerStanding
from .selectors import compute_figures

logger = logging.getLogger(__name__)

STANDING_CHANGED = Notification.Kind.SELLER_STANDING_CHANGED
STANDING_LABELS = {m.GOOD: "good", m.AT_RISK: "at risk", m.PENALISED: "penalised"}
_STATUS_LABELS = {m.S_BREACH: "missed", m.S_AT_RISK: "close to the target"}


def day_end(day: date, tz: str) -> datetime:
    """The instant local day `day` ends (the next local midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_yesterday(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)


def format_value(f: MetricFigure) -> str:
    if f.value is None:
        return "no data"
    return {"percent": f"{f.value} %", "hours": f"{f.value} h", "stars": f"{f.value} ★"}[f.unit]


def format_target(f: MetricFigure) -> str:
    if f.target is None:
        return "none"
    return f"{'<' if f.direction == 'max' else '>'} {f.target.normalize():f} %"


def _figures_json(figures: list[MetricFigure]) -> dict:
    return {
        f.key: {
            "value": None if f.value is None else str(f.value),
            "numerator": f.numerator,
            "denominator": f.denominator,
            "status": f.status,
        }
        for f in figures
    }


def _notice(
    seller: Seller, *, day: date, previous: str, standing: str, figures: list[MetricFigure], points: int, extra: int
) -> dict:
    problems = [
        {
            "key": f.key,
            "label": f.label,
            "value": format_value(f),
            "numerator": f.numerator,
            "denominator": f.denominator,
            "window_days": f.window_days,
            "target": format_target(f),
            "status": f.status,
            "status_label": _STATUS_LABELS[f.status],
            "what_to_fix": METRICS[f.key].what_to_fix,
        }
        # Breaches first, then those at risk.
        for f in sorted(figures, key=lambda f: f.status != m.S_BREACH)
        if f.status in (m.S_BREACH, m.S_AT_RISK)
    ]
    title = f"Your standing is now {STANDING_LABELS[standing]}"
    if problems:
        title += ": " + ", ".join(f"{p['label'].lower()} {p['value']}" for p in problems[:3])
    return {
        "seller": seller,
        "stage": f"standing:{day.isoformat()}",
        "title": title,
        "context": {
            "day": day.isoformat(),
            "standing": standing,
            "previous": previous,
            "standing_label": STANDING_LABELS[standing],
            "previous_label": STANDING_LABELS[previous],
            "points": points,
            "hold_extra_days": extra,
            "problems": problems,
            "performance_url": absolute("/performance/"),
        },
    }


def evaluate_all_sellers(
    *, now: datetime | None = None, day: date | None = None, seller_ids: list[int] | None = None, notify: bool = True
) -> int:
    """Evaluate every active seller (or `seller_ids`) for `day` — by default each seller's local
    yesterday at `now` — unless already evaluated for that day. Returns the snapshots written."""
    now = now or timezone.now()
    sellers = Seller.objects.filter(is_active=True) if seller_ids is None else Seller.objects.filter(pk__in=seller_ids)
    sellers = list(sellers.only("pk", "timezone", "email", "name", "slug").order_by("pk"))
    groups: dict[tuple[date, datetime], list[Seller]] = defaultdict(list)
    for seller in sellers:
        seller_day = day or local_yesterday(now, seller.timezone)
        as_of = day_end(seller_day, seller.timezone)
        if as_of > now:
            continue  # the day is not over yet for this seller
        groups[(seller_day, as_of)].append(seller)
    if not groups:
        return 0
    done = set(
        PerformanceSnapshot.objects.filter(
            seller_id__in=[s.pk for s in sellers], day__in={d for d, _ in groups}
        ).values_list("seller_id", "day")
    )
    written = 0
    for (group_day, as_of), members in sorted(groups.items(), key=lambda item: item[0][1]):
        todo = [s for s in members if (s.pk, group_day) not in done]
        if not todo:
            continue
        try:
            # The figures (the heavy reads, over a day that is over) come from a replica when there
            # is one; the snapshot, points and standing are written in one transaction below.
            with replica_reads():
                figures = compute_figures(as_of=as_of, seller_ids=[s.pk for s in todo])
            written += _evaluate_group(
                sellers=todo, day=group_day, as_of=as_of, now=now, notify=notify, figures=figures
            )
        except IntegrityError:
            # Another worker evaluated this group a moment ago (the unique (seller, day)
            # snapshot); this group rolled back whole, and the next run skips it.
            logger.info(
                "Performance evaluation of %s for %s ran concurrently; skipped.", [s.pk for s in todo], group_day
            )
    return written


@transaction.atomic
def _evaluate_group(
    *,
    sellers: list[Seller],
    day: date,
    as_of: datetime,
    now: datetime,
    notify: bool,
    figures: dict[int, list[MetricFigure]] | None = None,
) -> int:
    ids = [s.pk for s in sellers]
    if figures is None:  # not read beforehand (from a replica): read them in this transaction
        figures = compute_figures(as_of=as_of, seller_ids=ids)

    # Points earned up to `day` and still active on it, and the last award per metric.
    awards: dict[int, list[tuple[date, int]]] = defaultdict(list)
    last_awarded: dict[int, dict[str, date]] = defaultdict(dict)
    for seller_id, metric, points, awarded_on in PenaltyPoint.objects.filter(
        seller_id__in=ids, awarded_on__lte=day, awarded_on__gt=day - timedelta(days=m.POINTS_LIFETIME_DAYS)
    ).values_list("seller_id", "metric", "points", "awarded_on"):
        awards[seller_id].append((awarded_on, points))
        if metric not in last_awarded[seller_id] or awarded_on > last_awarded[seller_id][metric]:
            last_awarded[seller_id][metric] = awarded_on
    current = {row.seller_id: row for row in SellerStanding.objects.filter(seller_id__in=ids)}

    new_points, snapshots, creates, updates, notices = [], [], [], [], []
    for seller in sellers:
        seller_figures = figures[seller.pk]
        by_key = {f.key: f for f in seller_figures}
        for award in m.points_to_award(seller_figures, day=day, last_awarded=last_awarded[seller.pk]):
            f = by_key[award.metric]
            new_points.append(
                PenaltyPoint(
                    seller_id=seller.pk,
                    metric=award.metric,
                    points=award.points,
                    awarded_on=day,
                    expires_on=m.expires_on(day),
                    value=f.value,
                    target=f.target,
                    created_at=now,
                )  # fmt: skip
            )
            awards[seller.pk].append((day, award.points))
        points = m.active_points(awards[seller.pk], day=day)
        standing = m.standing_of(seller_figures, points)
        extra = m.hold_extra_days(points)
        breached = m.breached(seller_figures)
        snapshots.append(
            PerformanceSnapshot(
                seller_id=seller.pk,
                day=day,
                as_of=as_of,
                standing=standing,
                points=points,
                hold_extra_days=extra,
                metrics=_figures_json(seller_figures),
                breached=breached,
                created_at=now,
            )  # fmt: skip
        )
        row = current.get(seller.pk)
        if row is not None and row.evaluated_on > day:
            continue  # a backfill of an older day: the current standing is newer
        previous = row.standing if row is not None else m.GOOD
        fields = {
            "standing": standing, "rank": m.STANDING_RANK[standing], "points": points, "hold_extra_days": extra,
            "breached": breached, "evaluated_on": day, "evaluated_at": now,
        }  # fmt: skip
        if row is None:
            creates.append(SellerStanding(seller_id=seller.pk, changed_at=now, **fields))
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            if previous != standing:
                row.changed_at = now
            updates.append(row)
        if previous != standing and notify:
            notices.append(
                _notice(
                    seller,
                    day=day,
                    previous=previous,
                    standing=standing,
                    figures=seller_figures,
                    points=points,
                    extra=extra,
                )
            )

    # A concurrent run of the same day fails here on the unique (seller, day) and rolls back whole.
    PerformanceSnapshot.objects.bulk_create(snapshots)
    PenaltyPoint.objects.bulk_create(new_points)
    SellerStanding.objects.bulk_create(creates)
    SellerStanding.objects.bulk_update(
        updates,
        ["standing", "rank", "points", "hold_extra_days", "breached", "evaluated_on", "evaluated_at", "changed_at"],
    )
    queue_seller_messages(kind=STANDING_CHANGED, messages=notices, at=now)
    return len(snapshots)


def evaluate_seller_standing(
    *, seller_id: int, day: date, now: datetime | None = None, notify: bool = True
) -> PerformanceSnapshot:
    """Evaluate one seller for local day `day` (once; a second call returns the same snapshot)."""
    now = now or timezone.now()
    if not Seller.objects.filter(pk=seller_id).exists():
        raise NotFound("Seller not found.")
    evaluate_all_sellers(now=now, day=day, seller_ids=[seller_id], notify=notify)
    snapshot = PerformanceSnapshot.objects.filter(seller_id=seller_id, day=day).first()
    if snapshot is None:
        raise NotFound("That day is not over yet for this seller.")
    return snapshot


def evaluate_history(*, seller_id: int, days: int = 90, now: datetime | None = None) -> int:
    """Backfill the snapshots of the `days` local days before today, oldest first, without
    notices (they would be about the past). Days already evaluated are kept. Returns the count."""
    now = now or timezone.now()
    seller = Seller.objects.filter(pk=seller_id).only("timezone").first()
    if seller is None:
        raise NotFound("Seller not found.")
    yesterday = local_yesterday(now, seller.timezone)
    written = 0
    for offset in range(days - 1, -1, -1):
        written += evaluate_all_sellers(
            now=now, day=yesterday - timedelta(days=offset), seller_ids=[seller_id], notify=False
        )
    return written


def extra_hold_days(seller) -> int:
    """Registered in `earnings.holds.HOLD_EXTENSIONS`: the extra hold days from the seller's active
    penalty points at the last evaluation (one indexed read by primary key)."""
    return SellerStanding.objects.filter(seller_id=seller.pk).values_list("hold_extra_days", flat=True).first() or 0
