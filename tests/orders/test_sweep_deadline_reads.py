"""The deadline sweep runs every minute over every open order: its reads do not grow with sellers.

Each seller's business calendar (timezone, country, closure days) is read for all sellers at once
(`accounts.policy.calendars_for`), and it is the very calendar `calendar_for` gives one seller.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipdesk.accounts.models import ClosureDay
from shipdesk.accounts.policy import calendar_for, calendars_for
from shipdesk.orders import sweeps
from tests.builders import advance

NEW_YORK = ZoneInfo("America/New_York")


def open_orders_of_new_shops(make_seller, make_product, place, count: int) -> None:
    """`count` shops, each with an order waiting in every step (confirm, process, ship)."""
    for _ in range(count):
        shop = make_seller()
        ClosureDay.objects.create(seller=shop, day=date(2026, 1, 9), reason="stocktake")
        make_product(shop, "MUG-1", on_hand=10)
        place(shop)
        advance(place(shop), "confirmed")
        advance(place(shop), "processing")


def sweep_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        assert sweeps.sweep_deadlines() == {"due_soon": 0, "overdue": 0}  # nothing due yet: reads only
    return len(queries)


def test_the_deadline_sweep_reads_as_much_for_ten_shops_as_for_one(make_seller, make_product, place):
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=NEW_YORK), tick=False):  # Monday
        open_orders_of_new_shops(make_seller, make_product, place, 1)
        one_shop = sweep_queries()
        open_orders_of_new_shops(make_seller, make_product, place, 9)
        assert sweep_queries() == one_shop


def test_the_calendars_of_many_sellers_are_the_calendars_of_each(make_seller):
    closed = make_seller("closed", country="KE", tz="Africa/Nairobi")
    for day in (date(2026, 1, 9), date(2026, 1, 12)):
        ClosureDay.objects.create(seller=closed, day=day, reason="stocktake")
    open_all_year = make_seller("open", country="SA", tz="Asia/Riyadh")

    calendars = calendars_for([closed.pk, open_all_year.pk, open_all_year.pk + 1000])

    assert calendars == {closed.pk: calendar_for(closed), open_all_year.pk: calendar_for(open_all_year)}
    assert calendars[closed.pk].closure_days == {date(2026, 1, 9), date(2026, 1, 12)}
    assert not calendars[closed.pk].is_business_day(date(2026, 1, 12))
    nairobi = ZoneInfo("Africa/Nairobi")
    # Thursday + 1: Friday and Monday are closed, the weekend too: Tuesday.
    assert calendars[closed.pk].add_business_days(datetime(2026, 1, 8, 12, 0, tzinfo=nairobi), 1) == datetime(
        2026, 1, 13, 12, 0, tzinfo=nairobi
    )
