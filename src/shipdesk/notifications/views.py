"""Dashboard pages of notifications: /alerts/ (and the bell), email previews, and /dev/mail/.

Thin adapters like every dashboard view: `seller_view` picks the shop, a selector reads, a
service writes, a refused action becomes a message (`dashboard.feedback`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from shipdesk.dashboard.access import actor_of, seller_view
from shipdesk.dashboard.feedback import attempt

from . import rendering, selectors, services
from .models import MailboxMessage, Notification

PAGE_SIZE = 30
MAILBOX_BACKEND = "shipdesk.notifications.mailbox.MailboxBackend"
# A message's HTML is shown in a sandboxed frame under its own policy: inline styles (every
# email has them) but no script, no plugin, no network but images, and framed only by us.
EMAIL_FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'; sandbox"


# --- alerts -------------------------------------------------------------------------------------


@require_GET
@seller_view
def alert_list(request):
    show = "all" if request.GET.get("show") == "all" else "unread"
    cursor = request.GET.get("cursor") or None
    listing = attempt(
        request,
        lambda: selectors.list_alerts(
            seller_id=request.seller.pk, unread=True if show == "unread" else None, limit=PAGE_SIZE, cursor=cursor
        ),
    )
    if not listing.ok:  # a stale or altered page link: the first page instead
        cursor = None
        listing = attempt(
            request,
            lambda: selectors.list_alerts(
                seller_id=request.seller.pk, unread=True if show == "unread" else None, limit=PAGE_SIZE
            ),
        )
    page = listing.value
    return render(
        request,
        "notifications/alerts.html",
        {
            "nav": "alerts",
            "show": show,
            "alerts": page.items,
            "next_cursor": page.next_cursor,
            "is_first_page": cursor is None,
            "delay_kind": Notification.Kind.SELLER_DELIVERY_EXCEPTION,
        },
    )


@require_GET
@seller_view
def alert_bell(request):
    """The bell alone, for htmx to refresh the count."""
    return render(request, "notifications/_bell.html")


def _back(request):
    return redirect(request.POST.get("next") if _safe_next(request) else reverse("alerts"))


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/alerts/") and not target.startswith("//")


@require_POST
@seller_view
def alert_read(request, alert_id: int):
    outcome = attempt(request, lambda: services.mark_alert_read(alert_id=alert_id, seller_id=request.seller.pk))
    if request.htmx and outcome.ok:
        return render(
            request,
            "notifications/_alert_read.html",
            {"alert": outcome.value, "delay_kind": Notification.Kind.SELLER_DELIVERY_EXCEPTION},
        )
    if outcome.ok:  # a plain form post: the list comes back, and says what was done
        messages.success(request, f"Marked read: {outcome.value.title}")
    return _back(request)


@require_POST
@seller_view
def alert_read_all(request):
    count = services.mark_all_alerts_read(seller_id=request.seller.pk)
    messages.success(
        request, f"Marked {count} alert{'s' if count != 1 else ''} read." if count else "No unread alerts."
    )
    return _back(request)


@require_POST
@seller_view
def alert_delay_notice(request, alert_id: int):
    """The one-click delay notice to the customer, from a delivery-delay alert."""
    alert = selectors.get_alert(seller_id=request.seller.pk, alert_id=alert_id)
    if alert is None or alert.order_id is None:
        raise Http404("Alert not found.")
    attempt(
        request,
        lambda: services.send_delay_notice(
            order_id=alert.order_id, seller_id=request.seller.pk, actor=actor_of(request)
        ),
        success=f"The customer of order #{alert.order.number} will be told their parcel is running late.",
    )
    services.mark_alert_read(alert_id=alert.pk, seller_id=request.seller.pk)
    return _back(request)


# --- email previews -------------------------------------------------------------------------------


def _preview_or_404(kind: str, seller) -> rendering.RenderedEmail:
    if kind not in Notification.Kind.values:
        raise Http404("No such email.")
    return rendering.preview(kind, seller)


@require_GET
@seller_view
def email_previews(request):
    kinds = [
        {
            "kind": kind,
            "label": label,
            "subject": rendering.preview(kind, request.seller).subject,
            "audience": "customer" if kind in rendering.CUSTOMER_KINDS else "you",
        }
        for kind, label in Notification.Kind.choices
    ]
    return render(request, "notifications/email_previews.html", {"nav": "alerts", "kinds": kinds})


@require_GET
@seller_view
def email_preview(request, kind: str):
    email = _preview_or_404(kind, request.seller)
    return render(
        request,
        "notifications/email_preview.html",
        {
            "nav": "alerts",
            "kind": kind,
            "label": Notification.Kind(kind).label,
            "email": email,
            "frame_url": reverse("email_preview_html", args=[kind]),
        },
    )


def _email_frame(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_FRAME_CSP
    return response


@require_GET
@xframe_options_sameorigin
@seller_view
def email_preview_html(request, kind: str):
    return _email_frame(_preview_or_404(kind, request.seller).html)


# --- the development mailbox ----------------------------------------------------------------------


def _mailbox_open(request) -> None:
    """/dev/mail/ exists only when mail is kept in the local mailbox. Under DEBUG (`shipdesk run`,
    one developer's machine) anyone may read it — a password-reset link must be readable before
    signing in; otherwise only the marketplace operator."""
    if settings.EMAIL_BACKEND != MAILBOX_BACKEND:
        raise Http404("Mail is not kept in the local mailbox.")
    if not settings.DEBUG and not (request.user.is_authenticated and request.user.is_staff):
        raise Http404("Mail is not kept in the local mailbox.")


@require_GET
def dev_mail(request):
    _mailbox_open(request)
    before = request.GET.get("before")
    before_id = int(before) if before and before.isdigit() and len(before) < 19 else None
    mail = selectors.mailbox(before_id=before_id, limit=PAGE_SIZE + 1)
    older = mail[PAGE_SIZE - 1].pk if len(mail) > PAGE_SIZE else None
    return render(request, "notifications/dev_mail.html", {"mail": mail[:PAGE_SIZE], "older": older})


def _message_or_404(message_id: int) -> MailboxMessage:
    message = MailboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message.")
    return message


@require_GET
def dev_mail_message(request, message_id: int):
    _mailbox_open(request)
    message = _message_or_404(message_id)
    return render(request, "notifications/dev_mail_message.html", {"message": message})


@require_GET
@xframe_options_sameorigin
def dev_mail_html(request, message_id: int):
    _mailbox_open(request)
    return _email_frame(_message_or_404(message_id).body_html)
