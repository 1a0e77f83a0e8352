"""Shipments, what carriers say about them, the webhooks that said it, and pack checks.

Data and constraints only: `shipping.services` and `orders.services` change these rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class TrackingStatus(models.TextChoices):
    """A carrier scan, in our words; each provider's own statuses are mapped onto these."""

    PRE_TRANSIT = "pre_transit"  # label created, the carrier does not have the parcel yet
    IN_TRANSIT = "in_transit"  # the carrier has it and it is moving
    OUT_FOR_DELIVERY = "out_for_delivery"  # on the van today
    AVAILABLE_FOR_PICKUP = "available_for_pickup"  # waiting at a pickup point for the customer
    FAILED_ATTEMPT = "failed_attempt"  # a delivery was tried; the carrier will try again
    DELIVERED = "delivered"  # handed over: delivers the order
    EXCEPTION = "exception"  # lost, damaged, held, refused, address problem: flags the shipment delayed
    RETURN_TO_SENDER = "return_to_sender"  # on its way back: flags the shipment delayed
    UNKNOWN = "unknown"  # the provider could not say


# Scans that show the parcel moving; "no movement for 3 days" looks at the last of these.
MOVEMENT_STATUSES = frozenset(TrackingStatus.values) - {TrackingStatus.PRE_TRANSIT, TrackingStatus.UNKNOWN}


class DelayReason(models.TextChoices):
    EXCEPTION = "exception"  # the carrier reported a problem
    RETURN_TO_SENDER = "return_to_sender"  # the carrier is sending it back
    NO_MOVEMENT = "no_movement"  # no scan showing movement for 3 days
    MISSED_ETA = "missed_eta"  # not delivered by the ETA


class ShipmentPurpose(models.TextChoices):
    """Why a parcel was sent: what its delivery means for the order."""

    ORDER = "order", "Order parcel"  # holds units of the order's own lines; the last one delivered delivers the order
    RESHIPMENT = "reshipment", "Reshipment"  # a claim's replacement: its delivery never changes the order's status


class Shipment(models.Model):
    """One parcel of an order: its lines, carrier, service level, tracking number, ETA and scans.

    An order ships in one or more parcels (`order.shipments`); each has its own carrier events.
    `ShipmentLine` rows say which units of which order lines are in it.
    """

    Purpose = ShipmentPurpose

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="shipments")
    purpose = models.CharField(max_length=16, choices=ShipmentPurpose.choices, default=ShipmentPurpose.ORDER)
    carrier = models.CharField(max_length=32)
    service_level = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64)  # normalised
    tracking_url = models.CharField(max_length=500, blank=True, default="")
    shipped_at = models.DateTimeField()
    eta = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # What the carrier last said, and when the parcel was last seen moving (carrier time).
    tracking_status = models.CharField(max_length=24, choices=TrackingStatus.choices, blank=True, default="")
    last_movement_at = models.DateTimeField(null=True, blank=True)
    # When an integrated carrier's API was last asked about this parcel (polling.py).
    last_polled_at = models.DateTimeField(null=True, blank=True)
    delayed = models.BooleanField(default=False)
    delay_reason = models.CharField(max_length=24, choices=DelayReason.choices, blank=True, default="")
    delayed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A tracked parcel's number identifies one shipment of a seller; reusing one is a mistake
            # (or worse) that the seller must see. "other" (untracked) numbers are free text.
            models.UniqueConstraint(
                fields=["seller", "carrier", "tracking_number"],
                condition=~Q(carrier="other"),
                name="shipment_tracking_unique_per_seller",
            ),
            # A carrier's number names one parcel: while it is on its way, no other shipment of
            # any seller has it, or one carrier scan would move two shops' orders. Once delivered
            # the carrier may hand the number out again. Two shops shipping one number at the
            # same instant: this key lets one in (shipping.selectors.require_tracking_number_free).
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=Q(delivered_at__isnull=True) & ~Q(carrier="other"),
                name="shipment_tracking_in_use_once",
            ),
            models.CheckConstraint(condition=~Q(tracking_number=""), name="shipment_tracking_number_present"),
            models.CheckConstraint(
                condition=Q(delayed=False, delay_reason="") | (Q(delayed=True) & ~Q(delay_reason="")),
                name="shipment_delay_has_reason",
            ),
            models.CheckConstraint(condition=Q(purpose__in=ShipmentPurpose.values), name="shipment_purpose_valid"),
        ]
        indexes = [
            # An order's parcels in the order they left (detail page, delivery checks).
            models.Index(fields=["seller", "order", "shipped_at"], name="shipment_seller_order"),
            # Carrier webhooks name a number, not a seller: this finds the shipment across sellers.
            models.Index(fields=["tracking_number"], name="shipment_tracking_number"),
            # The delay sweep and the pollers: parcels still on their way, across sellers.
            models.Index(
                fields=["carrier", "shipped_at"], condition=Q(delivered_at__isnull=True), name="shipment_in_transit"
            ),
        ]


