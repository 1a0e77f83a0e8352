"""Writes for sellers, users and tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from shipdesk.errors import NotFound, StateConflict, ValidationFailed
from shipdesk.ops.replica_routing import bookkeeping_writes
from shipdesk.postal_addresses import address_problems
from shipdesk.shipping.carriers import service_choice_problem
from shipdesk.single_line import single_line_errors, single_line_problem

from .models import ApiToken, ClosureDay, Invitation, Membership, Seller, ShopAddress, User
from .shop_images import shop_image_png

logger = logging.getLogger(__name__)
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
    if errors := single_line_errors(name=name, email=email):
        raise ValidationFailed("Invalid fields.", details=errors)
    _full_clean(seller)
    seller.save()
    return seller


@transaction.atomic
def create_user(
    *, email: str, password: str | None, seller: Seller | None = None, role: str = "staff", name: str = ""
) -> User:
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
            raise ValidationFailed(
                "Invalid role.", details={"role": [f"Must be one of {', '.join(Membership.Role.values)}."]}
            )
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
    """Revoke a live token (a seller's own, or any for seller=None). Guards: the token exists in
    that scope (else NotFound). Writes: revoked_at, once; at commit, a tombstone in the shared cache
    so every host refuses the token at its next request (see `authenticate_token`)."""
    qs = ApiToken.objects.select_for_update()
    if seller is not None:
        qs = qs.filter(seller=seller)
    record = qs.filter(pk=token_id).first()
    if record is None:
        raise NotFound("Token not found.")
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
    transaction.on_commit(lambda: forget_cached_tokens([record.token_hash]))
    return record


# A looked-up token is cached under its hash. Revocation replaces the entry with this tombstone
# (cache.set, after commit); a lookup fills the cache with cache.add, which never overwrites it,
# so a lookup that read the row just before the revocation committed cannot bring the token back.
_TOKEN_CACHE_PREFIX = "api-token:v1:"
_REVOKED = "revoked"
# The last use is written at most once a minute, so a busy integration does not write per request.
_LAST_USED_EVERY_SECONDS = 60


def forget_cached_tokens(token_hashes: list[str]) -> None:
    """Every host refuses these tokens' cached entries from now on (revocation, a shop closed)."""
    seconds = settings.SHIPDESK_TOKEN_CACHE_SECONDS
    if seconds > 0 and token_hashes:
        # Outlives any entry filled before the revocation (those live `seconds` at most). A cache
        # that is down cannot hand the token out either; its old entries expire within `seconds`.
        tombstones = dict.fromkeys((_TOKEN_CACHE_PREFIX + h for h in token_hashes), _REVOKED)
        _in_cache(lambda: cache.set_many(tombstones, timeout=2 * seconds))


def _in_cache(call):
    """The cache's answer, or None when it is unreachable: the database answers instead."""
    try:
        return call()
    except Exception:  # any client error (Redis down, timeout): the lookup goes to the database
        logger.warning("cache unavailable for API tokens", exc_info=True)
        return None


def authenticate_token(raw: str) -> ApiToken | None:
    """The live token for a bearer string, or None.

    With SHIPDESK_TOKEN_CACHE_SECONDS the token (and its seller) comes from the shared cache: no
    database read per request. It is read from the primary on a miss, so a token made a moment
    ago works at once even where reads go to a replica. Writes only its last use, coarsely.
    """
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        return None
    token_hash = hash_token(raw)
    seconds = settings.SHIPDESK_TOKEN_CACHE_SECONDS
    key = _TOKEN_CACHE_PREFIX + token_hash
    record = _in_cache(lambda: cache.get(key)) if seconds > 0 else None
    if record == _REVOKED:
        return None
    if not isinstance(record, ApiToken):
        record = (
            ApiToken.objects.using(DEFAULT_DB_ALIAS)
            .select_related("seller")
            .filter(token_hash=token_hash, revoked_at__isnull=True)
            .first()
        )
        if record is None:
            return None
        if seconds > 0:
            _in_cache(lambda: cache.add(key, record, timeout=seconds))
    if record.seller is not None and not record.seller.is_active:
        return None
    now = timezone.now()
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > _LAST_USED_EVERY_SECONDS:
        with bookkeeping_writes():
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        record.last_used_at = now
        if seconds > 0:
            # The next request reads the row again (once a minute), and caches its new last use.
            _in_cache(lambda: cache.delete(key))
    return record


# --- shop settings and team (the dashboard's settings page) ---------------------------------

# The handling times a seller may promise, and the limit on each: the platform's deadline, or a
# longer one the operator granted this shop. A seller may promise faster handling, never slower.
HANDLING_FIELDS = ("confirm_hours", "process_business_days", "ship_business_days")


def handling_limits(seller: Seller) -> dict[str, int]:
    return {name: max(settings.SHIPDESK_POLICY[name], getattr(seller, name) or 0) for name in HANDLING_FIELDS}


@transaction.atomic
def update_shop_profile(
    *,
    seller_id: int,
    name: str,
    email: str,
    country: str,
    timezone_name: str,
    thank_you_note: str = "",
    preparing_email: bool | None = None,
    confirm_hours: int | None = None,
    process_business_days: int | None = None,
    ship_business_days: int | None = None,
) -> Seller:
    """Change what a shop's owner may change: profile, and handling times within platform limits.

    A handling time left empty means the platform's default. Deadlines already set on open
    orders stay as they are; the new times apply from each order's next step.
    """
    seller = Seller.objects.select_for_update().filter(pk=seller_id).first()
    if seller is None:
        raise NotFound("Shop not found.")
    errors: dict[str, list[str]] = {}
    limits = handling_limits(seller)
    handling = {
        "confirm_hours": confirm_hours,
        "process_business_days": process_business_days,
        "ship_business_days": ship_business_days,
    }
    for field, value in handling.items():
        if value is not None and not 1 <= value <= limits[field]:
            errors[field] = [f"Between 1 and {limits[field]} (the marketplace's limit), or empty for the default."]
    if len(thank_you_note or "") > 2000:
        errors["thank_you_note"] = ["At most 2000 characters."]
    errors.update(single_line_errors(name=name, email=email))
    seller.name = (name or "").strip()
    seller.email = (email or "").strip().lower()
    seller.country = country
    seller.timezone = timezone_name
    seller.thank_you_note = thank_you_note or ""
    if preparing_email is not None:  # None: left as it is (callers that do not show it)
        seller.preparing_email = bool(preparing_email)
    for field, value in handling.items():
        setattr(seller, field, value)
    try:
        seller.full_clean(exclude=["slug", "last_order_number"])
    except DjangoValidationError as exc:
        for field, messages in exc.message_dict.items():
            # Named as the caller names them (timezone_name), not as the model's column.
            errors.setdefault("timezone_name" if field == "timezone" else field, []).extend(messages)
    if errors:
        raise ValidationFailed("Invalid shop settings.", details=errors)
    seller.save(
        update_fields=["name", "email", "country", "timezone", "thank_you_note", "preparing_email", *HANDLING_FIELDS]
    )
    return seller


ADDRESS_LIMITS = {"name": 200, "line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20, "phone": 32}


@transaction.atomic
def set_shop_address(
    *,
    seller_id: int,
    kind: str,
    name: str,
    line1: str,
    city: str,
    country: str,
    line2: str = "",
    region: str = "",
    postal_code: str = "",
    phone: str = "",
) -> ShopAddress:
    """Set a shop's ship-from or return address (created or replaced).

    Guards: a known kind; every part one line and within its length; the address valid by its
    country's rules (`postal_addresses.address_problems`, as customers' addresses are). Writes
    the one ShopAddress row of that kind. Labels bought afterwards print it.
    """
    if kind not in ShopAddress.Kind.values:
        raise ValidationFailed(
            "Unknown address kind.", details={"kind": [f"One of {', '.join(ShopAddress.Kind.values)}."]}
        )
    fields = {
        "name": (name or "").strip(),
        "line1": (line1 or "").strip(),
        "line2": (line2 or "").strip(),
        "city": (city or "").strip(),
        "region": (region or "").strip(),
        "postal_code": (postal_code or "").strip(),
        "phone": (phone or "").strip(),
    }
    errors: dict[str, list[str]] = {}
    for field, value in fields.items():
        if len(value) > ADDRESS_LIMITS[field]:
            errors.setdefault(field, []).append(f"At most {ADDRESS_LIMITS[field]} characters.")
    for field in ("name", "line1", "city"):
        if not fields[field]:
            errors.setdefault(field, []).append("This field is required.")
    errors.update(single_line_errors(**fields))
    if not errors:
        errors.update(
            address_problems(
                country=country or "",
                line1=fields["line1"],
                line2=fields["line2"],
                city=fields["city"],
                region=fields["region"],
                postal_code=fields["postal_code"],
            )
        )
    if errors:
        raise ValidationFailed("The address is not valid.", details=errors)
    if not Seller.objects.filter(pk=seller_id).exists():
        raise NotFound("Shop not found.")
    address, _ = ShopAddress.objects.update_or_create(
        seller_id=seller_id, kind=kind, defaults={**fields, "country": country}
    )
    return address


@transaction.atomic
def set_label_service(*, seller_id: int, carrier: str, service_level: str) -> Seller:
    """The service a batch of labels is bought with; both blank: the cheapest rate of each parcel.

    Guards: a carrier and one of its service levels (`shipping.carriers`), or both blank.
    """
    if problem := service_choice_problem(carrier=carrier or "", service_level=service_level or ""):
        raise ValidationFailed("Unknown service.", details=problem)
    updated = Seller.objects.filter(pk=seller_id).update(
        label_carrier=carrier or "", label_service_level=service_level or ""
    )
    if not updated:
        raise NotFound("Shop not found.")
    return Seller.objects.get(pk=seller_id)


# --- the shop's papers: logo and promotional insert (docs/papers.md) --------------------------

INSERT_TEXT_LIMIT = 2000


def _lock_seller(seller_id: int) -> Seller:
    seller = Seller.objects.select_for_update().filter(pk=seller_id).first()
    if seller is None:
        raise NotFound("Shop not found.")
    return seller


def _store_image(seller: Seller, field: str, png: bytes) -> None:
    """Put a checked PNG in `field` under a new random name; the file it replaces is deleted once
    the change commits (a rollback leaves at most an unreferenced file, never a row naming none)."""
    _forget_image(seller, field)
    getattr(seller, field).save(f"{field.replace('_', '-')}-{secrets.token_hex(12)}.png", ContentFile(png), save=False)


def _forget_image(seller: Seller, field: str) -> None:
    old = getattr(seller, field)
    if old:
        storage, name = old.storage, old.name
        transaction.on_commit(lambda: storage.delete(name))
    setattr(seller, field, "")


@transaction.atomic
def set_shop_logo(*, seller_id: int, content: bytes) -> Seller:
    """The logo printed on the shop's packing slips, gift slips, invoices and credit notes.

    Guards: a real PNG or JPEG within the size and pixel bounds (`shop_images`), else 422 and
    nothing changes. Stores it re-encoded as PNG and replaces the one before.
    """
    png = shop_image_png(content, field="file")
    seller = _lock_seller(seller_id)
    _store_image(seller, "logo", png)
    seller.save(update_fields=["logo"])
    return seller


@transaction.atomic
def remove_shop_logo(*, seller_id: int) -> Seller:
    """The papers print without a logo from now on (removing none is not an error)."""
    seller = _lock_seller(seller_id)
    _forget_image(seller, "logo")
    seller.save(update_fields=["logo"])
    return seller


@transaction.atomic
def set_promotional_insert(
    *, seller_id: int, text: str, image: bytes | None = None, remove_image: bool = False
) -> Seller:
    """The page printed after each packing slip: the shop's text (several lines, at most
    2000 characters) and an optional picture, checked like the logo.

    `image` None keeps the picture there is, unless `remove_image`. Text and picture both empty
    turn the insert off (the default): no page is printed.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > INSERT_TEXT_LIMIT:
        raise ValidationFailed(
            "The insert is too long.", details={"text": [f"At most {INSERT_TEXT_LIMIT} characters."]}
        )
    # Several lines, each held to the single-line rule (no control or invisible characters).
    if problems := [p for line in text.split("\n") if (p := single_line_problem(line))]:
        raise ValidationFailed("The insert has characters it cannot print.", details={"text": problems[:1]})
    png = shop_image_png(image, field="image") if image is not None else None
    seller = _lock_seller(seller_id)
    seller.insert_text = text
    if png is not None:
        _store_image(seller, "insert_image", png)
    elif remove_image:
        _forget_image(seller, "insert_image")
    seller.save(update_fields=["insert_text", "insert_image"])
    return seller


@transaction.atomic
def remove_promotional_insert(*, seller_id: int) -> Seller:
    """No insert page from now on: text and picture removed."""
    seller = _lock_seller(seller_id)
    seller.insert_text = ""
    _forget_image(seller, "insert_image")
    seller.save(update_fields=["insert_text", "insert_image"])
    return seller


@transaction.atomic
def add_closure_day(*, seller_id: int, day, reason: str = "") -> ClosureDay:
    """A day the shop is closed: it stops counting as a business day for deadlines set from now on."""
    if len(reason or "") > 200:
        raise ValidationFailed("The reason is too long.", details={"reason": ["At most 200 characters."]})
    closure, created = ClosureDay.objects.get_or_create(seller_id=seller_id, day=day, defaults={"reason": reason or ""})
    if not created:
        raise StateConflict(f"{day:%d %b %Y} is already a closure day.", details={"day": str(day)})
    return closure


@transaction.atomic
def remove_closure_day(*, seller_id: int, closure_day_id: int) -> None:
    deleted, _ = ClosureDay.objects.filter(seller_id=seller_id, pk=closure_day_id).delete()
    if not deleted:
        raise NotFound("Closure day not found.")


def _lock_team(seller_id: int) -> list[Membership]:
    # The whole team is locked, in id order, so two owners demoting each other at once are
    # serialised and cannot leave the shop without an owner.
    return list(
        Membership.objects.select_for_update().filter(seller_id=seller_id).select_related("user").order_by("id")
    )


def _last_owner_guard(team: list[Membership], member: Membership) -> None:
    owners = [m for m in team if m.role == Membership.Role.OWNER]
    if member.role == Membership.Role.OWNER and len(owners) == 1:
        raise StateConflict(
            f"{member.user.email} is the shop's only owner. Make someone else an owner first.",
            details={"user_id": member.user_id},
        )


@dataclass(frozen=True)
class AddedToTeam:
    """What adding a person to a shop did."""

    user: User
    # True: a new person, in the team now; they set a password by the emailed link.
    # False: an existing account, only invited; they join when they accept (`invitation_token`).
    joined: bool
    invitation_token: str = ""  # shown once, in the email; only its hash is stored


@transaction.atomic
def add_member(*, seller: Seller, email: str, role: str, name: str = "", invited_by: User | None = None) -> AddedToTeam:
    """Add a person to a shop with a role. Someone already in the shop is refused: change their role.

    Someone new (no account, or an account that never set a password and belongs to no shop) is
    added now, without a password: the emailed link to set one is their way in. Anyone else — who
    signs in, or who already belongs to another shop even before setting a password, or who runs
    the marketplace — is only invited: being put in a shop without asking would let any owner pull
    people into theirs, so the Membership is made only when they accept (`accept_invitation`).
    """
    email = User.objects.normalize_email(email or "").strip().lower()
    if role not in Membership.Role.values:
        raise ValidationFailed(
            "Invalid role.", details={"role": [f"Must be one of {', '.join(Membership.Role.values)}."]}
        )
    team = _lock_team(seller.pk)
    if any(m.user.email == email for m in team):
        raise StateConflict(f"{email} is already in this shop; change their role instead.", details={"email": email})
    existing = User.objects.filter(email=email).first()
    if existing is not None and (existing.has_usable_password() or existing.is_staff or existing.memberships.exists()):
        token = secrets.token_urlsafe(32)
        # Inviting again replaces the unanswered invitation: its link stops working.
        Invitation.objects.filter(seller=seller, email=email, status=Invitation.Status.PENDING).delete()
        Invitation.objects.create(
            seller=seller,
            email=email,
            role=role,
            invited_by=invited_by,
            token_hash=hash_token(token),
            created_at=timezone.now(),
        )
        return AddedToTeam(user=existing, joined=False, invitation_token=token)
    return AddedToTeam(user=create_user(email=email, password=None, seller=seller, role=role, name=name), joined=True)


def _open_invitation(*, token: str, user: User, lock: bool = True) -> Invitation:
    """The invitation behind a link (its row locked, to answer it) if it is addressed to `user`;
    else NotFound."""
    invitations = Invitation.objects.select_related("seller", "invited_by")
    if lock:
        # Only the invitation's row: `invited_by` is an outer join, which cannot be locked.
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=hash_token(token or ""), seller__is_active=True).first()
    # Someone else's invitation is indistinguishable from none: the link proves nothing alone.
    if invitation is None or invitation.email != user.email:
        raise NotFound("This invitation does not exist, or is for another account.")
    return invitation


def _lock_invitation(*, token: str, user: User) -> tuple[list[Membership], Invitation]:
    """The team's rows, then the invitation's: the order `add_member` takes them in (it locks the
    team, then replaces a pending invitation), so an owner re-inviting while the person answers
    waits instead of deadlocking."""
    team = _lock_team(_open_invitation(token=token, user=user, lock=False).seller_id)
    return team, _open_invitation(token=token, user=user)


def _check_open(invitation: Invitation, now) -> None:
    if invitation.status != Invitation.Status.PENDING:
        raise StateConflict(f"This invitation was already {invitation.status}.", details={"status": invitation.status})
    if now - invitation.created_at > timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT):
        raise StateConflict(
            "This invitation has expired. Ask the shop's owner to invite you again.", details={"status": "expired"}
        )


def invitation_for(*, token: str, user: User) -> Invitation:
    """The invitation a signed-in person opened, if it is theirs (to show before they answer)."""
    return _open_invitation(token=token, user=user, lock=False)


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """The invited person joins the shop with the invited role; it becomes their current shop."""
    team, invitation = _lock_invitation(token=token, user=user)
    now = timezone.now()
    _check_open(invitation, now)
    # Only an owner may invite: an invitation from someone who is no longer an owner of the shop
    # (removed, demoted, or left) lapses with their say over the team.
    if not any(m.user_id == invitation.invited_by_id and m.role == Membership.Role.OWNER for m in team):
        raise StateConflict(
            "Whoever invited you is no longer an owner of this shop, so the invitation has lapsed. "
            "Ask an owner to invite you again.",
            details={"status": "lapsed"},
        )
    membership, _ = Membership.objects.get_or_create(
        user=user, seller=invitation.seller, defaults={"role": invitation.role, "last_used_at": now}
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.answered_at = now
    invitation.save(update_fields=["status", "answered_at"])
    return membership


@transaction.atomic
def decline_invitation(*, token: str, user: User) -> Invitation:
    _, invitation = _lock_invitation(token=token, user=user)
    now = timezone.now()
    _check_open(invitation, now)
    invitation.status = Invitation.Status.DECLINED
    invitation.answered_at = now
    invitation.save(update_fields=["status", "answered_at"])
    return invitation


@transaction.atomic
def withdraw_invitation(*, seller_id: int, invitation_id: int) -> Invitation:
    """An owner takes back an invitation nobody has answered: its link stops working at once."""
    _lock_team(seller_id)  # the order every change to the team takes its locks in
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, seller_id=seller_id, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        raise NotFound("No unanswered invitation of this shop has that id.")
    invitation.delete()
    return invitation


@transaction.atomic
def leave_shop(*, seller_id: int, user_id: int) -> None:
    """A member leaves a shop of their own accord (the last owner must hand over first)."""
    remove_member(seller_id=seller_id, user_id=user_id)


def remember_shop_choice(*, user_id: int, seller_id: int) -> None:
    """Note that the person chose this shop now, so their next sign-in lands there."""
    Membership.objects.filter(user_id=user_id, seller_id=seller_id).update(last_used_at=timezone.now())


@transaction.atomic
def change_member_role(*, seller_id: int, user_id: int, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationFailed(
            "Invalid role.", details={"role": [f"Must be one of {', '.join(Membership.Role.values)}."]}
        )
    team = _lock_team(seller_id)
    member = next((m for m in team if m.user_id == user_id), None)
    if member is None:
        raise NotFound("This person is not in the shop.")
    if role != Membership.Role.OWNER:
        _last_owner_guard(team, member)
    if member.role != role:
        member.role = role
        member.save(update_fields=["role"])
    return member


@transaction.atomic
def remove_member(*, seller_id: int, user_id: int) -> None:
    """Take a person out of a shop (their account stays: they may work for other shops)."""
    team = _lock_team(seller_id)
    member = next((m for m in team if m.user_id == user_id), None)
    if member is None:
        raise NotFound("This person is not in the shop.")
    _last_owner_guard(team, member)
    member.delete()
