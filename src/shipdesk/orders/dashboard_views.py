"""The seller dashboard's order pages: the list with its tabs, filters, live updates and bulk
actions, and an order's page with its actions (confirm, process, ship, deliver, cancel, cancel a
line, offer a substitute, notes) and the live checks of the ship form.

Each view parses its input with a form, calls one service (or a selector), and renders; refusals
are shown by `shipdesk.dashboard.feedback`. URL names and paths are listed in
`shipdesk.dashboard.urls`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shipdesk.actors import ActorKind
from shipdesk.dashboard import display, forms
from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import attempt, attempt_quietly, show_error
from shipdesk.dashboard.navigation import back_target, query_without
from shipdesk.errors import ShipdeskError
from shipdesk.money import format_amount
from shipdesk.orders import selectors as order_selectors
from shipdesk.orders import services as order_services
from shipdesk.orders import substitutions, terms, workflow
from shipdesk.orders.selectors import order_facts
from shipdesk.orders.services.addresses import shipping_address
from shipdesk.returns import selectors as return_selectors
from shipdesk.returns.policy import return_rules_for
from shipdesk.shipping import parcels as shipping_parcels
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.selectors import check_tracking, require_tracking_number_free
from shipdesk.shipping.tracking import detect_carriers, normalize_tracking_number
from shipdesk.shipping.tracking_links import tracking_page_url

PAGE_SIZE = 50
POLL_SECONDS = 15
BULK_RESULT_KEY = "shipdesk_bulk_result"
# The ship form's parcel contents: `parcel-<line id>` = units of that line in the parcel.
PARCEL_FIELD = re.compile(r"parcel-([0-9]{1,18})", re.ASCII)
UNITS = re.compile(r"[0-9]{1,6}", re.ASCII)
# Tabs where confirm or process can apply to the rows (not shipped, delivered, cancelled).
BULK_TABS = ("needs_action", "all", "pending", "confirmed")
# Tabs whose rows can be selected: the bulk actions above, and papers to print (packing slips,
# labels, pick lists) for orders being packed or already shipped (a reprint).
SELECT_TABS = (*BULK_TABS, "processing", "shipped")

# --- orders list ----------------------------------------------------------------------------


def _tabs(seller_id: int) -> list[dict]:
    """Each tab with its count: per status, "needs action", and all orders."""
    counts = order_selectors.count_orders_by_status(seller_id=seller_id)
    counts["all"] = sum(counts[status] for status in workflow.STATUSES)
    return [{"code": code, "label": label, "count": counts.get(code)} for code, label in forms.TABS]


_ANY_ORDER_ID = 987654321


def _order_rows(orders: list, *, can_select: bool, new: bool = False) -> list:
    """The list's rows as HTML, made in Python (`display.order_row_html`); lines in one query."""
    order_selectors.with_lines(orders)
    now, zone = timezone.now(), timezone.get_current_timezone()
    # One reverse() for the page: the order URL around its id (reverse per row cost as much as
    # the rest of the row).
    before, _, after = reverse("order", args=[_ANY_ORDER_ID]).rpartition(str(_ANY_ORDER_ID))
    rows = [
        display.order_row_html(
            order, url=f"{before}{order.pk}{after}", now=now, zone=zone, new=new, can_select=can_select
        )
        for order in orders
    ]
    # Prefetching points each line back at its order (line.order): a reference cycle, which
    # only the cyclic garbage collector frees, and late (its full pass is rare in a worker full
    # of long-lived objects). Unlinked here, a page's orders and lines are freed when the
    # request ends, instead of a worker carrying ~10 MiB of past pages.
    for order in orders:
        order._prefetched_objects_cache.pop("lines", None)
    return rows


