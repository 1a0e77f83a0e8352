"""A seller cannot make Shipdesk call into the marketplace's own network: private, loopback and
link-local targets are refused after DNS resolution, at subscription and on every redirect."""

from __future__ import annotations

import ipaddress

import pytest

from shipdesk.webhooks_out import services, terms
from shipdesk.webhooks_out.delivery import deliver_due
from shipdesk.webhooks_out.models import WebhookDelivery
from shipdesk.webhooks_out.targets import TargetRefused, address_problem, check_target

REFUSED_URLS = [
    "http://127.0.0.1/hooks",
    "http://127.0.0.1:8000/hooks",
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://localhost/hooks",  # a name resolving to a loopback address
    "http://10.1.2.3/hooks",
    "http://192.168.0.10/hooks",
    "http://172.16.5.4/hooks",
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",  # IPv4 inside IPv6
    "http://[fe80::1]/hooks",
    "http://100.64.0.1/hooks",  # carrier-grade NAT
    "http://0.0.0.0/hooks",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_subscription_to_a_private_loopback_or_link_local_target_is_refused_with_422(url, seller_api):
    response = seller_api.post("/webhook-subscriptions", {"url": url, "event_types": [terms.ORDER_SHIPPED]})

    assert response.status_code == 422, response.content
    assert "url" in response.json()["error"]["details"]
    assert seller_api.get("/webhook-subscriptions").json()["items"] == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "http://user:pw@example.com/x", "not a url", "http:///nohost", "https://"],
)
def test_a_subscription_to_something_that_is_not_a_public_http_url_is_refused(url, seller_api):
    response = seller_api.post("/webhook-subscriptions", {"url": url, "event_types": [terms.ORDER_SHIPPED]})

    assert response.status_code == 422
    assert "url" in response.json()["error"]["details"]


def test_public_addresses_are_allowed_and_an_operator_may_allow_a_private_range(settings):
    assert address_problem(ipaddress.ip_address("93.184.216.34")) == ""
    assert address_problem(ipaddress.ip_address("2606:4700::1111")) == ""
    assert address_problem(ipaddress.ip_address("10.0.0.7")) == "a private address"

    settings.SHIPDESK_WEBHOOKS = {**settings.SHIPDESK_WEBHOOKS, "allowed_networks": ["10.0.0.0/8"]}
    assert address_problem(ipaddress.ip_address("10.0.0.7")) == ""
    assert address_problem(ipaddress.ip_address("127.0.0.1")) == "a loopback address"


def test_every_address_of_a_name_is_checked_not_only_the_first(settings):
    # localhost resolves to 127.0.0.1 (and often ::1): allowing 127.0.0.1 alone is not enough
    # when the name also resolves to ::1.
    settings.SHIPDESK_WEBHOOKS = {**settings.SHIPDESK_WEBHOOKS, "allowed_networks": ["127.0.0.1/32"]}
    target = None
    try:
        target = check_target("http://localhost:9/x")
    except TargetRefused as exc:
        assert "::1" in str(exc)
    if target is not None:
        assert set(target.addresses) == {"127.0.0.1"}


@pytest.mark.django_db
def test_a_redirect_to_a_private_address_is_refused_before_any_connection_to_it(seller, receiver):
    subscription = services.create_subscription(owner=seller.pk, url=receiver.url, event_types=[terms.ORDER_PLACED])
    receiver.redirect_to("http://169.254.169.254/latest/meta-data/")

    services.send_test_ping(subscription_id=subscription.pk, owner=seller.pk)
    deliver_due("test-worker")

    delivery = WebhookDelivery.objects.get()
    (attempt,) = delivery.attempt_log.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("refused: 169.254.169.254 is a link-local address")
    assert attempt.url == "http://169.254.169.254/latest/meta-data/"
    assert delivery.state == terms.QUEUED  # retried later: the endpoint may be fixed


@pytest.mark.django_db
def test_a_name_re_pointed_to_a_private_address_after_subscribing_is_refused_at_delivery(seller, receiver, settings):
    subscription = services.create_subscription(owner=seller.pk, url=receiver.url, event_types=[terms.ORDER_PLACED])
    settings.SHIPDESK_WEBHOOKS = {**settings.SHIPDESK_WEBHOOKS, "allowed_networks": []}  # the check runs again

    services.send_test_ping(subscription_id=subscription.pk, owner=seller.pk)
    deliver_due("test-worker")

    (attempt,) = WebhookDelivery.objects.get().attempt_log.all()
    assert attempt.error.startswith("refused: 127.0.0.1 is a loopback address")
    assert receiver.answered == []  # no request reached it
