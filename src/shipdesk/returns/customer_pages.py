"""The customer's order page `/o/<token>/`: the order's status and story in the customer's words,
and what the customer may do now — cancel (a pending order at once; later a request the shop
answers) and ask for a return within the shop's return window.

No sign-in: the signed link in every customer email is the credential (`orders.order_page_links`).
Each answer is one service call, as the customer (`ActorKind.CUSTOMER`); a form that fails
shows its errors on the page and changes nothing.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shipdesk import money
from shipdesk.actors import Actor, ActorKind
from shipdesk.customer_link_pages import customer_link_page
from shipdesk.errors import ShipdeskError
from shipdesk.orders import services as order_services
from shipdesk.orders import terms as order_terms
from shipdesk.orders.models import Order, OrderEvent
from shipdesk.orders.order_page_links import order_page_order_id
from shipdesk.orders.selectors import cancel_requested
from shipdesk.shipping.carriers import get_carrier
from shipdesk.shipping.tracking_links import tracking_page_url

from . import services, terms
from .models import ReturnRequest
from .policy import return_rules_for

T = OrderEvent.Type
# Where the order stands, as its customer reads it.
STATUS_FOR_CUSTOMER = {
    order_terms.PENDING: "Waiting for the shop to confirm it",
    order_terms.CONFIRMED: "Confirmed: the shop will pack it soon",
    order_terms.PROCESSING: "Being prepared",
    order_terms.SHIPPED: "On its way",
    order_terms.DELIVERED: "Delivered",
    order_terms.CANCELLED: "Cancelled",
}
RETURN_STATUS_FOR_CUSTOMER = {
    terms.REQUESTED: "Asked: the shop will answer soon",
    terms.APPROVED: "Approved: send the items back as the shop said",
    terms.REJECTED: "Refused by the shop",
    terms.RECEIVED: "Received by the shop: the refund is on its way",
    terms.REFUNDED: "Refunded",
}


def _story(event: OrderEvent, currency: str) -> str:
    """One timeline event as the customer is told it, or "" for what is the shop's own business."""
    p = event.params
    return {
        T.PLACED: "You placed the order.",
        T.PAYMENT_UPDATED: "Your payment arrived." if p.get("status") == order_terms.PAID else "",
        T.CONFIRMED: "The shop confirmed the order.",
        T.PROCESSING_STARTED: "The shop started preparing the order.",
        T.SHIPPED: "The parcel was handed to the carrier.",
        T.DELIVERED: "The parcel was delivered.",
        T.CANCELLED: "The order was cancelled.",
        T.LINE_CANCELLED: f"{p.get('quantity')} × {p.get('sku')} was cancelled.",
        T.REFUND_RECORDED: f"A refund of {p.get('amount')} {currency} was sent to your payment method.",
        T.CANCEL_REQUESTED: "You asked to cancel the order.",
        T.RETURN_REQUESTED: "You asked to return items.",
        T.RETURN_APPROVED: "The shop approved your return.",
        T.RETURN_REJECTED: "The shop refused your return.",
        T.RETURN_RECEIVED: "Your returned items arrived at the shop.",
        T.SUBSTITUTE_ACCEPTED: "You accepted a substitute.",
        T.SUBSTITUTE_DECLINED: "You declined a substitute.",
    }.get(event.type, "")


def _customer(order: Order) -> Actor:
    return Actor(kind=ActorKind.CUSTOMER, label=f"customer {order.customer_email}"[:200])


def _return_lines_from(request, lines) -> list[tuple[int, int, str]]:
    """The form's lines to return: `quantity_<line id>` and `reason_<line id>` for each line."""
    chosen = []
    for line in lines:
        raw = request.POST.get(f"quantity_{line.pk}", "").strip()
        if not raw or raw == "0":
            continue
        quantity = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else -1
        chosen.append((line.pk, quantity, request.POST.get(f"reason_{line.pk}", "")))
    return chosen


