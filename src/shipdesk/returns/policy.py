"""A shop's return rules: the platform defaults (settings.SHIPDESK_RETURN_POLICY) with the shop's
own where it set them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .models import ReturnPolicy


@dataclass(frozen=True)
class ReturnRules:
    window_days: int  # a return may be asked for this many days after delivery
    shipping_policy: str  # returns.terms.SHIPPING_POLICIES
    return_address: str
    instructions: str
    answer_business_days: int  # the seller answers a request within this many business days
    refund_business_days: int  # and refunds within this many after receipt


def return_rules_for(seller_id: int) -> ReturnRules:
    defaults = settings.SHIPDESK_RETURN_POLICY
    row = ReturnPolicy.objects.filter(seller_id=seller_id).first()
    return ReturnRules(
        window_days=(row.window_days if row and row.window_days else defaults["window_days"]),
        shipping_policy=(row.shipping_policy if row and row.shipping_policy else defaults["shipping_policy"]),
        return_address=row.return_address if row else "",
        instructions=row.instructions if row else "",
        answer_business_days=defaults["answer_business_days"],
        refund_business_days=defaults["refund_business_days"],
    )
