"""The dashboard's own emails (password reset, team invitations) link to SHIPDESK_BASE_URL, like
every other email, whatever Host header the request that caused them carried."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from shipdesk.accounts.services import create_user

BASE_URL = "https://shipdesk.example.test"


@pytest.fixture
def base_url(settings):
    settings.SHIPDESK_BASE_URL = BASE_URL
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def test_a_password_reset_link_names_the_base_url_not_the_requests_host(base_url, owner):
    Client().post("/password-reset/", {"email": owner.email}, headers={"host": "evil.example"})

    (message,) = mail.outbox
    assert links(message) and all(link.startswith(f"{BASE_URL}/password-reset/") for link in links(message)), (
        message.body
    )


def test_an_invitation_to_a_newcomer_links_to_the_base_url(base_url, owner_client):
    owner_client.post("/settings/team/", {"email": "new.packer@acme.test", "role": "staff"})

    (invitation,) = mail.outbox
    assert links(invitation) and all(link.startswith(f"{BASE_URL}/password-reset/") for link in links(invitation)), (
        invitation.body
    )


def test_an_invitation_to_someone_who_already_signs_in_links_to_the_base_urls_invitation_page(
    base_url, owner_client, make_seller
):
    create_user(email="packer@elsewhere.test", password="a long passphrase 1", seller=make_seller(), role="staff")

    owner_client.post("/settings/team/", {"email": "packer@elsewhere.test", "role": "staff"})

    (invitation,) = mail.outbox
    (link,) = links(invitation)
    assert re.fullmatch(re.escape(BASE_URL) + r"/invitations/[^/]+/", link), invitation.body
