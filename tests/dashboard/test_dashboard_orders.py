"""The orders list: tabs and counts, needs action by deadline, search, filters, paging, polling, bulk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shipdesk.orders import dashboard_views as views
from shipdesk.orders.models import Order
from tests.builders import UPS_NUMBER, advance


def row_numbers(response) -> list[int]:
    """The order numbers of the list's rows, top to bottom."""
    return [int(n) for n in re.findall(r'class="order-number" href="/orders/\d+/">#(\d+)<', response.content.decode())]


def test_needs_action_lists_open_orders_nearest_deadline_first_with_a_countdown(owner_client, seller, product, place):
    processing = advance(place(seller), "processing")  # ship within 3 business days
    unpaid = place(seller, paid=False)  # no deadline yet: waits for payment, not for the seller
    shipped = advance(place(seller), "shipped")
    newest = place(seller)  # confirm within 24 h: the nearest deadline

    response = owner_client.get("/orders/")

    assert response.status_code == 200
    assert row_numbers(response) == [newest.number, processing.number]
    assert unpaid.number not in row_numbers(response) and shipped.number not in row_numbers(response)
    assert "confirm within 23 h 59 min" in response.content.decode()


def test_an_overdue_order_shows_its_countdown_in_red(owner_client, seller, product, place):
    order = place(seller)
    with time_machine.travel(order.confirm_by + timedelta(hours=3, minutes=12)):
        response = owner_client.get("/orders/")
    html = response.content.decode()
    assert "confirm overdue by 3 h 12 min" in html
    assert re.search(r'class="countdown is-overdue"[^>]*>confirm overdue by 3 h 12 min<', html)


def test_each_status_has_a_tab_with_its_count(owner_client, seller, product, place):
    place(seller)
    place(seller, paid=False)
    advance(place(seller), "confirmed")
    advance(place(seller), "cancelled")

    html = owner_client.get("/orders/?tab=pending").content.decode()

    def tab_count(label):
        return int(re.search(rf">\s*{label} <span class=\"tab-count\">(\d+)</span>", html).group(1))

    assert (
        tab_count("Needs action"),
        tab_count("All"),
        tab_count("Pending"),
        tab_count("Confirmed"),
        tab_count("Cancelled"),
    ) == (2, 4, 2, 1, 1)
    assert re.search(r'class="tab tab-pending" aria-current="page"', html)


@pytest.mark.parametrize(
    "query", ["#{number}", "{number}", "Grace", "grace@example.com", "MUG-2", UPS_NUMBER, UPS_NUMBER.lower()]
)
def test_search_finds_an_order_by_number_customer_email_sku_or_tracking_number(
    owner_client, seller, make_product, place, query
):
    make_product(seller, "MUG-1")
    make_product(seller, "MUG-2")
    other = place(seller)
    wanted = advance(
        place(seller, customer_name="Grace Hopper", customer_email="grace@example.com", lines=(("MUG-2", 1, "12.50"),)),
        "shipped",
    )

    response = owner_client.get("/orders/", {"tab": "all", "q": query.format(number=wanted.number)})

    assert row_numbers(response) == [wanted.number]
    assert other.number not in row_numbers(response)


def test_searching_from_needs_action_for_a_shipped_order_says_which_tab_holds_it(owner_client, seller, product, place):
    advance(place(seller), "confirmed")  # something that needs action, not the match
    shipped = advance(place(seller), "shipped")

    response = owner_client.get("/orders/", {"tab": "needs_action", "q": str(shipped.number)})

    html = re.sub(r"\s+", " ", response.content.decode())
    assert row_numbers(response) == []
    assert (
        f'None in this tab; matching “{shipped.number}”: <a href="?q={shipped.number}&amp;tab=shipped">Shipped (1)</a>.'
        in html
    )
    assert f'<a href="?q={shipped.number}&amp;tab=all">Show all matches</a>' in html
    assert row_numbers(owner_client.get("/orders/", {"tab": "shipped", "q": str(shipped.number)})) == [shipped.number]


