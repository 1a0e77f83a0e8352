"""The operator admin: orders stay read-only; cancelling goes through the service, with a reason."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from shipdesk.accounts.models import User
from shipdesk.orders.models import Order, OrderEvent


@pytest.fixture
def operator(db):
    user = User.objects.create_superuser(email="ops@marketplace.test", password=None)
    client = Client()
    client.force_login(user)
    return client


def test_an_operator_cancels_an_order_with_a_reason_that_reaches_the_timeline(operator, seller, product, place):
    order = place(seller)
    url = "/admin/orders/order/"
    form = operator.post(url, {"action": "cancel_with_reason", ACTION_CHECKBOX_NAME: [order.pk]})
    assert form.status_code == 200 and b"Cancel these orders" in form.content
    assert Order.objects.get(pk=order.pk).status == order.status  # asking changes nothing

    done = operator.post(
        url,
        {
            "action": "cancel_with_reason",
            ACTION_CHECKBOX_NAME: [order.pk],
            "apply": "1",
            "reason": "customer_request",
            "note": "Customer called support twice.",
        },
        follow=True,
    )

    assert b"Cancelled 1 order(s)." in done.content
    order.refresh_from_db()
    assert order.status == "cancelled"
    event = OrderEvent.objects.get(order=order, type="cancelled")
    assert event.actor_kind == "operator" and event.actor_label == "operator ops@marketplace.test"
    assert event.params["reason"] == "customer_request" and event.params["note"] == "Customer called support twice."


def test_the_cancel_form_needs_a_note_and_a_refused_transition_is_reported_not_raised(operator, seller, product, place):
    order = place(seller)
    url = "/admin/orders/order/"
    missing = operator.post(
        url, {"action": "cancel_with_reason", ACTION_CHECKBOX_NAME: [order.pk], "apply": "1", "reason": "other"}
    )
    assert missing.status_code == 200 and b"This field is required" in missing.content
    assert Order.objects.get(pk=order.pk).status != "cancelled"

    body = {
        "action": "cancel_with_reason",
        ACTION_CHECKBOX_NAME: [order.pk],
        "apply": "1",
        "reason": "other",
        "note": "Duplicate order.",
    }
    operator.post(url, body)
    again = operator.post(url, body, follow=True)
    assert again.status_code == 200 and b"Not cancelled" in again.content


def test_orders_stay_read_only_in_the_admin(operator, seller, product, place):
    order = place(seller)
    page = operator.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200 and b'name="status"' not in page.content
    assert operator.get("/admin/django_tasks_database/dbtaskresult/").status_code == 200  # the task view
