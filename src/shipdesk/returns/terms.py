"""The words of returns, each defined once: statuses, the condition a unit comes back in, why a
customer returns, who pays the return shipping, and the steps the seller owes a return.

Pure: no ORM, no I/O. The models' choices, the API's enums, the dashboard's labels and the
messages derive from these tables (as the order's words come from `orders.terms`).
"""

from __future__ import annotations

from dataclasses import dataclass

from shipdesk.orders.terms import REFUND_REASONS, Term, Vocabulary

# --- a return's status ------------------------------------------------------------------------

REQUESTED = "requested"
APPROVED = "approved"
REJECTED = "rejected"
RECEIVED = "received"
REFUNDED = "refunded"

RETURN_STATUSES = Vocabulary(
    Term(REQUESTED, "Requested", "the customer asked to send units back; the seller answers"),
    Term(APPROVED, "Approved", "the seller accepted and told the customer how to send them"),
    Term(REJECTED, "Rejected", "the seller refused the return, with a reason"),
    Term(RECEIVED, "Received", "the parcel came back: units restocked or written off; the refund is owed"),
    Term(REFUNDED, "Refunded", "the received units were refunded through the payment provider"),
)
# A return still in progress: its units are spoken for (no second return of them).
OPEN_STATUSES = (REQUESTED, APPROVED, RECEIVED)


# --- the condition a returned unit arrives in ----------------------------------------------------

RESELLABLE = "resellable"
DAMAGED = "damaged"

CONDITIONS = Vocabulary(
    Term(RESELLABLE, "Resellable", "as good as new: back on the shelf (a restock stock move)"),
    Term(DAMAGED, "Damaged", "cannot be sold again: written off (a write-off stock move)"),
)


# --- why a customer returns (a subset of the refund reasons, with their words) -------------------

RETURN_REASONS = Vocabulary(
    *(
        REFUND_REASONS[value]
        for value in ("faulty", "damaged", "wrong_item", "not_as_described", "changed_mind", "other")
    )
)


# --- who pays the return shipping ---------------------------------------------------------------

SELLER = "seller"
CUSTOMER = "customer"

SHIPPING_PAYERS = Vocabulary(
    Term(SELLER, "The shop", "the shop pays the return postage (a prepaid label, or it pays it back)"),
    Term(CUSTOMER, "The customer", "the customer pays the return postage"),
)

# A shop's policy on return postage; the return's payer follows from it and the reasons given.
AT_FAULT = "seller_if_at_fault"
SHIPPING_POLICIES = Vocabulary(
    Term(AT_FAULT, "The shop when it is at fault", "the shop pays when an item is faulty, damaged or wrong"),
    Term(SELLER, "Always the shop", "free returns: the shop pays every return's postage"),
    Term(CUSTOMER, "Always the customer", "the customer pays, whatever the reason"),
)


def shipping_paid_by(*, policy: str, reasons: list[str]) -> str:
    """Who pays a return's postage under `policy`, given its lines' reasons."""
    if policy == SELLER:
        return SELLER
    if policy == CUSTOMER:
        return CUSTOMER
    at_fault = any(getattr(REFUND_REASONS[reason], "seller_fault", False) for reason in reasons)
    return SELLER if at_fault else CUSTOMER


# --- the steps the seller owes a return ------------------------------------------------------------


@dataclass(frozen=True)
class Step(Term):
    status: str = ""  # the return status in which the step is owed
    verb: str = ""  # as a message says it
    window_start: str = ""  # the return field the window starts at
    deadline: str = ""  # the return field holding the step's deadline


ANSWER = "answer_return"
REFUND = "refund_return"

STEPS = Vocabulary(
    Step(
        ANSWER,
        "Answer",
        "approve or reject a return request",
        status=REQUESTED,
        verb="answer the return request",
        window_start="requested_at",
        deadline="answer_by",
    ),
    Step(
        REFUND,
        "Refund",
        "refund a received return",
        status=RECEIVED,
        verb="refund the returned items",
        window_start="received_at",
        deadline="refund_by",
    ),
)
STEP_BY_STATUS: dict[str, Step] = {step.status: step for step in STEPS}  # type: ignore[attr-defined]
