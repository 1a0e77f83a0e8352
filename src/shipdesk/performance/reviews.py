"""Customers' reviews: leave one per delivered order, the seller answers once; and the reads.

A review is left through the signed `/r/<token>/` link of the review-request email (the view
checks the token; these services take the order id it names). Neither the rating nor the reply
is edited afterwards, so the seller's average stays traceable to the reviews that make it.
Each write is one transaction that also writes the order's timeline event and, for a new
review, the seller's dashboard alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import NotFound, StateConflict, ValidationFailed
from shipdesk.notifications.rendering import review_order_id
from shipdesk.notifications.services import raise_alert
from shipdesk.orders.events import review_left_event, review_replied_event
from shipdesk.orders.locks import lock_order
from shipdesk.orders.models import Order, OrderEvent, OrderStatus
from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor

from .models import Review

MAX_COMMENT = 2000
MAX_REPLY = 2000

REVIEW_LEFT = OrderEvent.Type.REVIEW_LEFT
REVIEW_REPLIED = OrderEvent.Type.REVIEW_REPLIED
# The seller's dashboard alert for a new review (Alert.kind is free text; no email is sent).
NEW_REVIEW_ALERT = "seller_new_review"


class AlreadyReviewed(StateConflict):
    code = "already_reviewed"


class NotDelivered(StateConflict):
    code = "not_delivered"


class AlreadyReplied(StateConflict):
    code = "already_replied"


# --- writes --------------------------------------------------------------------------------------


def _clean_text(value, *, field: str, limit: int, required: bool) -> str:
    if not isinstance(value, str):
        raise ValidationFailed("Invalid text.", details={field: ["Must be text."]})
    text = value.strip()
    if "\x00" in text:
        # PostgreSQL refuses NUL in text columns; refuse it here, as a field error, on every database.
        raise ValidationFailed("Invalid text.", details={field: ["Must not contain a NUL character."]})
    if required and not text:
        raise ValidationFailed("Text is required.", details={field: ["Write something."]})
    if len(text) > limit:
        raise ValidationFailed("Text too long.", details={field: [f"At most {limit} characters."]})
    return text


def _clean_rating(value) -> int:
    # bool is an int in Python; "True stars" is not a rating.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationFailed("Invalid rating.", details={"rating": ["A whole number of stars from 1 to 5."]})
    return value


@transaction.atomic
def leave_review(*, order_id: int, rating: int, comment: str = "", at: datetime | None = None) -> Review:
    """The customer's rating of a delivered order; once per order.

    The order row is locked first, so two submissions of the same form race on the lock and the
    second sees the first review (the one-to-one key on `order` is the backstop).
    """
    rating = _clean_rating(rating)
    comment = _clean_text(comment, field="comment", limit=MAX_COMMENT, required=False)
    order = lock_order(order_id=order_id, seller_id=None)
    if order.status != OrderStatus.DELIVERED:
        raise NotDelivered("This order has not been delivered yet, so it cannot be reviewed.")
    if Review.objects.filter(order_id=order.pk).exists():
        raise AlreadyReviewed("This order has already been reviewed.")
    now = at or timezone.now()
    review = Review(seller_id=order.seller_id, order=order, rating=rating, comment=comment, created_at=now)
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as exc:
        raise AlreadyReviewed("This order has already been reviewed.") from exc
    customer = Actor(kind=ActorKind.CUSTOMER, label=order.customer_name or "customer")
    review_left_event(order=order, actor=customer, at=now, review_id=review.pk, rating=rating)
    raise_alert(
        seller_id=order.seller_id,
        order=order,
        kind=NEW_REVIEW_ALERT,
        title=f"New review: {rating} of 5 stars on order #{order.number}",
        at=now,
    )
    return review


@transaction.atomic
def reply_to_review(*, review_id: int, seller_id: int, user, text: str, at: datetime | None = None) -> Review:
    """The seller's public answer to a review; once. Another seller's review is NotFound."""
    text = _clean_text(text, field="text", limit=MAX_REPLY, required=True)
    review = (
        Review.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=review_id, seller_id=seller_id)
        .select_related("order")
        .first()
    )
    if review is None:
        raise NotFound("Review not found.")
    if review.replied_at is not None:
        raise AlreadyReplied("You have already replied to this review.")
    review.reply = text
    review.replied_at = at or timezone.now()
    review.replied_by = user
    review.save(update_fields=["reply", "replied_at", "replied_by"])
    actor = Actor(kind=ActorKind.SELLER, label=user.email, user_id=user.pk)
    review_replied_event(order=review.order, actor=actor, at=review.replied_at, review_id=review.pk)
    return review


# --- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewPage:
    items: list[Review]
    next_cursor: str | None


def order_for_review_token(token: str) -> Order | None:
    """The order a customer's review link names, with its lines and seller; None if the token is
    forged or expired, or the order is gone."""
    order_id = review_order_id(token)
    if order_id is None:
        return None
    return Order.objects.select_related("seller").prefetch_related("lines").filter(pk=order_id).first()


def review_of_order(*, order_id: int) -> Review | None:
    return Review.objects.filter(order_id=order_id).first()


def seller_reviews(*, seller_id: int, limit: int = 25, cursor: str | None = None) -> ReviewPage:
    """The seller's reviews, newest first (keyset on created_at, id; index `review_seller_created`)."""
    qs = Review.objects.filter(seller_id=seller_id).select_related("order", "replied_by").order_by("-created_at", "-id")
    if cursor:
        try:
            created, last_id = decode_cursor(cursor, "reviews")
            created_at, last_id = datetime.fromisoformat(created), int(last_id)
        except (TypeError, ValueError) as exc:
            raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]}) from exc
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=last_id))
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor("reviews", [last.created_at.isoformat(), last.pk])
    return ReviewPage(items=rows, next_cursor=next_cursor)
