"""Where the router sends a request's reads: a replica, until the request, its browser or its
seller wrote (tests/ops/test_read_replicas.py shows the same on a real primary and replica).

The replica alias here is only a name: the decisions are read from `read_alias`, and every query
these tests run goes to the test database (the primary).
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_seller
from shipdesk.ops import replica_routing
from shipdesk.ops.replica_routing import PIN_COOKIE, PRIMARY, ReplicaReadsMiddleware, read_alias, read_as
from shipdesk.orders.models import Order

REPLICA = "replica1"


@pytest.fixture
def one_replica(settings, monkeypatch):
    settings.SHIPDESK_REPLICAS = {"aliases": [REPLICA], "pin_seconds": 5.0, "retry_down_after_seconds": 30.0}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pins"}}
    up = {REPLICA: True}
    monkeypatch.setattr(replica_routing, "_usable", lambda alias: up[alias])
    cache.clear()
    return up


def serve(request, view):
    """Run `view` as the request's view behind the middleware; what it returned, and the response."""
    seen = {}

    def get_response(request):
        seen["value"] = view(request)
        return HttpResponse("ok")

    response = ReplicaReadsMiddleware(get_response)(request)
    return seen["value"], response


def browser_request(**cookies):
    request = RequestFactory().get("/orders/")
    request.COOKIES.update({django_settings.SESSION_COOKIE_NAME: "a-session", **cookies})
    return request


@pytest.mark.django_db(transaction=True)
def test_a_request_reads_the_replica_until_it_writes_and_the_primary_after(one_replica):
    def view(request):
        before = read_alias(Order)
        create_seller(slug="fresh", name="Fresh", email="fresh@example.test", country="US")
        return before, read_alias(Order)

    (before, after), response = serve(browser_request(), view)

    assert (before, after) == (REPLICA, PRIMARY)
    assert PIN_COOKIE in response.cookies


@pytest.mark.django_db(transaction=True)
def test_the_browser_and_the_seller_that_wrote_read_the_primary_for_a_moment_and_others_the_replica(one_replica):
    shop = create_seller(slug="shop", name="Shop", email="shop@example.test", country="US")
    other = create_seller(slug="other", name="Other", email="other@example.test", country="US")

    def write_as_shop(request):
        read_as(seller_id=shop.pk)
        Seller.objects.filter(pk=shop.pk).update(name="Shop renamed")

    _, response = serve(browser_request(), write_as_shop)
    pin = response.cookies[PIN_COOKIE].value

    # the same browser, whatever it reads
    alias, _ = serve(browser_request(**{PIN_COOKIE: pin}), lambda r: read_alias(Order))
    assert alias == PRIMARY
    # the same seller from elsewhere (an API token of the shop): the pin in the shared cache
    api_request = RequestFactory().get("/api/v1/orders")
    alias, _ = serve(api_request, lambda r: (read_as(seller_id=shop.pk, token_id=99), read_alias(Order))[1])
    assert alias == PRIMARY
    # another shop, which wrote nothing
    alias, _ = serve(
        RequestFactory().get("/api/v1/orders"), lambda r: (read_as(seller_id=other.pk), read_alias(Order))[1]
    )
    assert alias == REPLICA
    # a forged pin cookie is ignored (and could only ever send its own reads to the primary)
    alias, _ = serve(browser_request(**{PIN_COOKIE: "1"}), lambda r: read_alias(Order))
    assert alias == REPLICA


@pytest.mark.django_db(transaction=True)
def test_bookkeeping_writes_pin_nothing(one_replica):
    def touch(request):
        with replica_routing.bookkeeping_writes():
            Seller.objects.filter(pk=0).update(name="x")
        return read_alias(Order)

    alias, response = serve(browser_request(), touch)

    assert alias == REPLICA
    assert PIN_COOKIE not in response.cookies


@pytest.mark.django_db(transaction=True)
def test_reads_in_a_transaction_and_sessions_read_the_primary(one_replica):
    from django.contrib.sessions.models import Session

    def view(request):
        with transaction.atomic():
            in_transaction = read_alias(Order)
        return in_transaction, read_alias(Session)

    (in_transaction, session), _ = serve(browser_request(), view)

    assert (in_transaction, session) == (PRIMARY, PRIMARY)


@pytest.mark.django_db(transaction=True)
def test_a_replica_that_is_down_sends_the_reads_to_the_primary(one_replica):
    one_replica[REPLICA] = False

    alias, _ = serve(browser_request(), lambda r: read_alias(Order))

    assert alias == PRIMARY


@pytest.mark.django_db(transaction=True)
def test_outside_a_request_reads_go_to_the_primary_unless_asked_for_a_replica(one_replica):
    assert read_alias(Order) == PRIMARY
    with replica_routing.replica_reads():
        assert read_alias(Order) == REPLICA


def test_a_refused_connection_marks_the_replica_down_for_a_while(settings, monkeypatch):
    settings.SHIPDESK_REPLICAS = {"aliases": [REPLICA], "pin_seconds": 5.0, "retry_down_after_seconds": 30.0}
    monkeypatch.setattr(replica_routing, "_down_until", {})
    attempts = []

    class Refusing:
        def close_if_health_check_failed(self):
            pass

        def ensure_connection(self):
            from django.db import OperationalError

            attempts.append(1)
            raise OperationalError("connection refused")

        def close(self):
            pass

    monkeypatch.setattr(replica_routing, "connections", {REPLICA: Refusing()})

    assert replica_routing._usable(REPLICA) is False
    assert replica_routing._usable(REPLICA) is False  # skipped: not tried again at once
    assert len(attempts) == 1


@pytest.mark.django_db(transaction=True)
def test_a_customer_page_without_a_session_is_pinned_by_its_cookie_and_an_api_client_is_not_sent_one(one_replica):
    def write(request):
        create_seller(slug=f"s{len(request.path)}", name="S", email="s@example.test", country="US")

    _, customer = serve(RequestFactory().post("/s/some-token/accept"), write)
    _, api = serve(RequestFactory().post("/api/v1/orders", HTTP_AUTHORIZATION="Bearer sdk_x"), write)

    assert PIN_COOKIE in customer.cookies
    assert PIN_COOKIE not in api.cookies
