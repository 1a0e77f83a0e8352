"""The dashboard's earnings page: balances, upcoming releases, recent entries, statement download."""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shipdesk import money
from shipdesk.dashboard.access import seller_view
from shipdesk.ops.replica_routing import export_alias
from shipdesk.pagination import BadCursor

from . import selectors
from .statements import statement_lines


@seller_view
@require_GET
def earnings_page(request):
    seller = request.seller
    try:
        page = selectors.entries(seller_id=seller.pk, limit=50, cursor=request.GET.get("cursor") or None)
    except BadCursor:
        page = selectors.entries(seller_id=seller.pk, limit=50)
    context = {
        "nav": "earnings",
        "balances": selectors.balances(seller_id=seller.pk),
        "upcoming": selectors.upcoming_releases(seller_id=seller.pk, limit=20),
        "entries": page.items,
        "next_cursor": page.next_cursor,
    }
    return render(request, "earnings/page.html", context)


@seller_view
@require_GET
def earnings_statement(request, currency: str):
    seller = request.seller
    if not money.is_currency(currency) or not any(
        b.currency == currency for b in selectors.balances(seller_id=seller.pk)
    ):
        raise Http404("No statement in this currency.")
    filename = f"{seller.slug}-earnings-{currency}-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(
        statement_lines(seller_id=seller.pk, currency=currency, database=export_alias()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
