"""The customer's pages of an order: the substitute offer `/s/<token>/`.

No sign-in: the signed link is the credential. The page shows the offer and two buttons (a
form, CSRF-protected, works without JavaScript); the answer is one service call.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shipdesk.customer_link_pages import customer_link_page
from shipdesk.errors import ShipdeskError

from .models import SubstituteOffer
from .substitutions import accept_substitute, decline_substitute, offer_id_from_token

ANSWERS = {"accept": accept_substitute, "decline": decline_substitute}


@customer_link_page
@require_http_methods(["GET", "POST"])
def substitute_offer(request, token: str):
    offer_id = offer_id_from_token(token)
    offer = (
        SubstituteOffer.objects.select_related("order__seller", "line").filter(pk=offer_id).first()
        if offer_id is not None
        else None
    )
    if offer is None:
        return render(request, "orders/substitute_offer_missing.html", status=404)
    error, status = "", 200
    if request.method == "POST":
        answer = ANSWERS.get(request.POST.get("answer", ""))
        if answer is None:
            error, status = "Choose accept or decline.", 400
        else:
            try:
                answer(offer_id=offer.pk)
            except ShipdeskError as exc:
                error, status = exc.message, 409
            offer.refresh_from_db()
    context = {
        "offer": offer,
        "order": offer.order,
        "shop": offer.order.seller,
        "error": error,
        "open": offer.status == SubstituteOffer.Status.OFFERED and timezone.now() < offer.expires_at,
    }
    return render(request, "orders/substitute_offer.html", context, status=status)
