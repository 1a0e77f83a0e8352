"""Orders, their lines, their timeline and their cancellations.

These models hold data and the constraints the database can keep; every change of state goes
through `orders.services`, which checks the rules of `orders.workflow`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from . import terms

# The choices are the vocabulary of `orders.terms` (value, label; the meaning is described there).
OrderStatus = models.TextChoices("OrderStatus", terms.ORDER_STATUSES.choices_by_name())
PaymentStatus = models.TextChoices("PaymentStatus", terms.PAYMENT_STATES.choices_by_name())
LineStock = models.TextChoices("LineStock", terms.LINE_STOCK_STATES.choices_by_name())
CancelReason = models.TextChoices("CancelReason", terms.CANCEL_REASONS.choices_by_name())
RefundSource = models.TextChoices("RefundSource", terms.REFUND_SOURCES.choices_by_name())
RefundReason = models.TextChoices("RefundReason", terms.REFUND_REASONS.choices_by_name())


class Order(models.Model):
    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="orders")
    number = models.PositiveIntegerField()  # per seller, human ("#1042")
    channel = models.CharField(max_length=32)
    external_id = models.CharField(max_length=128)
    # The Idempotency-Key of the request that placed it, and a hash of that request's body, so
    # a retry returns this order and a different body under the same key is refused. NULL, not "",
    # for an order placed without a key: the unique constraint below holds only among keys.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64)

    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    payment_status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID)
    payment_reference = models.CharField(max_length=200, blank=True, default="")

    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(max_length=254)
    customer_phone = models.CharField(max_length=32, blank=True, default="")
    ship_name = models.CharField(max_length=200)
    ship_line1 = models.CharField(max_length=200)
    ship_line2 = models.CharField(max_length=200, blank=True, default="")
    ship_city = models.CharField(max_length=100)
    ship_region = models.CharField(max_length=100, blank=True, default="")
    ship_postal_code = models.CharField(max_length=20)
    ship_country = models.CharField(max_length=2)
    note = models.TextField(blank=True, default="")
    # A gift: the packing slip says so and prints the message, and the gift slip (no prices)
    # goes in the box. The message is one line, as the storefront's gift field takes it.
    is_gift = models.BooleanField(default=False)
    gift_message = models.CharField(max_length=300, blank=True, default="")

    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=18, decimal_places=4)
    shipping_fee = models.DecimalField(max_digits=18, decimal_places=4)
    # Tax the marketplace collects on the shipping fee; the lines' tax is on each line.
    # tax_total = sum of the lines' tax + shipping_tax. Tax is passed through to the tax
    # authority, never part of the seller's earnings.
    shipping_tax = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    tax_total = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    total = models.DecimalField(max_digits=18, decimal_places=4)
    refunded_total = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    # The tax part of refunded_total: refunds return the tax of what they refund (see
    # orders.refunds), and the seller's earnings reverse only the rest.
    refunded_tax = models.DecimalField(max_digits=18, decimal_places=4, default=0)

    placed_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    processing_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    confirm_by = models.DateTimeField(null=True, blank=True)  # null while unpaid: the clock starts at payment
    process_by = models.DateTimeField(null=True, blank=True)
    ship_by = models.DateTimeField(null=True, blank=True)
    deliver_by = models.DateTimeField(null=True, blank=True)  # the ETA
    # The deadline of the step the seller must take next, null when none is due. It is the
    # stage's own deadline copied here so "needs action" and the sweeps read one index.
    action_due_at = models.DateTimeField(null=True, blank=True)

    confirmed_late = models.BooleanField(default=False)
    processed_late = models.BooleanField(default=False)
    shipped_late = models.BooleanField(default=False)
    delivered_late = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "number"], name="order_number_unique_per_seller"),
            models.UniqueConstraint(fields=["seller", "channel", "external_id"], name="order_external_id_unique"),
            models.UniqueConstraint(
                fields=["seller", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                condition=Q(payment_status__in=PaymentStatus.values), name="order_payment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    subtotal__gte=0, shipping_fee__gte=0, shipping_tax__gte=0, tax_total__gte=F("shipping_tax")
                ),
                name="order_money_not_negative",
            ),
            # Within half a unit of the 4th decimal, not "=": SQLite stores decimals as binary
            # floats, where 25.00 + 4.99 need not equal 29.99 exactly.
            models.CheckConstraint(
                condition=Q(total__gte=F("subtotal") + F("shipping_fee") + F("tax_total") - Decimal("0.00005"))
                & Q(total__lte=F("subtotal") + F("shipping_fee") + F("tax_total") + Decimal("0.00005")),
                name="order_total_is_sum",
            ),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0, refunded_total__lte=F("total")), name="order_refund_within_total"
            ),
            models.CheckConstraint(
                condition=Q(refunded_tax__gte=0, refunded_tax__lte=F("tax_total"))
                & Q(refunded_tax__lte=F("refunded_total")),
                name="order_refunded_tax_within_tax",
            ),
            # Nothing ships unpaid: a shipped or delivered order was paid (and maybe refunded after).
            models.CheckConstraint(
                condition=~Q(status__in=list(terms.DISPATCHED_STATUSES))
                | Q(payment_status__in=list(terms.CAPTURED_STATES)),
                name="order_shipped_only_when_paid",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="order_cancelled_at_iff_cancelled",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=list(terms.DISPATCHED_STATUSES)) | Q(shipped_at__isnull=False),
                name="order_shipped_has_shipped_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="order_delivered_has_delivered_at",
            ),
        ]
        indexes = [
            # Keyset pagination of the list, newest first, per seller and per status.
            models.Index(fields=["seller", "-placed_at", "-id"], name="order_seller_placed"),
            models.Index(fields=["seller", "status", "-placed_at", "-id"], name="order_seller_status_placed"),
            # "Needs action": open orders by nearest deadline.
            models.Index(
                fields=["seller", "action_due_at", "id"],
                condition=Q(action_due_at__isnull=False),
                name="order_seller_due",
            ),
            # Sweeps across sellers: deadlines, unpaid auto-cancel, review requests.
            models.Index(fields=["action_due_at"], condition=Q(action_due_at__isnull=False), name="order_due_all"),
            models.Index(
                fields=["placed_at"],
                condition=Q(status=terms.PENDING, payment_status__in=list(terms.NOT_PAID_STATES)),
                name="order_unpaid_pending",
            ),
            models.Index(fields=["delivered_at"], condition=Q(status="delivered"), name="order_delivered"),
            # Payment webhooks find the order by the provider's payment id, across sellers.
            models.Index(
                fields=["payment_reference"], condition=~Q(payment_reference=""), name="order_payment_reference"
            ),
            models.Index(fields=["seller", "customer_email"], name="order_seller_customer_email"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class OrderLine(models.Model):
    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="order_lines")
    sku = models.CharField(max_length=64)  # as ordered; the product may be renamed later
    title = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    quantity_cancelled = models.PositiveIntegerField(default=0)
    # Units refunded after shipment (`ShippedRefund`): they shipped, so they stay in `quantity`
    # and out of `quantity_cancelled`; never more than the units that shipped.
    quantity_refunded = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    # The tax on the whole line (all `quantity` units), as the storefront charged it. Cancelling
    # units refunds their share, rounded so that cancelling every unit refunds exactly this.
    tax = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    stock = models.CharField(max_length=16, choices=LineStock.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_cancelled__gte=0, quantity_cancelled__lte=F("quantity")),
                name="line_cancelled_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_refunded__lte=F("quantity") - F("quantity_cancelled")),
                name="line_refunded_within_shipped",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0, tax__gte=0), name="line_unit_price_not_negative"),
            models.CheckConstraint(condition=Q(stock__in=LineStock.values), name="line_stock_valid"),
            # A released line is wholly cancelled, and a wholly cancelled line holds nothing.
            models.CheckConstraint(
                condition=Q(stock="released", quantity_cancelled=F("quantity"))
                | (~Q(stock="released") & Q(quantity_cancelled__lt=F("quantity"))),
                name="line_released_iff_fully_cancelled",
            ),
        ]
        indexes = [
            # Short lines waiting for stock, oldest first (re-reserved when stock arrives).
            models.Index(fields=["product", "id"], condition=Q(stock="short"), name="line_short_by_product"),
            models.Index(fields=["seller", "sku"], name="line_seller_sku"),
        ]

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.quantity_cancelled


class OrderEvent(models.Model):
    """One fact in an order's timeline, in the past tense. Never updated."""

    Type = models.TextChoices("Type", terms.EVENT_TYPES.choices_by_name())

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=Type.choices)
    actor_kind = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["order", "id"], name="event_order_timeline")]


