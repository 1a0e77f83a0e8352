"""The rules in force for one seller: platform defaults with the seller's overrides."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from shipdesk.accounts.models import Seller
from shipdesk.orders.deadlines import BusinessCalendar


@dataclass(frozen=True)
class Policy:
    confirm_hours: int
    process_business_days: int
    ship_business_days: int
    unpaid_cancel_hours: int
    unconfirmed_cancel_hours: int
    commission_rate: Decimal
    hold_days: int


def policy_for(seller) -> Policy:
    defaults = settings.SHIPDESK_POLICY

    def pick(name):
        value = getattr(seller, name)
        return defaults[name] if value is None else value

    return Policy(
        confirm_hours=pick("confirm_hours"),
        process_business_days=pick("process_business_days"),
        ship_business_days=pick("ship_business_days"),
        unpaid_cancel_hours=pick("unpaid_cancel_hours"),
        unconfirmed_cancel_hours=pick("unconfirmed_cancel_hours"),
        commission_rate=Decimal(str(pick("commission_rate"))),
        hold_days=pick("hold_days"),
    )


def calendar_for(seller) -> BusinessCalendar:
    """The seller's business calendar; reads the closure days (one query)."""
    return BusinessCalendar(
        timezone=seller.timezone,
        country=str(seller.country),
        closure_days=frozenset(seller.closure_days.values_list("day", flat=True)),
    )


def calendars_for(seller_ids) -> dict[int, BusinessCalendar]:
    """Each seller's business calendar by seller id, in one query for any number of sellers.

    The same calendar as `calendar_for` gives for each seller; ids of no seller are left out.
    """
    fields: dict[int, tuple[str, str]] = {}
    closures: dict[int, set] = {}
    # One row per (seller, closure day), or one row with no day for a seller with none.
    rows = Seller.objects.filter(pk__in=list(seller_ids)).values_list("pk", "timezone", "country", "closure_days__day")
    for pk, tz, country, day in rows:
        fields[pk] = (tz, str(country))
        days = closures.setdefault(pk, set())
        if day is not None:
            days.add(day)
    return {
        pk: BusinessCalendar(timezone=tz, country=country, closure_days=frozenset(closures[pk]))
        for pk, (tz, country) in fields.items()
    }
