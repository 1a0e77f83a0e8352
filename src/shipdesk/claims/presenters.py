"""Claims and disputes as the API shows them (money as decimal strings in the order's currency)."""

from __future__ import annotations

from shipdesk import money

from .models import Claim, Dispute


def _amount(value, currency: str) -> str:
    return str(money.quantize(value, currency))


def claim_out(claim: Claim) -> dict:
    order = claim.order
    return {
        "id": claim.pk,
        "order_id": order.pk,
        "order_number": order.number,
        "kind": claim.kind,
        "status": claim.status,
        "description": claim.description,
        "lines": [
            {"line_id": cl.line_id, "sku": cl.line.sku, "title": cl.line.title, "quantity": cl.quantity}
            for cl in claim.lines.all()
        ],
        "opened_at": claim.opened_at,
        "opened_by": claim.opened_by_kind,
        "answer_by": claim.answer_by,
        "answered_at": claim.answered_at,
        "resolution": claim.resolution or None,
        "answer_note": claim.answer_note,
        "reshipment_tracking_number": claim.reshipment.tracking_number if claim.reshipment_id else None,
        "escalated_at": claim.escalated_at,
        "decided_at": claim.decided_at,
        "decision": claim.decision or None,
        "decision_note": claim.decision_note,
        "refunded": _amount(claim.refunded, order.currency),
        "currency": order.currency,
        "seller_lost": claim.seller_lost,
    }


def dispute_out(dispute: Dispute) -> dict:
    c = dispute.currency
    return {
        "id": dispute.pk,
        "order_id": dispute.order_id,
        "provider": dispute.provider,
        "provider_dispute_id": dispute.provider_dispute_id,
        "status": dispute.status,
        "reason": dispute.reason,
        "amount": _amount(dispute.amount, c),
        "currency": c,
        "fee": _amount(dispute.fee, c),
        "held": _amount(dispute.held, c),
        "evidence_due_by": dispute.evidence_due_by,
        "opened_at": dispute.opened_at,
        "closed_at": dispute.closed_at,
        "evidence_url": f"/api/v1/orders/{dispute.order_id}/disputes/{dispute.pk}/evidence.pdf",
    }
