"""Writes for sellers, users and tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from shipdesk.errors import NotFound, ValidationFailed

from .models import ApiToken, Membership, Seller, User

TOKEN_PREFIX = "sdk_"


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def _full_clean(instance) -> None:
    try:
        instance.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed("Invalid fields.", details=exc.message_dict) from exc


@transaction.atomic
def create_seller(*, slug: str, name: str, email: str, country: str, timezone_name: str = "UTC") -> Seller:
    seller = Seller(slug=slug, name=name, email=email, country=country, timezone=timezone_name)
    _full_clean(seller)
    seller.save()
    return seller


@transaction.atomic
def create_user(*, email: str, password: str | None, seller: Seller | None = None, role: str = "staff", name: str = "") -> User:
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, name=name)
        _full_clean_user(user)
        user.set_password(password)  # None gives an unusable password (sign in after a reset)
        user.save()
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    if seller is not None:
        if role not in Membership.Role.values:
            raise ValidationFailed("Invalid role.", details={"role": [f"Must be one of {', '.join(Membership.Role.values)}."]})
        Membership.objects.update_or_create(user=user, seller=seller, defaults={"role": role})
    return user


def _full_clean_user(user: User) -> None:
    try:
        user.full_clean(exclude=["password"])
    except DjangoValidationError as exc:
        raise ValidationFailed("Invalid fields.", details=exc.message_dict) from exc


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its hash is stored
    record: ApiToken


@transaction.atomic
def create_api_token(*, name: str, seller: Seller | None, created_by: User | None = None) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        kind=ApiToken.Kind.SELLER if seller else ApiToken.Kind.PLATFORM,
        seller=seller,
        name=name,
        prefix=token[:12],
        token_hash=hash_token(token),
        created_by=created_by,
    )
    return IssuedToken(token=token, record=record)


@transaction.atomic
def revoke_api_token(*, token_id: int, seller: Seller | None) -> ApiToken:
    qs = ApiToken.objects.select_for_update()
    if seller is not None:
        qs = qs.filter(seller=seller)
    record = qs.filter(pk=token_id).first()
    if record is None:
        raise NotFound("Token not found.")
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
    return record


def authenticate_token(raw: str) -> ApiToken | None:
    """The live token for a bearer string, or None. Reads only (last use is tracked coarsely)."""
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        return None
    record = ApiToken.objects.select_related("seller").filter(token_hash=hash_token(raw), revoked_at__isnull=True).first()
    if record is None or (record.seller is not None and not record.seller.is_active):
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute so a busy integration does not write on every read.
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record
