"""The outbox of messages, the seller's dashboard alerts, and the development mailbox."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """An outbox row: a message owed to a customer or a seller because of a committed change.

    Written in the same transaction as the change, with the message's facts (`facts`, see
    `notifications.facts`), so a message is never lost nor invented and says what was true when it
    was queued; unique per (order, kind, stage), so a kind is never queued twice for the same
    stage. The worker renders it from the facts and sends it: it records the attempt — and the
    rendered message — before the SMTP call (SENDING with the claim's id and `handed_over_at`) and
    the outcome after (SENT, or back to QUEUED with a later `next_attempt_at`, or FAILED), so a
    worker that dies in between leaves a row that says so.
    """

    class Kind(models.TextChoices):
        CUSTOMER_CONFIRMED = "customer_confirmed", "Customer: order confirmed"
        CUSTOMER_SHIPPED = "customer_shipped", "Customer: order shipped"
        CUSTOMER_DELIVERED = "customer_delivered", "Customer: order delivered"
        CUSTOMER_REVIEW_REQUEST = "customer_review_request", "Customer: review request"
        CUSTOMER_CANCELLED = "customer_cancelled", "Customer: order cancelled"
        CUSTOMER_LINE_CANCELLED = "customer_line_cancelled", "Customer: item cancelled"
        CUSTOMER_DELAY_NOTICE = "customer_delay_notice", "Customer: delivery delayed"
        CUSTOMER_SUBSTITUTE_OFFER = "customer_substitute_offer", "Customer: substitute offer"
        # A delivery problem the customer reported (claims): each step of it, `stage` "<claim id>:<step>".
        CUSTOMER_CLAIM_UPDATE = "customer_claim_update", "Customer: delivery problem update"
        CUSTOMER_PREPARING = "customer_preparing", "Customer: order being prepared"  # at processing
        CUSTOMER_REFUNDED = "customer_refunded", "Customer: refunded after shipment"
        CUSTOMER_CANCEL_REQUESTED = "customer_cancel_requested", "Customer: cancellation request received"
        CUSTOMER_RETURN_REQUESTED = "customer_return_requested", "Customer: return request received"
        CUSTOMER_RETURN_APPROVED = "customer_return_approved", "Customer: return approved (how to send it)"
        CUSTOMER_RETURN_REJECTED = "customer_return_rejected", "Customer: return refused"
        CUSTOMER_RETURN_RECEIVED = "customer_return_received", "Customer: returned parcel received"
        CUSTOMER_MESSAGE = "customer_message", "Customer: a message from the shop"  # stage: message:<id>
        SELLER_NEW_ORDER = "seller_new_order", "Seller: new order"
        SELLER_DUE_SOON = "seller_due_soon", "Seller: step due soon"
        SELLER_OVERDUE = "seller_overdue", "Seller: step overdue"
        SELLER_PAYMENT_FAILED = "seller_payment_failed", "Seller: payment failed"
        SELLER_OUT_OF_STOCK = "seller_out_of_stock", "Seller: out of stock"
        SELLER_DELIVERY_EXCEPTION = "seller_delivery_exception", "Seller: delivery delayed"
        SELLER_CANCEL_REQUESTED = "seller_cancel_requested", "Seller: customer asks to cancel"
        SELLER_RETURN_REQUESTED = "seller_return_requested", "Seller: return requested"
        SELLER_RETURN_DUE_SOON = "seller_return_due_soon", "Seller: return step due soon"
        SELLER_RETURN_OVERDUE = "seller_return_overdue", "Seller: return step overdue"
        SELLER_AUTO_CANCELLED = "seller_auto_cancelled", "Seller: order cancelled automatically"  # on a timeout
        SELLER_CLAIM_UPDATE = "seller_claim_update", "Seller: delivery problem"  # stage "<claim id>:<step>"
        SELLER_DISPUTE_UPDATE = "seller_dispute_update", "Seller: chargeback"  # stage "<dispute id>:<status>"
        SELLER_CUSTOMER_MESSAGE = "seller_customer_message", "Seller: the customer wrote"  # stage: message:<id>
        SELLER_CASE_REPLY = "seller_case_reply", "Seller: support answered"  # stage: case-message:<id>
        # To the marketplace operator's support address (SHIPDESK_CONVERSATIONS["support_email"]).
        OPERATOR_CASE_MESSAGE = "operator_case_message", "Operator: a seller wrote to support"
        SELLER_DAILY_DIGEST = "seller_daily_digest", "Seller: daily digest"  # no order: what needs doing today
        SELLER_STANDING_CHANGED = (
            "seller_standing_changed",
            "Seller: standing changed",
        )  # no order: the daily evaluation
        # no order: an outgoing webhook endpoint failed for too long and was turned off
        SELLER_WEBHOOK_DISABLED = "seller_webhook_disabled", "Seller: webhook endpoint disabled"

    class Status(models.TextChoices):
        QUEUED = "queued"  # waiting for `next_attempt_at`
        SENDING = "sending"  # claimed by a worker; reconciled by the reaper if that worker died
        SENT = "sent"  # the mail server accepted it
        FAILED = "failed"  # refused for good, or out of attempts; shown in the timeline
        SKIPPED = "skipped"  # no longer true when its turn came (a due-soon alert for a confirmed order)

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # Distinguishes repeats of a kind that are legitimately separate (each line cancel, each stage's
    # due-soon alert, each day's digest); empty when a kind happens once per order.
    stage = models.CharField(max_length=64, blank=True, default="")
    recipient = models.EmailField(max_length=254)
    # The caller's own words for the message (a reason, a refund, a claim, a message's text).
    context = models.JSONField(default=dict, blank=True)
    # What the message shows, as it was when queued (`notifications.facts`): the worker renders
    # from it. Null on rows queued already rendered, before the facts existed.
    facts = models.JSONField(null=True, blank=True)

    # The message as the worker rendered it before handing it over (or as rendered when queued,
    # on older rows): exactly what was sent, for the admin and the timeline.
    from_email = models.CharField(max_length=320, blank=True, default="")
    reply_to = models.CharField(max_length=320, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    # When the worker rendered it from `facts`; null until then (and on rows rendered when queued).
    # Set once: a retry sends the same words.
    rendered_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)  # times handed to the mail server
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The current claim: which worker, which claim (the fence every later write checks), when,
    # and when it handed the message to the mail server (null: it never did).
    claimed_by = models.CharField(max_length=64, blank=True, default="")
    claim_id = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # The Message-ID header, derived from this row, so every attempt carries the same one.
    provider_message_id = models.CharField(max_length=200, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    # Sent again after a worker died mid-send with the outcome unknown (see SHIPDESK_EMAIL).
    uncertain_resends = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "stage"], name="notification_once_per_order_kind_stage"),
            # The digest has no order: once per seller, kind and stage (the local date).
            models.UniqueConstraint(
                fields=["seller", "kind", "stage"],
                condition=Q(order__isnull=True),
                name="notification_once_per_seller_kind_stage",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed", "skipped"]),
                name="notification_status_valid_v2",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claim_id__isnull=False), name="notification_sending_is_claimed"
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="notification_due"),
            models.Index(fields=["seller", "order"], name="notification_seller_order"),
            # The reaper: rows held by workers, across sellers.
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="notification_in_flight"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} to {self.recipient} ({self.status})"


class Alert(models.Model):
    """A line in the seller's dashboard bell: written with every seller notification.

    `kind` is the notification's kind, or `email_failed` when a message to a customer could not
    be delivered, or `stock_low` when a product fell to its low-stock threshold. `order` is null
    only for the daily digest, the seller-level messages and `stock_low`.
    """

    EMAIL_FAILED = "email_failed"
    STOCK_LOW = "stock_low"  # a product's available stock fell to its low-stock threshold (no order)

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, related_name="alerts")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    notification = models.OneToOneField(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="alert"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The alerts list, newest first (keyset on id), and the unread count of the bell.
            models.Index(fields=["seller", "-id"], name="alert_seller_recent"),
            models.Index(fields=["seller", "-id"], condition=Q(read_at__isnull=True), name="alert_seller_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class MailboxMessage(models.Model):
    """A message kept by the development mailbox backend (`EMAIL_URL=mailbox://`, the default of
    `shipdesk run`) instead of being sent; shown at /dev/mail/."""

    # From our own headers, so a seller sees only their shop's mail there.
    seller = models.ForeignKey("accounts.Seller", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    message_id = models.CharField(max_length=255, db_index=True)
    from_email = models.CharField(max_length=320)
    to = models.TextField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    raw = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seller", "-id"], name="mailbox_seller_recent")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