class Cancellation(models.Model):
    """A cancellation of a whole order (line is null) or of part of one line."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="cancellations")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, null=True, blank=True, related_name="cancellations")
    quantity = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=32, choices=CancelReason.choices)
    note = models.TextField(blank=True, default="")
    actor_kind = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=200)
    # refund_amount = refund_items + refund_shipping + refund_tax: what the customer gets back
    # for the units, for the shipping fee (a whole-order cancel only) and the tax on both.
    refund_amount = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    refund_items = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    refund_shipping = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    refund_tax = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=CancelReason.values), name="cancellation_reason_valid"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(line__isnull=True), name="cancellation_one_per_order"
            ),
            models.CheckConstraint(
                condition=Q(line__isnull=True, quantity__isnull=True) | Q(line__isnull=False, quantity__gte=1),
                name="cancellation_line_has_quantity",
            ),
        ]
        indexes = [models.Index(fields=["seller", "order"], name="cancellation_seller_order")]


class ShippedRefund(models.Model):
    """Money given back on an order after it shipped: units with their exact tax, the shipping
    once, or an amount (goodwill). Written by `orders.services.refund_shipped_order` only.

    amount = items + shipping + tax. The provider pays it through `payment_refund` (a
    `payments.Refund`, settled by the worker) as a cancellation's refund is paid.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipped_refunds")
    source = models.CharField(max_length=16, choices=RefundSource.choices)
    reason = models.CharField(max_length=32, choices=RefundReason.choices)
    note = models.TextField(blank=True, default="")
    actor_kind = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    items = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    shipping = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    tax = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    # An amount named by the caller instead of units (goodwill): its tax is in proportion.
    goodwill = models.BooleanField(default=False)
    # This refund gave back the order's shipping (fee and tax): at most one per order does.
    with_shipping = models.BooleanField(default=False)
    payment_refund = models.OneToOneField(
        "payments.Refund", on_delete=models.PROTECT, null=True, blank=True, related_name="shipped_refund"
    )
    # The caller's key: the same key again is this refund, not a second one. NULL without a key,
    # so the unique constraint holds among keys only.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(source__in=RefundSource.values), name="shipped_refund_source_valid"),
            models.CheckConstraint(condition=Q(reason__in=RefundReason.values), name="shipped_refund_reason_valid"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, items__gte=0, shipping__gte=0, tax__gte=0), name="shipped_refund_positive"
            ),
            models.UniqueConstraint(
                fields=["seller", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="shipped_refund_idempotency_key_unique",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(with_shipping=True), name="shipped_refund_shipping_once"
            ),
        ]
        indexes = [models.Index(fields=["seller", "order"], name="shipped_refund_seller_order")]


