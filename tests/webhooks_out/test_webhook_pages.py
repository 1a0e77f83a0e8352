"""The dashboard's webhook settings: an owner adds an endpoint, copies its secret once, pings it,
reads its delivery log and redelivers from it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.webhooks_out import services, terms
from shipdesk.webhooks_out.delivery import deliver_due
from shipdesk.webhooks_out.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(seller):
    client = Client()
    client.force_login(create_user(email="owner@acme.test", password=None, seller=seller, role="owner"))
    return client


def test_an_owner_adds_an_endpoint_and_sees_its_secret_once(owner_client, receiver):
    page = owner_client.post(
        "/settings/webhooks/new/",
        {"url": receiver.url, "event_types": [terms.ORDER_PLACED, terms.STOCK_LOW], "description": "ERP"},
    )

    assert page.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    again = owner_client.get("/settings/webhooks/").content.decode()
    assert subscription.secret not in again
    assert receiver.url in again and "Order placed, Stock low" in again


def test_a_private_url_is_a_form_error_and_nothing_is_saved(owner_client):
    page = owner_client.post(
        "/settings/webhooks/new/", {"url": "http://169.254.169.254/", "event_types": [terms.ORDER_PLACED]}
    )

    assert page.status_code == 422
    assert WebhookSubscription.objects.count() == 0
    html = page.content.decode()
    assert "link-local address" in html


def test_the_log_shows_each_attempt_and_redelivers(owner_client, seller, receiver):
    subscription = services.create_subscription(owner=seller.pk, url=receiver.url, event_types=[terms.ORDER_PLACED])
    receiver.fail_next(1)
    owner_client.post(f"/settings/webhooks/{subscription.pk}/ping/")
    deliver_due("test-worker")

    log = owner_client.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    assert re.search(r"<strong>500</strong> in \d+ ms", log)
    assert "receiver is down" in log

    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    deliver_due("test-worker")
    owner_client.post(f"/settings/webhooks/{subscription.pk}/deliveries/{delivery.pk}/redeliver/")
    deliver_due("test-worker")
    assert len(receiver.received) == 2
    log = owner_client.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    assert log.count("<strong>200</strong>") == 2


def test_another_shops_endpoint_is_not_found_and_staff_cannot_open_the_page(
    owner_client, seller, make_seller, receiver
):
    other = make_seller("other-shop")
    theirs = services.create_subscription(owner=other.pk, url=receiver.url, event_types=[terms.ORDER_PLACED])

    assert owner_client.get(f"/settings/webhooks/{theirs.pk}/").status_code == 404
    owner_client.post(f"/settings/webhooks/{theirs.pk}/delete/")
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()

    staff = Client()
    staff.force_login(create_user(email="packer@acme.test", password=None, seller=seller, role="staff"))
    assert staff.get("/settings/webhooks/").status_code == 403
