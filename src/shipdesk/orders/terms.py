"""The words of the order workflow, each defined once: its value, its label and what it means.

Statuses, payment states, line stock states, cancel reasons, timeline event types and the stages
(which step an open status owes next) live here and nowhere else. The models' choices
(`orders.models`), the API's enums (`orders.schemas`), the dashboard's forms and labels, the
messages (`notifications.rendering`) and the sweeps derive from these tables; a new word is added
here and appears everywhere. Pure: no ORM, no I/O (`orders.workflow` imports it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    value: str  # what the database and the API hold
    label: str  # how a seller reads it on screen
    description: str  # one line: what it means

    @property
    def member_name(self) -> str:
        """The Python name of the term (`PARTIALLY_REFUNDED`), for the models' choices."""
        return self.value.upper()


class Vocabulary:
    """An ordered set of terms, read by value."""

    def __init__(self, *terms: Term) -> None:
        self.terms = terms
        self._by_value = {term.value: term for term in terms}
        assert len(self._by_value) == len(terms), "a value is defined twice"

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __contains__(self, value: object) -> bool:
        return value in self._by_value

    def __getitem__(self, value: str) -> Term:
        return self._by_value[value]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(term.value for term in self.terms)

    def label(self, value: str) -> str:
        """The label of `value`, or `value` itself for a word this version does not know."""
        term = self._by_value.get(value)
        return term.label if term else value

    def choices_by_name(self) -> list[tuple[str, tuple[str, str]]]:
        """(NAME, (value, label)) pairs: the members of a Django TextChoices built from these terms."""
        return [(term.member_name, (term.value, term.label)) for term in self.terms]


# --- order status -----------------------------------------------------------------------------

PENDING = "pending"
CONFIRMED = "confirmed"
PROCESSING = "processing"
SHIPPED = "shipped"
DELIVERED = "delivered"
CANCELLED = "cancelled"

ORDER_STATUSES = Vocabulary(
    Term(PENDING, "Pending", "placed by the customer, waiting for the seller to confirm"),
    Term(CONFIRMED, "Confirmed", "the seller accepted it; stock is reserved"),
    Term(PROCESSING, "Processing", "being packed; stock has left the shelf"),
    Term(SHIPPED, "Shipped", "handed to a carrier with a tracking number"),
    Term(DELIVERED, "Delivered", "the carrier (or the seller, untracked) confirmed delivery"),
    Term(CANCELLED, "Cancelled", "will not be fulfilled; reservations released, payment refunded"),
)
# The statuses in which the seller still owes the order a step.
OPEN_STATUSES = frozenset({PENDING, CONFIRMED, PROCESSING})
# The statuses in which the parcel has left the shop.
DISPATCHED_STATUSES = (SHIPPED, DELIVERED)


# --- payment state ----------------------------------------------------------------------------

UNPAID = "unpaid"
PAID = "paid"
FAILED = "failed"
PARTIALLY_REFUNDED = "partially_refunded"
REFUNDED = "refunded"

PAYMENT_STATES = Vocabulary(
    Term(UNPAID, "Unpaid", "no captured payment yet"),
    Term(PAID, "Paid", "captured in full"),
    Term(FAILED, "Payment failed", "the provider reported a failed payment"),
    Term(PARTIALLY_REFUNDED, "Partly refunded", "paid, and part of it refunded"),
    Term(REFUNDED, "Refunded", "paid, and all of it refunded"),
)
# The goods are paid for (a partial refund still leaves the rest paid): the seller may confirm,
# process and ship.
PAID_FOR_STATES = frozenset({PAID, PARTIALLY_REFUNDED})
# Money was captured at some point, whatever was refunded since: the order has earnings to
# account for, and it may have shipped. In vocabulary order (the database constraint lists it).
CAPTURED_STATES = (PAID, PARTIALLY_REFUNDED, REFUNDED)
# No money has come in: an order that stays so is cancelled by the unpaid sweep.
NOT_PAID_STATES = (UNPAID, FAILED)


# --- a line's stock ---------------------------------------------------------------------------

LINE_STOCK_STATES = Vocabulary(
    Term("reserved", "Reserved", "the open quantity is held on the shelf"),
    Term("short", "Short of stock", "not enough stock was available; nothing is held"),
    Term("deducted", "Taken from stock", "the open quantity left the shelf (processing and after)"),
    Term("released", "Cancelled", "the whole line was cancelled; nothing held or deducted"),
)


# --- cancel reasons ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason(Term):
    for_customer: str = ""  # why, as the customer's email says it ("" : no reason given)


