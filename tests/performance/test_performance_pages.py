"""The seller's performance page, the drill-down to orders and the reviews page (server side)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shipdesk.accounts.services import create_user
from shipdesk.performance.models import Review
from shipdesk.performance.reviews import leave_review
from shipdesk.performance.services import evaluate_history
from tests.builders import advance
from tests.performance.conftest import ship_and_deliver

# The calendar read is one query (accounts.policy.calendars_for); one per order metric (the order
# defect and return rates included); the response time one more (conversations' messages), the
# return response time one more (return requests).
PAGE_QUERIES = 19


def shipped_late(place, seller):
    """An order processed 10 days ago and shipped now: days after its 3-business-day ship deadline."""
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        order = advance(place(seller), "processing")
    return ship_and_deliver(order, deliver=False)


def a_late_shop(seller, place, make_product, *, on_time: int = 9):
    """One order in ten shipped late: 10 % against a target below 4 %, with enough orders
    (metrics.MIN_ORDERS) for the rate to be judged."""
    make_product(seller, on_hand=200)
    # Two days ago: inside yesterday's evaluation too, not only the live figures.
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        late = shipped_late(place, seller)
        for _ in range(on_time):
            ship_and_deliver(place(seller), deliver=False)
    return late


def test_the_page_shows_the_standing_a_card_per_metric_and_an_svg_chart_each(owner_client, seller, make_product, place):
    a_late_shop(seller, place, make_product)
    evaluate_history(seller_id=seller.pk, days=3)

    response = owner_client.get("/performance/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Late shipment rate" in html and "Target missed" in html and "Penalised" in html
    assert html.count('<svg class="chart"') == 11 and html.count('class="chart-target"') == 8
    assert 'href="/performance/late_shipment/orders/"' in html
    assert "Daily figures as a table" in html
    assert 'aria-current="page">Performance' in html


def test_the_page_answers_in_a_fixed_number_of_queries_whatever_the_orders_and_history(
    owner_client, seller, product, place, django_assert_num_queries
):
    # session, user, memberships, unread alerts; the live figures (seller, 5 order metrics,
    # handling times and their 2 calendar reads, ratings, standing); the history: 16 in all.
    ship_and_deliver(place(seller))
    evaluate_history(seller_id=seller.pk, days=2)
    with django_assert_num_queries(PAGE_QUERIES):
        assert owner_client.get("/performance/").status_code == 200

    for _ in range(3):
        shipped_late(place, seller)
    ship_and_deliver(place(seller))
    evaluate_history(seller_id=seller.pk, days=20)

    with django_assert_num_queries(PAGE_QUERIES):
        assert owner_client.get("/performance/").status_code == 200


def test_a_metric_lists_its_late_orders_first_each_linking_to_the_order(owner_client, seller, product, place):
    on_time = ship_and_deliver(place(seller), deliver=False)
    late = shipped_late(place, seller)

    response = owner_client.get("/performance/late_shipment/orders/")

    html = response.content.decode()
    links = re.findall(r'href="/orders/(\d+)/"', html)
    assert response.status_code == 200
    assert links == [str(late.pk), str(on_time.pk)]
    assert "1 of 2 orders shipped late" in html
    assert "Not judged yet: under 10 orders" in html
    assert "after the deadline" in html


def test_a_metrics_orders_page_names_its_target_once(owner_client, seller, product, place):
    shipped_late(place, seller)

    html = owner_client.get("/performance/late_shipment/orders/").content.decode()

    assert "target below 4.0 %" in html
    assert "target target" not in html


def test_another_sellers_orders_are_never_in_the_drill_down(
    owner_client, seller, product, make_seller, make_product, place
):
    other = make_seller("other-shop")
    make_product(other)
    theirs = shipped_late(place, other)
    ours = shipped_late(place, seller)

    html = owner_client.get("/performance/late_shipment/orders/").content.decode()

    assert f'href="/orders/{ours.pk}/"' in html
    assert f'href="/orders/{theirs.pk}/"' not in html
    assert owner_client.get(f"/orders/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize(
    "path", ["/performance/no_such_metric/orders/", "/performance/late_shipment/orders/?cursor=forged"]
)
def test_an_unknown_metric_is_a_404_and_a_forged_cursor_starts_over(owner_client, path):
    response = owner_client.get(path)

    assert response.status_code == (404 if "no_such" in path else 200)


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get("/performance/")

    assert response.status_code == 302 and "/signin/" in response["Location"]


def test_the_reviews_page_shows_reviews_escaped_and_takes_one_reply(owner_client, delivered):
    order = delivered(customer_name="<b>Bold</b> Customer")
    review = leave_review(order_id=order.pk, rating=2, comment="<script>alert('x')</script>")

    page = owner_client.get("/performance/reviews/").content.decode()
    posted = owner_client.post(
        reverse("performance_review_reply", args=[review.pk]), {f"reply-{review.pk}-text": "Sorry, we fixed it."}
    )
    again = owner_client.post(
        reverse("performance_review_reply", args=[review.pk]), {f"reply-{review.pk}-text": "Second try"}
    )

    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>Bold</b>" not in page
    assert posted.status_code == 302 and posted["Location"].endswith(f"#review-{review.pk}")
    assert again.status_code == 422 and "You have already replied to this review." in again.content.decode()
    assert Review.objects.get(pk=review.pk).reply == "Sorry, we fixed it."


def test_an_empty_reply_is_a_form_error(owner_client, delivered):
    review = leave_review(order_id=delivered().pk, rating=5)

    response = owner_client.post(
        reverse("performance_review_reply", args=[review.pk]), {f"reply-{review.pk}-text": "  "}
    )

    assert response.status_code == 422 and "This field is required" in response.content.decode()
    assert Review.objects.get(pk=review.pk).reply == ""


def test_another_sellers_review_cannot_be_replied_to_from_the_dashboard(delivered, make_seller, make_product, place):
    review = leave_review(order_id=delivered().pk, rating=5)
    other = make_seller("other-shop")
    stranger = create_user(email="owner@other.test", password=None, seller=other, role="owner")
    client = Client()
    client.force_login(stranger)

    response = client.post(reverse("performance_review_reply", args=[review.pk]), {f"reply-{review.pk}-text": "hijack"})

    assert response.status_code == 404
    assert client.get("/performance/reviews/").content.decode().count("review-item") == 0
    assert Review.objects.get(pk=review.pk).reply == ""


# --- the operator's ranking in the admin -------------------------------------------------------------


def test_the_operator_ranks_sellers_worst_first_with_links_to_them_in_the_admin(
    seller, make_seller, make_product, place
):
    calm = make_seller("calm-shop")
    make_product(calm)
    ship_and_deliver(place(calm), deliver=False)
    a_late_shop(seller, place, make_product)
    for shop in (calm, seller):
        evaluate_history(seller_id=shop.pk, days=1)
    operator = create_user(email="ops@platform.test", password=None)
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(operator)

    html = client.get("/admin/performance/ranking/").content.decode()
    penalised_only = client.get("/admin/performance/ranking/?standing=penalised").content.decode()

    assert html.index("Acme") < html.index("Calm-Shop")
    assert f'href="/admin/accounts/seller/{seller.pk}/change/"' in html
    assert "Late shipment rate" in html
    assert "Acme" in penalised_only and "Calm-Shop" not in penalised_only


def test_the_ranking_is_for_staff_only(owner_client):
    response = owner_client.get("/admin/performance/ranking/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
