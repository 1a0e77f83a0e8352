"""Dashboard forms: they parse and check the shape of input; the services decide the rest."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django_countries import countries

from shipdesk.accounts.models import Membership, User
from shipdesk.inventory.handling_notes import HANDLING_NOTES
from shipdesk.inventory.models import MAX_ON_HAND
from shipdesk.invoices.terms import ISSUING
from shipdesk.orders.models import OrderStatus
from shipdesk.orders.placed_at_window import EARLIEST as PLACED_AT_EARLIEST
from shipdesk.orders.selectors import OrderFilters
from shipdesk.orders.terms import CANCEL_REASONS as CANCEL_REASON_TERMS
from shipdesk.orders.terms import PERSON_CANCEL_REASONS
from shipdesk.returns.policy import MAX_WINDOW_DAYS, MIN_WINDOW_DAYS
from shipdesk.returns.terms import SHIPPING_POLICIES
from shipdesk.shipping import carriers as carrier_registry
from shipdesk.single_line import NotSingleLine, check_single_line

from .display import PAYMENT_LABELS, STATUS_LABELS

FIELD_TEMPLATE = "dashboard/forms/field.html"


def validate_single_line(value: str) -> None:
    """shipdesk.single_line as a form validator: a field error, never a stored control character."""
    try:
        check_single_line(value)
    except NotSingleLine as exc:
        raise forms.ValidationError(str(exc), code="single_line") from None


def _is_single_line(field: forms.Field) -> bool:
    # Text areas hold several lines on purpose; passwords are never shown, sent or stored as text.
    return isinstance(field, forms.CharField) and not isinstance(field.widget, (forms.Textarea, forms.PasswordInput))


class Styled:
    """Every dashboard form: each field one block (label, input, help, errors), labels without a
    colon, and every one-line text field held to the single-line rule (so no form can forget it).

    `id_format` names the fields' HTML ids. Forms that share a page need formats of their own: two
    fields with one id make a label name (and focus) the wrong field.
    """

    id_format = "id_%s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", self.id_format)
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = field.template_name or FIELD_TEMPLATE
            if _is_single_line(field) and validate_single_line not in field.validators:
                field.validators.append(validate_single_line)


class Lenient:
    """A filter form: a bad value (a mistyped date, a stale link) drops that filter, not the page."""

    def value(self, name: str, default=None):
        """A cleaned value, or `default` for a field that is missing or did not validate."""
        if self.is_bound:
            self.is_valid()  # keeps the fields that passed in cleaned_data, even when others failed
        return getattr(self, "cleaned_data", {}).get(name) or default


# --- sign-in and password reset -------------------------------------------------------------


class SignInForm(Styled, AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password don't match an account. Check them, or reset your password.",
    }

    def clean_username(self) -> str:
        # Accounts are stored lower-case; "Ada@Shop.test" is the same person.
        return self.cleaned_data["username"].strip().lower()


class ShopPasswordResetForm(Styled, PasswordResetForm):
    """Django's reset form, also for people invited to a shop who have not set a password yet.

    Django skips accounts without a usable password (they may sign in elsewhere); here such an
    account is exactly an invitation not yet taken up, and the reset link is how it is taken up.
    """

    def get_users(self, email):
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def save(self, *, extra_email_context=None, **kwargs):
        # The link names SHIPDESK_BASE_URL, as every other email's links do, not the Host header of
        # the request that asked for it (which a stranger controls).
        context = {"base_url": settings.SHIPDESK_BASE_URL, **(extra_email_context or {})}
        return super().save(extra_email_context=context, **kwargs)


class NewPasswordForm(Styled, SetPasswordForm):
    pass


# --- orders ---------------------------------------------------------------------------------

TABS = [
    ("needs_action", "Needs action"),
    ("all", "All"),
    *STATUS_LABELS.items(),
]
TAB_CODES = {code for code, _ in TABS}


FILTER_DATE_BOUNDS = [
    MinValueValidator(PLACED_AT_EARLIEST.date(), message="No order is placed before %(limit_value)s."),
    MaxValueValidator(date(2999, 12, 31), message="Choose a date before %(limit_value)s."),
]


class OrderFilterForm(Lenient, Styled, forms.Form):
    tab = forms.ChoiceField(choices=TABS, required=False)
    q = forms.CharField(
        label="Search",
        max_length=200,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": "Order number, customer, email, SKU or tracking number"}),
    )
    payment = forms.ChoiceField(label="Payment", required=False, choices=[("", "Any payment"), *PAYMENT_LABELS.items()])
    overdue = forms.ChoiceField(
        label="Deadline", required=False, choices=[("", "Any deadline"), ("yes", "Overdue"), ("no", "Not overdue")]
    )
    # Bounded like an order's placed_at (orders.placed_at_window) plus room for "until whenever":
    # the day after 9999-12-31 does not exist, so an unbounded end date was a 500.
    placed_from = forms.DateField(
        label="Placed from",
        required=False,
        validators=FILTER_DATE_BOUNDS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    placed_to = forms.DateField(
        label="Placed to", required=False, validators=FILTER_DATE_BOUNDS, widget=forms.DateInput(attrs={"type": "date"})
    )
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("placed_from") and data.get("placed_to") and data["placed_from"] > data["placed_to"]:
            self.add_error("placed_to", "The end date is before the start date.")
        return data

    @property
    def tab_code(self) -> str:
        return self.value("tab") or "needs_action"

    def filters(self) -> OrderFilters:
        """The selector's filters; dates are whole days in the shop's timezone (the active one)."""
        tab = self.tab_code
        start, end = self.value("placed_from"), self.value("placed_to")
        overdue = {"yes": True, "no": False}.get(self.value("overdue") or "")
        return OrderFilters(
            status=tab if tab in OrderStatus.values else None,
            payment_status=self.value("payment") or None,
            q=self.value("q") or None,
            overdue=overdue,
            placed_after=_day_start(start) if start else None,
            placed_before=_day_start(end + timedelta(days=1)) if end else None,
        )

    def has_filters(self) -> bool:
        return any(self.value(name) for name in ("q", "payment", "overdue", "placed_from", "placed_to"))


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def ship_carriers(country: str = "") -> list:
    """The carriers a seller can pick: the registry (the seller's national post first), plus the
    sandbox carrier where it is on."""
    available = carrier_registry.carriers_for(country)
    sandbox = getattr(carrier_registry, "SANDBOX", None)
    if sandbox is not None and getattr(settings, "SHIPDESK_SANDBOX_CARRIER", False):
        available.append(sandbox)
    return available


class ShipForm(Styled, forms.Form):
    carrier = forms.ChoiceField(label="Carrier")
    service_level = forms.CharField(label="Service", max_length=64, widget=forms.Select)
    tracking_number = forms.CharField(
        label="Tracking number",
        max_length=256,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    # Offered only after a ship was refused because the pack check is missing units.
    confirm_incomplete_pack = forms.BooleanField(label="Ship anyway, with the missing units", required=False)

    def __init__(self, *args, country: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.pack_incomplete = False
        self.carriers = ship_carriers(country)
        self.fields["carrier"].choices = [("", "Choose a carrier")] + [(c.code, c.name) for c in self.carriers]

    def offered_incomplete_pack(self) -> bool:
        """Whether the "ship anyway" box was on the form that was posted (or was ticked)."""
        return self.is_bound and (
            self.data.get("incomplete_pack_offered") == "1" or self.data.get("confirm_incomplete_pack") == "on"
        )

    def selected_carrier(self):
        code = self.data.get("carrier") if self.is_bound else self.initial.get("carrier")
        return next((c for c in self.carriers if c.code == code), None)


CANCEL_REASONS = [(reason, CANCEL_REASON_TERMS.label(reason)) for reason in PERSON_CANCEL_REASONS]


class CancelForm(Styled, forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=CANCEL_REASONS)
    note = forms.CharField(
        label="Note (optional, kept on the timeline)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Set by the confirmation page's button: the seller has seen the amount to be refunded.
    confirm_refund = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CancelLineForm(CancelForm):
    quantity = forms.IntegerField(label="Units to cancel", min_value=1)

    field_order = ["quantity", "reason", "note"]

    def __init__(self, *args, line=None, **kwargs):
        super().__init__(*args, **kwargs)
        if line is not None:
            quantity = self.fields["quantity"]
            quantity.max_value = line.open_quantity
            quantity.validators.append(MaxValueValidator(line.open_quantity))
            quantity.widget.attrs.update(max=line.open_quantity)
            self.fields["quantity"].initial = 1
        # Several of these forms sit on one page, one per line: ids must not repeat.
        self.auto_id = f"id_line{line.pk}_%s" if line is not None else "id_%s"


class SubstituteForm(Styled, forms.Form):
    sku = forms.CharField(
        label="Substitute SKU",
        max_length=64,
        help_text="Sent at this line's price; reserved when the customer accepts.",
    )
    note = forms.CharField(
        label="Message to the customer (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, line=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_sub{line.pk}_%s" if line is not None else "id_%s"


class AddressForm(Styled, forms.Form):
    """The corrected shipping address (checked again by the service with the country's rules)."""

    id_format = "id_address_%s"

    name = forms.CharField(label="Name", max_length=200)
    line1 = forms.CharField(label="Address line 1", max_length=200)
    line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100)
    region = forms.CharField(label="Region / state", max_length=100, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=20, required=False)
    country = forms.CharField(label="Country (ISO code)", max_length=2)
    customer_request = forms.BooleanField(label="The customer asked for this correction", required=False)


class NoteForm(Styled, forms.Form):
    text = forms.CharField(
        label="Internal note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Only your team sees this."}),
    )


