"""Per-token API rate limit: a burst over the limit is refused with 429 and writes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from shipdesk.accounts.services import create_api_token
from shipdesk.ops.ratelimit import count_request
from shipdesk.orders.models import Order, OrderEvent
from tests.builders import Api, order_payload

# 20 s into a 60 s window: the window turns over in 40 s.
MID_WINDOW = datetime(2026, 3, 2, 10, 0, 20, tzinfo=UTC)


@pytest.fixture
def limit_of_3(settings):
    settings.SHIPDESK_API_RATE_LIMIT = {"requests": 3, "window_seconds": 60}


def test_a_burst_over_the_limit_gets_429_with_retry_after_and_writes_nothing(seller, product, platform_api, limit_of_3):
    with time_machine.travel(MID_WINDOW, tick=False):
        for n in range(3):
            assert platform_api.post("/orders", order_payload(seller.slug, external_id=f"B-{n}")).status_code == 201

        refused = platform_api.post("/orders", order_payload(seller.slug, external_id="B-3"))

        assert refused.status_code == 429
        assert refused["Retry-After"] == "40"
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.json()["error"]["details"] == {"retry_after_seconds": 40}
        assert not Order.objects.filter(external_id="B-3").exists()
        assert Order.objects.count() == 3
        assert OrderEvent.objects.filter(type="placed").count() == 3
        # reads are limited too: the limit is per token, not per endpoint
        assert platform_api.get("/orders").status_code == 429

    with time_machine.travel(MID_WINDOW + timedelta(seconds=40), tick=False):
        assert platform_api.post("/orders", order_payload(seller.slug, external_id="B-3")).status_code == 201


def test_each_token_has_its_own_count(seller, product, platform_api, limit_of_3):
    other = Api(create_api_token(name="second storefront", seller=None).token)
    with time_machine.travel(MID_WINDOW, tick=False):
        for _ in range(4):
            platform_api.get("/orders")
        assert platform_api.get("/orders").status_code == 429
        assert other.get("/orders").status_code == 200


def test_a_request_without_a_valid_token_is_401_and_not_counted_against_anyone(seller, platform_api, limit_of_3):
    with time_machine.travel(MID_WINDOW, tick=False):
        for _ in range(5):
            assert Api("sd_not-a-token").get("/orders").status_code == 401
        assert platform_api.get("/orders").status_code == 200


@pytest.mark.postgres
def test_concurrent_requests_on_separate_connections_each_get_their_own_count(transactional_db):
    """What several gunicorn workers on several hosts do: one upsert each, no count lost or repeated."""
    counts: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def one_request():
        try:
            start.wait()
            n = count_request(key="token:concurrent", now=MID_WINDOW)
            with lock:
                counts.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(counts) == list(range(1, 9))


def test_counters_of_ended_windows_are_pruned_by_the_periodic_job(db, limit_of_3):
    from shipdesk.jobs import PERIODIC_JOBS, autodiscover
    from shipdesk.ops.models import RateWindow

    count_request(key="token:old", now=MID_WINDOW - timedelta(minutes=5))
    count_request(key="token:now", now=MID_WINDOW)
    autodiscover()
    with time_machine.travel(MID_WINDOW, tick=False):
        PERIODIC_JOBS["ops.prune-rate-windows"].func()
    assert list(RateWindow.objects.values_list("key", flat=True)) == ["token:now"]
