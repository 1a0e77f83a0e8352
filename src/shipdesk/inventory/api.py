from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shipdesk.api.auth import actor_of, scope_of, seller_for_write
from shipdesk.api.schemas import ErrorOut
from shipdesk.money import format_amount

from . import selectors, services
from .schemas import ProductIn, ProductOut, ProductPageOut, ProductPatch, StockIn, StockOut

router = Router(tags=["products"])
SIDES = ("length_cm", "width_cm", "height_cm")
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _out(p) -> dict:
    return {
        "sku": p.sku,
        "title": p.title,
        "barcode": p.barcode,
        "bin_location": p.bin_location,
        "price": format_amount(p.price, p.currency),
        "currency": p.currency,
        "on_hand": p.on_hand,
        "reserved": p.reserved,
        "available": p.available,
        "low_stock_threshold": p.low_stock_threshold,
        "is_active": p.is_active,
        "weight_grams": p.weight_grams,
        "handling_notes": list(p.handling_notes or []),
        # One decimal, as stored, whether the row was just created or read back.
        **{side: None if getattr(p, side) is None else f"{getattr(p, side):.1f}" for side in SIDES},
    }


class ProductFiltersIn(Schema):
    q: str | None = Field(default=None, max_length=200)
    low_stock: bool = False
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=500)


class ProductCreateIn(ProductIn):
    seller: str | None = Field(default=None, max_length=64)


@router.get("", response={200: ProductPageOut, **ERRORS}, summary="List products")
def list_products(request: HttpRequest, filters: Query[ProductFiltersIn]):
    rows, next_cursor = selectors.list_products(
        seller_id=scope_of(request),
        q=filters.q,
        low_stock=filters.low_stock,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return {"items": [_out(p) for p in rows], "next_cursor": next_cursor}


@router.post("", response={201: ProductOut, **ERRORS}, summary="Create a product")
def create_product(request: HttpRequest, payload: ProductCreateIn):
    seller = seller_for_write(request, payload.seller)
    product = services.create_product(
        seller_id=seller.pk,
        sku=payload.sku,
        title=payload.title,
        barcode=payload.barcode,
        bin_location=payload.bin_location,
        price=payload.price,
        currency=payload.currency,
        on_hand=payload.on_hand,
        low_stock_threshold=payload.low_stock_threshold,
        weight_grams=payload.weight_grams,
        length_cm=payload.length_cm,
        width_cm=payload.width_cm,
        height_cm=payload.height_cm,
        handling_notes=payload.handling_notes,
        actor=actor_of(request),
    )
    return Status(201, _out(product))


def _own_seller_id(request: HttpRequest) -> int:
    """A seller token works on its own products; a platform token names the seller with
    `?seller=<slug>`, because SKUs are unique per seller, not across the marketplace."""
    seller_id = scope_of(request)
    if seller_id is not None:
        return seller_id
    return seller_for_write(request, request.GET.get("seller")).pk


@router.get(
    "/{sku}",
    response={200: ProductOut, **ERRORS},
    summary="One product",
    openapi_extra={
        "parameters": [
            {
                "name": "seller",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Seller slug; required with a platform token.",
            }
        ]
    },
)
def get_product(request: HttpRequest, sku: str):
    return _out(selectors.get_product(seller_id=_own_seller_id(request), sku=sku))


@router.patch(
    "/{sku}",
    response={200: ProductOut, **ERRORS},
    summary="Change a product's title, barcode, price, handling notes",
    openapi_extra={
        "parameters": [
            {
                "name": "seller",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Seller slug; required with a platform token.",
            }
        ]
    },
)
def patch_product(request: HttpRequest, sku: str, payload: ProductPatch):
    product = services.update_product(
        seller_id=_own_seller_id(request), sku=sku, changes=payload.dict(exclude_unset=True)
    )
    return _out(product)


@router.post(
    "/{sku}/stock",
    response={200: StockOut, **ERRORS},
    summary="Add, remove or set stock",
    openapi_extra={
        "parameters": [
            {
                "name": "seller",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Seller slug; required with a platform token.",
            }
        ]
    },
)
def change_stock(request: HttpRequest, sku: str, payload: StockIn):
    """`delta` adds (or with a minus, removes) units; `on_hand` sets the counted figure. Short
    order lines are reserved as soon as units become available."""
    product = services.change_stock(
        seller_id=_own_seller_id(request),
        sku=sku,
        actor=actor_of(request),
        reason=payload.reason,
        delta=payload.delta,
        on_hand=payload.on_hand,
    )
    return {
        "sku": product.sku,
        "on_hand": product.on_hand,
        "reserved": product.reserved,
        "available": product.available,
    }
