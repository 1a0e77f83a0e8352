"""Pages of conversations and support cases.

- The seller (dashboard, `seller_view`): the inbox `/messages/`, writing from the order page
  (`/orders/<id>/messages/`), "needs no answer", attachments, the shop's templates, and support
  cases `/support/`.
- The customer (`/o/<token>/messages/`, the order page's signed token is the credential): the
  conversation, a form to write, attachments.
- The operator (`/admin/support/`, staff only through the admin): every case, with the order, its
  timeline and conversation at hand, and the answer form.

Thin adapters: parse, authorise, call one service or selector, render. An attachment is served
only to the shop and the order's customer, as a download (`Content-Disposition: attachment`,
`nosniff`), with the type its content proved when it was kept.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shipdesk.actors import Actor, ActorKind
from shipdesk.customer_link_pages import customer_link_page
from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import attempt
from shipdesk.errors import NotFound, ShipdeskError
from shipdesk.orders.models import Order
from shipdesk.orders.order_page_links import order_page_order_id
from shipdesk.orders.selectors import get_order

from . import message_templates as wording
from . import selectors, services, terms

# A signed token is ~40 characters; anything far longer is not one of ours.
_MAX_TOKEN = 300


def _files(request) -> list[services.IncomingFile]:
    """The uploaded files, each read to at most one byte past the limit (the service refuses it)."""
    limit = services.config()["max_attachment_bytes"]
    return [
        services.IncomingFile(filename=upload.name or "", content=upload.read(limit + 1))
        for upload in request.FILES.getlist("attachments")
    ]


def _download(attachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the seller ------------------------------------------------------------------------------------


@seller_view
@require_GET
def inbox(request):
    tab = "all" if request.GET.get("tab") == "all" else "needs_action"
    rows = selectors.inbox(seller_id=request.seller.pk, needs_action=tab == "needs_action")
    context = {
        "nav": "messages",
        "tab": tab,
        "rows": rows,
        "needs_action_count": selectors.needs_action_count(seller_id=request.seller.pk),
        "answer_hours": services.config()["answer_hours"],
        "business_hours": services.config()["answer_in_business_hours"],
    }
    return render(request, "conversations/inbox.html", context)


@seller_view
@require_POST
def order_message(request, order_id: int):
    """The seller writes to the customer from the order page."""
    outcome = attempt(
        request,
        lambda: services.send_message(
            order_id=order_id,
            seller_id=request.seller.pk,
            actor=actor_of(request),
            body=request.POST.get("body", ""),
            files=_files(request),
        ),
        success="Message sent. The customer gets it by email and can reply to it.",
    )
    if not outcome.ok:
        request.session["conversation_draft"] = {"order_id": order_id, "body": request.POST.get("body", "")[:10_000]}
    return redirect(reverse("order", args=[order_id]) + "#conversation")


@seller_view
@require_POST
def no_answer_needed(request, message_id: int):
    outcome = attempt(
        request,
        lambda: services.mark_no_answer_needed(
            message_id=message_id, seller_id=request.seller.pk, actor=actor_of(request)
        ),
        success="Marked as needing no answer.",
    )
    if outcome.ok:
        return redirect(reverse("order", args=[outcome.value.order_id]) + "#conversation")
    return redirect("messages_inbox")


@seller_view
@require_GET
def seller_attachment(request, attachment_id: int):
    try:
        attachment = selectors.attachment_for_seller(seller_id=request.seller.pk, attachment_id=attachment_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return _download(attachment)


@seller_view
@require_http_methods(["GET", "POST"])
def message_templates(request):
    if request.method == "POST":
        key = request.POST.get("key", "")
        attempt(
            request,
            lambda: services.save_template(seller_id=request.seller.pk, key=key, body=request.POST.get("body", "")),
            success=f"Template “{terms.TEMPLATE_KEYS.label(key)}” saved.",
        )
        return redirect("message_templates")
    context = {
        "nav": "messages",
        "templates": selectors.template_bodies(seller_id=request.seller.pk),
        "placeholders": sorted(wording.PLACEHOLDERS.items()),
    }
    return render(request, "conversations/templates.html", context)


# --- support cases, the seller's side --------------------------------------------------------------


@seller_view
@require_http_methods(["GET", "POST"])
def support_cases(request):
    """The shop's cases, and the form to open one (pre-filled from `?order=<id>&topic=<topic>`)."""
    seller = request.seller
    order, topic, body = None, request.GET.get("topic", ""), ""
    if request.method == "POST":
        order_id = request.POST.get("order_id", "")
        outcome = attempt(
            request,
            lambda: services.open_case(
                seller_id=seller.pk,
                actor=actor_of(request),
                topic=request.POST.get("topic", ""),
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
                order_id=int(order_id) if order_id.isdigit() else None,
            ),
            success="Support case opened. The marketplace's support team is emailed; "
            "their answer comes here and by email.",
        )
        if outcome.ok:
            return redirect("support_case", case_id=outcome.value.pk)
        topic, body = request.POST.get("topic", ""), request.POST.get("body", "")
        order_ref = order_id
    else:
        order_ref = request.GET.get("order", "")
    if order_ref and str(order_ref).isdigit():
        order = Order.objects.filter(pk=int(order_ref), seller_id=seller.pk).first()
    if topic == "payment_failed" and order is not None and not body:
        body = (
            f"The payment of order #{order.number} ({order.customer_name}) failed. "
            "Could you check what happened with the payment provider and whether the customer can pay again?"
        )
    context = {
        "nav": "support",
        "cases": selectors.seller_cases(seller_id=seller.pk),
        "topics": [(t.value, t.label) for t in terms.CASE_TOPICS],
        "order": order,
        "topic": topic if topic in terms.CASE_TOPICS else "",
        "body": body,
        "status_labels": {t.value: t.label for t in terms.CASE_STATUSES},
    }
    return render(request, "conversations/support.html", context, status=200 if request.method == "GET" else 422)