CANCEL_REASONS = Vocabulary(
    Reason("out_of_stock", "Out of stock", "the seller cannot get the goods", "an item is out of stock"),
    Reason("customer_request", "Customer asked", "the customer asked to cancel", "you asked for it"),
    Reason(
        "address_issue",
        "Address problem",
        "the parcel cannot be sent to the address given",
        "the order could not be shipped to the address given",
    ),
    Reason(
        "payment_issue",
        "Payment problem",
        "the payment is in doubt",
        "there was a problem with the payment",
    ),
    Reason(
        "unpaid_timeout",
        "Never paid",
        "system: never paid in time (not the seller's fault)",
        "the payment did not arrive in time",
    ),
    Reason(
        "unconfirmed_timeout",
        "Not confirmed in time",
        "system: the seller never confirmed (the seller's fault)",
        "the shop could not confirm it in time",
    ),
    Reason("other", "Other", "another reason, said in the note", ""),
)
# The reasons a person may give (the timeouts are the system's alone), in the order a form offers them.
PERSON_CANCEL_REASONS = ("customer_request", "out_of_stock", "address_issue", "payment_issue", "other")


# --- refunds after shipment ---------------------------------------------------------------------

# Where a refund after shipment comes from (`refund_shipped_order(source=...)`).
REFUND_SOURCES = Vocabulary(
    Term("goodwill", "Goodwill", "the seller gave money back of their own accord"),
    Term("return", "Return", "the customer sent units back and the shop received them"),
    Term("claim", "Claim", "the customer reported a delivery problem"),
    Term("operator", "Operator", "the marketplace operator decided it"),
)


@dataclass(frozen=True)
class RefundReason(Reason):
    # The shop is at fault: it pays the return shipping, and the order's shipping is refunded.
    seller_fault: bool = False


REFUND_REASONS = Vocabulary(
    RefundReason(
        "damaged", "Arrived damaged", "the goods arrived damaged", "the item arrived damaged", seller_fault=True
    ),
    RefundReason("faulty", "Faulty", "the goods do not work as they should", "the item is faulty", seller_fault=True),
    RefundReason(
        "wrong_item",
        "Wrong item",
        "the shop sent other goods than ordered",
        "you received the wrong item",
        seller_fault=True,
    ),
    RefundReason(
        "missing_item",
        "Missing item",
        "goods were missing from the parcel",
        "an item was missing from your parcel",
        seller_fault=True,
    ),
    RefundReason(
        "not_received",
        "Not received",
        "the parcel never reached the customer",
        "your parcel did not arrive",
        seller_fault=True,
    ),
    RefundReason(
        "not_as_described",
        "Not as described",
        "the goods differ from their description",
        "the item was not as described",
        seller_fault=True,
    ),
    RefundReason("late_delivery", "Late delivery", "the parcel came after its promised date", "your parcel was late"),
    RefundReason("changed_mind", "Changed mind", "the customer no longer wants the goods", "you changed your mind"),
    RefundReason("goodwill", "Goodwill", "a gesture from the shop", "as a gesture of goodwill"),
    RefundReason("other", "Other", "another reason, said in the note", ""),
)


# --- timeline event types ---------------------------------------------------------------------

