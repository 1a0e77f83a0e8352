"""GET /api/v1/performance: a seller's figures, targets, standing, points and 90-day trend;
GET /api/v1/performance/metrics/{key}/orders: the orders behind one figure (keyset-paged)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from shipdesk.accounts.models import Seller
from shipdesk.api.auth import scope_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import NotFound, ValidationFailed

from . import selectors
from .metrics import METRICS
from .schemas import MetricOrdersOut, PerformanceOut

router = Router(tags=["performance"])

TREND_DAYS = 90


def _seller(request: HttpRequest, slug: str | None) -> Seller:
    """A seller token's own seller; a platform token names one with `?seller=<slug>`."""
    seller_id = scope_of(request)
    if seller_id is None:
        if not slug:
            raise ValidationFailed("Name the seller.", details={"seller": ["Required with a platform token."]})
        seller = Seller.objects.filter(slug=slug).first()
    else:
        seller = Seller.objects.filter(pk=seller_id).first()
        if slug and seller is not None and slug != seller.slug:
            seller = None  # another seller's: as unknown
    if seller is None:
        raise NotFound("Seller not found.")
    return seller


def _decimal(value) -> str | None:
    return None if value is None else str(value)


@router.get(
    "",
    response={200: PerformanceOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Performance figures, standing and trend",
)
def performance(request: HttpRequest, seller: str | None = None):
    """Live figures of every metric (value, numerator, denominator, target, status) as of now; the
    standing, active penalty points and extra hold days of the last daily evaluation; and the
    daily snapshots of the last 90 days as a compact trend. See docs/performance.md."""
    shop = _seller(request, seller)
    current = selectors.current_performance(seller_id=shop.pk)
    history = selectors.performance_history(seller_id=shop.pk, days=TREND_DAYS)
    return {
        "seller": shop.slug,
        "as_of": current.as_of,
        "standing": current.standing,
        "points": current.points,
        "hold_extra_days": current.hold_extra_days,
        "evaluated_at": current.evaluated_at,
        "metrics": [
            {
                "key": f.key,
                "label": f.label,
                "value": _decimal(f.value),
                "numerator": f.numerator,
                "denominator": f.denominator,
                "target": _decimal(f.target),
                "direction": f.direction,
                "unit": f.unit,
                "status": f.status,
                "window_days": f.window_days,
            }  # fmt: skip
            for f in current.metrics
        ],
        "trend": {
            "days": [d.day for d in history],
            "standing": [d.standing for d in history],
            "points": [d.points for d in history],
            "values": {key: [_decimal(d.values.get(key)) for d in history] for key in METRICS},
        },
    }


@router.get(
    "/metrics/{key}/orders",
    response={200: MetricOrdersOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="The orders behind one figure",
)
def metric_orders(
    request: HttpRequest, key: str, seller: str | None = None, limit: int = 50, cursor: str | None = None
):
    """Exactly the orders counted in the figure of metric `key` (404 for an unknown key): those in
    the numerator first (late, cancelled by the shop, scanned, on time), then newest first."""
    shop = _seller(request, seller)
    if not 1 <= limit <= selectors.MAX_LIMIT:
        raise ValidationFailed("Invalid limit.", details={"limit": [f"Between 1 and {selectors.MAX_LIMIT}."]})
    rows, next_cursor = selectors.metric_orders(seller_id=shop.pk, metric=key, limit=limit, cursor=cursor)
    return {"metric": key, "items": [row.__dict__ for row in rows], "next_cursor": next_cursor}