def test_a_search_matching_in_this_tab_and_others_lists_these_and_names_the_others(
    owner_client, seller, product, place
):
    pending = place(seller, customer_name="Grace Hopper")
    delivered = advance(place(seller, customer_name="Grace Hopper"), "delivered")

    response = owner_client.get("/orders/", {"tab": "pending", "q": "grace"})

    html = re.sub(r"\s+", " ", response.content.decode())
    assert row_numbers(response) == [pending.number]
    assert "Also matching “grace”:" in html and ">Delivered (1)</a>" in html
    assert delivered.number not in row_numbers(response)


def test_a_search_in_needs_action_does_not_point_elsewhere_for_orders_it_already_shows(
    owner_client, seller, product, place
):
    pending = place(seller, customer_name="Grace Hopper")

    response = owner_client.get("/orders/", {"q": "grace"})

    assert row_numbers(response) == [pending.number]
    assert "search-elsewhere" not in response.content.decode()


def test_filters_narrow_the_list_by_payment_overdue_and_placed_date(owner_client, seller, product, place):
    now = timezone.now()
    old = place(seller, placed_at=now - timedelta(days=10))
    unpaid = place(seller, paid=False)
    recent = place(seller)

    def numbers(**params):
        return row_numbers(owner_client.get("/orders/", {"tab": "all", **params}))

    assert numbers(payment="unpaid") == [unpaid.number]
    assert numbers(overdue="yes") == [old.number]  # placed 10 days ago: its 24 hours ran out long ago
    day = timezone.localtime(now, timezone=seller_tz(seller)).date()
    assert set(numbers(placed_from=day.isoformat(), placed_to=day.isoformat())) == {unpaid.number, recent.number}
    assert numbers(placed_to=(day - timedelta(days=5)).isoformat()) == [old.number]


def seller_tz(seller):
    import zoneinfo

    return zoneinfo.ZoneInfo(seller.timezone)


def next_page(client, response) -> str:
    return "/orders/?" + re.search(r'href="\?([^"]*)" rel="next"', response.content.decode()).group(1).replace(
        "&amp;", "&"
    )


def test_paging_is_by_cursor_and_every_order_appears_once(owner_client, seller, make_product, place, monkeypatch):
    make_product(seller, on_hand=1000)
    placed = [place(seller) for _ in range(7)]
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    seen, url = [], "/orders/?tab=all"
    while url:
        response = owner_client.get(url)
        seen += row_numbers(response)
        url = next_page(owner_client, response) if 'rel="next"' in response.content.decode() else None
    assert seen == sorted((o.number for o in placed), reverse=True)


def test_the_previous_page_link_goes_back_one_page_and_the_first_page_has_none(
    owner_client, seller, make_product, place, monkeypatch
):
    make_product(seller, on_hand=1000)
    placed = sorted((place(seller).number for _ in range(7)), reverse=True)
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    first = owner_client.get("/orders/?tab=all")
    third = owner_client.get(next_page(owner_client, owner_client.get(next_page(owner_client, first))))
    assert 'rel="prev"' not in first.content.decode()

    back = owner_client.get(_link(third, "prev"))
    first_again = owner_client.get(_link(back, "prev"))

    assert row_numbers(back) == placed[3:6]
    assert row_numbers(first_again) == placed[:3] and 'rel="prev"' not in first_again.content.decode()


def _link(response, rel: str) -> str:
    return "/orders/?" + re.search(rf'href="\?([^"]*)" rel="{rel}"', response.content.decode()).group(1).replace(
        "&amp;", "&"
    )