class BulkForm(Styled, forms.Form):
    action = forms.ChoiceField(choices=[("confirm", "Confirm"), ("process", "Process")])
    order_ids = forms.TypedMultipleChoiceField(coerce=int, required=True)

    MAX_ORDERS = 200

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_ids"].error_messages["required"] = "Select at least one order."

    def clean_order_ids(self):
        ids = self.cleaned_data["order_ids"]
        if len(ids) > self.MAX_ORDERS:
            raise forms.ValidationError(f"At most {self.MAX_ORDERS} orders at a time.")
        return list(dict.fromkeys(ids))

    def full_clean(self):
        # Any integer id is acceptable input; the service decides whether it is this shop's order.
        if self.is_bound:
            self.fields["order_ids"].choices = [
                (v, v) for v in self.data.getlist("order_ids") if v.isascii() and v.isdigit() and len(v) < 19
            ]
        super().full_clean()


# --- inventory ------------------------------------------------------------------------------


class InventoryFilterForm(Lenient, Styled, forms.Form):
    q = forms.CharField(label="Search products", max_length=200, required=False)
    low = forms.BooleanField(label="Low stock only", required=False)
    cursor = forms.CharField(required=False, max_length=500)


class StockChangeForm(Styled, forms.Form):
    sku = forms.CharField(max_length=64, widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label="Change",
        choices=[
            ("add", "Add units (received)"),
            ("remove", "Remove units (damaged, lost)"),
            ("set", "Set the counted total"),
        ],
        initial="add",
    )
    quantity = forms.IntegerField(label="Units", min_value=0, max_value=1_000_000)
    reason = forms.CharField(
        label="Reason", max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. delivery from supplier"})
    )

    def clean(self):
        data = super().clean()
        if data.get("mode") in ("add", "remove") and data.get("quantity") == 0:
            self.add_error("quantity", "Add or remove at least 1 unit.")
        return data

    def stock_change(self) -> dict:
        """The service's arguments: a delta or a counted total."""
        mode, quantity = self.cleaned_data["mode"], self.cleaned_data["quantity"]
        if mode == "set":
            return {"on_hand": quantity}
        return {"delta": quantity if mode == "add" else -quantity}


