"""The dashboard's webhook settings (owners): endpoints, their secrets, and each one's delivery log.

Thin: parse the form, call one service, render. A secret is rendered once, in the response of
the action that made it (never stored in the page's URL or a redirect).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shipdesk.dashboard.access import seller_view
from shipdesk.dashboard.feedback import attempt
from shipdesk.errors import NotFound
from shipdesk.pagination import BadCursor

from . import selectors, services, terms
from .forms import SubscriptionForm


def _render_list(request, *, form=None, new_secret=None, status=200):
    labels = {t.value: t.label for t in terms.EVENT_TYPES}
    subscriptions = selectors.list_subscriptions(owner=request.seller.pk)
    for subscription in subscriptions:
        subscription.event_labels = [labels.get(value, value) for value in subscription.event_types]
    response = render(
        request,
        "webhooks_out/settings.html",
        {
            "nav": "settings",
            "form": form or SubscriptionForm(),
            "subscriptions": subscriptions,
            "new_secret": new_secret,
        },
        status=status,
    )
    if new_secret:
        response["Cache-Control"] = "no-store"  # the secret is shown once; no copy in any cache
    return response


@seller_view(owners_only=True)
@require_GET
def webhook_settings(request):
    return _render_list(request)


@seller_view(owners_only=True)
@require_POST
def webhook_create(request):
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: services.create_subscription(owner=request.seller.pk, **form.cleaned_data),
            form=form,
            success="Endpoint added. Copy its secret now: it is shown this once.",
        )
        if outcome.ok:
            return _render_list(request, new_secret=outcome.value)
    return _render_list(request, form=form, status=422)


@seller_view(owners_only=True)
@require_POST
def webhook_rotate(request, subscription_id: int):
    outcome = attempt(
        request,
        lambda: services.rotate_secret(subscription_id=subscription_id, owner=request.seller.pk),
        success="New secret made; the old one keeps signing for 24 hours. Copy the new one now.",
    )
    if outcome.ok:
        return _render_list(request, new_secret=outcome.value)
    return redirect("webhook_settings")


@seller_view(owners_only=True)
@require_POST
def webhook_toggle(request, subscription_id: int):
    owner = request.seller.pk
    if request.POST.get("enable"):
        attempt(
            request,
            lambda: services.enable_subscription(subscription_id=subscription_id, owner=owner),
            success="Endpoint enabled: waiting deliveries go out now.",
        )
    else:
        attempt(
            request,
            lambda: services.disable_subscription(subscription_id=subscription_id, owner=owner),
            success="Endpoint disabled: nothing is sent to it until you enable it.",
        )
    return redirect("webhook_settings")


@seller_view(owners_only=True)
@require_POST
def webhook_ping(request, subscription_id: int):
    attempt(
        request,
        lambda: services.send_test_ping(subscription_id=subscription_id, owner=request.seller.pk),
        success="Test ping queued: its result appears in the log in a moment.",
    )
    return redirect("webhook_log", subscription_id=subscription_id)


@seller_view(owners_only=True)
@require_POST
def webhook_delete(request, subscription_id: int):
    attempt(
        request,
        lambda: services.delete_subscription(subscription_id=subscription_id, owner=request.seller.pk),
        success="Endpoint deleted.",
    )
    return redirect("webhook_settings")


@seller_view(owners_only=True)
@require_GET
def webhook_log(request, subscription_id: int):
    owner = request.seller.pk
    try:
        subscription = selectors.get_subscription(owner=owner, subscription_id=subscription_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        page = selectors.list_deliveries(
            owner=owner, subscription_id=subscription_id, limit=50, cursor=request.GET.get("cursor") or None
        )
    except BadCursor:  # a stale or edited link: the newest page
        page = selectors.list_deliveries(owner=owner, subscription_id=subscription_id, limit=50)
    return render(
        request,
        "webhooks_out/log.html",
        {"nav": "settings", "subscription": subscription, "deliveries": page.items, "next_cursor": page.next_cursor},
    )


@seller_view(owners_only=True)
@require_POST
def webhook_redeliver(request, subscription_id: int, delivery_id: int):
    attempt(
        request,
        lambda: services.redeliver(delivery_id=delivery_id, owner=request.seller.pk),
        success="Queued for redelivery.",
    )
    return redirect(reverse("webhook_log", kwargs={"subscription_id": subscription_id}))
