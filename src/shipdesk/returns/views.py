"""The dashboard's returns: the list by deadline (`/returns/`), one return (`/returns/<id>/`), and
the actions — approve, reject, receive, refund — posted from either page or from the order's page.

Each view parses its input, calls one service, and says what happened; refusals are shown by
`shipdesk.dashboard.feedback`. After an action the seller goes back where they came from.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import attempt
from shipdesk.errors import NotFound
from shipdesk.pagination import BadCursor

from . import selectors, services, terms
from .policy import return_rules_for

PAGE_SIZE = 50
TABS = (("needs_action", "Needs action"), *((term.value, term.label) for term in terms.RETURN_STATUSES), ("all", "All"))


def _back(request, return_id: int):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("return", return_id=return_id)


@seller_view
@require_GET
def return_list(request):
    seller = request.seller
    tab = request.GET.get("tab", "needs_action")
    if tab not in dict(TABS):
        tab = "needs_action"
    filters = selectors.ReturnFilters(
        status=tab if tab in terms.RETURN_STATUSES else None, needs_action=True if tab == "needs_action" else None
    )
    sort = "deadline" if tab == "needs_action" else "-requested_at"
    try:
        page = selectors.list_returns(
            seller_id=seller.pk, filters=filters, sort=sort, limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None
        )
    except BadCursor:
        page = selectors.list_returns(seller_id=seller.pk, filters=filters, sort=sort, limit=PAGE_SIZE, cursor=None)
    context = {
        "nav": "returns",
        "tab": tab,
        "tabs": [{"code": code, "label": label} for code, label in TABS],
        "needs_action_count": selectors.count_needing_action(seller_id=seller.pk),
        "returns": page.items,
        "next_cursor": page.next_cursor,
    }
    return render(request, "returns/list.html", context)


@seller_view
@require_GET
def return_detail(request, return_id: int):
    try:
        request_ = selectors.get_return(seller_id=request.seller.pk, return_id=return_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    rules = return_rules_for(request.seller.pk)
    context = {"nav": "returns", "rma": request_, "default_address": rules.return_address, "reasons": terms}
    return render(request, "returns/detail.html", context)


@seller_view
@require_POST
def return_approve(request, return_id: int):
    attempt(
        request,
        lambda: services.approve_return(
            return_id=return_id,
            seller_id=request.seller.pk,
            actor=actor_of(request),
            instructions=request.POST.get("instructions", "")[:4000],
            return_address=request.POST.get("return_address", "")[:4000],
            return_label_url=request.POST.get("return_label_url", "")[:1000],
        ),
        success=lambda r: f"Return R{r.pk} approved. The customer is told how to send it.",
    )
    return _back(request, return_id)


@seller_view
@require_POST
def return_reject(request, return_id: int):
    attempt(
        request,
        lambda: services.reject_return(
            return_id=return_id,
            seller_id=request.seller.pk,
            actor=actor_of(request),
            reason=request.POST.get("reason", "")[:4000],
        ),
        success=lambda r: f"Return R{r.pk} rejected. The customer is told why.",
    )
    return _back(request, return_id)


def _received_lines(request) -> list[tuple[int, int, str]]:
    """`resellable_<line id>` and `damaged_<line id>` counts from the receive form."""
    chosen = []
    for key, value in request.POST.items():
        condition, _, line_id = key.partition("_")
        if condition not in terms.CONDITIONS or not line_id.isdigit() or len(line_id) > 18:
            continue
        value = value.strip()
        if not value or value == "0":
            continue
        quantity = int(value) if value.isascii() and value.isdigit() and len(value) < 7 else -1
        chosen.append((int(line_id), quantity, condition))
    return sorted(chosen)


@seller_view
@require_POST
def return_receive(request, return_id: int):
    lines = _received_lines(request)
    attempt(
        request,
        lambda: services.receive_return(
            return_id=return_id, seller_id=request.seller.pk, actor=actor_of(request), lines=lines
        ),
        success=lambda r: (
            f"Return R{r.pk} received: resellable items are back in stock, damaged ones written off"
            + (", and the customer is refunded." if r.status == terms.REFUNDED else ".")
        ),
    )
    return _back(request, return_id)


@seller_view
@require_POST
def return_refund(request, return_id: int):
    attempt(
        request,
        lambda: services.refund_return(return_id=return_id, seller_id=request.seller.pk, actor=actor_of(request)),
        success=lambda r: f"Return R{r.pk} refunded.",
    )
    return _back(request, return_id)


def order_returns_context(*, seller_id: int, order_id: int, back: str) -> dict:
    """What the order's page shows of its returns (the partial `returns/_order_returns.html`)."""
    return {"order_returns": selectors.returns_of_order(seller_id=seller_id, order_id=order_id), "returns_back": back}