@seller_view
@require_GET
def order_list(request):
    seller = request.seller
    form = forms.OrderFilterForm(request.GET or None)
    tab = form.tab_code
    filters = form.filters()
    sort = "deadline" if tab == "needs_action" else "-placed_at"
    cursor = form.value("cursor")
    list_page = attempt(
        request,
        lambda: order_selectors.list_orders(
            seller_id=seller.pk, filters=filters, sort=sort, limit=PAGE_SIZE, cursor=cursor
        ),
    )
    if not list_page.ok:  # a stale or altered page link: show the first page instead
        cursor = None
        list_page = attempt(
            request,
            lambda: order_selectors.list_orders(seller_id=seller.pk, filters=filters, sort=sort, limit=PAGE_SIZE),
        )
    page = list_page.value
    bulk_result = request.session.pop(BULK_RESULT_KEY, None)
    context = {
        "form": form,
        "tab": tab,
        "tabs": _tabs(seller.pk),
        "rows": _order_rows(page.items, can_select=tab in SELECT_TABS),
        "next_query": query_without(request, cursor=page.next_cursor) if page.next_cursor else None,
        "prev_query": query_without(request, cursor=page.prev_cursor) if page.prev_cursor else None,
        "first_query": query_without(request, "cursor") if cursor and page.prev_cursor else None,
        "tab_query": query_without(request, "tab", "cursor"),
        # Only the first page (no page before it) takes new orders in: they belong at its top.
        "poll_query": None
        if page.prev_cursor
        else _poll_query(request, order_selectors.newest_order_id(seller_id=seller.pk)),
        "poll_seconds": POLL_SECONDS,
        "bulk_result": bulk_result,
        "search_elsewhere": _search_elsewhere(request, seller_id=seller.pk, tab=tab, filters=filters),
        "all_matches_query": query_without(request, "cursor", tab="all"),
        "can_bulk": tab in BULK_TABS,
        "can_select": tab in SELECT_TABS,
        "current_path": request.get_full_path(),
        # "Needs action" shows the returns waiting for the seller too, nearest deadline first, above
        # its first page (one query).
        "returns_due": return_selectors.returns_needing_action(seller_id=seller.pk, limit=10)
        if tab == "needs_action" and not cursor
        else [],
    }
    return render(request, "dashboard/orders/list.html", context)


def _search_elsewhere(request, *, seller_id: int, tab: str, filters) -> list[dict]:
    """The other tabs holding orders that the search matches, with their counts and links: a
    search from "Needs action" for an order already shipped says where it is instead of nothing."""
    if not filters.q or tab == "all":
        return []
    counts = order_selectors.count_matches_by_status(
        seller_id=seller_id, filters=filters, outside_needs_action=tab == "needs_action"
    )
    labels = dict(forms.TABS)
    return [
        {"label": labels[status], "count": count, "query": query_without(request, "cursor", tab=status)}
        for status, count in counts.items()
        if count and status != tab
    ]


def _poll_query(request, after_id: int) -> str:
    return query_without(request, "cursor", after=str(after_id))


@seller_view
@require_GET
def order_poll(request):
    """Orders placed since the list was drawn, for htmx to put at its top, marked new."""
    seller = request.seller
    after = request.GET.get("after", "")
    if not (after.isascii() and after.isdigit()) or len(after) > 18:  # an id, within a bigint
        return HttpResponse(status=400)
    after_id = int(after)
    form = forms.OrderFilterForm(request.GET)
    new_orders = order_selectors.list_orders_after(
        seller_id=seller.pk, after_id=after_id, filters=form.filters(), needs_action=form.tab_code == "needs_action"
    )
    if not new_orders:
        return HttpResponse(status=204)  # htmx leaves the page alone
    context = {
        "rows": _order_rows(new_orders, can_select=form.tab_code in SELECT_TABS, new=True),
        "tab": form.tab_code,
        "tabs": _tabs(seller.pk),
        "tab_query": query_without(request, "tab", "cursor", "after"),
        "poll_query": _poll_query(request, max(o.pk for o in new_orders)),
        "poll_seconds": POLL_SECONDS,
        "can_bulk": form.tab_code in BULK_TABS,
        "can_select": form.tab_code in SELECT_TABS,
    }
    return render(request, "dashboard/orders/_poll.html", context)


BULK_ACTIONS = {
    "confirm": (order_services.confirm_order, "confirmed", "Confirmed"),
    "process": (order_services.process_order, "processing", "Processing started for"),
}


