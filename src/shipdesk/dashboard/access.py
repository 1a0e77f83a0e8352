"""Who is signed in, which shop they are working in, and what their role lets them do.

Every dashboard page is wrapped in `seller_view`: it loads the person's memberships (one query),
picks the shop chosen with the switcher (kept in the session; in a new session, the shop they
last chose), refuses staff on owner-only pages, and renders times in that shop's timezone.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from shipdesk.accounts.models import Membership
from shipdesk.accounts.selectors import memberships_of
from shipdesk.accounts.services import remember_shop_choice
from shipdesk.actors import Actor, ActorKind
from shipdesk.ops.replica_routing import read_as

SESSION_SELLER_KEY = "shipdesk_seller_id"


def signin_username(request, credentials) -> str:
    """The email django-axes counts failures against: as typed, but case and spaces don't
    make a new counter."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "")
    return str(raw).strip().lower()


def actor_of(request) -> Actor:
    return Actor(kind=ActorKind.SELLER, label=request.user.email, user_id=request.user.pk)


def choose_seller(request, seller_id: int) -> bool:
    """Switch the session to another of the person's shops; False if they are not in it."""
    if not any(m.seller_id == seller_id for m in memberships_of(user_id=request.user.pk)):
        return False
    request.session[SESSION_SELLER_KEY] = seller_id
    remember_shop_choice(user_id=request.user.pk, seller_id=seller_id)
    return True


def last_used(memberships: list[Membership]) -> Membership:
    """The shop a new session opens in: the one last chosen; never chosen, the one joined first.

    Not the first by name: a shop named "AAA" must not be where anyone lands by default.
    """
    chosen = [m for m in memberships if m.last_used_at is not None]
    if chosen:
        return max(chosen, key=lambda m: m.last_used_at)
    return min(memberships, key=lambda m: (m.created_at, m.pk))


def seller_view(view=None, *, owners_only: bool = False):
    """Decorate a dashboard view: signed in, working in one of their shops, with the right role."""

    def decorate(view):
        @wraps(view)
        def signed_in_only(request, *args, **kwargs):
            # An htmx request (the list's poll, the tracking check) from an expired session must
            # not swap a sign-in page into the order list: send the whole page to sign in.
            if request.htmx and not request.user.is_authenticated:
                return HttpResponseClientRedirect(
                    f"{resolve_url(settings.LOGIN_URL)}?next={quote(request.htmx.current_url_abs_path or '/')}"
                )
            return wrapper(request, *args, **kwargs)

        @login_required
        def wrapper(request, *args, **kwargs):
            memberships = memberships_of(user_id=request.user.pk)
            if not memberships:
                return render(request, "dashboard/no_shop.html", status=403)
            chosen_id = request.session.get(SESSION_SELLER_KEY)
            membership = next((m for m in memberships if m.seller_id == chosen_id), None) or last_used(memberships)
            request.memberships = memberships
            request.membership = membership
            request.seller = membership.seller
            # The shop's recent writes (from the API or a colleague) pin the reads to the primary.
            read_as(seller_id=membership.seller_id)
            with timezone.override(membership.seller.timezone):
                if owners_only and membership.role != Membership.Role.OWNER:
                    return render(request, "dashboard/owners_only.html", status=403)
                return view(request, *args, **kwargs)

        return signed_in_only

    return decorate(view) if view is not None else decorate
