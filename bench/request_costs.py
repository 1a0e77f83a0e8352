"""What each per-request cost of the API adds, measured apart (docs/operations.md, "Per-request costs").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shipdesk_costs .venv/bin/python bench/request_costs.py
    CACHE_URL=redis://127.0.0.1:6379/0 …   (adds the shared-cache token lookup)

In one process, against a fresh test database made from the migrations (`test_` + the name in
DATABASE_URL, or SQLite in memory without one): the API-token lookup read from the database and
from the cache, the rate-limit counter (one UPSERT), the request's log line (JSON, to /dev/null),
the HTTP metrics, and a whole authenticated `GET /api/v1/orders/counts` through Django's handler
for scale. Prints the median and p95 of each in microseconds. Not part of `make bench`.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shipdesk.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ["SHIPDESK_API_RATE_LIMIT"] = "0"  # measured apart below, not inside the whole request
os.environ.setdefault("LOG_LEVEL", "WARNING")  # the log line is measured apart too

ROUNDS = int(os.environ.get("COST_ROUNDS", "2000"))


def measure(name: str, call: Callable[[], object], rounds: int = ROUNDS) -> tuple[str, float, float]:
    for _ in range(min(50, rounds)):  # warm: connections, caches, imports
        call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return name, statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    from shipdesk.accounts.services import authenticate_token, create_api_token, create_seller
    from shipdesk.ops.logs import JsonFormatter
    from shipdesk.ops.metrics import HTTP_LATENCY, HTTP_REQUESTS
    from shipdesk.ops.ratelimit import count_request

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seller = create_seller(slug="costs", name="Costs", email="costs@example.test", country="US")
        token = create_api_token(name="bench", seller=seller).token
        rows = []
        with override_settings(SHIPDESK_TOKEN_CACHE_SECONDS=0):
            rows.append(measure("token lookup, database (1 SELECT)", lambda: authenticate_token(token)))
        shared = settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
        with override_settings(
            SHIPDESK_TOKEN_CACHE_SECONDS=60,
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        ):
            rows.append(measure("token lookup, process cache", lambda: authenticate_token(token)))
        if shared:
            caches["default"].clear()
            with override_settings(SHIPDESK_TOKEN_CACHE_SECONDS=60):
                rows.append(measure("token lookup, shared Redis cache", lambda: authenticate_token(token)))
        rows.append(measure("rate-limit counter (1 UPSERT)", lambda: count_request(key="token:1")))

        log = logging.getLogger("bench.request")
        log.propagate = False
        handler = logging.StreamHandler(open(os.devnull, "w"))
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        extra = {"request_id": "0" * 32, "method": "GET", "route": "/api/v1/orders", "status": 200, "duration_ms": 3.2}
        rows.append(measure("request log line (JSON)", lambda: log.info("request", extra=extra)))

        def metrics():
            HTTP_REQUESTS.labels(route="/api/v1/orders", method="GET", status="200").inc()
            HTTP_LATENCY.labels(route="/api/v1/orders").observe(0.0032)

        rows.append(measure("HTTP metrics (counter + histogram)", metrics))

        client = Client()
        headers = {"Authorization": f"Bearer {token}"}
        with override_settings(SHIPDESK_TOKEN_CACHE_SECONDS=0):
            rows.append(
                measure("whole GET /api/v1/orders/counts", lambda: client.get("/api/v1/orders/counts", headers=headers))
            )
        with override_settings(SHIPDESK_TOKEN_CACHE_SECONDS=60):
            rows.append(
                measure(
                    "the same, token from the cache",
                    lambda: client.get("/api/v1/orders/counts", headers=headers),
                )
            )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)

    print(f"{connection.vendor}, {ROUNDS} rounds each; microseconds")
    print(f"{'cost':40} {'median':>9} {'p95':>9}")
    for name, median, p95 in rows:
        print(f"{name:40} {median:9.0f} {p95:9.0f}")


if __name__ == "__main__":
    main()