class ShippedRefundLine(models.Model):
    """The units of one line a `ShippedRefund` gave back, and their share of the line's tax."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(ShippedRefund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipped_refund_lines")
    quantity = models.PositiveIntegerField()
    items = models.DecimalField(max_digits=18, decimal_places=4)
    tax = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipped_refund_line_quantity_positive"),
            models.UniqueConstraint(fields=["refund", "line"], name="shipped_refund_line_once"),
        ]


class SubstituteOffer(models.Model):
    """A seller's offer to send another SKU in place of a short line, at the line's price.

    The customer accepts or declines through a signed link (`/s/<token>/`): accepting swaps the
    line to the substitute and reserves it, declining cancels the line and refunds it. At most one
    offer per line is open at a time; a new offer for the line withdraws the open one.
    """

    class Status(models.TextChoices):
        OFFERED = "offered"
        ACCEPTED = "accepted"
        DECLINED = "declined"
        WITHDRAWN = "withdrawn"  # replaced by a newer offer, or the line no longer needed one

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="substitute_offers")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="substitute_offers")
    original_sku = models.CharField(max_length=64)
    substitute = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    substitute_sku = models.CharField(max_length=64)
    substitute_title = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True, default="")  # the seller's words to the customer
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFERED)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(status="offered"), name="substitute_offer_one_open_per_line"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["offered", "accepted", "declined", "withdrawn"]),
                name="substitute_offer_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="offered", decided_at__isnull=True)
                | (~Q(status="offered") & Q(decided_at__isnull=False)),
                name="substitute_offer_decided_iff_closed",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="substitute_offer_quantity_positive"),
        ]
        indexes = [models.Index(fields=["seller", "order"], name="substitute_offer_seller_order")]
