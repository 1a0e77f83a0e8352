"""The demo shop's reviews and performance history (`shipdesk demo`).

Through the services, like everything in the demo: reviews on the delivered orders (one with the
shop's reply), then the daily snapshots of the last 90 days, so the performance page has charts
from the first visit. Running it again adds nothing twice.
"""

from __future__ import annotations

from shipdesk.orders.models import Order, OrderStatus

from .models import Review
from .reviews import leave_review, reply_to_review
from .services import evaluate_history

DEMO_REVIEWS = [
    # rating, comment, the shop's reply ("" for none)
    (5, "Lovely mug, arrived well packed and a day early.", ""),
    (4, "Good quality tote. Delivery took a day longer than I hoped.", "Thank you! We have switched to an earlier pickup so parcels leave the same day."),
    (5, "Exactly as pictured.", ""),
]


def add_demo_performance(*, seller, owner, console) -> None:
    delivered = Order.objects.filter(seller_id=seller.pk, status=OrderStatus.DELIVERED).order_by("id")
    reviewed = set(Review.objects.filter(seller_id=seller.pk).values_list("order_id", flat=True))
    for order, (rating, comment, reply) in zip(delivered, DEMO_REVIEWS):
        if order.pk in reviewed:
            continue
        review = leave_review(order_id=order.pk, rating=rating, comment=comment)
        if reply:
            reply_to_review(review_id=review.pk, seller_id=seller.pk, user=owner, text=reply)
    with console.status("Evaluating 90 days of performance"):
        evaluate_history(seller_id=seller.pk, days=90)
