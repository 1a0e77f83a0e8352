"""Reads of checkouts (platform only: a checkout spans shops)."""

from __future__ import annotations

from shipdesk.errors import NotFound

from .models import Checkout, CheckoutOrder


def get_checkout(*, checkout_id: int) -> Checkout:
    checkout = Checkout.objects.filter(pk=checkout_id).first()
    if checkout is None:
        raise NotFound("Checkout not found.")
    return checkout


def parts_of(checkout: Checkout) -> list[CheckoutOrder]:
    """The checkout's orders with their shops, in shop order."""
    return list(checkout.parts.select_related("seller", "order").order_by("seller_id"))
