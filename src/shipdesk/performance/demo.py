"""The demo shop's reviews and performance history (`shipdesk demo`).

Through the services, like everything in the demo: reviews on delivered orders (one with the
shop's reply), each left the evening after its delivery, then the daily snapshots of the last
90 days as of `now`, so the performance page has charts from the first visit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shipdesk.orders.models import Order

from .reviews import leave_review, reply_to_review
from .services import evaluate_history

# The customer writes the evening after the parcel came; the shop answers the next morning.
REVIEWED_AFTER = timedelta(hours=30)
REPLIED_AFTER = timedelta(hours=14)


def add_demo_performance(*, seller, owner, console, reviews: dict[str, tuple[int, str, str]], now: datetime) -> None:
    """`reviews`: (rating, comment, the shop's reply or "") by the external id of a delivered order."""
    for external_id, (rating, comment, reply) in reviews.items():
        order = Order.objects.get(seller_id=seller.pk, external_id=external_id)
        reviewed_at = order.delivered_at + REVIEWED_AFTER
        review = leave_review(order_id=order.pk, rating=rating, comment=comment, at=reviewed_at)
        if reply:
            reply_to_review(
                review_id=review.pk, seller_id=seller.pk, user=owner, text=reply, at=reviewed_at + REPLIED_AFTER
            )
    with console.status("Evaluating 90 days of performance"):
        evaluate_history(seller_id=seller.pk, days=90, now=now)
