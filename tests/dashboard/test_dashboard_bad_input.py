"""Odd input to any dashboard page is a clear answer (a message, a form error, 400 or 404), never a 500."""

from __future__ import annotations

import pytest

from shipdesk.orders.models import Order
from tests.builders import advance

HUGE = "9" * 30
NUL = "\x00"


@pytest.mark.parametrize(
    "path, params, status",
    [
        (f"/orders/{HUGE}/", None, 404),
        (
            "/orders/",
            {"tab": "nope", "payment": "zzz", "overdue": "maybe", "placed_from": "2025-13-45", "cursor": NUL, "q": NUL},
            200,
        ),
        ("/orders/", {"q": "x" * 5000, "placed_from": "2025-03-10", "placed_to": "2025-03-01"}, 200),
        ("/orders/poll/", {"after": "abc"}, 400),
        ("/orders/poll/", {"after": HUGE}, 400),
        ("/orders/poll/", {"after": "²"}, 400),
        ("/orders/tracking-check/", {"carrier": "ups", "tracking_number": "1Z" * 5000}, 200),
        ("/orders/tracking-check/", {"carrier": NUL, "tracking_number": NUL}, 200),
        ("/orders/service-levels/", {"carrier": "<script>"}, 200),
        ("/inventory/", {"q": NUL, "cursor": "garbage", "low": "maybe"}, 200),
    ],
)
def test_odd_queries_get_a_clear_answer(owner_client, path, params, status):
    assert owner_client.get(path, params).status_code == status


@pytest.mark.parametrize(
    "path, data, status",
    [
        ("/orders/bulk/", {"action": "confirm", "order_ids": ["-1", "abc", HUGE, "²"]}, 302),
        ("/orders/bulk/", {"action": "ship", "order_ids": ["1"]}, 302),
        ("/orders/{order}/lines/99999999/cancel/", {"quantity": "1", "reason": "other"}, 404),
        ("/orders/{order}/cancel/", {"reason": "other", "note": "x" * 5000}, 422),
        ("/orders/{order}/notes/", {"text": NUL}, 422),
        (
            "/orders/{order}/ship/",
            {"carrier": "ups", "service_level": "teleport", "tracking_number": "1Z999AA10123456784"},
            422,
        ),
        ("/inventory/stock/", {"sku": "x" * 1000, "mode": "add", "quantity": "3", "reason": "r"}, 302),
        ("/inventory/stock/", {"sku": "MUG-1", "mode": "add", "quantity": HUGE, "reason": "r"}, 302),
        (
            "/inventory/products/",
            {
                "sku": "A B",
                "title": "t",
                "price": "1.999",
                "currency": "XXX",
                "on_hand": "-1",
                "low_stock_threshold": "1",
            },
            422,
        ),
        ("/settings/closure-days/", {"day": "someday"}, 422),
        (f"/settings/team/{HUGE}/role/", {"role": "owner"}, 404),
        ("/settings/team/99999/role/", {"role": "emperor"}, 302),
        ("/switch-shop/", {"seller_id": NUL}, 404),
    ],
)
def test_odd_posts_get_a_clear_answer_and_change_nothing(owner_client, seller, product, place, path, data, status):
    order = place(seller)
    response = owner_client.post(path.format(order=order.pk), data)
    assert response.status_code == status, response.content[:500]
    assert Order.objects.get(pk=order.pk).status == "pending"


def test_a_wrong_service_level_is_said_on_the_form(owner_client, seller, product, place):
    order = advance(place(seller), "processing")
    response = owner_client.post(
        f"/orders/{order.pk}/ship/",
        {"carrier": "ups", "service_level": "teleport", "tracking_number": "1Z999AA10123456784"},
    )
    assert response.status_code == 422
    assert "UPS offers: ground" in response.content.decode()
