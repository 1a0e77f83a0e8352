"""The daily evaluation: snapshots, points, decay, standing notices, idempotence, bounded queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from shipdesk.errors import ValidationFailed
from shipdesk.notifications.models import Alert, Notification
from shipdesk.performance.models import PenaltyPoint, PerformanceSnapshot, SellerStanding
from shipdesk.performance.selectors import current_performance, performance_history, seller_ranking
from shipdesk.performance.services import (
    STANDING_CHANGED,
    _evaluate_group,
    evaluate_all_sellers,
    evaluate_history,
    evaluate_seller_standing,
)
from shipdesk.performance.sweeps import sweep_daily_evaluation
from tests.builders import as_sent
from tests.performance import history as h

DAY = date(2026, 11, 9)  # a Monday
END = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)  # the end of DAY in UTC
NOW = END + timedelta(hours=1)
H = timedelta(hours=1)
D = timedelta(days=1)


def shipped_history(seller, *, total: int, late: int, end: datetime = END):
    """`total` orders shipped in the 20 days before `end`, `late` of them after the ship deadline;
    all delivered on time."""
    rows = []
    for i in range(total):
        processing_at = end - 20 * D + i * timedelta(minutes=30)
        shipped_at = processing_at + (4 * D if i < late else D)
        rows.append(
            h.order(
                seller,
                placed_at=processing_at - 2 * H,
                processing_at=processing_at,
                shipped_at=shipped_at,
                delivered_at=shipped_at + 2 * D,
            )
        )
    return h.save(rows)


def notices(seller):
    return [as_sent(row) for row in Notification.objects.filter(seller=seller, kind=STANDING_CHANGED).order_by("id")]


def test_a_seller_past_a_target_is_penalised_with_points_a_snapshot_and_one_notice_saying_what_to_fix(make_seller):
    shop = make_seller("late", tz="UTC")
    shipped_history(shop, total=100, late=5)

    snapshot = evaluate_seller_standing(seller_id=shop.pk, day=DAY, now=NOW)

    assert (snapshot.standing, snapshot.points, snapshot.hold_extra_days, snapshot.breached) == (
        "penalised",
        3,
        3,
        ["late_shipment"],
    )
    assert snapshot.metrics["late_shipment"] == {
        "value": "5.00",
        "numerator": 5,
        "denominator": 100,
        "status": "breach",
    }
    assert snapshot.as_of == END
    (point,) = PenaltyPoint.objects.filter(seller=shop)
    assert (point.metric, point.points, point.awarded_on, point.expires_on) == (
        "late_shipment",
        3,
        DAY,
        DAY + timedelta(days=90),
    )
    standing = SellerStanding.objects.get(seller=shop)
    assert (standing.standing, standing.points, standing.evaluated_on) == ("penalised", 3, DAY)
    (notice,) = notices(shop)
    assert notice.order_id is None and notice.recipient == shop.email
    assert "penalised" in notice.subject
    assert "Late shipment rate: 5.00 % (5 of 100, last 30 days), target < 4 %" in notice.body_text
    assert "Ship within 3 business days" in notice.body_text
    assert "5.00 %" in notice.body_html
    (alert,) = Alert.objects.filter(seller=shop, kind=STANDING_CHANGED)
    assert alert.title == "Your standing is now penalised: late shipment rate 5.00 %"


def test_evaluating_the_same_day_again_changes_nothing(make_seller):
    shop = make_seller("late", tz="UTC")
    shipped_history(shop, total=100, late=5)
    evaluate_all_sellers(now=NOW)

    assert evaluate_all_sellers(now=NOW) == 0
    assert sweep_daily_evaluation(now=NOW + 2 * H) == 0
    assert PerformanceSnapshot.objects.filter(seller=shop).count() == 1
    assert PenaltyPoint.objects.filter(seller=shop).count() == 1
    assert len(notices(shop)) == 1


def test_a_seller_who_stays_penalised_is_told_once_and_earns_no_new_points_within_the_window(make_seller):
    shop = make_seller("late", tz="UTC")
    shipped_history(shop, total=100, late=5)

    evaluate_all_sellers(now=NOW)
    evaluate_all_sellers(now=NOW + D)

    assert list(
        PerformanceSnapshot.objects.filter(seller=shop).order_by("day").values_list("day", "standing", "points")
    ) == [
        (DAY, "penalised", 3),
        (DAY + D, "penalised", 3),
    ]
    assert len(notices(shop)) == 1


def test_a_good_seller_gets_no_notice(make_seller):
    shop = make_seller("fine", tz="UTC")
    shipped_history(shop, total=100, late=0)

    evaluate_all_sellers(now=NOW)

    assert SellerStanding.objects.get(seller=shop).standing == "good"
    assert notices(shop) == []


def test_points_decay_after_a_quarter_and_the_recovered_seller_is_told_its_standing_is_good_again(make_seller):
    shop = make_seller("late", tz="UTC")
    shipped_history(shop, total=100, late=5)
    evaluate_all_sellers(now=NOW)  # penalised, 3 points

    # A month later the late shipments have left the window; the points remain.
    later = NOW + 40 * D
    evaluate_all_sellers(now=later)
    assert (SellerStanding.objects.get(seller=shop).standing, SellerStanding.objects.get(seller=shop).points) == (
        "at_risk",
        3,
    )

    evaluate_all_sellers(now=NOW + 89 * D)
    assert SellerStanding.objects.get(seller=shop).points == 3
    evaluate_all_sellers(now=NOW + 90 * D)
    standing = SellerStanding.objects.get(seller=shop)
    assert (standing.standing, standing.points, standing.hold_extra_days) == ("good", 0, 0)
    assert [n.context["standing"] for n in notices(shop)] == ["penalised", "at_risk", "good"]
    assert "Every metric is within its target" in notices(shop)[-1].body_text


def test_each_seller_is_evaluated_for_the_local_day_that_just_ended(make_seller):
    berlin = make_seller("berlin", tz="Europe/Berlin")
    new_york = make_seller("ny", tz="America/New_York")
    now = datetime(2026, 11, 10, 0, 30, tzinfo=UTC)  # 01:30 on the 10th in Berlin, 19:30 on the 9th in New York

    sweep_daily_evaluation(now=now)

    assert PerformanceSnapshot.objects.get(seller=berlin).day == date(2026, 11, 9)
    assert PerformanceSnapshot.objects.get(seller=berlin).as_of == datetime(2026, 11, 9, 23, 0, tzinfo=UTC)
    assert PerformanceSnapshot.objects.get(seller=new_york).day == date(2026, 11, 8)


def test_a_day_not_over_yet_is_not_evaluated(make_seller):
    shop = make_seller("x", tz="UTC")
    assert evaluate_all_sellers(now=END - H, day=DAY) == 0
    assert not PerformanceSnapshot.objects.filter(seller=shop).exists()


def _query_count(make_seller, n: int, prefix: str) -> int:
    sellers = [make_seller(f"{prefix}-{i}", tz="UTC") for i in range(n)]
    for i, shop in enumerate(sellers):
        shipped_history(shop, total=10, late=1 if i % 2 else 0)  # half of them breach: notices, points
        h.review(
            h.save([h.order(shop, placed_at=END - 5 * D, shipped_at=END - 4 * D, delivered_at=END - 3 * D)])[0],
            4,
            at=END - D,
        )
    with CaptureQueriesContext(connection) as ctx:
        written = evaluate_all_sellers(now=NOW, seller_ids=[s.pk for s in sellers])
    assert written == n
    assert Notification.objects.filter(kind=STANDING_CHANGED, seller__in=sellers).count() == n // 2
    return len(ctx.captured_queries)


def test_the_daily_evaluation_costs_the_same_queries_for_3_sellers_as_for_30(make_seller):
    few = _query_count(make_seller, 3, "few")
    many = _query_count(make_seller, 30, "many")

    assert few == many
    assert many <= 25


def test_the_backfill_writes_a_snapshot_per_day_without_notices_and_the_history_reads_them(make_seller):
    shop = make_seller("late", tz="UTC")
    shipped_history(shop, total=100, late=5, end=END - 30 * D)

    assert evaluate_history(seller_id=shop.pk, days=90, now=NOW) == 90
    assert evaluate_history(seller_id=shop.pk, days=90, now=NOW) == 0

    days = performance_history(seller_id=shop.pk, days=90, today=DAY + D)
    assert len(days) == 90 and days[0].day == DAY - timedelta(days=89) and days[-1].day == DAY
    assert notices(shop) == []
    by_day = {d.day: d for d in days}
    # In breach while the late shipments are in the 30-day window; then at risk on the points.
    assert by_day[DAY - timedelta(days=31)].standing == "penalised"
    assert by_day[DAY - timedelta(days=31)].values["late_shipment"] is not None
    assert by_day[DAY].standing == "at_risk" and by_day[DAY].points == 3
    assert by_day[DAY - timedelta(days=89)].values["late_shipment"] is None  # nothing shipped yet


def test_the_current_performance_shows_the_last_evaluations_points(make_seller):
    shop = make_seller("late", tz="UTC")
    shipped_history(shop, total=100, late=5)
    evaluate_all_sellers(now=NOW)

    perf = current_performance(seller_id=shop.pk, now=NOW)

    assert (perf.standing, perf.points, perf.hold_extra_days, perf.evaluated_at) == ("penalised", 3, 3, NOW)


def test_the_ranking_lists_sellers_worst_first_page_by_page(make_seller):
    good = make_seller("good", tz="UTC")
    shipped_history(good, total=100, late=0)
    risky = make_seller("risky", tz="UTC")
    shipped_history(risky, total=100, late=2)  # 2 %: good against 4 % (at risk from 3.2 %)
    bad = make_seller("bad", tz="UTC")
    shipped_history(bad, total=100, late=10)
    worse = make_seller("worse", tz="UTC")
    shipped_history(worse, total=100, late=10)
    PenaltyPoint.objects.create(
        seller=worse, metric="cancellation", points=3, awarded_on=DAY - 5 * D, expires_on=DAY + 85 * D, created_at=NOW
    )
    shipped_history(risky, total=30, late=30, end=END - 60 * D)  # an old breach: points, now recovered
    PenaltyPoint.objects.create(
        seller=risky, metric="late_shipment", points=3, awarded_on=DAY - 40 * D, expires_on=DAY + 50 * D, created_at=NOW
    )
    evaluate_all_sellers(now=NOW)

    first, cursor = seller_ranking(limit=2)
    rest, end = seller_ranking(limit=2, cursor=cursor)

    assert [r.slug for r in first + rest] == ["worse", "bad", "risky", "good"]
    assert end is None
    assert [r.standing for r in first + rest] == ["penalised", "penalised", "at_risk", "good"]
    assert first[0].points == 6 and first[0].breached == ["late_shipment"]
    only, _ = seller_ranking(standing="at_risk")
    assert [r.slug for r in only] == ["risky"]


def test_the_ranking_refuses_an_unknown_standing(db):
    with pytest.raises(ValidationFailed):
        seller_ranking(standing="excellent")


def test_a_second_evaluation_of_a_group_already_written_fails_whole_and_writes_nothing_twice(make_seller):
    shop = make_seller("late", tz="UTC")
    shipped_history(shop, total=100, late=5)
    evaluate_all_sellers(now=NOW)

    # As a second worker that read "not done" just before the first committed.
    with pytest.raises(IntegrityError), transaction.atomic():
        _evaluate_group(sellers=[shop], day=DAY, as_of=END, now=NOW, notify=True)

    assert PenaltyPoint.objects.filter(seller=shop).count() == 1
    assert len(notices(shop)) == 1
