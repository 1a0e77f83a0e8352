"""The dashboard's signed-in clients, for the invoice panel on the order page; and the shop these
tests invoice for: a British one, since a GB shop must issue VAT invoices (invoices.terms)."""

import pytest

from tests.dashboard.conftest import make_member, owner, owner_client, staff, staff_client  # noqa: F401


@pytest.fixture
def seller(make_seller):
    return make_seller("acme", country="GB", tz="Europe/London")