@customer_link_page
@require_http_methods(["GET", "POST"])
def customer_order_page(request, token: str):
    order_id = order_page_order_id(token)
    order = Order.objects.select_related("seller").filter(pk=order_id).first() if order_id is not None else None
    if order is None:
        return render(request, "returns/customer_order_missing.html", status=404)
    lines = list(order.lines.order_by("id"))
    errors: dict[str, list[str]] = {}
    message, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")[:4000]
        try:
            if action == "cancel":
                order_services.request_cancellation(
                    order_id=order.pk, seller_id=order.seller_id, actor=_customer(order), note=note
                )
                return redirect(f"{request.path}?done=cancel")
            if action == "return":
                chosen = _return_lines_from(request, lines)
                services.request_return(
                    order_id=order.pk, seller_id=order.seller_id, actor=_customer(order), lines=chosen, note=note
                )
                return redirect(f"{request.path}?done=return")
            message, status = "Choose what to do.", 400
        except ShipdeskError as exc:
            message, status = exc.message, exc.status
            errors = exc.details if isinstance(exc.details, dict) else {}
            # Field errors name lines by their place in the request; the form names them by id.
            chosen = _return_lines_from(request, lines) if action == "return" else []
            errors = {
                (f"line_{chosen[int(key.split('.')[1])][0]}" if key.startswith("lines.") and chosen else key): value
                for key, value in errors.items()
                if isinstance(value, list)
            }
        order.refresh_from_db()
    now = timezone.now()
    rules = return_rules_for(order.seller_id)
    window_ends = services.return_window_ends(order, window_days=rules.window_days)
    returnable = services.returnable_units(order, lines) if order.status in order_terms.DISPATCHED_STATUSES else {}
    can_return = bool(
        order.status in order_terms.DISPATCHED_STATUSES
        and window_ends is not None
        and now <= window_ends
        and any(returnable.values())
    )
    asked_to_cancel = order.status in order_terms.OPEN_STATUSES and cancel_requested(order)
    # Several parcels since h-parcels: the page names the first of the order's own.
    shipment = order.shipments.filter(purpose="order").order_by("shipped_at", "id").first()
    carrier = get_carrier(shipment.carrier) if shipment else None
    events = [
        {"at": event.created_at, "text": text}
        for event in order.events.order_by("created_at", "id")
        if (text := _story(event, order.currency))
    ]
    returns = list(ReturnRequest.objects.filter(order=order).prefetch_related("lines__line").order_by("-requested_at"))
    context = {
        "order": order,
        "shop": order.seller,
        "status_words": STATUS_FOR_CUSTOMER.get(order.status, order.status),
        "lines": [
            {
                "line": line,
                "quantity": line.open_quantity,
                "returnable": returnable.get(line.pk, 0),
                "errors": errors.get(f"line_{line.pk}", []),
                "posted_quantity": request.POST.get(f"quantity_{line.pk}", "") if request.method == "POST" else "",
                "posted_reason": request.POST.get(f"reason_{line.pk}", "") if request.method == "POST" else "",
            }
            for line in lines
        ],
        "total": money.format_amount(order.total, order.currency),
        "refunded": money.format_amount(order.refunded_total, order.currency) if order.refunded_total else "",
        "events": events,
        "shipment": shipment,
        "carrier_name": carrier.name if carrier else "",
        "tracking_url": tracking_page_url(order.pk) if shipment else "",
        "can_cancel_now": order.status == order_terms.PENDING,
        "can_ask_to_cancel": order.status in (order_terms.CONFIRMED, order_terms.PROCESSING) and not asked_to_cancel,
        "asked_to_cancel": asked_to_cancel,
        "can_return": can_return,
        "window_ends": window_ends,
        "window_days": rules.window_days,
        "reasons": [(term.value, term.label) for term in terms.RETURN_REASONS],
        "returns": [
            {
                "request": each,
                "words": RETURN_STATUS_FOR_CUSTOMER.get(each.status, each.status),
                "address": [part for part in each.return_address.splitlines() if part.strip()],
            }
            for each in returns
        ],
        "done": request.GET.get("done", ""),
        "message": message,
        "errors": errors,
    }
    return render(request, "returns/customer_order.html", context, status=status)
