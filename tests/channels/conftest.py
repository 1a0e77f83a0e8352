"""Channels' fixtures: a channel set up with a webhook secret, signed webhook posts, a stub channel API."""

from __future__ import annotations

import pytest
from django.test import Client

from shipdesk.channels import services
from tests.channels.channel_helpers import SECRET, StubChannel, channel_signature


@pytest.fixture
def connect(seller):
    def do(kind: str, **settings):
        return services.connect_channel(seller_id=seller.pk, kind=kind, webhook_secret=SECRET, **settings)

    return do


@pytest.fixture
def post_webhook(db):
    client = Client()

    def post(kind: str, body: bytes, *, shop: str = "acme", signature: str | None = None, **headers):
        sig = channel_signature(body) if signature is None else signature
        header = {"shopify": "X-Shopify-Hmac-Sha256", "sandbox": "X-Shopify-Hmac-Sha256"}.get(
            kind, "X-WC-Webhook-Signature"
        )
        return client.post(
            f"/api/v1/webhooks/channels/{shop}/{kind}",
            data=body,
            content_type="application/json",
            headers={header: sig, **headers},
        )

    return post


@pytest.fixture
def stub_channel(settings):
    settings.SHIPDESK_CHANNELS_ALLOW_PRIVATE_URLS = True  # the stub listens on loopback
    stub = StubChannel()
    yield stub
    stub.close()
