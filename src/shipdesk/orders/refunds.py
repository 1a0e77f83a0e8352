"""How much a cancellation refunds, and how much of it is tax. Pure rules: no ORM, no I/O.

A refund is split into items, shipping and tax. The tax of a line is the tax on all its units,
as the storefront charged it; cancelling units refunds their share of it, computed
*cumulatively*: the share of units c+1 … c+k of a line of q units is

    round(tax × (c + k) / q) − round(tax × c / q)

so the shares of any sequence of partial cancels add up to exactly `tax` — a line of 3 units
with 1.00 tax cancelled one unit at a time refunds 0.33, 0.34 and 0.33. Rounding is to the
currency's minor units with banker's rounding (half to even, `money.quantize`), the rule used for
every amount Shipdesk derives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shipdesk import money

ZERO = Decimal("0")


@dataclass(frozen=True)
class RefundBreakdown:
    items: Decimal = ZERO
    shipping: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.items + self.shipping + self.tax

    @property
    def net_of_tax(self) -> Decimal:
        return self.items + self.shipping


NOTHING = RefundBreakdown()


def line_tax_share(*, tax: Decimal, quantity: int, cancelled_before: int, cancelling: int, currency: str) -> Decimal:
    """The tax refunded for `cancelling` more units of a line whose first `cancelled_before` were cancelled."""
    if not tax or not cancelling:
        return ZERO
    upto = money.quantize(tax * (cancelled_before + cancelling) / quantity, currency)
    before = money.quantize(tax * cancelled_before / quantity, currency)
    return upto - before


def line_refund(
    *,
    unit_price: Decimal,
    tax: Decimal,
    quantity: int,
    cancelled_before: int,
    cancelling: int,
    currency: str,
    remaining_total: Decimal,
    remaining_tax: Decimal,
) -> RefundBreakdown:
    """The refund for cancelling `cancelling` units of a line: the units and their tax share.

    Capped by what is left to refund (a provider may have refunded part of the order directly),
    the tax part by the tax left and the rest by what is left net of tax.
    """
    items = unit_price * cancelling
    share = line_tax_share(
        tax=tax, quantity=quantity, cancelled_before=cancelled_before, cancelling=cancelling, currency=currency
    )
    return RefundBreakdown(
        items=max(ZERO, min(items, remaining_total - remaining_tax)),
        tax=max(ZERO, min(share, remaining_tax)),
    )


def remainder_refund(*, remaining_total: Decimal, remaining_tax: Decimal, shipping_fee: Decimal) -> RefundBreakdown:
    """The refund of a whole-order cancel: everything not yet refunded.

    Without earlier outside refunds this is exactly the open units, the shipping fee and the
    tax still held (the open units' remaining tax shares plus the shipping tax).
    """
    net = remaining_total - remaining_tax
    shipping = max(ZERO, min(shipping_fee, net))
    return RefundBreakdown(items=net - shipping, shipping=shipping, tax=remaining_tax)


def tax_part_of(*, amount: Decimal, remaining_total: Decimal, remaining_tax: Decimal, currency: str) -> Decimal:
    """The tax inside a refund made outside Shipdesk (the provider's dashboard, a dispute).

    Nobody says which units it was for, so it carries tax in proportion to what is left; a
    refund of everything left carries all the tax left, so the order's tax always comes out exact.
    """
    if amount >= remaining_total:
        return remaining_tax
    if remaining_total <= 0 or remaining_tax <= 0:
        return ZERO
    share = money.quantize(amount * remaining_tax / remaining_total, currency)
    # Never more tax than is left, and never more non-tax than is left.
    return max(amount - (remaining_total - remaining_tax), min(share, remaining_tax, amount))
