"""The seller dashboard's inventory page: stock levels, stock changes, new products, and the stock
CSV (import a stocktake, export for a spreadsheet).

Thin views in the dashboard's frame (`shipdesk.dashboard`); URL names and paths are listed in
`shipdesk.dashboard.urls`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shipdesk.dashboard import forms
from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import attempt
from shipdesk.dashboard.navigation import back_target, query_without
from shipdesk.inventory import selectors as inventory_selectors
from shipdesk.inventory import services as inventory_services
from shipdesk.inventory import stock_csv

PAGE_SIZE = 50


# --- inventory ------------------------------------------------------------------------------


def _inventory_context(request, **extra) -> dict:
    seller = request.seller
    filters = forms.InventoryFilterForm(request.GET or None)
    q, low, cursor = filters.value("q", "").strip(), bool(filters.value("low")), filters.value("cursor")
    listing = attempt(
        request,
        lambda: inventory_selectors.list_products(
            seller_id=seller.pk, q=q or None, low_stock=low, limit=PAGE_SIZE, cursor=cursor
        ),
    )
    if not listing.ok:
        cursor = None
        listing = attempt(
            request,
            lambda: inventory_selectors.list_products(seller_id=seller.pk, q=q or None, low_stock=low, limit=PAGE_SIZE),
        )
    products, next_cursor = listing.value
    return {
        "products": products,
        "q": q,
        "low": low,
        "next_query": query_without(request, cursor=next_cursor) if next_cursor else None,
        "first_query": query_without(request, "cursor") if cursor else None,
        "current_path": request.get_full_path(),
        "stock_form": forms.StockChangeForm(),
        "product_form": extra.pop("product_form", None) or forms.ProductForm(),
        "import_form": extra.pop("import_form", None) or forms.StockImportForm(),
        **extra,
    }


@seller_view
@require_GET
def inventory(request):
    return render(request, "dashboard/inventory/list.html", _inventory_context(request))


@seller_view
@require_POST
def inventory_stock(request):
    form = forms.StockChangeForm(request.POST)
    back = back_target(request, reverse("inventory"))
    if not form.is_valid():
        sku = request.POST.get("sku", "")
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{sku}: {label + ': ' if label else ''}{' '.join(errors)}")
        return redirect(back)
    sku = form.cleaned_data["sku"]
    attempt(
        request,
        lambda: inventory_services.change_stock(
            seller_id=request.seller.pk,
            sku=sku,
            actor=actor_of(request),
            reason=form.cleaned_data["reason"],
            **form.stock_change(),
        ),
        success=lambda p: f"{p.sku}: {p.on_hand} on hand, {p.available} available.",
    )
    return redirect(back)


@seller_view
@require_POST
def inventory_add_product(request):
    form = forms.ProductForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            request,
            lambda: inventory_services.create_product(seller_id=request.seller.pk, actor=actor_of(request), **data),
            form=form,
            success=lambda p: f"{p.sku} added with {p.on_hand} on hand.",
        )
        if outcome.ok:
            return redirect("inventory")
    return render(
        request,
        "dashboard/inventory/list.html",
        _inventory_context(request, product_form=form, open_panel="add"),
        status=422,
    )


@seller_view
@require_POST
def inventory_import(request):
    form = forms.StockImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "dashboard/inventory/list.html",
            _inventory_context(request, import_form=form, open_panel="import"),
            status=422,
        )
    upload = form.cleaned_data["file"]
    data = upload.read(stock_csv.MAX_BYTES + 1)
    report = stock_csv.import_stock_counts(
        seller_id=request.seller.pk, data=data, actor=actor_of(request), reason=form.cleaned_data["reason"]
    )
    if not report.ok:
        context = _inventory_context(
            request, import_form=form, import_errors=report.errors, open_panel="import", import_name=upload.name
        )
        return render(request, "dashboard/inventory/list.html", context, status=422)
    messages.success(
        request,
        f"Imported {upload.name}: {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.created} new product(s).",
    )
    return redirect("inventory")


@seller_view
@require_GET
def inventory_export(request):
    seller = request.seller
    filename = f"{seller.slug}-stock-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(stock_csv.export_rows(seller_id=seller.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
