"""How the order's timeline reads the events this app writes (for the dashboard and exports).

`describe(type, params)` returns a sentence for `notification_*` and `deadline_missed` events,
or None for any other type.
"""

from __future__ import annotations

from .models import Notification

KIND_LABELS = {
    "customer_confirmed": "order confirmation",
    "customer_shipped": "shipping confirmation",
    "customer_delivered": "delivery confirmation",
    "customer_review_request": "review request",
    "customer_cancelled": "cancellation notice",
    "customer_line_cancelled": "item cancellation notice",
    "customer_delay_notice": "delay notice",
    "customer_substitute_offer": "substitute offer",
    "seller_new_order": "new-order alert",
    "seller_due_soon": "due-soon alert",
    "seller_overdue": "overdue alert",
    "seller_payment_failed": "payment-failed alert",
    "seller_out_of_stock": "out-of-stock alert",
    "seller_delivery_exception": "delivery-delay alert",
    "seller_auto_cancelled": "auto-cancel alert",
    "customer_message": "message from the shop",
    "seller_customer_message": "customer-message alert",
    "seller_case_reply": "support answer",
    "operator_case_message": "support case",
    "seller_standing_changed": "standing-change notice",  # no order: never on a timeline, named for completeness
}
assert set(KIND_LABELS) == set(Notification.Kind.values) - {"seller_daily_digest"}


def describe(type: str, params: dict) -> str | None:
    p = params or {}
    what = KIND_LABELS.get(p.get("kind", ""), "email")
    to = p.get("recipient", "")
    match type:
        case "notification_sent":
            return f"Email sent: {what} to {to}" + (" (after a retry)" if (p.get("attempts") or 0) > 1 else "")
        case "notification_delayed":
            return f"Email delayed: {what} to {to} was refused for now ({p.get('error', '')}); retrying"
        case "notification_failed":
            return f"Email failed: {what} to {to} — {p.get('error', 'refused')}"
        case "notification_skipped":
            return f"Email not sent: {what} to {to} was no longer due"
        case "deadline_missed":
            return f"Deadline missed: {p.get('stage', '')} step not done in time; flagged late"
    return None
