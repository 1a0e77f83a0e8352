"""The earnings page in a real browser: balances, upcoming releases in the shop's timezone, the
statement download (read back and checked cell by cell), and earnings.png in the screenshot folder
(docs/screenshots/ with `make screenshots`)."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from shipdesk.earnings import services as earnings
from shipdesk.earnings.models import ScheduledRelease
from shipdesk.orders import services
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR
from tests.e2e.conftest import DESKTOP, SCREENSHOTS

EVIL = '=HYPERLINK("http://evil.test","click")'


def _delivered(order, n: int):
    ids = dict(order_id=order.pk, seller_id=order.seller_id)
    services.confirm_order(**ids, actor=SELLER_ACTOR)
    services.process_order(**ids, actor=SELLER_ACTOR)
    services.ship_order(
        **ids, actor=SELLER_ACTOR, carrier="other", service_level="standard", tracking_number=f"PKG-{n}"
    )
    return services.deliver_order(**ids, actor=OPERATOR_ACTOR)


@pytest.mark.screenshots
def test_the_earnings_page_shows_balances_releases_in_the_shops_timezone_and_a_safe_statement(
    page, live_server, make_seller, make_product, place, member, sign_in_as, csp_violations
):
    # given a Tokyo shop: one order paid out, one past its hold (available), one just delivered (pending)
    seller = make_seller("kyoto-ceramics", country="JP", tz="Asia/Tokyo")
    make_product(seller, "MUG-1", price="12.50", on_hand=50)
    now = timezone.now()
    tax = dict(shipping_fee=Decimal("4.99"), shipping_tax=Decimal("0.40"))
    with time_machine.travel(now - timedelta(days=12), tick=False) as clock:
        paid_out = _delivered(place(seller, lines=(("MUG-1", 2, "12.50", "2.00"),), customer_name=EVIL, **tax), 1)
        clock.shift(timedelta(days=4))
        earnings.release_due()
        earnings.create_payout(seller_id=seller.pk, currency="USD")  # 25.00 + 4.99 − 3.00 = 26.99
        available = _delivered(
            place(seller, lines=(("MUG-1", 3, "12.50", "3.00"),), customer_name="Grace Hopper", **tax), 2
        )
    earnings.release_due()  # 37.50 + 4.99 − 4.25 = 38.24
    pending = _delivered(
        place(seller, lines=(("MUG-1", 1, "12.50", "1.00"),), customer_name="Alan Turing", **tax), 3
    )  # 17.49 − 1.75
    release_at = ScheduledRelease.objects.get(order=pending).release_at
    sign_in_as(member(seller, "owner@kyoto.test"))
    page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/earnings/")

    # then the balances are the ledger's sums, net of tax and commission
    expect(page.get_by_role("heading", name="Earnings")).to_be_visible()
    balances = page.locator("table.earnings-balances tbody tr")
    expect(balances).to_have_count(1)
    expect(balances.locator("[data-label=Pending]")).to_have_text("$15.74")
    expect(balances.locator("[data-label=Available]")).to_have_text("$38.24")
    expect(balances.locator("[data-label='Paid out']")).to_have_text("$26.99")
    # and the pending order is released at midnight Tokyo time, three days after its delivery day
    local = release_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (0, 0)
    upcoming = page.locator("table.earnings-upcoming tbody tr")
    expect(upcoming).to_have_count(1)
    expect(upcoming.locator("[data-label=Order]")).to_have_text(f"#{pending.number}")
    expect(upcoming.locator("[data-label=Amount]")).to_have_text("$15.74")
    expect(upcoming.locator("[data-label='Available from']")).to_have_text(local.strftime("%a %-d %b %Y, 00:00"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "earnings.png"), full_page=True)

    # when the seller downloads the statement
    with page.expect_download() as download_info:
        balances.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    rows = list(csv.reader(Path(download.path()).read_text(encoding="utf-8").splitlines()))

    # then it has every entry with running balances, and the customer's "formula" is inert text
    assert download.suggested_filename.startswith("kyoto-ceramics-earnings-USD-")
    header, *entries = rows
    assert header[:4] == ["date", "kind", "order", "description"] and header[-1] == "customer"
    assert [r[1] for r in entries] == [
        "sale_pending",
        "commission",
        "release",
        "payout",
        "sale_pending",
        "commission",
        "release",
        "sale_pending",
        "commission",
    ]
    first = [r for r in entries if r[2] == f"#{paid_out.number}"]
    assert first and all(r[-1] == "'" + EVIL for r in first)
    assert {r[-1] for r in entries if r[2] == f"#{available.number}"} == {"Grace Hopper"}
    assert entries[-1][7:10] == ["15.74", "38.24", "26.99"]  # the running balances end at the page's
    assert entries[0][0] == paid_out.placed_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M")
    assert csp_violations == []
