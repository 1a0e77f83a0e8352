"""The cached API-token lookup (revocation still immediate), and the database settings of
docs/operations.md: read replicas (DATABASE_REPLICA_URLS) and the connection pool (DATABASE_POOL)."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache

from shipdesk import settings as shipdesk_settings
from shipdesk.accounts.models import ApiToken
from shipdesk.accounts.services import authenticate_token, create_api_token, revoke_api_token
from shipdesk.ops.replica_routing import _RequestReads, _watch_writes
from tests.builders import Api


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


LOCAL = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "token-cache-tests"}
SHARED = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:6379/0",
    "KEY_PREFIX": "token-cache-tests",
}


@pytest.fixture(params=["local", "redis"])
def token_cache(request, settings):
    """Token lookups cached for a minute, in a process's own cache and in the shared Redis."""
    if request.param == "redis" and not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379 (the shared cache of a deployment with many hosts)")
    settings.CACHES = {"default": SHARED if request.param == "redis" else LOCAL}
    settings.SHIPDESK_TOKEN_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_a_token_used_again_within_the_minute_is_answered_without_a_database_query(
    token_cache, seller, django_assert_num_queries
):
    issued = create_api_token(name="integration", seller=seller)
    authenticate_token(issued.token)  # first use: read, last use written
    authenticate_token(issued.token)  # read again once, now cached with its last use
    with django_assert_num_queries(0):
        record = authenticate_token(issued.token)
    assert record.pk == issued.record.pk and record.seller.slug == seller.slug


def test_a_revoked_token_is_refused_at_the_next_request_although_its_lookup_was_cached(
    token_cache, seller, django_capture_on_commit_callbacks
):
    issued = create_api_token(name="integration", seller=seller)
    api = Api(issued.token)
    for _ in range(3):  # now cached
        assert api.get("/orders").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        revoke_api_token(token_id=issued.record.pk, seller=seller)

    response = api.get("/orders")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_lookup_that_read_the_token_just_before_its_revocation_cannot_cache_it_back(
    token_cache, seller, django_capture_on_commit_callbacks
):
    issued = create_api_token(name="integration", seller=seller)
    authenticate_token(issued.token)
    stale = ApiToken.objects.select_related("seller").get(pk=issued.record.pk)  # read before the revocation
    with django_capture_on_commit_callbacks(execute=True):
        revoke_api_token(token_id=issued.record.pk, seller=seller)

    # the slow request now fills the cache with what it read, as authenticate_token fills it
    cache.add("api-token:v1:" + issued.record.token_hash, stale, timeout=60)

    assert authenticate_token(issued.token) is None


def test_a_revocation_rolled_back_leaves_the_token_working(token_cache, seller):
    issued = create_api_token(name="integration", seller=seller)
    authenticate_token(issued.token)
    revoke_api_token(token_id=issued.record.pk, seller=seller)  # never committed: the test rolls back
    ApiToken.objects.filter(pk=issued.record.pk).update(revoked_at=None)
    assert authenticate_token(issued.token) is not None


def test_without_a_cache_setting_every_lookup_reads_the_token_row(seller, settings, django_assert_num_queries):
    settings.SHIPDESK_TOKEN_CACHE_SECONDS = 0
    issued = create_api_token(name="integration", seller=seller)
    authenticate_token(issued.token)
    with django_assert_num_queries(1):
        authenticate_token(issued.token)


def test_a_cache_that_is_down_leaves_tokens_working_from_the_database(seller, settings):
    settings.SHIPDESK_TOKEN_CACHE_SECONDS = 60
    # nothing listens on port 1: every cache call fails at once
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    issued = create_api_token(name="integration", seller=seller)

    assert Api(issued.token).get("/orders").status_code == 200
    assert authenticate_token(issued.token).pk == issued.record.pk


# --- settings ---------------------------------------------------------------------------------


def test_replica_urls_become_read_aliases_that_tests_mirror_to_the_primary(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://shipdesk@db-primary:5432/shipdesk")
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "postgres://shipdesk@db-r1/shipdesk,postgres://shipdesk@db-r2/shipdesk")
    monkeypatch.delenv("DATABASE_POOL", raising=False)

    databases = shipdesk_settings._database_from_env()

    assert list(databases) == ["default", "replica1", "replica2"]
    assert databases["replica2"]["HOST"] == "db-r2"
    assert databases["replica1"]["TEST"] == {"MIRROR": "default"}
    # a replica that does not answer is given up on quickly (and then skipped for a while)
    assert databases["replica1"]["OPTIONS"]["connect_timeout"] == 2
    assert databases["default"]["CONN_MAX_AGE"] == 60


def test_a_connection_pool_replaces_persistent_connections_as_django_requires(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://shipdesk@db-primary:5432/shipdesk")
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "postgres://shipdesk@db-r1/shipdesk")
    monkeypatch.setenv("DATABASE_POOL", "2,8")

    databases = shipdesk_settings._database_from_env()

    assert databases["default"]["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 8, "timeout": 10.0}
    assert databases["default"]["CONN_MAX_AGE"] == 0
    # waiting on a dead replica's pool must not hold a request longer than its connect timeout
    assert databases["replica1"]["OPTIONS"]["pool"]["timeout"] == 2.0


def test_sqlite_takes_no_pool(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'one.sqlite3'}")
    monkeypatch.setenv("DATABASE_POOL", "2,8")
    monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)

    databases = shipdesk_settings._database_from_env()

    assert "pool" not in databases["default"]["OPTIONS"]


@pytest.mark.parametrize(
    "sql, pins",
    [
        ('INSERT INTO "orders_order" ("seller_id") VALUES (%s)', True),
        ('UPDATE "orders_order" SET "status" = %s', True),
        ('DELETE FROM "inventory_product" WHERE "id" = %s', True),
        ('SELECT "orders_order"."id" FROM "orders_order" FOR UPDATE', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "ops_ratewindow" ("key") VALUES (%s) ON CONFLICT DO UPDATE SET "count" = 1', False),
    ],
)
def test_a_request_is_pinned_to_the_primary_by_its_writes_not_by_its_bookkeeping(sql, pins):
    reads = _RequestReads()
    watch = _watch_writes(reads, frozenset({"django_session", "ops_ratewindow"}))

    watch(lambda *args: None, sql, [], False, {})

    assert reads.pinned is pins