EVENT_TYPES = Vocabulary(
    Term("placed", "Placed", "the order came in from a channel"),
    Term("payment_updated", "Payment updated", "the payment provider reported a new payment state"),
    Term("confirmed", "Confirmed", "the seller accepted the order"),
    Term("processing_started", "Processing started", "the seller started packing; stock left the shelf"),
    Term("shipped", "Shipped", "the parcel was handed to a carrier"),
    Term("delivered", "Delivered", "the parcel reached the customer"),
    Term("cancelled", "Cancelled", "the whole order was cancelled"),
    Term("line_cancelled", "Line cancelled", "units of one line were cancelled"),
    Term("line_reserved", "Line reserved", "a short line got its stock"),
    Term("refund_recorded", "Refund recorded", "a refund was decided and sent to the provider"),
    Term("refund_settled", "Refund settled", "the provider confirmed a refund"),
    Term("refund_failed", "Refund failed", "the provider refused a refund"),
    Term("note_added", "Note added", "someone wrote a note on the order"),
    Term("deadline_missed", "Deadline missed", "a step's deadline passed with the step not taken"),
    Term("carrier_scan", "Carrier scan", "a tracking event from the carrier"),
    Term("shipment_delayed", "Shipment delayed", "exception, return to sender, no movement or a missed ETA"),
    Term("pack_checked", "Pack checked", "lines ticked off by scanning"),
    Term(
        "shipped_incomplete_pack",
        "Shipped with an incomplete pack",
        "shipped although the pack check was not complete",
    ),
    Term("notification_sent", "Message sent", "an email or alert about the order went out"),
    Term("notification_failed", "Message failed", "a message could not be sent and will not be retried"),
    Term("notification_delayed", "Message delayed", "a send failed and will be retried"),
    Term("notification_skipped", "Message skipped", "a message was no longer true when its turn came"),
    Term("substitute_offered", "Substitute offered", "the seller offered another SKU for a short line"),
    Term("substitute_accepted", "Substitute accepted", "the customer took it: the line is now that SKU"),
    Term("substitute_declined", "Substitute declined", "the customer refused it: the line is cancelled"),
    Term("review_left", "Review left", "the customer rated the order (performance.Review)"),
    Term("review_replied", "Review answered", "the seller answered the review"),
    Term("claim_opened", "Problem reported", "the customer reported a delivery problem (claims.Claim)"),
    Term("claim_resolved", "Problem answered", "the seller answered the claim: refund, reshipment or return"),
    Term("claim_refused", "Claim refused", "the seller refused the claim"),
    Term("claim_escalated", "Claim escalated", "the claim's deadline passed unresolved; the operator decides"),
    Term("claim_decided", "Claim decided", "the marketplace operator decided the claim"),
    Term("dispute_opened", "Chargeback opened", "the payment provider reported a dispute (claims.Dispute)"),
    Term("dispute_updated", "Chargeback updated", "the provider reported a new state of the dispute"),
    Term("dispute_closed", "Chargeback closed", "the provider closed the dispute: won, lost or inquiry closed"),
    Term(
        "refunded_after_shipment",
        "Refunded after shipment",
        "money went back to the customer on a shipped or delivered order (units, shipping or an amount)",
    ),
    Term("cancel_requested", "Cancellation requested", "the customer asked to cancel; the seller decides"),
    Term("return_requested", "Return requested", "the customer asked to send units back"),
    Term("return_approved", "Return approved", "the seller accepted the return and said how to send it"),
    Term("return_rejected", "Return rejected", "the seller refused the return, with a reason"),
    Term(
        "return_received",
        "Return received",
        "the returned units arrived: resellable ones restocked, others written off",
    ),
    Term("parcel_shipped", "Parcel shipped", "a parcel with part of the order left; other lines are still to ship"),
    Term("parcel_delivered", "Parcel delivered", "one parcel arrived; another parcel is still on its way"),
    Term("address_corrected", "Address corrected", "the shipping address was corrected before anything shipped"),
    Term("eta_revised", "Delivery date revised", "the carrier announced a new expected delivery date for a parcel"),
    Term("label_bought", "Label bought", "postage bought through Shipdesk; its tracking number is attached"),
    Term("label_voided", "Label voided", "an unused label was voided and its postage refunded"),
    Term("message_sent", "Message to customer", "the shop wrote to the customer (conversations.Message)"),
    Term("message_received", "Customer wrote", "the customer wrote to the shop, by email or on the order page"),
    Term("support_case_opened", "Support case opened", "the shop asked the marketplace operator for help"),
)


# --- stages: the step an open status owes next ------------------------------------------------


@dataclass(frozen=True)
class Stage(Term):
    """A step the seller owes an order: `value` names it (confirm, process, ship)."""

    status: str = ""  # the order status in which this step is owed
    verb: str = ""  # the step as a message says it ("start processing")
    window_start: str = ""  # the field the window starts at (confirm: the later of placed and paid)
    deadline: str = ""  # the order field holding the step's deadline
    late_flag: str = ""  # the order field set when the step was (or is) late
    business_days: bool = False  # whether the window is counted in business days


STAGES = Vocabulary(
    Stage(
        "confirm",
        "Confirm",
        "accept a paid order",
        status=PENDING,
        verb="confirm",
        window_start="paid_at",
        deadline="confirm_by",
        late_flag="confirmed_late",
        business_days=False,
    ),
    Stage(
        "process",
        "Process",
        "start packing a confirmed order",
        status=CONFIRMED,
        verb="start processing",
        window_start="confirmed_at",
        deadline="process_by",
        late_flag="processed_late",
        business_days=True,
    ),
    Stage(
        "ship",
        "Ship",
        "hand the parcel to a carrier",
        status=PROCESSING,
        verb="ship",
        window_start="processing_at",
        deadline="ship_by",
        late_flag="shipped_late",
        business_days=True,
    ),
)
STAGE_BY_STATUS: dict[str, Stage] = {stage.status: stage for stage in STAGES}  # type: ignore[attr-defined]
STAGE_BY_NAME: dict[str, Stage] = {stage.value: stage for stage in STAGES}  # type: ignore[misc]


def stage_for(status: str) -> Stage | None:
    """The step the seller owes an order in `status`, or None when it owes none."""
    return STAGE_BY_STATUS.get(status)
