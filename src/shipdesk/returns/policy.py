"""A shop's return rules: the platform defaults (settings.SHIPDESK_RETURN_POLICY) with the shop's
own where it set them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .models import ReturnPolicy

# The bounds a shop's return window must keep. At least 14 days: the EU's right of withdrawal
# after delivery, and what every marketplace we sell through requires; at most a year (the table's
# constraint holds the same upper bound).
MIN_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 365


@dataclass(frozen=True)
class ReturnRules:
    window_days: int  # a return may be asked for this many days after delivery
    shipping_policy: str  # returns.terms.SHIPPING_POLICIES
    return_address: str
    instructions: str
    answer_business_days: int  # the seller answers a request within this many business days
    refund_business_days: int  # and refunds within this many after receipt
    own_window: bool = False  # the shop set its window (else the platform default)
    own_shipping_policy: bool = False  # the shop set who pays (else the platform default)


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
        own_window=bool(row and row.window_days),
        own_shipping_policy=bool(row and row.shipping_policy),
    )
