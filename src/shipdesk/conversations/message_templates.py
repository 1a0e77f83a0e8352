"""The seller's message templates: the default wording of each, and filling one from an order.

Pure. A template holds `{placeholders}` from `PLACEHOLDERS` only; filling replaces exactly those
(no attribute access, no format mini-language: a template is the seller's text, not code), and
leaves any other brace as written.
"""

from __future__ import annotations

import re

from .terms import TEMPLATE_KEYS

PLACEHOLDERS = {
    "customer_name": "the customer's name",
    "order_number": "the order number, e.g. 1042",
    "shop_name": "your shop's name",
    "items": "the order's items, e.g. 2 × Blue mug",
    "ship_by": "the date the order ships by",
    "eta": "the delivery estimate, once shipped",
    "address": "the shipping address on one line",
}

DEFAULTS = {
    "delay_notice": (
        "Hello {customer_name},\n\nWe are sorry: order #{order_number} is running late. "
        "We now expect it to reach you by {eta}. Thank you for your patience.\n\n{shop_name}"
    ),
    "out_of_stock": (
        "Hello {customer_name},\n\nWe are sorry: part of order #{order_number} ({items}) is out of stock. "
        "Would you like us to send a similar item, wait for new stock, or cancel that item with a refund?"
        "\n\n{shop_name}"
    ),
    "substitute": (
        "Hello {customer_name},\n\nAn item of order #{order_number} is out of stock. We can send a similar "
        "item at the same price instead: just reply to say yes or no.\n\n{shop_name}"
    ),
    "address_question": (
        "Hello {customer_name},\n\nBefore we ship order #{order_number}, could you check the address: "
        "{address}? Reply with any correction.\n\n{shop_name}"
    ),
}
assert set(DEFAULTS) == set(TEMPLATE_KEYS.values)

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(body: str, values: dict[str, str]) -> str:
    """`body` with each known `{placeholder}` replaced by its value ("" when the order has none yet)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "") if m.group(1) in PLACEHOLDERS else m.group(0), body)
