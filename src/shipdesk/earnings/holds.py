"""When held earnings become available: pure date arithmetic, no ORM.

The hold counts calendar days in the seller's timezone and ends at the start of a local day:
an order delivered at any time on a Friday with 3 hold days is available from 00:00 on the
following Monday, seller's time. (Calendar, not business, days: money waiting over a weekend
is still waiting, and "Friday + 3 = Monday" is what sellers read in the policy.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Without a delivery event (an untracked parcel the seller never marked delivered), the money is
# released this long after shipping, as marketplaces do.
FALLBACK_AFTER_SHIPPING = timedelta(days=30)

# Extra hold days on top of the policy's, by seller: the seller-performance work (penalty points
# lengthen the hold, docs/workflow.md) registers a function here returning the extra days for a seller.
# Until then an operator lengthens a penalised seller's hold with the seller's `hold_days` override.
HOLD_EXTENSIONS: list[Callable[[object], int]] = []


def release_after_delivery(*, delivered_at: datetime, hold_days: int, timezone: str) -> datetime:
    """The start (local midnight) of the seller's day `hold_days` after the local day of delivery, in UTC."""
    zone = ZoneInfo(timezone)
    local_day = delivered_at.astimezone(zone).date() + timedelta(days=hold_days)
    return datetime.combine(local_day, time.min, tzinfo=zone).astimezone(UTC)


def fallback_release(*, shipped_at: datetime) -> datetime:
    return shipped_at + FALLBACK_AFTER_SHIPPING
