"""Bearer-token authentication and the scoping every endpoint applies."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from shipdesk.accounts.models import ApiToken, Seller
from shipdesk.accounts.services import authenticate_token
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import NotFound, PermissionDenied, ShipdeskError, ValidationFailed
from shipdesk.ops.ratelimit import enforce as enforce_rate_limit
from shipdesk.ops.replica_routing import read_as


class Unauthenticated(ShipdeskError):
    code = "unauthenticated"
    status = 401


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "")
        if not header:
            raise Unauthenticated("Send an API token: Authorization: Bearer <token>.")
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        record = authenticate_token(token)
        if record is None:
            raise Unauthenticated("This API token is unknown or revoked.")
        # Every authenticated endpoint, every token kind: past the limit it is 429, before any write.
        enforce_rate_limit(key=f"token:{record.pk}")
        # Reads follow this token's and its seller's recent writes to the primary.
        read_as(seller_id=record.seller_id, token_id=record.pk)
        return record


def token_of(request: HttpRequest) -> ApiToken:
    return request.auth


def actor_of(request: HttpRequest) -> Actor:
    token = token_of(request)
    kind = ActorKind.SELLER if token.kind == ApiToken.Kind.SELLER else ActorKind.PLATFORM
    return Actor(kind=kind, label=f"token {token.prefix}… ({token.name})"[:200], token_id=token.pk)


def scope_of(request: HttpRequest) -> int | None:
    """The seller every read and write is confined to; None for a platform token (any seller)."""
    return token_of(request).seller_id


def require_platform(request: HttpRequest) -> None:
    if token_of(request).kind != ApiToken.Kind.PLATFORM:
        raise PermissionDenied("This endpoint needs a platform token.")


def seller_for_write(request: HttpRequest, slug: str | None) -> Seller:
    """The seller a create acts for: a seller token's own, or the one a platform token names."""
    token = token_of(request)
    if token.kind == ApiToken.Kind.SELLER:
        if slug and slug != token.seller.slug:
            raise NotFound("Seller not found.")
        return token.seller
    if not slug:
        raise ValidationFailed(
            "A platform token must name the seller.", details={"seller": ["This field is required."]}
        )
    seller = Seller.objects.filter(slug=slug, is_active=True).first()
    if seller is None:
        raise NotFound("Seller not found.")
    return seller
