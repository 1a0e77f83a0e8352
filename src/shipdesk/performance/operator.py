"""The operator's view of every seller's standing, in the Django admin (`/admin/performance/ranking/`).

Staff only: wrapped in `admin.site.admin_view` where it is routed (`performance.urls`), which
sends anyone else to the admin's sign-in. Reads one page of `selectors.seller_ranking`, worst
first, with links to each seller in the admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shipdesk.errors import ValidationFailed
from shipdesk.pagination import BadCursor

from . import metrics, selectors

STANDING_LABELS = {metrics.PENALISED: "Penalised", metrics.AT_RISK: "At risk", metrics.GOOD: "Good"}


@require_GET
def ranking_view(request):
    standing = request.GET.get("standing") or None
    if standing not in (None, *metrics.STANDINGS):
        standing = None
    try:
        rows, next_cursor = selectors.seller_ranking(
            limit=100, cursor=request.GET.get("cursor") or None, standing=standing
        )
    except (BadCursor, ValidationFailed):
        rows, next_cursor = selectors.seller_ranking(limit=100, standing=standing)
    context = {
        **admin.site.each_context(request),
        "title": "Sellers by standing",
        "rows": [
            {
                "seller": row,
                "standing_label": STANDING_LABELS.get(row.standing, row.standing),
                "breached": [metrics.METRICS[key].label if key in metrics.METRICS else key for key in row.breached],
            }
            for row in rows
        ],
        "next_cursor": next_cursor,
        "standing": standing or "",
        "standings": [(key, STANDING_LABELS[key]) for key in metrics.STANDINGS[::-1]],
        "penalised_points": metrics.PENALISED_POINTS,
    }
    return TemplateResponse(request, "admin/performance/ranking.html", context)


operator_ranking = admin.site.admin_view(ranking_view)