class ShipmentLine(models.Model):
    """Units of one order line in one parcel. Written once, with the parcel.

    The units of a line across the order's parcels of purpose "order" never exceed its open
    quantity: the ship-parcel action checks it under the order's lock (`orders.locks`).
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipment_line_once_per_parcel"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_quantity_positive"),
        ]
        indexes = [models.Index(fields=["seller", "line"], name="shipment_line_seller_line")]


class TrackingEvent(models.Model):
    """One scan of a parcel as its carrier reported it. Never updated.

    Providers resend a parcel's whole history with every update; `fingerprint` (a hash of status,
    time, text and place) lets each scan be stored once however often it is repeated.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    status = models.CharField(max_length=24, choices=TrackingStatus.choices)
    description = models.CharField(max_length=500, blank=True, default="")
    location = models.CharField(max_length=200, blank=True, default="")
    occurred_at = models.DateTimeField()  # the carrier's time of the scan
    source = models.CharField(max_length=32)  # generic, easypost, aftership, sandbox, …
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField()  # when we learned of it

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "fingerprint"], name="tracking_event_once_per_shipment"),
            models.CheckConstraint(condition=Q(status__in=TrackingStatus.values), name="tracking_event_status_valid"),
        ]
        indexes = [models.Index(fields=["seller", "shipment", "occurred_at"], name="tracking_event_history")]


class WebhookOutcome(models.TextChoices):
    """What became of one carrier webhook event (its receipt's `outcome`)."""

    APPLIED = "applied"  # matched a shipment; its scans were recorded
    UNKNOWN_NUMBER = "unknown_number"  # no shipment has this number
    AMBIGUOUS_NUMBER = "ambiguous_number"  # matched several parcels: applied to none (AmbiguousTrackingUpdate)
    IGNORED = "ignored"  # not a tracking update (another event type)


class WebhookReceipt(models.Model):
    """A carrier webhook we accepted, by the provider's event id: a replay finds it and changes nothing.

    Not seller-owned: a webhook names a tracking number, which may match no seller at all (and is
    then kept here as `unknown_number`, so the operator can see what arrived).
    """

    Outcome = WebhookOutcome

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=200)
    tracking_number = models.CharField(max_length=64, blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_receipt_once_per_event"),
            models.CheckConstraint(
                condition=Q(outcome__in=WebhookOutcome.values), name="webhook_receipt_outcome_valid"
            ),
        ]
        indexes = [models.Index(fields=["received_at"], name="webhook_receipt_received")]


class AmbiguousTrackingUpdate(models.Model):
    """A carrier message whose number matched more than one parcel, so it was applied to none.

    Left for the operator (read-only in the admin, with an error in the log): applying it to each
    would show one shop's parcel on another shop's order. Not seller-owned: it spans sellers.
    """

    source = models.CharField(max_length=32)  # generic, easypost, aftership, sandbox, poll
    event_id = models.CharField(max_length=200, blank=True, default="")
    tracking_number = models.CharField(max_length=64)
    carrier = models.CharField(max_length=32, blank=True, default="")  # as the message named it, if it did
    status = models.CharField(max_length=24, blank=True, default="")  # what the message said of the parcel
    shipment_ids = models.JSONField(default=list)  # the parcels it matched
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="ambiguous_update_received")]

    def __str__(self) -> str:
        return f"{self.tracking_number} from {self.source} ({len(self.shipment_ids)} parcels)"


class PackCheck(models.Model):
    """The scan-to-pack check of an order: which units were scanned into the box, and what was refused.

    `packed` maps an order line id (as text, JSON keys are strings) to the units scanned for it.
    """

    seller = models.ForeignKey("accounts.Seller", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="pack_check")
    packed = models.JSONField(default=dict, blank=True)
    refused = models.JSONField(default=list, blank=True)  # the last refused scans: [{code, reason, at}]
    scans = models.PositiveIntegerField(default=0)  # accepted scans, all told
    complete = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(complete=True, completed_at__isnull=False) | Q(complete=False, completed_at__isnull=True),
                name="pack_check_completed_at_iff_complete",
            ),
        ]
        indexes = [models.Index(fields=["seller", "order"], name="pack_check_seller_order")]


# Labels, their rates, boxes and batches (shipping.labels): tables of this app.
from .labels.models import Box, Label, LabelBatch, LabelStatus, RateQuote  # noqa: E402, F401
