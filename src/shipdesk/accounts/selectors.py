"""Reads of shops, their people, tokens and closure days; each inside one seller (or one user)."""

from __future__ import annotations

from django.db.models import F

from .models import ApiToken, ClosureDay, Invitation, Membership, ShopAddress


def memberships_of(*, user_id: int) -> list[Membership]:
    """The active shops a person works in, with their role, by shop name (one query)."""
    return list(
        Membership.objects.filter(user_id=user_id, seller__is_active=True)
        .select_related("seller")
        .order_by("seller__name", "seller_id")
    )


def team_of(*, seller_id: int) -> list[Membership]:
    # "owner" sorts before "staff": owners first.
    return list(Membership.objects.filter(seller_id=seller_id).select_related("user").order_by("role", "user__email"))


def pending_invitations_of(*, seller_id: int) -> list[Invitation]:
    """Invitations of the shop not answered yet, newest first (expired ones included: they say so)."""
    return list(
        Invitation.objects.filter(seller_id=seller_id, status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def api_tokens_of(*, seller_id: int) -> list[ApiToken]:
    """The shop's tokens, live ones first, newest first."""
    return list(
        ApiToken.objects.filter(seller_id=seller_id)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id")
    )


def closure_days_of(*, seller_id: int, since=None) -> list[ClosureDay]:
    qs = ClosureDay.objects.filter(seller_id=seller_id)
    if since is not None:
        qs = qs.filter(day__gte=since)
    return list(qs.order_by("day"))


def shop_addresses_of(*, seller_id: int) -> dict[str, ShopAddress]:
    """The shop's addresses by kind (ship_from, return); a kind not set is absent."""
    return {address.kind: address for address in ShopAddress.objects.filter(seller_id=seller_id)}
