"""The daily digest (once a day, after 08:00 in the seller's timezone) and the short-line sweep."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db.models import F

from shipdesk.inventory.models import Product
from shipdesk.jobs.worker import run_until_idle
from shipdesk.notifications.models import Alert, Notification
from shipdesk.orders import sweeps
from shipdesk.orders.models import OrderLine
from tests.builders import advance
from tests.notifications.mail_server import body

NEW_YORK = ZoneInfo("America/New_York")


def test_the_digest_arrives_once_a_day_after_8am_local_with_what_needs_doing(seller, make_product, place, mail_server):
    make_product(seller, "MUG-1", on_hand=4)
    with time_machine.travel(datetime(2025, 1, 6, 7, 0, tzinfo=NEW_YORK), tick=False) as clock:
        to_confirm = place(seller)
        to_ship = advance(place(seller), "processing")
        waiting = place(seller, lines=(("MUG-1", 5, "12.50"),))  # short of stock
        assert waiting.lines.get().stock == "short"

        clock.move_to(datetime(2025, 1, 6, 7, 59, tzinfo=NEW_YORK))
        sweeps.sweep_daily_digests()
        assert not Notification.objects.filter(kind="seller_daily_digest").exists()

        clock.move_to(datetime(2025, 1, 6, 8, 0, tzinfo=NEW_YORK))
        run_until_idle()
        clock.move_to(datetime(2025, 1, 6, 17, 0, tzinfo=NEW_YORK))
        run_until_idle()

    [digest] = mail_server.messages("seller_daily_digest")
    assert digest["Subject"] == "Today at Acme: 2 to confirm, 0 to process, 1 to ship"
    text = body(digest, "plain")
    assert "Here is what needs doing today, Monday 6 January" in text
    assert "Waiting for stock    1" in text
    assert f"#{to_confirm.number} Ada Lovelace — confirm by Tue 7 Jan" in text
    assert f"#{to_ship.number}" in text
    alert = Alert.objects.get(kind="seller_daily_digest")
    assert alert.order is None and alert.title == "Today: 2 to confirm, 0 to process, 1 to ship"


def test_a_shop_with_nothing_to_do_gets_no_digest_and_is_not_asked_again(seller, mail_server):
    with time_machine.travel(datetime(2025, 1, 6, 9, 0, tzinfo=NEW_YORK), tick=False):
        sweeps.sweep_daily_digests()
        sweeps.sweep_daily_digests()
        run_until_idle()

    row = Notification.objects.get(kind="seller_daily_digest", seller=seller)
    assert (row.status, row.stage, row.last_error) == ("skipped", "2025-01-06", "nothing to do today")
    assert mail_server.messages() == [] and not Alert.objects.exists()


def test_each_seller_gets_the_digest_at_8am_in_their_own_timezone(make_seller, make_product, place):
    tokyo = make_seller("tokyo", country="JP", tz="Asia/Tokyo")
    lima = make_seller("lima", country="PE", tz="America/Lima")
    for shop in (tokyo, lima):
        make_product(shop, "MUG-1")
        place(shop)
    with time_machine.travel(datetime(2025, 1, 6, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        sweeps.sweep_daily_digests()  # 08:30 on the 7th in Tokyo, 18:30 on the 6th in Lima
    assert sorted(Notification.objects.filter(kind="seller_daily_digest").values_list("seller__slug", "stage")) == [
        ("lima", "2025-01-06"),
        ("tokyo", "2025-01-07"),
    ]


def test_a_short_line_left_behind_is_reserved_by_the_sweep_when_stock_is_free(seller, make_product, place):
    make_product(seller, "LAMP", on_hand=0)
    order = place(seller, lines=(("LAMP", 2, "40.00"),))
    # Stock that arrived while the line was locked elsewhere (SKIP LOCKED skipped it): the
    # product has units free and the line is still short.
    Product.objects.filter(sku="LAMP").update(on_hand=F("on_hand") + 2)

    assert sweeps.sweep_short_lines() == 1
    assert sweeps.sweep_short_lines() == 0
    assert OrderLine.objects.get(order=order).stock == "reserved"
    assert Product.objects.get(sku="LAMP").reserved == 2
    assert order.events.filter(type="line_reserved", actor_kind="system").count() == 1


def test_the_review_request_waits_two_days_after_delivery_and_is_asked_once(seller, product, place):
    start = datetime(2025, 1, 6, 6, 0, tzinfo=NEW_YORK)
    with time_machine.travel(start, tick=False) as clock:
        order = advance(place(seller), "delivered")
        clock.move_to(start + timedelta(days=2) - timedelta(seconds=1))
        assert sweeps.sweep_review_requests() == 0
        clock.move_to(start + timedelta(days=2))
        assert sweeps.sweep_review_requests() == 1
        assert sweeps.sweep_review_requests() == 0
    assert Notification.objects.filter(order=order, kind="customer_review_request").count() == 1
