"""Earnings as the seller and the operator see them: API, dashboard page, statements, payouts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from shipdesk.accounts.services import create_user
from shipdesk.earnings import services as earnings
from shipdesk.earnings.models import LedgerEntry, Payout
from shipdesk.orders import services
from tests.builders import OPERATOR_ACTOR, SELLER_ACTOR, Api

START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _delivered_and_released(order):
    _ship_only(order)
    services.deliver_order(order_id=order.pk, seller_id=order.seller_id, actor=OPERATOR_ACTOR)


def _ship_only(order):
    for act in (services.confirm_order, services.process_order):
        act(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR)
    services.ship_order(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier="other",
        service_level="standard",
        tracking_number=f"P{order.pk}",
    )


@pytest.fixture
def earned(seller, make_product, place):
    """One order released (22.49 available after 10 %), one paid and waiting (pending)."""
    make_product(seller, "MUG-1", price="12.50", on_hand=50)
    with time_machine.travel(START, tick=False) as clock:
        first = place(seller)  # 2 × 12.50 + 4.99 = 29.99, commission 3.00
        _delivered_and_released(first)
        clock.shift(timedelta(days=5))
        earnings.release_due()
        second = place(seller, lines=(("MUG-1", 1, "12.50"),), shipping_fee=Decimal("0"))
    return first, second


def test_the_earnings_api_shows_balances_as_sums_of_entries_and_pages_the_entries(seller, seller_api, earned):
    response = seller_api.get("/earnings?limit=3")
    body = response.json()
    assert response.status_code == 200
    assert body["balances"] == [{"currency": "USD", "pending": "11.25", "available": "26.99", "paid_out": "0.00"}]
    assert [e["kind"] for e in body["entries"]] == ["commission", "sale_pending", "release"]
    rest = seller_api.get(f"/earnings?limit=3&cursor={body['next_cursor']}").json()
    assert [e["kind"] for e in rest["entries"]] == ["commission", "sale_pending"]
    assert rest["next_cursor"] is None
    assert seller_api.get("/earnings?cursor=forged").status_code == 400


def test_another_sellers_earnings_are_not_visible_to_a_seller_token(make_seller, earned):
    from shipdesk.accounts.services import create_api_token

    other = make_seller("other")
    api = Api(create_api_token(name="t", seller=other).token)
    assert api.get("/earnings").json()["balances"] == []


def test_the_earnings_page_shows_balances_upcoming_releases_and_a_statement_without_formulas(seller, earned):
    first, second = earned
    user = create_user(email="owner@acme.test", password=None, seller=seller, role="owner")
    client = Client()
    client.force_login(user)
    _ship_only(second)
    page = client.get("/earnings/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'aria-current="page">Earnings' in html
    upcoming = html.split("Upcoming releases", 1)[1].split("</table>", 1)[0]
    assert f"#{second.number}" in upcoming and "11.25" in upcoming and "shipped, no delivery scan yet" in upcoming
    assert "26.99" in html.split("Balances", 1)[1].split("</table>", 1)[0]

    LedgerEntry.objects.create(
        seller=seller,
        kind="adjustment",
        currency="USD",
        available=Decimal("-1.00"),
        description='=HYPERLINK("http://x")',
        created_at=START,
    )
    statement = client.get("/earnings/statement-USD.csv")
    rows = list(csv.reader(io.StringIO(b"".join(statement.streaming_content).decode())))
    assert rows[0][:4] == ["date", "kind", "order", "description"]
    assert rows[-1][3] == '\'=HYPERLINK("http://x")'
    assert rows[-1][5] == "-1.00"  # amounts stay numbers
    assert rows[-1][8] == "25.99"  # running available balance
    assert client.get("/earnings/statement-EUR.csv").status_code == 404


def test_payouts_are_a_dry_run_by_default_and_execute_pays_the_available_balance_once(seller, earned, tmp_path):
    out = io.StringIO()
    call_command("payouts", statements=str(tmp_path), stdout=out)
    assert "dry run" in out.getvalue() and "26.99" in out.getvalue()
    assert not Payout.objects.exists() and not list(tmp_path.iterdir())

    call_command("payouts", "--execute", statements=str(tmp_path), stdout=io.StringIO())
    payout = Payout.objects.get()
    assert (payout.amount, payout.currency) == (Decimal("26.99"), "USD")
    (statement,) = tmp_path.iterdir()
    rows = list(csv.reader(statement.open()))
    assert rows[-1][1] == "payout" and rows[-1][7:10] == ["11.25", "0.00", "26.99"]

    call_command("payouts", "--execute", statements=str(tmp_path), stdout=io.StringIO())
    assert Payout.objects.count() == 1  # nothing left to pay


def test_the_earnings_api_costs_the_same_queries_for_few_and_many_entries(
    seller, seller_api, earned, place, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seller_api.get("/earnings")
    with CaptureQueriesContext(connection) as few:
        seller_api.get("/earnings")
    for n in range(10):
        place(seller, lines=(("MUG-1", 1, "12.50"),), external_id=f"MORE-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = seller_api.get("/earnings").json()
    assert len(body["entries"]) == 25
