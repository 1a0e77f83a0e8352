"""The order page's panel of delivery problems and chargebacks, with the seller's actions."""

from __future__ import annotations

from django import template

from shipdesk.claims import selectors, terms
from shipdesk.shipping.carriers import CARRIERS

register = template.Library()


@register.inclusion_tag("claims/_order_panel.html", takes_context=True)
def claims_panel(context, order):
    claims = selectors.order_claims(seller_id=order.seller_id, order_id=order.pk)
    disputes = selectors.disputes_of(seller_id=order.seller_id, order_id=order.pk)
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "claims": [
            {
                "claim": c,
                "kind": terms.CLAIM_KINDS.label(c.kind),
                "status": terms.CLAIM_STATUSES.label(c.status),
                "resolution": terms.RESOLUTIONS.label(c.resolution) if c.resolution else "",
                "decision": terms.DECISIONS.label(c.decision) if c.decision else "",
                "answerable": c.status in terms.ANSWERABLE_STATUSES,
                "refusable": c.status == terms.OPEN,
            }
            for c in claims
        ],
        "disputes": [
            {
                "dispute": d,
                "status": terms.DISPUTE_STATUSES.label(d.status),
                "reason": terms.DISPUTE_REASONS.label(d.reason),
            }
            for d in disputes
        ],
        "resolutions": list(terms.RESOLUTIONS),
        "carriers": [c for c in CARRIERS.values() if c.tracked],
    }


@register.inclusion_tag("claims/_claims_due.html", takes_context=True)
def claims_due(context):
    """Above the first page of "Needs action": the claims waiting for an answer, nearest deadline first."""
    request = context.get("request")
    first_page = request is not None and not request.GET.get("cursor")
    if context.get("tab") != "needs_action" or not first_page or not getattr(request, "seller", None):
        return {"claims": []}
    return {"claims": selectors.claims_needing_answer(seller_id=request.seller.pk, limit=10)}
