"""The dashboard's label pages: an order's rates and labels (buy, print, print and mark shipped,
void), and label batches from the orders list (progress, per-order report, one PDF).

Each view parses its input, calls one service or selector, and renders; refusals are shown by
`shipdesk.dashboard.feedback`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import attempt, attempt_quietly, show_error
from shipdesk.errors import ShipdeskError
from shipdesk.orders import selectors as order_selectors
from shipdesk.orders import services as order_services
from shipdesk.orders.models import OrderStatus

from . import selectors, services
from .api import label_out
from .models import LabelBatch, LabelStatus
from .tasks import run_label_batch as run_label_batch_task

BATCH_POLL_SECONDS = 2


def _combined_pdf(documents: list[bytes]) -> bytes:
    from shipdesk.shipping import documents as rendering  # noqa: PLC0415  (ReportLab and pypdf: memory)

    return rendering.combined_pdf(documents)


def _order(request, order_id: int):
    try:
        return order_selectors.get_order(seller_id=request.seller.pk, order_id=order_id)
    except ShipdeskError as exc:
        show_error(request, exc)
        raise


@seller_view
@require_GET
def order_labels(request, order_id: int):
    """The order's labels, and its parcel's rates when it is processing with no pending label."""
    order = _order(request, order_id)
    labels = [label_out(label) for label in selectors.labels_of_order(seller_id=request.seller.pk, order_id=order.pk)]
    pending = next((label for label in labels if label["status"] == LabelStatus.BOUGHT), None)
    rates, rates_error, left = None, None, []
    if order.status == OrderStatus.PROCESSING and pending is None:
        contents = selectors.parcel_contents(order)
        left = [
            {"line": line, "left": contents[line.pk], "chosen": _units(request, line.pk, contents[line.pk])}
            for line in order.lines.all()
            if line.pk in contents
        ]
    if left and request.GET.get("rates"):
        # A parcel of some lines: the units asked per line (`line_<id>`); every unit left without.
        chosen = {row["line"].pk: row["chosen"] for row in left if row["chosen"]}
        some = chosen if chosen != {row["line"].pk: row["left"] for row in left} else None
        try:
            rates = services.quote_rates(order_id=order.pk, seller_id=request.seller.pk, lines=some or None)
        except ShipdeskError as exc:
            rates_error = exc.message
    context = {
        "order": order,
        "labels": labels,
        "pending": pending,
        "rates": rates,
        "rates_error": rates_error,
        "can_buy": order.status == OrderStatus.PROCESSING and pending is None,
        "left": left,
    }
    return render(request, "shipping/labels/order.html", context)


def _units(request, line_id: int, left: int) -> int:
    """The units of a line the seller put in the parcel (`line_<id>`), within what is left."""
    raw = request.GET.get(f"line_{line_id}")
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return left
    return min(int(raw), left)


def _back(order_id: int) -> HttpResponse:
    return redirect(reverse("labels_order", args=[order_id]))


@seller_view
@require_POST
def label_buy(request, order_id: int):
    rate_id = (request.POST.get("rate_id") or "")[:100]
    attempt(
        request,
        lambda: order_services.buy_label(
            order_id=order_id, seller_id=request.seller.pk, actor=actor_of(request), rate_id=rate_id
        ),
        success=lambda label: f"Label bought: tracking {label.tracking_number}. Print it, then mark the order shipped.",
    )
    return _back(order_id)


@seller_view
@require_GET
def label_pdf(request, label_id: int):
    label = selectors.get_label(seller_id=request.seller.pk, label_id=label_id, with_pdf=True)
    response = HttpResponse(bytes(label.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="label-{label.tracking_number}.pdf"'
    return response


@seller_view
@require_POST
def label_ship(request, label_id: int):
    """Print and mark shipped in one step: the order ships with the label, then its PDF opens."""
    label = selectors.get_label(seller_id=request.seller.pk, label_id=label_id)
    outcome = attempt(
        request,
        lambda: order_services.ship_with_label(
            label_id=label.pk,
            seller_id=request.seller.pk,
            actor=actor_of(request),
            confirm_incomplete_pack=bool(request.POST.get("confirm_incomplete_pack")),
        ),
        success=f"Order shipped with tracking {label.tracking_number}.",
    )
    if outcome.ok:
        return redirect(reverse("labels_pdf", args=[label.pk]))
    return _back(label.order_id)


@seller_view
@require_POST
def label_void(request, label_id: int):
    label = selectors.get_label(seller_id=request.seller.pk, label_id=label_id)
    attempt(
        request,
        lambda: order_services.void_label(label_id=label.pk, seller_id=request.seller.pk, actor=actor_of(request)),
        success=lambda voided: f"Label {voided.tracking_number} voided; its postage is back in your earnings.",
    )
    return _back(label.order_id)


@seller_view
@require_POST
def batch_start(request):
    """From the orders list: buy labels for the selected orders, then show the batch."""
    ids = [int(v) for v in request.POST.getlist("order_ids") if v.isascii() and v.isdigit() and len(v) < 19]
    outcome = attempt(
        request,
        lambda: order_services.start_label_batch(seller_id=request.seller.pk, order_ids=ids, actor=actor_of(request)),
    )
    if not outcome.ok:
        return redirect(reverse("orders") + "?tab=processing")
    batch = outcome.value
    if batch.total <= settings.SHIPDESK_LABEL_BATCH_INLINE:
        order_services.run_label_batch(batch_id=batch.pk, render_pdf=_combined_pdf)
    else:
        transaction.on_commit(lambda: run_label_batch_task.enqueue(batch.pk))
    return redirect(reverse("labels_batch", args=[batch.pk]))


@seller_view
@require_GET
def batch_page(request, batch_id: int):
    batch = selectors.get_batch(seller_id=request.seller.pk, batch_id=batch_id)
    running = batch.status == LabelBatch.Status.RUNNING
    context = {"batch": batch, "running": running, "poll_seconds": BATCH_POLL_SECONDS}
    if request.headers.get("HX-Request"):
        return render(request, "shipping/labels/_batch.html", context)
    if not running and batch.failed:
        messages.warning(request, f"{batch.failed} of {batch.total} orders got no label; the report says why.")
    return render(request, "shipping/labels/batch.html", context)


@seller_view
@require_POST
def batch_ship(request, batch_id: int):
    """Print the batch and mark its orders shipped in one step: each order ships with its label
    (its own transaction; one refused is said, the others ship), then the batch's PDF opens."""
    batch = selectors.get_batch(seller_id=request.seller.pk, batch_id=batch_id)
    shipped, refused = 0, []
    for entry in batch.report:
        if not entry["ok"]:
            continue
        outcome = attempt_quietly(
            lambda label_id=entry["label_id"]: order_services.ship_with_label(
                label_id=label_id, seller_id=request.seller.pk, actor=actor_of(request)
            )
        )
        if outcome.ok:
            shipped += 1
        elif outcome.error.code != "label_not_voidable":  # shipped already: nothing to say
            refused.append(f"#{entry['number']}: {outcome.error.message}")
    if shipped:
        messages.success(request, f"{shipped} order{'s' if shipped != 1 else ''} marked shipped.")
    for reason in refused:
        messages.error(request, reason)
    return redirect(reverse("labels_batch_pdf", args=[batch.pk]))


@seller_view
@require_GET
def batch_pdf(request, batch_id: int):
    batch = selectors.get_batch(seller_id=request.seller.pk, batch_id=batch_id, with_pdf=True)
    response = HttpResponse(bytes(batch.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-batch-{batch.pk}.pdf"'
    return response
