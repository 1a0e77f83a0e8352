from __future__ import annotations

import pytest

from tests.webhooks_out.receiver import Receiver


@pytest.fixture
def receiver(settings):
    """A real HTTP receiver on 127.0.0.1, and that one address allowed as a webhook target."""
    settings.SHIPDESK_WEBHOOKS = {**settings.SHIPDESK_WEBHOOKS, "allowed_networks": ["127.0.0.1/32"]}
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()
