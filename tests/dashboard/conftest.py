"""Dashboard test helpers: people in shops, signed in through Django's test client."""

from __future__ import annotations

import pytest
from django.test import Client

from shipdesk.accounts.services import create_user

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_member(db):
    # No password unless a test signs in through the form: hashing one (argon2) is the slowest
    # step of a dashboard test, and force_login needs none.
    def make(seller, email: str, role: str = "owner", password: str | None = None):
        return create_user(email=email, password=password, seller=seller, role=role)

    return make


@pytest.fixture
def owner(seller, make_member):
    return make_member(seller, "owner@acme.test", "owner")


@pytest.fixture
def owner_with_password(seller, make_member):
    return make_member(seller, "owner@acme.test", "owner", password=PASSWORD)


@pytest.fixture
def staff(seller, make_member):
    return make_member(seller, "packer@acme.test", "staff")


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client
