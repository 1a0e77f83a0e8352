"""The daily evaluation of 1,000 sellers and 1,000,000 orders (PostgreSQL; opt-in, ~1–2 minutes).

    SHIPDESK_PERF_SCALE=1 DATABASE_URL=postgres://… pytest -p no:xdist -s tests/performance/test_evaluation_scale.py

The orders are generated inside PostgreSQL (INSERT … SELECT generate_series) from the columns of
one order the history builder makes, so the rows are what the services write. The test prints the
time and the number of queries, and checks the queries are as few as for 3 sellers.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipdesk.accounts.models import Seller
from shipdesk.orders.models import Order
from shipdesk.performance.models import PerformanceSnapshot
from shipdesk.performance.services import evaluate_all_sellers
from tests.performance import history as h

SELLERS = 1_000
ORDERS = 1_000_000
END = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("SHIPDESK_PERF_SCALE"), reason="scale benchmark: set SHIPDESK_PERF_SCALE=1"),
]


def _generate_orders(seller_ids: list[int], n: int) -> None:
    """n delivered orders placed over the 100 days before END, spread over the sellers; every
    25th shipped late. No tracking scans are generated (valid tracking is 0 % for everyone, which
    changes nothing for the timing)."""
    template = h.order(Seller(pk=seller_ids[0]), placed_at=END, processing_at=END, shipped_at=END, delivered_at=END)
    overrides = {
        "seller_id": f"(ARRAY{seller_ids}::bigint[])[1 + g %% {len(seller_ids)}]",
        "number": "1000000 + g",
        "external_id": "'S-' || g",
    }
    base = f"(TIMESTAMPTZ '{END.isoformat()}' - (g %% 100) * INTERVAL '1 day' - INTERVAL '5 days')"
    steps = {
        "placed_at": base,
        "paid_at": base,
        "confirm_by": f"{base} + INTERVAL '24 hours'",
        "confirmed_at": f"{base} + INTERVAL '2 hours'",
        "process_by": f"{base} + INTERVAL '2 days'",
        "processing_at": f"{base} + INTERVAL '3 hours'",
        "ship_by": f"{base} + INTERVAL '3 days 3 hours'",
        "shipped_at": f"{base} + CASE WHEN g %% 25 = 0 THEN INTERVAL '4 days' ELSE INTERVAL '1 day' END",
        "deliver_by": f"{base} + INTERVAL '6 days'",
        "delivered_at": f"{base} + INTERVAL '3 days'",
    }
    overrides.update(steps)
    columns, exprs = [], []
    for field in Order._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in overrides:
            exprs.append(overrides[field.attname])
        else:
            value = field.get_db_prep_save(field.pre_save(template, add=True), connection)
            exprs.append("%s")
            columns[-1] = (columns[-1], value)
    params = [c[1] for c in columns if isinstance(c, tuple)]
    names = [c[0] if isinstance(c, tuple) else c for c in columns]
    sql = (
        f"INSERT INTO {Order._meta.db_table} ({', '.join(names)}) "
        f"SELECT {', '.join(exprs)} FROM generate_series(0, {n - 1}) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {Order._meta.db_table}")


def test_the_daily_evaluation_of_1000_sellers_and_a_million_orders(make_seller):
    sellers = [make_seller(f"scale-{i}", tz="UTC") for i in range(SELLERS)]
    ids = [s.pk for s in sellers]
    started = time.monotonic()
    _generate_orders(ids, ORDERS)
    generated = time.monotonic() - started

    started = time.monotonic()
    with CaptureQueriesContext(connection) as ctx:
        written = evaluate_all_sellers(now=END + timedelta(hours=1))
    took = time.monotonic() - started

    print(
        f"\n{ORDERS} orders generated in {generated:.1f}s; {written} sellers evaluated in {took:.1f}s "
        f"with {len(ctx.captured_queries)} queries"
    )
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:8]:
        print(f"  {float(q['time']):6.2f}s  {q['sql'][:140]}")
    assert written == SELLERS
    assert PerformanceSnapshot.objects.filter(day=END.date() - timedelta(days=1)).count() == SELLERS
    assert len(ctx.captured_queries) <= 40