@seller_view
@require_POST
def order_bulk(request):
    """Confirm or process many orders: each in its own transaction, each outcome reported."""
    form = forms.BulkForm(request.POST)
    back = back_target(request, reverse("orders"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = form.cleaned_data["action"]
    service, _, done_label = BULK_ACTIONS[action]
    seller, actor = request.seller, actor_of(request)
    ids = form.cleaned_data["order_ids"]
    numbers = order_selectors.order_numbers(seller_id=seller.pk, order_ids=ids)
    done, refused = [], []
    for order_id in ids:
        outcome = attempt_quietly(
            lambda order_id=order_id: service(order_id=order_id, seller_id=seller.pk, actor=actor)
        )
        entry = {"id": order_id, "number": numbers.get(order_id)}
        if outcome.ok:
            done.append(entry)
        else:
            refused.append({**entry, "reason": outcome.error.message})
    request.session[BULK_RESULT_KEY] = {"action": action, "done_label": done_label, "done": done, "refused": refused}
    return redirect(back)


# --- order detail and its actions -----------------------------------------------------------


def _get_order(request, order_id: int):
    try:
        return order_selectors.get_order(seller_id=request.seller.pk, order_id=order_id)
    except ShipdeskError as exc:
        show_error(request, exc)  # NotFound (unknown, or another shop's) becomes a 404
        raise


def _get_order_line(request, order_id: int, line_id: int):
    order = _get_order(request, order_id)
    line = next((candidate for candidate in order.lines.all() if candidate.pk == line_id), None)
    if line is None:
        raise Http404("No such line on this order.")
    return order, line


def _blocker(order, facts, action: str) -> str | None:
    """Why the next step cannot be taken yet (unpaid, a short line), to say so beside it."""
    try:
        workflow.check_transition(workflow.Action(action), facts, ActorKind.SELLER)
    except ShipdeskError as exc:
        return exc.message
    return None


def _render_detail(
    request,
    order,
    *,
    ship_form=None,
    cancel_form=None,
    note_form=None,
    line_forms=None,
    substitute_forms=None,
    address_form=None,
    status=200,
):
    facts = order_facts(order)
    allowed = workflow.allowed_actions(facts, ActorKind.SELLER)
    step = stage.value if (stage := terms.stage_for(order.status)) else None
    lines = list(order.lines.all())
    line_forms = line_forms or {}
    substitute_forms = substitute_forms or {}
    open_offers = {x.line_id: x for x in order.substitute_offers.all() if x.status == "offered"}
    ship_form = ship_form or forms.ShipForm(country=str(order.seller.country))
    selected = ship_form.selected_carrier()
    parcels = order_selectors.order_parcels(order)
    titles = {line.pk: line.title for line in lines}
    in_parcels: dict[int, int] = {}
    for each in parcels:
        for item in each.lines.all():
            in_parcels[item.line_id] = in_parcels.get(item.line_id, 0) + item.quantity
    left = workflow.units_left_to_ship(open_units=shipping_parcels.open_units(lines), in_parcels=in_parcels)
    context = {
        "order": order,
        "lines": [
            {
                "line": line,
                "total": line.unit_price * line.open_quantity,
                "form": line_forms.get(line.pk) or forms.CancelLineForm(line=line),
                "cancellable": "cancel_line" in allowed and line.open_quantity > 0,
                "substitutable": substitutions.offer_needed(order=order, line=line) is None,
                "offer": open_offers.get(line.pk),
                "substitute_form": substitute_forms.get(line.pk) or forms.SubstituteForm(line=line),
            }
            for line in lines
        ],
        "allowed": allowed,
        "blocker": _blocker(order, facts, step)
        if step and step not in allowed and order.status != "cancelled"
        else None,
        # The first parcel (its label is the order's label), and every parcel with its lines.
        "shipment": parcels[0] if parcels else None,
        "parcels": [
            {
                "shipment": each,
                "items": [(titles.get(item.line_id, ""), item.quantity) for item in each.lines.all()],
            }
            for each in order.shipments.all()
        ],
        # What the ship form offers to put in the next parcel: each line's units not yet shipped.
        "to_ship": [{"line": line, "left": left[line.pk]} for line in lines if left.get(line.pk)],
        "partly_shipped": bool(parcels) and order.status == terms.PROCESSING,
        # The link the customer got in the "shipped" email, for the seller to resend when asked.
        "customer_tracking_url": tracking_page_url(order.pk),
        "events": sorted(order.events.all(), key=lambda e: (e.created_at, e.pk), reverse=True),
        "cancellations": list(order.cancellations.all()),
        "ship_form": ship_form,
        "ship_carrier": selected,
        "ship_carriers": ship_form.carriers,
        "cancel_form": cancel_form or forms.CancelForm(),
        "note_form": note_form or forms.NoteForm(),
        # Until a parcel leaves, the address can be corrected (docs/parcels.md).
        "address_correctable": order.status in terms.OPEN_STATUSES and not parcels,
        "address_form": address_form or forms.AddressForm(initial=shipping_address(order)),
        "open_units": sum(line.open_quantity for line in lines),
        "refundable": order_selectors.cancellation_refund(order).total or None,
        # Returns of the order, with their actions (returns/_order_returns.html).
        "order_returns": return_selectors.returns_of_order(seller_id=order.seller_id, order_id=order.pk),
        "returns_back": reverse("order", args=[order.pk]) + "#returns",
        "returns_default_address": return_rules_for(order.seller_id).return_address,
        "refund_after_shipment": _refund_after_shipment(order, lines),
    }
    return render(request, "dashboard/orders/detail.html", context, status=status)


def _refund_after_shipment(order, lines) -> dict | None:
    """What the refund form of a shipped or delivered order offers, or None when it has no place."""
    left = order_selectors.left_to_refund(order).total
    if order.status not in terms.DISPATCHED_STATUSES or left <= 0:
        return None
    return {
        "left": left,
        "lines": [{"line": line, "units": order_selectors.refundable_units(line)} for line in lines],
        "shipping_refunded": order_selectors.shipping_refunded(order),
        "reasons": [(term.value, term.label) for term in terms.REFUND_REASONS],
    }


@seller_view
@require_POST
def order_refund(request, order_id: int):
    """A refund after shipment from the order page: units, the shipping, or an amount (goodwill)."""
    order = _get_order(request, order_id)
    units = []
    for line in order.lines.all():
        raw = request.POST.get(f"quantity_{line.pk}", "").strip()
        if raw and raw != "0":
            units.append((line.pk, int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else -1))
    raw_amount = request.POST.get("amount", "").strip()
    try:
        amount = Decimal(raw_amount) if raw_amount else None
    except InvalidOperation:
        amount = Decimal("-1")
    if amount is not None and not amount.is_finite():
        amount = Decimal("-1")
    attempt(
        request,
        lambda: order_services.refund_shipped_order(
            order_id=order_id,
            seller_id=request.seller.pk,
            actor=actor_of(request),
            lines=units,
            amount=amount,
            shipping=bool(request.POST.get("shipping")),
            reason=request.POST.get("reason", ""),
            source="goodwill",
            note=request.POST.get("note", "")[:4000],
        ),
        success=lambda r: f"Refunded {format_amount(r.amount, order.currency)} {order.currency} to the customer.",
    )
    return redirect(reverse("order", args=[order_id]) + "#refund")


@seller_view
@require_GET
def order_detail(request, order_id: int):
    return _render_detail(request, _get_order(request, order_id))


def _order_action(request, order_id: int, call, success):
    """A one-click action (confirm, process, deliver): do it, say what happened, show the order."""
    attempt(
        request, lambda: call(order_id=order_id, seller_id=request.seller.pk, actor=actor_of(request)), success=success
    )
    return redirect("order", order_id=order_id)


@seller_view
@require_POST
def order_confirm(request, order_id: int):
    return _order_action(
        request,
        order_id,
        order_services.confirm_order,
        lambda o: f"Order #{o.number} confirmed. The customer is told by email.",
    )


@seller_view
@require_POST
def order_process(request, order_id: int):
    return _order_action(
        request,
        order_id,
        order_services.process_order,
        lambda o: f"Order #{o.number} is processing; its stock is taken from the shelf.",
    )


@seller_view
@require_POST
def order_deliver(request, order_id: int):
    return _order_action(
        request, order_id, order_services.deliver_order, lambda o: f"Order #{o.number} marked delivered."
    )


def _back_to_order(order_id: int, anchor: str = ""):
    """A GET of an action's URL (a refused form was reloaded, or its URL bookmarked): the order
    page, rather than a blank 405."""
    return redirect(reverse("order", args=[order_id]) + anchor)


@seller_view
@require_http_methods(["GET", "POST"])
def order_ship(request, order_id: int):
    if request.method == "GET":
        return _back_to_order(order_id, "#ship-form")
    form = forms.ShipForm(request.POST, country=str(request.seller.country))
    # Once the "ship anyway" box was offered it stays, ticked as it was, whatever the next
    # refusal is about (a mistyped number must not take it away).
    form.pack_incomplete = form.offered_incomplete_pack()
    # The parcel's contents: `parcel-<line id>` = units of that line (the form offers every unit
    # left to ship); none posted means everything left, as the API's POST /ship.
    chosen = {
        int(found[1]): value.strip() for name, value in request.POST.items() if (found := PARCEL_FIELD.fullmatch(name))
    }
    parcel = {line_id: int(units) for line_id, units in chosen.items() if UNITS.fullmatch(units) and int(units) > 0}
    if chosen and not parcel:
        form.add_error(None, "Put at least one unit in the parcel.")
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            request,
            lambda: order_services.ship_parcel(
                order_id=order_id,
                seller_id=request.seller.pk,
                actor=actor_of(request),
                carrier=data["carrier"],
                service_level=data["service_level"],
                tracking_number=data["tracking_number"],
                lines=parcel or None,
                confirm_incomplete_pack=data["confirm_incomplete_pack"],
            ),
            form=form,
            success=lambda shipment: _shipped_message(shipment),
        )
        if outcome.ok:
            return redirect("order", order_id=order_id)
        form.pack_incomplete = form.pack_incomplete or outcome.error.code == "pack_check_incomplete"
    return _render_detail(request, _get_order(request, order_id), ship_form=form, status=422)


def _shipped_message(shipment) -> str:
    order = shipment.order
    if order.status != terms.SHIPPED:
        return f"Parcel {shipment.tracking_number} of order #{order.number} shipped; the rest is still to ship."
    if order.shipments.count() == 1:
        return f"Order #{order.number} shipped. The customer gets the tracking link by email."
    return (
        f"Order #{order.number} shipped: its last parcel is on its way. The customer gets its tracking link by email."
    )


def _confirm_refund(request, *, order, form, refund, what: str, action: str):
    """The step before a cancel that gives money back: what is cancelled, how much goes back to
    the customer, and a button posting the same form again with `confirm_refund` set."""
    fields = {name: value for name, value in form.cleaned_data.items() if name != "confirm_refund"}
    context = {
        "order": order,
        "refund": refund,
        "what": what,
        "action": action,
        "fields": fields,
        "reason": form.cleaned_data["reason"],
    }
    return render(request, "dashboard/orders/cancel_confirm.html", context)


@seller_view
@require_http_methods(["GET", "POST"])
def order_cancel(request, order_id: int):
    """Cancel the order. One that refunds money asks first: a page saying how much goes back to
    the customer, whose button posts the same form again with `confirm_refund`."""
    if request.method == "GET":
        return _back_to_order(order_id)
    form = forms.CancelForm(request.POST)
    if form.is_valid():
        if not form.cleaned_data["confirm_refund"]:
            order = _get_order(request, order_id)
            refund = order_selectors.cancellation_refund(order)
            # Asked whenever money would go back and the status allows a cancel at all; whatever
            # else refuses it, the service says so on the confirming post.
            if refund.total > 0 and order.status in workflow.TRANSITIONS[workflow.Action.CANCEL].sources:
                what = f"order #{order.number}"
                return _confirm_refund(
                    request,
                    order=order,
                    form=form,
                    refund=refund,
                    what=what,
                    action=reverse("order_cancel", args=[order.pk]),
                )
        outcome = attempt(
            request,
            lambda: order_services.cancel_order(
                order_id=order_id,
                seller_id=request.seller.pk,
                actor=actor_of(request),
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            form=form,
            success=lambda o: (
                f"Order #{o.number} cancelled." + (" The customer is refunded." if o.refunded_total > 0 else "")
            ),
        )
        if outcome.ok:
            return redirect("order", order_id=order_id)
    return _render_detail(request, _get_order(request, order_id), cancel_form=form, status=422)


@seller_view
@require_http_methods(["GET", "POST"])
def order_cancel_line(request, order_id: int, line_id: int):
    if request.method == "GET":
        return _back_to_order(order_id)
    order, line = _get_order_line(request, order_id, line_id)
    form = forms.CancelLineForm(request.POST, line=line)
    if form.is_valid():
        data = form.cleaned_data
        # Not `allowed_actions`: it leaves out cancelling the last open units (offered as a cancel
        # of the order), which a form posted from an older page still asks for, and which refunds.
        if not data["confirm_refund"] and order.status in workflow.TRANSITIONS[workflow.Action.CANCEL_LINE].sources:
            lines = list(order.lines.all())
            refund = order_selectors.line_cancellation_refund(
                order=order, lines=lines, line=line, quantity=data["quantity"]
            )
            if refund.total > 0:
                what = f"{data['quantity']} × {line.sku} of order #{order.number}"
                action = reverse("order_cancel_line", args=[order.pk, line.pk])
                return _confirm_refund(request, order=order, form=form, refund=refund, what=what, action=action)
        outcome = attempt(
            request,
            lambda: order_services.cancel_line(
                order_id=order_id,
                seller_id=request.seller.pk,
                line_id=line_id,
                quantity=data["quantity"],
                actor=actor_of(request),
                reason=data["reason"],
                note=data["note"],
            ),
            form=form,
            success=f"Cancelled {data['quantity']} × {line.sku}.",
        )
        if outcome.ok:
            return redirect("order", order_id=order_id)
    return _render_detail(request, order, line_forms={line.pk: form}, status=422)


@seller_view
@require_POST
def order_offer_substitute(request, order_id: int, line_id: int):
    order, line = _get_order_line(request, order_id, line_id)
    form = forms.SubstituteForm(request.POST, line=line)
    if form.is_valid():
        data = form.cleaned_data
        outcome = attempt(
            request,
            lambda: substitutions.offer_substitute(
                order_id=order_id,
                seller_id=request.seller.pk,
                line_id=line_id,
                sku=data["sku"],
                actor=actor_of(request),
                note=data["note"],
            ),
            form=form,
            success=lambda offer: (
                f"Offered {offer.substitute_sku} instead of {line.sku}; the customer has been emailed."
            ),
        )
        if outcome.ok:
            return redirect("order", order_id=order_id)
    return _render_detail(request, order, substitute_forms={line.pk: form}, status=422)


@seller_view
@require_POST
def order_address(request, order_id: int):
    """Correct the shipping address before anything ships (`orders.services.correct_address`)."""
    form = forms.AddressForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        customer_request = data.pop("customer_request")
        outcome = attempt(
            request,
            lambda: order_services.correct_address(
                order_id=order_id,
                seller_id=request.seller.pk,
                actor=actor_of(request),
                address=data,
                customer_request=customer_request,
            ),
            form=form,
            success="Shipping address corrected; the timeline keeps the old one.",
        )
        if outcome.ok:
            return redirect("order", order_id=order_id)
    return _render_detail(request, _get_order(request, order_id), address_form=form, status=422)


@seller_view
@require_POST
def order_note(request, order_id: int):
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: order_services.add_note(
                order_id=order_id, seller_id=request.seller.pk, actor=actor_of(request), text=form.cleaned_data["text"]
            ),
            form=form,
            success="Note added to the timeline.",
        )
        if outcome.ok:
            return redirect(reverse("order", args=[order_id]) + "#timeline")
    return _render_detail(request, _get_order(request, order_id), note_form=form, status=422)


@seller_view
@require_GET
def service_options(request):
    """The chosen carrier's service levels, for the ship form's second select."""
    carrier = next((c for c in forms.ship_carriers() if c.code == request.GET.get("carrier")), None)
    return render(
        request,
        "dashboard/orders/_service_options.html",
        {"ship_carrier": carrier, "ship_carriers": forms.ship_carriers()},
    )


@seller_view
@require_GET
def tracking_check(request):
    """The ship form's live check of the tracking number, as the seller types or scans it.

    With a carrier chosen, the same checks the ship action makes (`check_tracking`, then
    `shipping.selectors.require_tracking_number_free`), so what is said here is what shipping
    would say; without one, which carriers the number looks like.
    """
    raw = request.GET.get("tracking_number", "")[:256]
    carrier = get_carrier(request.GET.get("carrier", ""))
    context: dict = {"number": normalize_tracking_number(raw)}
    if not context["number"]:
        pass
    elif carrier is None:
        context["matches"] = [m for m in detect_carriers(raw) if m.valid]
    else:
        # The service level does not change what a valid number is; use the chosen one if any.
        service = request.GET.get("service_level") or carrier.services[0].code
        try:
            number = check_tracking(carrier_code=carrier.code, service_level=service, tracking_number=raw)
            # The duplicate test of the ship action itself, so a number that passes here is not
            # refused on submit for being on another shipment.
            require_tracking_number_free(seller_id=request.seller.pk, carrier=carrier.code, number=number)
            context["valid"] = number
            context["carrier"] = carrier
        except ShipdeskError as exc:
            context["error"] = exc.message
    return render(request, "dashboard/orders/_tracking_check.html", context)