def test_a_tampered_page_link_shows_the_first_page_and_says_so(owner_client, seller, product, place):
    order = place(seller)
    response = owner_client.get("/orders/", {"tab": "all", "cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert row_numbers(response) == [order.number]
    assert "This cursor is not valid." in response.content.decode()


def test_the_orders_list_renders_in_a_constant_number_of_queries_at_any_page(
    seller, make_product, place, owner, django_assert_num_queries, monkeypatch
):
    """Session, user, memberships, the page, its lines, the tab counts (one statement), the newest id (first page
    only: later pages don't poll) and the header's alert bell: the same at page 1 and page 3.
    "Needs action" reads the returns and the claims waiting above its first page (one more each)."""
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    make_product(seller, "MUG-1", on_hand=10_000)
    make_product(seller, "TEE-1", on_hand=10_000)
    for i in range(25):
        place(seller, lines=(("MUG-1", 1, "12.50"), ("TEE-1", 2, "12.50")) if i % 2 else (("MUG-1", 1, "12.50"),))
    client = Client()
    client.force_login(owner)
    deep_link = next_page(client, client.get(next_page(client, client.get("/orders/?tab=all"))))

    with django_assert_num_queries(8):
        page_one = client.get("/orders/?tab=all")
    with django_assert_num_queries(7):
        page_three = client.get(deep_link)
    with django_assert_num_queries(10):
        needs_action = client.get("/orders/")  # sorted by deadline
    with django_assert_num_queries(7):
        client.get(next_page(client, needs_action))

    assert len(row_numbers(page_one)) == 10 and len(row_numbers(page_three)) == 5


def test_polling_returns_only_orders_placed_since_the_list_was_drawn_marked_new(owner_client, seller, product, place):
    shown = place(seller)
    html = owner_client.get("/orders/").content.decode()
    poll_url = re.search(r'hx-get="(/orders/poll/\?[^"]+)"', html).group(1).replace("&amp;", "&")

    assert owner_client.get(poll_url, headers={"HX-Request": "true"}).status_code == 204

    arrived = place(seller, customer_name="Katherine Johnson")
    response = owner_client.get(poll_url, headers={"HX-Request": "true"})

    fragment = response.content.decode()
    assert response.status_code == 200
    assert row_numbers(response) == [arrived.number] and shown.number not in row_numbers(response)
    assert 'class="order-row is-new"' in fragment and ">New<" in fragment
    # The next poll starts after the order just shown, and the tab counts are refreshed.
    assert f"after={arrived.pk}" in fragment
    assert 'id="order-tabs" class="tabs" aria-label="Orders by status" hx-swap-oob="true"' in fragment
    assert re.search(r">\s*Needs action <span class=\"tab-count\">2</span>", fragment)


def test_bulk_confirm_confirms_each_order_it_can_and_says_why_not_for_the_others(owner_client, seller, product, place):
    paid = place(seller)
    unpaid = place(seller, paid=False)
    shipped = advance(place(seller), "shipped")

    response = owner_client.post(
        "/orders/bulk/",
        {"action": "confirm", "order_ids": [paid.pk, unpaid.pk, shipped.pk], "next": "/orders/?tab=all"},
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/orders/?tab=all"
    assert re.search(rf"Confirmed 1 order:</strong>\s*<a href=\"/orders/{paid.pk}/\">#{paid.number}</a>", html)
    assert f"#{unpaid.number}</a> — The order is unpaid; it must be paid first." in html
    assert f"#{shipped.number}</a> — Cannot confirm an order that is shipped." in html
    assert Order.objects.get(pk=paid.pk).status == "confirmed"
    assert Order.objects.get(pk=unpaid.pk).status == "pending"
    # The report is shown once.
    assert "Confirmed 1 order" not in owner_client.get("/orders/?tab=all").content.decode()


def test_bulk_process_starts_processing_and_another_shops_order_is_only_reported(
    owner_client, seller, product, place, make_seller, make_product
):
    confirmed = advance(place(seller), "confirmed")
    elsewhere = make_seller()
    make_product(elsewhere)
    theirs = advance(place(elsewhere), "confirmed")

    html = owner_client.post(
        "/orders/bulk/", {"action": "process", "order_ids": [confirmed.pk, theirs.pk]}, follow=True
    ).content.decode()

    assert Order.objects.get(pk=confirmed.pk).status == "processing"
    assert Order.objects.get(pk=theirs.pk).status == "confirmed"
    assert f"Order {theirs.pk} — Order not found." in html


def test_bulk_with_nothing_selected_says_so(owner_client):
    html = owner_client.post("/orders/bulk/", {"action": "confirm"}, follow=True).content.decode()
    assert "Select at least one order." in html
