"""API schemas of the shop's own settings (`accounts.api`)."""

from __future__ import annotations

from ninja import Schema


class ShopPapersOut(Schema):
    """What the shop's papers print besides the orders: whether a logo is set, and the insert."""

    logo: bool
    insert_enabled: bool  # an insert page follows each packing slip
    insert_text: str
    insert_image: bool
