"""The dashboard's signed-in clients, for the claim actions on the order page."""

from tests.dashboard.conftest import make_member, owner, owner_client  # noqa: F401
