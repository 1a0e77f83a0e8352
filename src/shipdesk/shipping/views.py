"""Dashboard pages of shipping: the scan-to-pack screen and the printable documents.

Thin adapters over `pack_checks`, `selectors` and `documents`, inside the dashboard's own
conventions: `seller_view` (signed in, working in one shop), refusals shown by
`dashboard.feedback`, pages extending "dashboard/base.html".
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shipdesk.customer_link_pages import customer_link_page
from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import attempt, show_error
from shipdesk.errors import NotFound, ShipdeskError
from shipdesk.orders import selectors as order_selectors
from shipdesk.orders.models import OrderStatus

from . import pack_checks, selectors
from .tracking_links import tracking_page_order_id


def _documents():
    """The PDF renderer, imported at the first PDF a worker serves: ReportLab and PIL are ~10 MiB
    of every web worker's memory otherwise, for pages that are nearly all something else."""
    from . import documents  # noqa: PLC0415  (deferred for memory, as said above)

    return documents


DOCUMENTS = {
    # form value: (renderer, needs a shipment, file name for one order)
    "packing-slips": (lambda orders: _documents().packing_slips_pdf(orders), False, "packing-slip"),
    "labels": (lambda orders: _documents().labels_pdf(orders), True, "label"),
    "pick-list": (lambda orders: _documents().pick_list_pdf(orders, generated_at=timezone.now()), False, "pick-list"),
    "gift-slips": (lambda orders: _documents().gift_slips_pdf(orders), False, "gift-slip"),
}


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- scan-to-pack ---------------------------------------------------------------------------


def _order(request, order_id: int):
    try:
        return order_selectors.get_order(seller_id=request.seller.pk, order_id=order_id)
    except ShipdeskError as exc:
        show_error(request, exc)  # unknown, or another shop's: 404
        raise


def _pack_context(request, order, state: pack_checks.PackState, *, last=None) -> dict:
    rows = [
        {
            "line": line,
            "packed": state.packed.get(line.line_id, 0),
            "done": state.packed.get(line.line_id, 0) >= line.quantity,
        }
        for line in state.lines
    ]
    return {
        "order": order,
        "state": state,
        "rows": rows,
        "missing": state.missing,
        "last": last,  # what the last scan did: {"ok": bool, "text": str}
        "can_pack": order.status == OrderStatus.PROCESSING,
        "units": sum(line.quantity for line in state.lines),
        "units_packed": sum(min(state.packed.get(line.line_id, 0), line.quantity) for line in state.lines),
    }


@seller_view
@require_GET
def pack_screen(request, order_id: int):
    order = _order(request, order_id)
    state = pack_checks.pack_state(order_id=order.pk, seller_id=request.seller.pk)
    # A scan posted without htmx (no JavaScript yet, or none at all) left its feedback here, to
    # show in the panel's one feedback line, as an htmx scan would: never a second message that
    # would outlive the next scan.
    last = request.session.pop(_LAST_SCAN_KEY.format(order_id=order.pk), None)
    return render(request, "shipping/pack.html", {**_pack_context(request, order, state, last=last), "nav": "orders"})


_LAST_SCAN_KEY = "pack_last_scan_{order_id}"


def _scan_feedback(state: pack_checks.PackState) -> dict | None:
    """What the packer reads after a scan: the refusal, or the line it ticked."""
    if state.refused:
        return {"ok": False, "text": state.refused[0].reason}
    if not state.accepted:
        return None  # an Enter on an empty field
    _, line_id = state.accepted[-1]
    line = next(line for line in state.lines if line.line_id == line_id)
    return {"ok": True, "text": f"Packed {line.sku} — {state.packed.get(line_id, 0)} of {line.quantity}."}


@seller_view
@require_POST
def pack_scan(request, order_id: int):
    """One scan (the scanner types the code and Enter), or `restart` to empty the box."""
    code = request.POST.get("code", "")[:200]
    restart = request.POST.get("restart") == "1"
    outcome = attempt(
        request,
        lambda: pack_checks.record_pack_scans(
            order_id=order_id,
            seller_id=request.seller.pk,
            actor=actor_of(request),
            scans=[] if restart else [code],
            restart=restart,
        ),
    )
    last = {"ok": True, "text": "Started over: the box is empty."} if restart and outcome.ok else None
    if outcome.ok and not restart:
        last = _scan_feedback(outcome.value)
    if not request.htmx:
        if last:
            request.session[_LAST_SCAN_KEY.format(order_id=order_id)] = last
        return redirect("shipping_pack", order_id=order_id)
    order = _order(request, order_id)
    state = pack_checks.pack_state(order_id=order_id, seller_id=request.seller.pk)
    return render(request, "shipping/_pack_panel.html", _pack_context(request, order, state, last=last))


