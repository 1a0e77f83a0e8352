"""The customer's "report a problem" page, `/o/<token>/problem/`, linked from their order page.

No sign-in: the order page's signed link is the credential (`orders.order_page_links`). The
customer says what went wrong and with which items; the page calls `claims.services.open_claim`
as the customer, and a refusal (too early for "not received", a claim already in progress, a
field) is shown on the page with nothing written.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shipdesk.actors import Actor, ActorKind
from shipdesk.customer_link_pages import customer_link_page
from shipdesk.errors import ShipdeskError
from shipdesk.orders import terms as order_terms
from shipdesk.orders.models import Order
from shipdesk.orders.order_page_links import order_page_order_id

from . import services, terms
from .models import Claim

# The problem, in the customer's words.
KIND_FOR_CUSTOMER = {
    terms.NOT_RECEIVED: "My parcel never arrived",
    terms.DAMAGED: "Something arrived damaged",
    terms.WRONG_ITEM: "I received the wrong item",
    terms.MISSING_ITEM: "Something was missing from the parcel",
}
STATUS_FOR_CUSTOMER = {
    terms.OPEN: "Sent: the shop will answer soon",
    terms.RESOLVED: "Answered by the shop",
    terms.REFUSED: "Refused by the shop: the marketplace reviews it if nothing changes",
    terms.ESCALATED: "With the marketplace, which decides",
    terms.DECIDED: "Decided by the marketplace",
}


def _lines_from(request, lines) -> list[services.ClaimedLine]:
    chosen = []
    for line in lines:
        raw = request.POST.get(f"quantity_{line.pk}", "").strip()
        if not raw or raw == "0":
            continue
        quantity = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else -1
        chosen.append(services.ClaimedLine(line_id=line.pk, quantity=quantity))
    return chosen


@customer_link_page
@require_http_methods(["GET", "POST"])
def report_problem(request, token: str):
    order_id = order_page_order_id(token)
    order = Order.objects.select_related("seller").filter(pk=order_id).first() if order_id is not None else None
    if order is None:
        return render(request, "claims/customer_problem_missing.html", status=404)
    lines = list(order.lines.order_by("id"))
    message, errors, status = "", {}, 200
    if request.method == "POST":
        chosen = _lines_from(request, lines)
        try:
            services.open_claim(
                order_id=order.pk,
                seller_id=order.seller_id,
                actor=Actor(kind=ActorKind.CUSTOMER, label=f"customer {order.customer_email}"[:200]),
                kind=request.POST.get("kind", ""),
                lines=chosen,
                description=request.POST.get("description", "")[:4000],
            )
            return redirect(f"{request.path}?done=1")
        except ShipdeskError as exc:
            message, status = exc.message, exc.status
            errors = {
                (
                    f"line_{chosen[int(key.split('.')[1])].line_id}" if key.startswith("lines.") and chosen else key
                ): value
                for key, value in exc.details.items()
                if isinstance(value, list)
            }
    claims = list(Claim.objects.filter(order=order).order_by("-opened_at"))
    context = {
        "order": order,
        "shop": order.seller,
        "shipped": order.status in order_terms.DISPATCHED_STATUSES,
        "kinds": [(value, KIND_FOR_CUSTOMER[value]) for value in terms.CLAIM_KINDS.values],
        "lines": [{"line": line, "errors": errors.get(f"line_{line.pk}", [])} for line in lines if line.open_quantity],
        "claims": [
            {"claim": c, "kind": KIND_FOR_CUSTOMER.get(c.kind, c.kind), "words": STATUS_FOR_CUSTOMER.get(c.status, "")}
            for c in claims
        ],
        "order_page": request.path.removesuffix("problem/"),
        "posted": request.POST if request.method == "POST" else {},
        "message": message,
        "errors": errors,
        "done": request.GET.get("done") == "1",
    }
    return render(request, "claims/customer_problem.html", context, status=status)
