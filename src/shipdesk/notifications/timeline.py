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
    "customer_claim_update": "delivery-problem update",
    "customer_preparing": "being-prepared notice",
    "customer_refunded": "refund notice",
    "customer_cancel_requested": "cancellation-request acknowledgement",
    "customer_return_requested": "return-request acknowledgement",
    "customer_return_approved": "return approval with instructions",
    "customer_return_rejected": "return refusal",
    "customer_return_received": "return receipt",
    "seller_cancel_requested": "cancellation-request alert",
    "seller_return_requested": "return-request alert",
    "seller_return_due_soon": "return due-soon alert",
    "seller_return_overdue": "return overdue alert",
    "seller_new_order": "new-order alert",
    "seller_due_soon": "due-soon alert",
    "seller_overdue": "overdue alert",
    "seller_payment_failed": "payment-failed alert",
    "seller_out_of_stock": "out-of-stock alert",
    "seller_delivery_exception": "delivery-delay alert",
    "seller_auto_cancelled": "auto-cancel alert",
    "seller_claim_update": "delivery-problem alert",
    "seller_dispute_update": "chargeback alert",
    "customer_message": "message from the shop",
    "seller_customer_message": "customer-message alert",
    "seller_case_reply": "support answer",
    "operator_case_message": "support case",
    "seller_standing_changed": "standing-change notice",  # no order: never on a timeline, named for completeness
    "seller_webhook_disabled": "webhook-disabled notice",  # no order, like the standing change
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