# --- documents ------------------------------------------------------------------------------


def _document(request, order_ids: list[int], kind: str):
    _, needs_shipment, _ = DOCUMENTS[kind]
    orders = selectors.document_orders(seller_id=request.seller.pk, order_ids=order_ids, need_shipment=needs_shipment)
    return _document_pdf(orders, kind)


def _document_pdf(orders, kind: str):
    """The PDF of one kind for orders already read (named after the order when there is one)."""
    render_pdf, _, name = DOCUMENTS[kind]
    filename = f"{name}-{orders[0].number}.pdf" if len(orders) == 1 else f"{kind}.pdf"
    return _pdf(render_pdf(orders), filename)


@seller_view
@require_GET
def packing_slip(request, order_id: int):
    outcome = attempt(request, lambda: _document(request, [order_id], "packing-slips"))
    return outcome.value if outcome.ok else redirect("order", order_id=order_id)


@seller_view
@require_GET
def gift_slip(request, order_id: int):
    outcome = attempt(request, lambda: _document(request, [order_id], "gift-slips"))
    return outcome.value if outcome.ok else redirect("order", order_id=order_id)


@seller_view
@require_GET
def label(request, order_id: int):
    outcome = attempt(request, lambda: _document(request, [order_id], "labels"))
    return outcome.value if outcome.ok else redirect("order", order_id=order_id)


def _print_result(
    request, *, back: str, status: int, title: str, problem: str, printable: list | None = None, kind: str = ""
):
    """What the print buttons answer when there is no PDF (or only part of one) to give.

    The buttons open a new tab (the PDF goes to the printer from there), so this is a short page
    of its own saying what was not printed and why — never the orders page again in that tab.
    """
    context = {"title": title, "problem": problem, "back": back, "printable": printable or [], "kind": kind}
    return render(request, "shipping/print_result.html", context, status=status)


@seller_view
@require_POST
def batch_documents(request):
    """The order list's "Print" buttons: the selected orders' slips, labels or pick list as one PDF.

    Labels are for shipped orders only: a selection that mixes in unshipped ones is answered
    with a page naming the orders skipped and a button printing the labels of the others.
    """
    kind = request.POST.get("document", "")
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("orders")
    ids = [int(i) for i in request.POST.getlist("order_ids") if i.isdigit() and len(i) < 19]
    if kind not in DOCUMENTS:
        return _print_result(
            request,
            back=back,
            status=400,
            title="Nothing printed",
            problem="Choose what to print: packing slips, labels or a pick list.",
        )
    if not ids:
        return _print_result(
            request, back=back, status=400, title="Nothing printed", problem="Select the orders to print first."
        )
    _, needs_shipment, _ = DOCUMENTS[kind]
    try:
        orders = selectors.document_orders(seller_id=request.seller.pk, order_ids=ids)
    except NotFound as exc:
        raise Http404(exc.message) from None  # unknown, or another shop's
    except ShipdeskError as exc:
        return _print_result(request, back=back, status=exc.status, title="Nothing printed", problem=exc.message)
    if needs_shipment:
        skipped = [order for order in orders if order.shipment is None]
        if skipped:
            printable = [order for order in orders if order.shipment is not None]
            numbers = ", ".join(f"#{order.number}" for order in skipped)
            not_yet = "is not shipped yet" if len(skipped) == 1 else "are not shipped yet"
            problem = (
                f"{numbers} {not_yet}: a label needs a shipment, so ship {'it' if len(skipped) == 1 else 'them'} first."
            )
            title = f"Labels for {len(printable)} of {len(orders)} orders" if printable else "No labels printed"
            return _print_result(
                request,
                back=back,
                status=200 if printable else 409,
                title=title,
                problem=problem,
                printable=printable,
                kind=kind,
            )
    return _document_pdf(orders, kind)


# --- the customer's tracking page (no sign-in: the signed link is the credential) -------------


@customer_link_page
@require_GET
def customer_tracking(request, token: str):
    order_id = tracking_page_order_id(token)
    page = None
    if order_id is not None:
        try:
            page = selectors.customer_tracking_page(order_id=order_id)
        except ShipdeskError:
            page = None
    if page is None:
        return render(request, "shipping/tracking_page_missing.html", status=404)
    return render(request, "shipping/tracking_page.html", {"page": page})
