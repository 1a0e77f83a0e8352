from __future__ import annotations

import pytest

from tests.notifications.mail_server import MailServer

REPLY_DOMAIN = "replies.shipdesk.test"


@pytest.fixture(autouse=True)
def conversations_settings(settings, tmp_path):
    """Reply addresses on a test domain; attachments kept in a temporary media root."""
    settings.SHIPDESK_CONVERSATIONS = {
        **settings.SHIPDESK_CONVERSATIONS,
        "reply_domain": REPLY_DOMAIN,
        "inbound_secret": "inbound-test-secret",
        "support_email": "support@marketplace.test",
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings


@pytest.fixture
def mail_server(settings):
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it."""
    server = MailServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
