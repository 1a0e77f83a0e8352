"""Returns as the API shows them."""

from __future__ import annotations

from django.utils import timezone

from shipdesk.money import format_amount

from .models import ReturnRequest
from .services import allowed_return_actions


def return_detail(request: ReturnRequest) -> dict:
    """`request` from `returns.selectors` (order, lines and refund loaded)."""
    refund = request.shipped_refund
    currency = request.order.currency
    return {
        "id": request.pk,
        "order_id": request.order_id,
        "order_number": request.order.number,
        "status": request.status,
        "note": request.note,
        "requested_by": request.requested_by_label,
        "lines": [
            {
                "line_id": each.line_id,
                "sku": each.line.sku,
                "title": each.line.title,
                "quantity": each.quantity,
                "reason": each.reason,
                "received_resellable": each.received_resellable,
                "received_damaged": each.received_damaged,
            }
            for each in request.lines.all()
        ],
        "instructions": request.instructions,
        "return_address": request.return_address,
        "return_label_url": request.return_label_url,
        "rejection_reason": request.rejection_reason,
        "shipping_paid_by": request.shipping_paid_by or None,
        "refund_shipping": request.refund_shipping,
        "requested_at": request.requested_at,
        "answer_by": request.answer_by,
        "approved_at": request.approved_at,
        "rejected_at": request.rejected_at,
        "received_at": request.received_at,
        "refund_by": request.refund_by,
        "refunded_at": request.refunded_at,
        "next_deadline": request.action_due_at,
        "overdue": request.action_due_at is not None and request.action_due_at < timezone.now(),
        "refund": None
        if refund is None
        else {
            "id": refund.pk,
            "currency": currency,
            "amount": format_amount(refund.amount, currency),
            "items": format_amount(refund.items, currency),
            "shipping": format_amount(refund.shipping, currency),
            "tax": format_amount(refund.tax, currency),
        },
        "allowed_actions": allowed_return_actions(request.status),
    }
