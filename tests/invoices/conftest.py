"""The dashboard's signed-in clients, for the invoice panel on the order page."""

from tests.dashboard.conftest import make_member, owner, owner_client  # noqa: F401
