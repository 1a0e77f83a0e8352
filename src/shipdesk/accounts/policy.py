"""The rules in force for one seller: platform defaults with the seller's overrides."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

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
