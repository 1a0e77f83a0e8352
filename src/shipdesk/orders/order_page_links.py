"""The customer's order page link: `/o/<token>/`, a signed token naming one order.

The customer's own door to their order (status, timeline, and the actions the status allows: ask to
cancel, ask for a return, report a problem, write to the shop). As with the tracking page, the token
is the only credential (customers have no accounts): signed with the project's secret and a salt of
its own, so no other customer link opens it, and it expires — an order matters to its customer for
the return window and a while after, not forever.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing

ORDER_PAGE_SALT = "shipdesk.order-page"
ORDER_PAGE_LINK_MAX_AGE = timedelta(days=365)


def order_page_path(order_id: int) -> str:
    return f"/o/{signing.dumps(order_id, salt=ORDER_PAGE_SALT)}/"


def order_page_url(order_id: int) -> str:
    return f"{settings.SHIPDESK_BASE_URL}{order_page_path(order_id)}"


def order_page_order_id(token: str) -> int | None:
    """The order a token names, or None when it is forged, altered or expired."""
    try:
        value = signing.loads(token, salt=ORDER_PAGE_SALT, max_age=ORDER_PAGE_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
