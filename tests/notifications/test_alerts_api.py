"""GET /api/v1/alerts and POST /api/v1/alerts/{id}/read: keyset pages, unread filter, seller scope."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipdesk.notifications.models import Alert
from tests.builders import Api


def new_orders(seller, place, count: int) -> list:
    return [place(seller) for _ in range(count)]


def test_alerts_list_newest_first_in_keyset_pages_with_the_unread_count(seller, make_product, place, seller_api):
    make_product(seller, on_hand=50)  # well above its low-stock threshold: new-order alerts only
    orders = new_orders(seller, place, 3)

    first = seller_api.get("/alerts?limit=2").json()
    second = seller_api.get(f"/alerts?limit=2&cursor={first['next_cursor']}").json()

    assert [a["order"]["number"] for a in first["items"]] == [orders[2].number, orders[1].number]
    assert [a["order"]["number"] for a in second["items"]] == [orders[0].number]
    assert second["next_cursor"] is None
    item = first["items"][0]
    assert item["kind"] == "seller_new_order"
    assert item["title"] == f"New order #{orders[2].number}: 2 items, $29.99"
    assert item["url"] == f"/orders/{orders[2].pk}/"
    assert (item["read"], item["read_at"]) == (False, None)
    assert first["unread_count"] == 3


def test_marking_an_alert_read_is_idempotent_and_filters_it_out_of_unread(seller, product, place, seller_api):
    new_orders(seller, place, 2)
    alert = Alert.objects.order_by("id").first()

    once = seller_api.post(f"/alerts/{alert.pk}/read")
    twice = seller_api.post(f"/alerts/{alert.pk}/read")

    assert once.status_code == twice.status_code == 200
    assert once.json()["read"] is True and once.json()["read_at"] == twice.json()["read_at"]
    unread = seller_api.get("/alerts?unread=true").json()
    assert [a["id"] for a in unread["items"]] == [Alert.objects.order_by("id").last().pk]
    assert unread["unread_count"] == 1
    assert [a["id"] for a in seller_api.get("/alerts?unread=false").json()["items"]] == [alert.pk]


def test_another_sellers_alert_is_not_found_and_not_listed(
    seller, product, place, seller_api, make_seller, make_product
):
    other = make_seller("other")
    make_product(other, "MUG-1")
    place(other)
    theirs = Alert.objects.get(seller=other)

    assert seller_api.get("/alerts").json()["items"] == []
    response = seller_api.post(f"/alerts/{theirs.pk}/read")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert Alert.objects.get(pk=theirs.pk).read_at is None
    assert seller_api.post("/alerts/999999/read").status_code == 404


def test_bad_paging_input_is_a_clear_error(seller_api):
    assert seller_api.get("/alerts?cursor=forged").json()["error"]["code"] == "invalid_cursor"
    response = seller_api.get("/alerts?limit=0")
    assert response.status_code == 422 and "limit" in response.json()["error"]["details"]
    assert seller_api.get("/alerts?unread=maybe").status_code == 422
    assert seller_api.post("/alerts/not-a-number/read").status_code in (404, 422)


def test_the_alerts_list_costs_the_same_queries_for_3_and_30_alerts(
    seller, make_product, place, seller_api, django_assert_num_queries
):
    make_product(seller, "MUG-1", on_hand=100)
    new_orders(seller, place, 3)
    seller_api.get("/alerts")  # the token's first use of the minute also records it
    with CaptureQueriesContext(connection) as three:
        seller_api.get("/alerts")
    new_orders(seller, place, 27)
    with django_assert_num_queries(len(three.captured_queries)):
        assert len(seller_api.get("/alerts").json()["items"]) == 30


def test_a_platform_token_reads_every_sellers_alerts(seller, product, place, platform_api):
    place(seller)
    page = platform_api.get("/alerts").json()
    assert len(page["items"]) == 1 and page["unread_count"] is None


def test_alerts_need_a_token(db):
    assert Api("nope").get("/alerts").status_code == 401
