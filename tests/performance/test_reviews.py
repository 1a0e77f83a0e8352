"""Reviews: a customer rates a delivered order once through the signed link; the seller replies once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shipdesk.errors import NotFound, ValidationFailed
from shipdesk.notifications.models import Alert
from shipdesk.notifications.rendering import review_url
from shipdesk.orders.models import OrderEvent
from shipdesk.performance.models import Review
from shipdesk.performance.reviews import (
    NEW_REVIEW_ALERT,
    REVIEW_LEFT,
    REVIEW_REPLIED,
    AlreadyReplied,
    AlreadyReviewed,
    NotDelivered,
    leave_review,
    reply_to_review,
    seller_reviews,
)


def review_path(order) -> str:
    return re.sub(r"^https?://[^/]+", "", review_url(order.pk))


# --- services ------------------------------------------------------------------------------------


def test_leaving_a_review_stores_it_and_writes_the_timeline_event_and_the_sellers_alert(delivered):
    order = delivered()

    review = leave_review(order_id=order.pk, rating=4, comment="  Lovely mug.  ")

    assert (review.seller_id, review.rating, review.comment) == (order.seller_id, 4, "Lovely mug.")
    event = OrderEvent.objects.get(order=order, type=REVIEW_LEFT)
    assert event.actor_kind == "customer" and event.params["rating"] == 4
    alert = Alert.objects.get(order=order, kind=NEW_REVIEW_ALERT)
    assert alert.seller_id == order.seller_id and f"#{order.number}" in alert.title


def test_an_order_is_reviewed_once(delivered):
    order = delivered()
    leave_review(order_id=order.pk, rating=5)

    with pytest.raises(AlreadyReviewed):
        leave_review(order_id=order.pk, rating=1, comment="changed my mind")

    assert Review.objects.get(order=order).rating == 5
    assert OrderEvent.objects.filter(order=order, type=REVIEW_LEFT).count() == 1


@pytest.mark.parametrize("to", ["pending", "shipped", "cancelled"])
def test_only_a_delivered_order_can_be_reviewed(seller, product, place, to):
    from tests.builders import advance

    order = advance(place(seller), to)

    with pytest.raises(NotDelivered):
        leave_review(order_id=order.pk, rating=3)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("rating", "comment", "field"),
    [
        (0, "", "rating"),
        (6, "", "rating"),
        (True, "", "rating"),
        ("5", "", "rating"),
        (4, "x" * 2001, "comment"),
        (4, "nul\x00byte", "comment"),
        (4, None, "comment"),
    ],
)
def test_a_bad_rating_or_comment_is_refused_with_a_field_error(delivered, rating, comment, field):
    order = delivered()

    with pytest.raises(ValidationFailed) as refused:
        leave_review(order_id=order.pk, rating=rating, comment=comment)

    assert field in refused.value.details
    assert not Review.objects.exists()


def test_reviewing_an_unknown_order_is_not_found(db):
    with pytest.raises(NotFound):
        leave_review(order_id=999_999, rating=5)


def test_the_seller_replies_once_and_the_reply_is_on_the_timeline(delivered, owner):
    order = delivered()
    review = leave_review(order_id=order.pk, rating=2, comment="Arrived chipped.")

    reply_to_review(review_id=review.pk, seller_id=order.seller_id, user=owner, text="Sorry! A new one is on its way.")
    with pytest.raises(AlreadyReplied):
        reply_to_review(review_id=review.pk, seller_id=order.seller_id, user=owner, text="Again")

    review.refresh_from_db()
    assert review.reply == "Sorry! A new one is on its way." and review.replied_by == owner and review.replied_at
    assert OrderEvent.objects.get(order=order, type=REVIEW_REPLIED).user_id == owner.pk


def test_an_empty_reply_is_refused(delivered, owner):
    review = leave_review(order_id=delivered().pk, rating=3)

    with pytest.raises(ValidationFailed) as refused:
        reply_to_review(review_id=review.pk, seller_id=review.seller_id, user=owner, text="   ")

    assert "text" in refused.value.details


def test_another_sellers_review_cannot_be_replied_to(delivered, owner, make_seller):
    review = leave_review(order_id=delivered().pk, rating=3)
    other = make_seller("other-shop")

    with pytest.raises(NotFound):
        reply_to_review(review_id=review.pk, seller_id=other.pk, user=owner, text="Not mine")


def test_the_sellers_reviews_are_listed_newest_first_a_page_at_a_time(delivered):
    first, second, third = delivered(), delivered(), delivered()
    now = timezone.now()
    for i, order in enumerate([first, second, third]):
        leave_review(order_id=order.pk, rating=5, at=now + timedelta(minutes=i))

    page = seller_reviews(seller_id=first.seller_id, limit=2)
    rest = seller_reviews(seller_id=first.seller_id, limit=2, cursor=page.next_cursor)

    assert [r.order_id for r in page.items] == [third.pk, second.pk]
    assert [r.order_id for r in rest.items] == [first.pk] and rest.next_cursor is None


# --- the customer's page /r/<token>/ ---------------------------------------------------------------


def test_the_customer_page_shows_the_shop_the_order_and_a_star_form(delivered):
    order = delivered()

    response = Client().get(review_path(order))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme" in html and f"#{order.number}" in html and "Mug-1" in html
    assert html.count('type="radio" name="rating"') == 5
    assert "csrfmiddlewaretoken" in html


def test_the_customer_leaves_a_review_sees_thanks_and_later_sees_it_again(delivered):
    order = delivered()
    client = Client(enforce_csrf_checks=True)
    page = client.get(review_path(order))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    done = client.post(
        review_path(order), {"rating": "4", "comment": "Quick and well packed", "csrfmiddlewaretoken": csrf}
    )
    again = Client().get(review_path(order))

    assert done.status_code == 200 and "Thank you for your review" in done.content.decode()
    assert Review.objects.get(order=order).rating == 4
    assert "You already reviewed this order" in again.content.decode()
    assert "Quick and well packed" in again.content.decode()


def test_the_customer_page_refuses_a_post_without_the_csrf_token(delivered):
    order = delivered()

    response = Client(enforce_csrf_checks=True).post(review_path(order), {"rating": "5"})

    assert response.status_code == 403
    assert not Review.objects.exists()


def test_a_second_post_of_the_form_shows_the_first_review(delivered):
    order = delivered()
    client = Client()
    client.post(review_path(order), {"rating": "5", "comment": "first"})

    response = client.post(review_path(order), {"rating": "1", "comment": "second"})

    assert "You already reviewed this order" in response.content.decode()
    assert Review.objects.get(order=order).comment == "first"


def test_a_missing_rating_is_a_form_error_not_a_review(delivered):
    order = delivered()

    response = Client().post(review_path(order), {"comment": "no stars"})

    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize("token", ["not-a-token", "1:abc:def", "x" * 1000])
def test_a_bad_token_is_a_friendly_404(db, token):
    response = Client().get(f"/r/{token}/")

    assert response.status_code == 404
    assert "This review link does not work" in response.content.decode()


def test_a_token_older_than_90_days_is_a_friendly_404(delivered):
    order = delivered()
    path = review_path(order)

    with time_machine.travel(timezone.now() + timedelta(days=91)):
        response = Client().get(path)

    assert response.status_code == 404
    assert "older than 90 days" in response.content.decode()


def test_a_shipped_order_cannot_be_reviewed_through_its_link_yet(seller, product, place):
    from tests.builders import advance

    order = advance(place(seller), "shipped")

    response = Client().post(review_path(order), {"rating": "5"})

    assert response.status_code == 409
    assert "Reviews open once the order has been delivered" in response.content.decode()
    assert not Review.objects.exists()


def test_a_script_in_the_comment_is_shown_as_text(delivered):
    order = delivered()
    leave_review(order_id=order.pk, rating=1, comment="<script>alert(1)</script>")

    html = Client().get(review_path(order)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_seller_sees_the_new_review_in_alerts_and_on_the_orders_timeline(delivered, owner, owner_client):
    order = delivered()
    review = leave_review(order_id=order.pk, rating=4)
    reply_to_review(review_id=review.pk, seller_id=order.seller_id, user=owner, text="Thanks!")

    alerts = owner_client.get("/alerts/").content.decode()
    timeline = owner_client.get(f"/orders/{order.pk}/").content.decode()

    assert f"New review: 4 of 5 stars on order #{order.number}" in alerts
    assert "The customer left a review: ★★★★" in timeline and "The shop replied to the review" in timeline


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_customers_tabs_sending_at_once_leave_one_review(delivered):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    order = delivered()
    barrier = threading.Barrier(2)

    def send(rating: int):
        try:
            barrier.wait()
            return leave_review(order_id=order.pk, rating=rating)
        except AlreadyReviewed as refused:
            return refused
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(send, [2, 5]))

    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyReviewed", "Review"]
    assert Review.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.filter(order=order, type=REVIEW_LEFT).count() == 1
    assert Alert.objects.filter(order=order, kind=NEW_REVIEW_ALERT).count() == 1
