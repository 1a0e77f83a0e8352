"""The customer's tracking page link: `/t/<token>/`, a signed token naming one order.

The token is the only credential the page asks for (customers have no accounts), so it is signed
with the project's secret and a salt of its own (a review token cannot open a tracking page, nor
the reverse), and it expires: a parcel is of interest for weeks, not forever.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing

TRACKING_SALT = "shipdesk.tracking-page"
TRACKING_LINK_MAX_AGE = timedelta(days=180)


def tracking_page_path(order_id: int) -> str:
    return f"/t/{signing.dumps(order_id, salt=TRACKING_SALT)}/"


def tracking_page_url(order_id: int) -> str:
    return f"{settings.SHIPDESK_BASE_URL}{tracking_page_path(order_id)}"


def tracking_page_order_id(token: str) -> int | None:
    """The order a token names, or None when it is forged, altered or expired."""
    try:
        value = signing.loads(token, salt=TRACKING_SALT, max_age=TRACKING_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