class ProductForm(Styled, forms.Form):
    sku = forms.CharField(label="SKU", max_length=64)
    title = forms.CharField(label="Title", max_length=300)
    price = forms.DecimalField(label="Price", min_value=0, max_digits=14, decimal_places=4)
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        initial="USD",
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    barcode = forms.CharField(label="Barcode (optional)", max_length=64, required=False)
    on_hand = forms.IntegerField(label="Units on hand", min_value=0, max_value=MAX_ON_HAND, initial=0)
    low_stock_threshold = forms.IntegerField(
        label="Low-stock warning at", min_value=0, max_value=MAX_ON_HAND, initial=5
    )
    handling_notes = forms.MultipleChoiceField(
        label="Handling notes",
        choices=[(note.value, note.label) for note in HANDLING_NOTES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Printed beside the item on the pick list and the packing slip.",
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class StockImportForm(Styled, forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="Columns sku and on_hand; add title, price and currency to create new products."
    )
    reason = forms.CharField(
        label="Reason", max_length=200, initial="Stocktake", help_text="Recorded on every stock change."
    )


# --- settings -------------------------------------------------------------------------------


class ShopLogoForm(Styled, forms.Form):
    # Checked by the service (accounts.shop_images): a real PNG or JPEG, 1 MB, 4000 × 4000 pixels.
    file = forms.FileField(
        label="Logo (PNG or JPEG)",
        help_text="At most 1 MB. Printed on packing slips, gift slips, invoices and credit notes.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class PromotionalInsertForm(Styled, forms.Form):
    text = forms.CharField(
        label="Insert text",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "A page printed after each packing slip: a discount code, a thank-you, news. "
            "Empty text and no picture: no insert."
        ),
    )
    image = forms.FileField(
        label="Picture (optional, PNG or JPEG)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_image = forms.BooleanField(label="Remove the picture", required=False)


def _timezone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
        if "/" in name or name == "UTC"
    ]


class ShopProfileForm(Styled, forms.Form):
    id_format = "profile_%s"  # on the Settings page with the other settings forms

    name = forms.CharField(label="Shop name", max_length=200)
    email = forms.EmailField(label="Email for order alerts", max_length=254)
    country = forms.ChoiceField(label="Country", help_text="Its public holidays and weekend are not business days.")
    timezone_name = forms.ChoiceField(label="Timezone", help_text="Deadlines and times are shown in it.")
    thank_you_note = forms.CharField(
        label="Thank-you note",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed on packing slips.",
    )
    preparing_email = forms.BooleanField(
        label="Email customers when their order is being prepared",
        required=False,
        help_text="Sent when you start processing an order.",
    )
    confirm_hours = forms.IntegerField(label="Confirm within (hours)", required=False, min_value=1)
    process_business_days = forms.IntegerField(
        label="Start processing within (business days)", required=False, min_value=1
    )
    ship_business_days = forms.IntegerField(label="Ship within (business days)", required=False, min_value=1)

    HANDLING = ("confirm_hours", "process_business_days", "ship_business_days")

    def __init__(self, *args, limits: dict[str, int], defaults: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = list(countries)
        self.fields["timezone_name"].choices = _timezone_choices()
        for name in self.HANDLING:
            field = self.fields[name]
            field.max_value = limits[name]
            field.validators.append(MaxValueValidator(limits[name]))
            field.widget.attrs.update(min=1, max=limits[name], placeholder=str(defaults[name]))
            field.help_text = f"Empty: the marketplace's {defaults[name]}. At most {limits[name]}."


class ShopAddressForm(Styled, forms.Form):
    """A ship-from or return address; the service checks it by the country's rules."""

    name = forms.CharField(
        label="Name", max_length=200, help_text="A person or department; the shop's name prints above."
    )
    line1 = forms.CharField(label="Street address", max_length=200)
    line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100)
    region = forms.CharField(label="State / region", max_length=100, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=20, required=False)
    country = forms.ChoiceField(label="Country")
    phone = forms.CharField(
        label="Phone", max_length=32, required=False, help_text="Carriers ask for one on many services."
    )

    def __init__(self, *args, kind: str, **kwargs):
        self.id_format = f"{kind}_%s"  # two of these forms share the Settings page
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = list(countries)


class LabelServiceForm(Styled, forms.Form):
    id_format = "label_service_%s"

    service = forms.ChoiceField(
        label="Service for label batches",
        required=False,
        help_text="Each order of a batch is bought with it; empty: the cheapest rate of each parcel.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        listed = [*carrier_registry.CARRIERS.values()]
        if settings.SHIPDESK_SANDBOX_CARRIER:
            listed.append(carrier_registry.SANDBOX)
        self.fields["service"].choices = [("", "Cheapest rate")] + [
            (f"{carrier.code}:{service.code}", service.name)
            for carrier in listed
            if carrier.tracked
            for service in carrier.services
        ]


class InvoiceSettingsForm(Styled, forms.Form):
    """The shop's tax id and whether it issues invoices; the tax id's rule is the service's
    (invoices.services.set_invoice_settings), whose refusals land on these fields."""

    id_format = "invoice_%s"

    tax_id = forms.CharField(
        label="Tax id (VAT, GST…)",
        required=False,
        help_text="Printed on every invoice issued from now on: 2 to 40 letters, digits, spaces, dots or dashes.",
    )
    issuing = forms.ChoiceField(label="Issue tax invoices", choices=[(t.value, t.label) for t in ISSUING])
    issue_on_shipping = forms.BooleanField(
        label="Issue the invoice when the order ships",
        required=False,
        help_text="In the same step as shipping, when invoices are offered; needs the tax id.",
    )


class ClosureDayForm(Styled, forms.Form):
    id_format = "closure_%s"  # on the Settings page with the other settings forms

    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason (optional)", max_length=200, required=False)


class TokenForm(Styled, forms.Form):
    id_format = "token_%s"  # on the Settings page with the other settings forms

    name = forms.CharField(
        label="Token name", max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. Warehouse scanner"})
    )


class MemberForm(Styled, forms.Form):
    id_format = "member_%s"  # on the Settings page with the other settings forms

    email = forms.EmailField(label="Email", max_length=254)
    role = forms.ChoiceField(
        label="Role",
        choices=[("staff", "Staff — works orders"), ("owner", "Owner — also settings, tokens and team")],
        initial="staff",
    )


class RoleForm(Styled, forms.Form):
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices)


class ReturnPolicyForm(Styled, forms.Form):
    """The shop's return policy; empty fields are the platform defaults. The bounds are the
    service's (returns.services.set_return_policy); its refusals land on these fields."""

    id_format = "return_policy_%s"

    window_days = forms.IntegerField(
        label="Return window (days after delivery)",
        required=False,
        min_value=MIN_WINDOW_DAYS,
        max_value=MAX_WINDOW_DAYS,
        help_text=f"From {MIN_WINDOW_DAYS} to {MAX_WINDOW_DAYS} days; empty: the platform default.",
    )
    shipping_policy = forms.ChoiceField(
        label="Who pays return shipping",
        required=False,
        choices=[("", "Platform default")] + [(t.value, t.label) for t in SHIPPING_POLICIES],
    )
    return_address = forms.CharField(
        label="Return address",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="As the customer writes it on the parcel; the approval email gives it.",
    )
    instructions = forms.CharField(
        label="Return instructions",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What an approval tells the customer unless you write something else.",
    )
