"""GET /api/v1/performance and the drill-down /api/v1/performance/metrics/{key}/orders."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from shipdesk.performance.services import evaluate_history
from tests.builders import Api
from tests.performance import history as h


def _late_history(seller, *, total=100, late=5):
    now = timezone.now()
    rows = []
    for i in range(total):
        processing_at = now - timedelta(days=20) + i * timedelta(minutes=30)
        shipped_at = processing_at + timedelta(days=4 if i < late else 1)
        rows.append(
            h.order(
                seller,
                placed_at=processing_at - timedelta(hours=2),
                processing_at=processing_at,
                shipped_at=shipped_at,
                delivered_at=shipped_at + timedelta(days=2),
            )
        )
    return h.save(rows)


def test_a_seller_reads_its_figures_targets_standing_points_and_trend(seller, seller_api):
    _late_history(seller)
    evaluate_history(seller_id=seller.pk, days=3)

    response = seller_api.get("/performance")

    assert response.status_code == 200
    body = response.json()
    assert body["seller"] == "acme"
    assert (body["standing"], body["points"], body["hold_extra_days"]) == ("penalised", 3, 3)
    assert body["evaluated_at"] is not None
    late = next(m for m in body["metrics"] if m["key"] == "late_shipment")
    assert late == {
        "key": "late_shipment",
        "label": "Late shipment rate",
        "value": "5.00",
        "numerator": 5,
        "denominator": 100,
        "target": "4.00",
        "direction": "max",
        "unit": "percent",
        "status": "breach",
        "window_days": 30,
    }
    assert [m["key"] for m in body["metrics"]][-5:] == [
        "handling_time",
        "rating",
        "response_time",
        "return_rate",
        "return_response",
    ]
    assert (
        len(body["trend"]["days"])
        == 3
        == len(body["trend"]["values"]["late_shipment"])
        == len(body["trend"]["standing"])
    )
    assert body["trend"]["values"]["late_shipment"][-1] == "5.00"


def test_a_seller_without_orders_gets_empty_figures(seller, seller_api):
    body = seller_api.get("/performance").json()

    assert body["standing"] == "good" and body["evaluated_at"] is None
    assert all(m["value"] is None and m["status"] == "no_data" for m in body["metrics"])
    assert body["trend"] == {
        "days": [],
        "standing": [],
        "points": [],
        "values": {k: [] for k in [m["key"] for m in body["metrics"]]},
    }


def test_the_drill_down_lists_the_orders_behind_a_figure_page_by_page(seller, seller_api):
    orders = _late_history(seller, total=6, late=2)

    first = seller_api.get("/performance/metrics/late_shipment/orders?limit=4").json()
    second = seller_api.get(f"/performance/metrics/late_shipment/orders?limit=4&cursor={first['next_cursor']}").json()

    assert first["metric"] == "late_shipment"
    assert [i["order_id"] for i in first["items"]] == [orders[1].pk, orders[0].pk, orders[5].pk, orders[4].pk]
    assert [i["counted_in_numerator"] for i in first["items"]] == [True, True, False, False]
    assert first["items"][0]["reason"].startswith("shipped ") and first["items"][0]["number"] == orders[1].number
    assert [i["order_id"] for i in second["items"]] == [orders[3].pk, orders[2].pk]
    assert second["next_cursor"] is None


def test_the_drill_down_refuses_an_unknown_metric_a_bad_limit_and_a_forged_cursor(seller, seller_api):
    assert seller_api.get("/performance/metrics/happiness/orders").json()["error"]["code"] == "not_found"
    assert seller_api.get("/performance/metrics/late_shipment/orders?limit=0").status_code == 422
    response = seller_api.get("/performance/metrics/late_shipment/orders?cursor=abc")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_cursor")


def test_a_platform_token_names_the_seller_and_a_seller_token_cannot_read_another_seller(
    seller, seller_api, platform_api, make_seller
):
    other = make_seller("other")
    _late_history(other)

    assert platform_api.get("/performance").status_code == 422
    assert platform_api.get("/performance?seller=nobody").status_code == 404
    body = platform_api.get("/performance?seller=other").json()
    assert body["seller"] == "other"
    assert next(m for m in body["metrics"] if m["key"] == "late_shipment")["numerator"] == 5

    assert seller_api.get("/performance?seller=other").status_code == 404
    assert seller_api.get("/performance/metrics/late_shipment/orders?seller=other").status_code == 404
    # Acme's own drill-down never lists another shop's orders.
    assert seller_api.get("/performance/metrics/late_shipment/orders").json()["items"] == []


def test_without_a_token_the_performance_is_refused(db):
    assert Api("nope").get("/performance").status_code == 401
