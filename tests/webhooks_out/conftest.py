from __future__ import annotations

import pytest

from tests.notifications.mail_server import MailServer
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


@pytest.fixture
def mail_server(settings):
    """A real SMTP server on loopback (tests/notifications/mail_server.py), Django's SMTP backend on it."""
    server = MailServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
