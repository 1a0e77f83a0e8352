"""The dashboard's channels pages: the shop's connections (connect, change, switch off and on, a
new webhook secret; owners only), held orders with their "map this SKU" action, and the CSV import
(upload → preview and map columns → import with a progress bar and a report of bad rows)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shipdesk.accounts.models import Membership
from shipdesk.dashboard.access import seller_view
from shipdesk.dashboard.feedback import attempt
from shipdesk.errors import NotFound, ShipdeskError
from shipdesk.inventory.models import Product

from . import imports, selectors, services, terms
from .api import held_out, webhook_url
from .csv_mapping import BUILT_IN, MAX_BYTES
from .forms import ChangeChannelForm, ConnectChannelForm

UPLOAD_SESSION_KEY = "shipdesk_channels_upload"


def _products(seller_id: int) -> list[tuple[str, str]]:
    return list(
        Product.objects.filter(seller_id=seller_id, is_active=True).order_by("sku").values_list("sku", "title")[:2000]
    )


def _can_manage_connections(request) -> bool:
    # A connection holds the credentials of the seller's other shop: owners set them, as they
    # do the shop's API tokens and webhooks (settings are owners only); staff see the list.
    return request.membership.role == Membership.Role.OWNER


def _connections(request, change_forms: dict) -> list[dict]:
    seller = request.seller
    rows = []
    for channel in selectors.channels_of(seller_id=seller.pk):
        form = change_forms.get(channel.kind)
        if form is None and _can_manage_connections(request):
            form = ChangeChannelForm(
                kind=channel.kind,
                initial={"api_base_url": channel.api_base_url, "account_id": channel.account_id},
            )
        rows.append({"channel": channel, "webhook_url": webhook_url(seller, channel.kind), "form": form})
    return rows


def _render_page(request, *, status=200, connect_form=None, change_forms=None, new_secret=None):
    """The channels page; `new_secret` (a webhook secret just made) is in this response only."""
    seller = request.seller
    connections = _connections(request, change_forms or {})
    connected = {row["channel"].kind for row in connections}
    if connect_form is None and _can_manage_connections(request):
        connect_form = ConnectChannelForm()
    if connect_form is not None:
        choices = [(value, label) for value, label in connect_form.fields["kind"].choices if value not in connected]
        connect_form.fields["kind"].choices = choices
        if not choices:
            connect_form = None
    context = {
        "nav": "channels",
        "held": [held_out(h) for h in selectors.held_orders(seller_id=seller.pk)],
        "products": _products(seller.pk),
        "connections": connections,
        "connect_form": connect_form,
        "can_manage": _can_manage_connections(request),
        "new_secret": new_secret,
        "imports": selectors.recent_imports(seller_id=seller.pk),
        "sku_map": selectors.sku_map(seller_id=seller.pk)[:200],
    }
    response = render(request, "channels/page.html", context, status=status)
    if new_secret:
        response["Cache-Control"] = "no-store"  # the secret is shown once; no copy in any cache
    return response


@seller_view
@require_GET
def channels_page(request):
    return _render_page(request)


def _shown_once(request, connection: services.Connection):
    """After a connection action: the page with the secret Shipdesk made (rendered, not redirected:
    it exists only in this response), or back to the connections."""
    if connection.new_webhook_secret:
        secret = {"kind": connection.channel.kind, "value": connection.new_webhook_secret}
        return _render_page(request, new_secret=secret)
    return redirect(reverse("channels") + "#connections")


@seller_view(owners_only=True)
@require_POST
def connect_channel(request):
    form = ConnectChannelForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        kind = data["kind"]
        if selectors.channels_of(seller_id=request.seller.pk).filter(kind=kind).exists():
            form.add_error("kind", "Already connected: change it under its name below.")
        else:
            label = terms.CHANNEL_KINDS.label(kind)
            outcome = attempt(
                request,
                lambda: services.connect_channel(
                    seller_id=request.seller.pk,
                    kind=kind,
                    api_base_url=data["api_base_url"],
                    api_token=data["api_token"],
                    account_id=data["account_id"],
                    webhook_secret=data["webhook_secret"] or None,
                    new_secret=not data["webhook_secret"],
                ),
                form=form,
                success=f"{label} connected. Paste its webhook address into {label}.",
            )
            if outcome.ok:
                return _shown_once(request, outcome.value)
    return _render_page(request, connect_form=form, status=422)


@seller_view(owners_only=True)
@require_POST
def change_channel(request, kind: str):
    channel = _channel_or_404(request, kind)
    form = ChangeChannelForm(request.POST, kind=channel.kind)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: services.change_channel(seller_id=request.seller.pk, kind=channel.kind, **form.changes()),
            form=form,
            success=f"{terms.CHANNEL_KINDS.label(channel.kind)} settings saved.",
        )
        if outcome.ok:
            return redirect(reverse("channels") + "#connections")
    return _render_page(request, change_forms={channel.kind: form}, status=422)


@seller_view(owners_only=True)
@require_POST
def switch_channel(request, kind: str):
    channel = _channel_or_404(request, kind)
    enable = request.POST.get("enable") == "1"
    label = terms.CHANNEL_KINDS.label(channel.kind)
    attempt(
        request,
        lambda: services.set_channel_enabled(seller_id=request.seller.pk, kind=channel.kind, enabled=enable),
        success=f"{label} switched on." if enable else f"{label} switched off: its webhooks are refused.",
    )
    return redirect(reverse("channels") + "#connections")


@seller_view(owners_only=True)
@require_POST
def rotate_channel_secret(request, kind: str):
    channel = _channel_or_404(request, kind)
    label = terms.CHANNEL_KINDS.label(channel.kind)
    outcome = attempt(
        request,
        lambda: services.rotate_webhook_secret(seller_id=request.seller.pk, kind=channel.kind),
        success=f"New webhook secret made: paste it into {label} now. The old one no longer verifies.",
    )
    if outcome.ok:
        return _shown_once(request, outcome.value)
    return redirect(reverse("channels") + "#connections")


def _channel_or_404(request, kind: str):
    try:
        return selectors.channel_of(seller_id=request.seller.pk, kind=kind)
    except NotFound as exc:
        raise Http404(exc.message) from None


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
