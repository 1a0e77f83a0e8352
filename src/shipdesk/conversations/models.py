"""Conversations with customers (one per order), their messages and attachments, the seller's
message templates, the inbound-email log, and support cases to the marketplace operator.

Data and constraints only: every change goes through `conversations.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import terms

Direction = models.TextChoices("Direction", terms.DIRECTIONS.choices_by_name())
Channel = models.TextChoices("Channel", terms.CHANNELS.choices_by_name())
TemplateKey = models.TextChoices("TemplateKey", terms.TEMPLATE_KEYS.choices_by_name())
InboundOutcome = models.TextChoices("InboundOutcome", terms.INBOUND_OUTCOMES.choices_by_name())
CaseTopic = models.TextChoices("CaseTopic", terms.CASE_TOPICS.choices_by_name())
CaseStatus = models.TextChoices("CaseStatus", terms.CASE_STATUSES.choices_by_name())
CaseAuthor = models.TextChoices("CaseAuthor", terms.CASE_AUTHORS.choices_by_name())


class Conversation(models.Model):
    """The one conversation of an order, between its customer and the shop.

    `answer_due_at` is the due instant of the oldest customer message still owed an answer (null:
    nothing owed), kept by the services so "Needs action" reads one index.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="conversation")
    answer_due_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["seller", "answer_due_at", "id"],
                condition=Q(answer_due_at__isnull=False),
                name="conversation_seller_due",
            ),
            models.Index(fields=["seller", "-last_message_at", "-id"], name="conversation_seller_recent"),
        ]


class Message(models.Model):
    """One message of a conversation, never edited. A customer's message is owed an answer
    (`needs_answer`) until the shop writes after it (`answered_at`, `answered_by`) or marks it as
    needing none (`needs_answer` False, `no_answer_marked_at`)."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    author_label = models.CharField(max_length=200)  # the customer's name or address; the seller's user or token
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()  # sent (to the customer) or received (from the customer)
    # A customer's message only:
    needs_answer = models.BooleanField(default=False)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    no_answer_marked_at = models.DateTimeField(null=True, blank=True)
    # The Message-ID of the email it came in as (idempotency), or went out as.
    email_message_id = models.CharField(max_length=255, blank=True, default="")
    email_from = models.CharField(max_length=254, blank=True, default="")
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="message_direction_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="message_channel_valid"),
            # Only a customer's message is owed an answer, and it is due at a known instant.
            models.CheckConstraint(
                condition=Q(needs_answer=False) | Q(direction=terms.FROM_CUSTOMER, answer_due_at__isnull=False),
                name="message_needs_answer_from_customer",
            ),
            # One message per inbound email, however often it is delivered.
            models.UniqueConstraint(
                fields=["seller", "email_message_id"],
                condition=Q(direction=terms.FROM_CUSTOMER) & ~Q(email_message_id=""),
                name="message_once_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_conversation"),
            # The response-time figure: customer messages by due instant, per seller.
            models.Index(
                fields=["seller", "answer_due_at"],
                condition=Q(direction=terms.FROM_CUSTOMER),
                name="message_seller_due",
            ),
        ]


def attachment_path(instance: Attachment, filename: str) -> str:
    # Not guessable, not the customer's file name: seller, message, then a random name.
    return f"conversations/{instance.seller_id}/{instance.message_id}/{instance.storage_name}"


class Attachment(models.Model):
    """A file a message carries (an image or a PDF, proven by its content), kept in Django's
    default storage and served only to the shop and the order's customer, as a download."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    storage_name = models.CharField(max_length=64)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=120)  # cleaned, with the extension its content proves
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seller", "message"], name="attachment_seller_message")]


class MessageTemplate(models.Model):
    """The shop's own wording of one template (a row exists only once the seller changed it)."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32, choices=TemplateKey.choices)
    body = models.TextField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "key"], name="message_template_once_per_seller"),
            models.CheckConstraint(condition=Q(key__in=TemplateKey.values), name="message_template_key_valid"),
        ]


class InboundEmail(models.Model):
    """What became of each email received (accepted, duplicate or refused, and why): the log an
    operator reads when a customer says "I replied"."""

    outcome = models.CharField(max_length=16, choices=InboundOutcome.choices)
    reason = models.CharField(max_length=32, blank=True, default="")  # terms.INBOUND_REFUSALS when refused
    detail = models.CharField(max_length=300, blank=True, default="")
    via = models.CharField(max_length=16)  # pipe | lmtp | http
    email_message_id = models.CharField(max_length=255, blank=True, default="")
    sender = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    size = models.PositiveIntegerField()
    seller = models.ForeignKey("accounts.Seller", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=InboundOutcome.values), name="inbound_email_outcome_valid")
        ]
        indexes = [models.Index(fields=["-received_at"], name="inbound_email_recent")]


class SupportCase(models.Model):
    """A seller's question to the marketplace operator, about an order or the shop."""

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    topic = models.CharField(max_length=32, choices=CaseTopic.choices)
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(topic__in=CaseTopic.values), name="support_case_topic_valid"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="support_case_status_valid"),
        ]
        indexes = [
            models.Index(fields=["seller", "-updated_at", "-id"], name="support_case_seller_recent"),
            # The operator's queue, across sellers: open cases, oldest first.
            models.Index(fields=["status", "updated_at"], name="support_case_queue"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}: {self.subject}"


class CaseMessage(models.Model):
    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=16, choices=CaseAuthor.choices)
    author_label = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(author__in=CaseAuthor.values), name="case_message_author_valid")
        ]
        indexes = [models.Index(fields=["case", "id"], name="case_message_case")]
