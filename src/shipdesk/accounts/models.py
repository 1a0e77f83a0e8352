"""Sellers (shops), the people who work for them, and API tokens."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_countries import countries
from django_countries.fields import CountryField


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA timezone.")


def shop_paper_image_path(instance: Seller, filename: str) -> str:
    # Per shop, under the random name the service gives (never the uploader's file name).
    return f"shops/{instance.pk}/papers/{filename}"


class Seller(models.Model):
    """A shop on the marketplace. Every seller-owned row points here."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    country = CountryField()
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    # The last per-seller human order number handed out; incremented under the row lock at place.
    last_order_number = models.PositiveIntegerField(default=1000)
    thank_you_note = models.TextField(blank=True, default="")
    # The shop's papers (docs/papers.md): its logo on slips, gift slips, invoices and credit
    # notes, and the promotional insert printed as its own page after each packing slip (off
    # while both its text and image are empty). Images are stored re-encoded as PNG
    # (`accounts.shop_images`), through Django's storage API.
    logo = models.FileField(upload_to=shop_paper_image_path, max_length=300, blank=True, default="")
    insert_text = models.TextField(blank=True, default="")
    insert_image = models.FileField(upload_to=shop_paper_image_path, max_length=300, blank=True, default="")
    # Whether the customer is told "your order is being prepared" when processing starts.
    preparing_email = models.BooleanField(default=True)
    # The service a batch of labels is bought with (`shipping.carriers` codes); blank: the cheapest rate.
    label_carrier = models.CharField(max_length=32, blank=True, default="")
    label_service_level = models.CharField(max_length=64, blank=True, default="")

    # Policy overrides; null means "the platform default" (settings.SHIPDESK_POLICY).
    confirm_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    process_business_days = models.PositiveSmallIntegerField(null=True, blank=True)
    ship_business_days = models.PositiveSmallIntegerField(null=True, blank=True)
    unpaid_cancel_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    unconfirmed_cancel_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    hold_days = models.PositiveSmallIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__isnull=True) | Q(commission_rate__gte=0, commission_rate__lte=1),
                name="seller_commission_rate_is_a_fraction",
            ),
            models.CheckConstraint(
                condition=Q(confirm_hours__isnull=True) | Q(confirm_hours__gte=1), name="seller_confirm_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class ShopAddress(models.Model):
    """Where a shop's parcels leave from, and where they come back to; validated by the country's rules.

    One row per (shop, kind). Labels print the ship-from address as the sender; a missing return
    address means parcels come back to the ship-from address.
    """

    class Kind(models.TextChoices):
        SHIP_FROM = "ship_from", "Ship-from address"  # the sender on labels; where carriers collect
        RETURN = "return", "Return address"  # where returns and undeliverable parcels go

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200)  # the person or department; the shop's name is printed above it
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = CountryField()
    phone = models.CharField(max_length=32, blank=True, default="")  # carriers ask for one on many services
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "kind"], name="shop_address_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=["ship_from", "return"]), name="shop_address_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.seller_id}"

    def lines(self) -> tuple[str, ...]:
        """The address as printed, name first, empty parts left out."""
        place = " ".join(x for x in (self.city, self.region, self.postal_code) if x)
        return tuple(
            x
            for x in (self.name, self.line1, self.line2, place, countries.name(self.country) or str(self.country))
            if x
        )


class ClosureDay(models.Model):
    """A day the shop is closed (holiday, stocktake): it does not count as a business day."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="closure_days")
    day = models.DateField()
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "day"], name="closure_day_unique_per_seller")]
        ordering = ["day"]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address; `is_staff` means a marketplace operator."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.email


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"  # works orders and changes settings, tokens and team
        STAFF = "staff"  # works orders

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the person last chose this shop (switcher, accepted invitation): after sign-in they
    # land in the shop they last used, never in one just because of its name.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "user"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=["owner", "staff"]), name="membership_role_valid"),
        ]


class Invitation(models.Model):
    """An owner asking someone who already has an account to join their shop.

    Nothing changes for that person until they open the emailed link, signed in as themselves,
    and accept: only then is the Membership made. Only the SHA-256 of the link's token is kept.
    """

    class Status(models.TextChoices):
        PENDING = "pending"  # sent, not answered yet
        ACCEPTED = "accepted"  # the person joined the shop
        DECLINED = "declined"  # the person said no

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open invitation per shop and person: inviting again replaces it.
            models.UniqueConstraint(
                fields=["seller", "email"], condition=Q(status="pending"), name="invitation_one_pending"
            ),
            models.CheckConstraint(condition=Q(role__in=["owner", "staff"]), name="invitation_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined"]), name="invitation_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.seller_id} ({self.status})"


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once at creation."""

    class Kind(models.TextChoices):
        SELLER = "seller"  # acts for one seller
        PLATFORM = "platform"  # the operator and integrations; acts for any seller

    kind = models.CharField(max_length=16, choices=Kind.choices)
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens")
    name = models.CharField(max_length=200)
    # The first characters of the token, kept to let people tell their tokens apart.
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["seller", "platform"]), name="api_token_kind_valid"),
            # A seller token names its seller; a platform token names none.
            models.CheckConstraint(
                condition=Q(kind="seller", seller__isnull=False) | Q(kind="platform", seller__isnull=True),
                name="api_token_seller_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
