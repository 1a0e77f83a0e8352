from __future__ import annotations

from django.db.models import F, QuerySet

from shipdesk.errors import NotFound
from shipdesk.pagination import BadCursor, decode_cursor, encode_cursor

from .models import Product

MAX_LIMIT = 200


def _scoped(seller_id: int | None) -> QuerySet[Product]:
    return Product.objects.all() if seller_id is None else Product.objects.filter(seller_id=seller_id)


def get_product(*, seller_id: int | None, sku: str) -> Product:
    product = _scoped(seller_id).filter(sku=sku).select_related("seller").first()
    if product is None:
        raise NotFound("Product not found.")
    return product


def list_products(
    *, seller_id: int | None, q: str | None = None, low_stock: bool = False, limit: int = 50, cursor: str | None = None
):
    """Products by SKU, keyset-paged on (seller, sku)."""
    limit = max(1, min(limit, MAX_LIMIT))
    qs = _scoped(seller_id).select_related("seller")
    if q:
        qs = qs.filter(sku__istartswith=q) | qs.filter(title__icontains=q) | qs.filter(barcode=q)
    if low_stock:
        qs = qs.filter(on_hand__lte=F("reserved") + F("low_stock_threshold"))
    if cursor:
        values = decode_cursor(cursor, "sku")
        if not (
            isinstance(values, list) and len(values) == 2 and isinstance(values[0], int) and isinstance(values[1], str)
        ):
            raise BadCursor("This cursor is not valid.", details={"cursor": ["Invalid cursor."]})
        seller_after, sku_after = values
        qs = qs.filter(seller_id__gt=seller_after) | qs.filter(seller_id=seller_after, sku__gt=sku_after)
    rows = list(qs.order_by("seller_id", "sku")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor("sku", [rows[-1].seller_id, rows[-1].sku])
    return rows, next_cursor