@seller_view
@require_http_methods(["GET", "POST"])
def support_case(request, case_id: int):
    seller = request.seller
    try:
        case = selectors.case_for_seller(seller_id=seller.pk, case_id=case_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if request.method == "POST":
        if request.POST.get("close"):
            attempt(request, lambda: services.close_case(case_id=case.pk, seller_id=seller.pk), success="Case closed.")
        else:
            attempt(
                request,
                lambda: services.reply_to_case(
                    case_id=case.pk, seller_id=seller.pk, actor=actor_of(request), body=request.POST.get("body", "")
                ),
                success="Sent to support.",
            )
        return redirect("support_case", case_id=case.pk)
    context = {
        "nav": "support",
        "case": case,
        "case_messages": selectors.case_messages(case),
        "topic_label": terms.CASE_TOPICS.label(case.topic),
        "status_label": terms.CASE_STATUSES.label(case.status),
    }
    return render(request, "conversations/support_case.html", context)


# --- the customer ----------------------------------------------------------------------------------


def _customer_order(token: str) -> Order | None:
    order_id = order_page_order_id(token) if len(token) <= _MAX_TOKEN else None
    return Order.objects.select_related("seller").filter(pk=order_id).first() if order_id is not None else None


@customer_link_page
@require_http_methods(["GET", "POST"])
def customer_messages(request, token: str):
    """The customer's side of the conversation, on the order's signed link."""
    order = _customer_order(token)
    if order is None:
        return render(request, "conversations/customer_missing.html", status=404)
    error, status, body = "", 200, ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.receive_message(
                order_id=order.pk,
                body=body,
                channel="order_page",
                author_label=order.customer_name,
                files=_files(request),
            )
        except ShipdeskError as exc:
            details = [
                str(p)
                for problems in exc.details.values()
                for p in (problems if isinstance(problems, list) else [problems])
            ]
            error, status = " ".join([exc.message, *details]), 422
        else:
            return redirect(request.path + "?sent=1")
    context = {
        "order": order,
        "shop": order.seller,
        "messages_list": selectors.order_messages(order_id=order.pk, seller_id=None),
        "error": error,
        "body": body,
        "sent": request.GET.get("sent") == "1",
        "token": token,
    }
    return render(request, "conversations/customer_messages.html", context, status=status)


@customer_link_page
@require_GET
def customer_attachment(request, token: str, attachment_id: int):
    order = _customer_order(token)
    if order is None:
        raise Http404("No such order.")
    try:
        attachment = selectors.attachment_for_order(order_id=order.pk, attachment_id=attachment_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return _download(attachment)


# --- the operator ----------------------------------------------------------------------------------


def _operator_actor(request) -> Actor:
    return Actor(kind=ActorKind.OPERATOR, label=request.user.email, user_id=request.user.pk)


@require_GET
def operator_cases_view(request):
    status = request.GET.get("status") or None
    if status not in (None, *terms.CASE_STATUSES.values):
        status = None
    context = {
        **admin.site.each_context(request),
        "title": "Support cases",
        "cases": selectors.operator_queue(status=status),
        "status": status or "",
        "statuses": [(t.value, t.label) for t in terms.CASE_STATUSES],
        "status_labels": {t.value: t.label for t in terms.CASE_STATUSES},
        "topic_labels": {t.value: t.label for t in terms.CASE_TOPICS},
    }
    return TemplateResponse(request, "admin/conversations/cases.html", context)


@require_http_methods(["GET", "POST"])
def operator_case_view(request, case_id: int):
    try:
        case = selectors.case_for_operator(case_id=case_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if request.method == "POST":
        try:
            if request.POST.get("close"):
                services.close_case(case_id=case.pk, seller_id=None)
                messages.success(request, "Case closed.")
            else:
                services.reply_to_case(
                    case_id=case.pk, seller_id=None, actor=_operator_actor(request), body=request.POST.get("body", "")
                )
                messages.success(request, "Answer sent: the seller sees it in the dashboard and by email.")
        except ShipdeskError as exc:
            messages.error(request, exc.message)
        return redirect("operator_support_case", case_id=case.pk)
    order = get_order(seller_id=case.seller_id, order_id=case.order_id) if case.order_id else None
    context = {
        **admin.site.each_context(request),
        "title": f"Support case {case.pk}: {case.subject}",
        "case": case,
        "case_messages": selectors.case_messages(case),
        "topic_label": terms.CASE_TOPICS.label(case.topic),
        "status_label": terms.CASE_STATUSES.label(case.status),
        "order": order,
        "events": sorted(order.events.all(), key=lambda e: (e.created_at, e.pk)) if order else [],
        "conversation": selectors.order_messages(order_id=order.pk, seller_id=case.seller_id) if order else [],
    }
    return TemplateResponse(request, "admin/conversations/case.html", context)


operator_cases = admin.site.admin_view(operator_cases_view)
operator_case = admin.site.admin_view(operator_case_view)
