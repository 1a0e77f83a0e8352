"""The dashboard's channels pages: held orders with their "map this SKU" action, and the CSV import
(upload → preview and map columns → import with a progress bar and a report of bad rows)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shipdesk.dashboard.access import seller_view
from shipdesk.errors import ShipdeskError
from shipdesk.inventory.models import Product

from . import imports, selectors, services, terms
from .api import held_out
from .csv_mapping import BUILT_IN, MAX_BYTES

UPLOAD_SESSION_KEY = "shipdesk_channels_upload"


def _products(seller_id: int) -> list[tuple[str, str]]:
    return list(
        Product.objects.filter(seller_id=seller_id, is_active=True).order_by("sku").values_list("sku", "title")[:2000]
    )


@seller_view
@require_GET
def channels_page(request):
    seller = request.seller
    context = {
        "nav": "channels",
        "held": [held_out(h) for h in selectors.held_orders(seller_id=seller.pk)],
        "products": _products(seller.pk),
        "channels": selectors.channels_of(seller_id=seller.pk),
        "imports": selectors.recent_imports(seller_id=seller.pk),
        "sku_map": selectors.sku_map(seller_id=seller.pk)[:200],
    }
    return render(request, "channels/page.html", context)


@seller_view
@require_POST
def map_sku(request, held_id: int):
    seller = request.seller
    held = selectors.held_order(seller_id=seller.pk, held_id=held_id)
    channel_sku = request.POST.get("channel_sku", "")
    try:
        receipts = services.map_sku(
            seller_id=seller.pk, kind=held.channel.kind, channel_sku=channel_sku, sku=request.POST.get("sku", "")
        )
    except ShipdeskError as exc:
        messages.error(request, " ".join([exc.message, *[m for ms in exc.details.values() for m in ms]]))
        return redirect("channels")
    placed = [r.order for r in receipts if r.outcome == "placed" and r.order]
    text = f"{channel_sku} now means {request.POST.get('sku')}."
    if placed:
        text += " Placed: " + ", ".join(f"#{o.number}" for o in placed) + "."
    messages.success(request, text)
    return redirect("channels")


@seller_view
@require_POST
def discard_held(request, held_id: int):
    held = services.discard_held_order(seller_id=request.seller.pk, held_id=held_id)
    messages.success(
        request, f"Order {held.external_id} from {terms.CHANNEL_KINDS.label(held.channel.kind)} discarded."
    )
    return redirect("channels")


@seller_view
@require_POST
def retry_held(request, held_id: int):
    receipt = services.retry_held_order(
        seller_id=request.seller.pk, held_id=held_id, accept_lines_total=request.POST.get("accept_lines_total") == "1"
    )
    if receipt.outcome == "placed" and receipt.order:
        messages.success(request, f"Placed as order #{receipt.order.number}.")
    else:
        messages.error(request, "Still held: see what it needs.")
    return redirect("channels")


@seller_view
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Step 1: upload a file. Step 2 (the answer): its first rows and the column mapping to fill."""
    seller = request.seller
    if request.method == "GET":
        return render(request, "channels/import_upload.html", {"nav": "channels"})
    upload = request.FILES.get("file")
    if upload is None:
        return render(
            request, "channels/import_upload.html", {"nav": "channels", "error": "Choose a file."}, status=422
        )
    content = upload.read(MAX_BYTES + 1)
    try:
        preview = imports.preview_file(seller_id=seller.pk, content=content)
    except ShipdeskError as exc:
        return render(request, "channels/import_upload.html", {"nav": "channels", "error": exc.message}, status=422)
    # The file waits in the session between the preview and the import (at most MAX_BYTES).
    request.session[UPLOAD_SESSION_KEY] = {"name": upload.name[:200], "content": content.decode("utf-8-sig", "replace")}
    return render(request, "channels/import_map.html", _map_context(preview, upload.name))


def _map_context(preview, filename: str, errors: dict | None = None) -> dict:
    return {
        "nav": "channels",
        "filename": filename,
        "preview": preview,
        "fields": [
            {
                "name": t.value,
                "label": t.label,
                "description": t.description,
                "column": preview.columns.get(t.value, ""),
            }
            for t in terms.IMPORT_FIELDS
        ],
        "built_in": BUILT_IN.get(preview.mapping_name),
        "errors": errors or {},
    }


@seller_view
@require_POST
def import_start(request):
    """Step 3: import with the mapping chosen (saved under its name for the next file)."""
    seller = request.seller
    upload = request.session.get(UPLOAD_SESSION_KEY)
    if not upload:
        messages.error(request, "Upload the file again: it was not kept.")
        return redirect("channel_import")
    built_in = request.POST.get("built_in", "")
    columns = {t.value: request.POST.get(f"column_{t.value}", "") for t in terms.IMPORT_FIELDS}
    columns = {name: header for name, header in columns.items() if header}
    name = request.POST.get("mapping_name", "").strip()
    try:
        if built_in in BUILT_IN:
            started = imports.start_import(
                seller_id=seller.pk, filename=upload["name"], content=upload["content"], mapping_name=built_in
            )
        else:
            if name:
                imports.save_mapping(seller_id=seller.pk, name=name, columns=columns)
            started = imports.start_import(
                seller_id=seller.pk,
                filename=upload["name"],
                content=upload["content"],
                mapping_name=name,
                columns=columns,
            )
    except ShipdeskError as exc:
        preview = imports.preview_file(seller_id=seller.pk, content=upload["content"])
        preview.columns.clear()
        preview.columns.update(columns)
        context = _map_context(preview, upload["name"], errors=exc.details or {"mapping": [exc.message]})
        return render(request, "channels/import_map.html", context, status=422)
    del request.session[UPLOAD_SESSION_KEY]
    return redirect("channel_import_progress", import_id=started.pk)


@seller_view
@require_GET
def import_progress(request, import_id: int):
    order_import = selectors.order_import(seller_id=request.seller.pk, import_id=import_id)
    template = "channels/import_progress_part.html" if request.htmx else "channels/import_progress.html"
    return render(request, template, {"nav": "channels", "job": order_import})
