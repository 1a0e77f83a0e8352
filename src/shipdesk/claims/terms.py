"""The words of delivery problems (claims) and chargebacks (disputes), each defined once.

A claim is the customer saying something went wrong after the parcel left: it never came, it
came damaged, the wrong item came, or an item was missing. The seller answers within
`ANSWER_BUSINESS_DAYS` with a refund, a reshipment or a return; an unanswered or refused claim
escalates to the marketplace operator at its deadline. A dispute is the payment provider's
chargeback: the customer's bank took the money back, and the provider decides who keeps it.
Pure: no ORM, no I/O.
"""

from __future__ import annotations

from shipdesk.orders.terms import Term, Vocabulary

# The seller's window to answer a claim, in the seller's business days.
ANSWER_BUSINESS_DAYS = 2

# --- claim kinds ------------------------------------------------------------------------------

NOT_RECEIVED = "not_received"
DAMAGED = "damaged"
WRONG_ITEM = "wrong_item"
MISSING_ITEM = "missing_item"

CLAIM_KINDS = Vocabulary(
    Term(NOT_RECEIVED, "Not received", "the parcel never arrived; claimable only once its ETA has passed"),
    Term(DAMAGED, "Arrived damaged", "items arrived broken or unusable"),
    Term(WRONG_ITEM, "Wrong item", "the parcel held something else than what was ordered"),
    Term(MISSING_ITEM, "Item missing", "the parcel arrived without some of the items"),
)
# Kinds about particular items: the claim must name its lines (not_received covers the parcel).
KINDS_NAMING_LINES = frozenset({DAMAGED, WRONG_ITEM, MISSING_ITEM})

# --- claim status -----------------------------------------------------------------------------

OPEN = "open"
RESOLVED = "resolved"
REFUSED = "refused"
ESCALATED = "escalated"
DECIDED = "decided"

CLAIM_STATUSES = Vocabulary(
    Term(OPEN, "Waiting for the shop", "opened; the seller owes an answer by `answer_by`"),
    Term(RESOLVED, "Resolved by the shop", "the seller answered with a refund, a reshipment or a return"),
    Term(REFUSED, "Refused by the shop", "the seller refused it; it escalates to the operator at `answer_by`"),
    Term(ESCALATED, "With the marketplace", "unanswered or refused past its deadline; the operator decides"),
    Term(DECIDED, "Decided by the marketplace", "the operator decided it"),
)
# A claim the seller may still answer (a refusal can be turned into a resolution until escalated).
ANSWERABLE_STATUSES = (OPEN, REFUSED)
# A claim still in progress: at most one per order.
ACTIVE_STATUSES = (OPEN, REFUSED, ESCALATED)

# --- the seller's answers ---------------------------------------------------------------------

REFUND = "refund"
RESHIPMENT = "reshipment"
RETURN = "return"

RESOLUTIONS = Vocabulary(
    Term(REFUND, "Refund", "the claimed items (and shipping, for a parcel never received) refunded"),
    Term(RESHIPMENT, "Reshipment", "the claimed items sent again in a new parcel, stock deducted"),
    Term(RETURN, "Return", "the customer sends the items back following the seller's instructions"),
)

# --- the operator's decisions -----------------------------------------------------------------

REFUND_CUSTOMER = "refund_customer"
SELLER_FAVOUR = "seller_favour"

DECISIONS = Vocabulary(
    Term(REFUND_CUSTOMER, "Customer refunded", "the operator refunded the customer, charged to the seller"),
    Term(SELLER_FAVOUR, "Closed for the shop", "the operator found for the seller; nothing refunded"),
)

# --- the steps a claim's messages tell --------------------------------------------------------


CLAIM_STEPS = Vocabulary(
    Term("opened", "Claim opened", "the customer reported the problem"),
    Term("resolved", "Claim answered", "the seller answered with a refund, a reshipment or a return"),
    Term("refused", "Claim refused", "the seller refused the claim"),
    Term("escalated", "Claim escalated", "the deadline passed without a resolution; the operator decides"),
    Term("decided", "Claim decided", "the operator decided the claim"),
)

# --- disputes (chargebacks): the provider's own words (Stripe's Dispute.status and .reason) -------

WON = "won"
LOST = "lost"
WARNING_CLOSED = "warning_closed"

DISPUTE_STATUSES = Vocabulary(
    Term("warning_needs_response", "Inquiry: needs response", "an inquiry before a chargeback; no money taken"),
    Term("warning_under_review", "Inquiry: under review", "an inquiry answered, being reviewed; no money taken"),
    Term(WARNING_CLOSED, "Inquiry closed", "the inquiry ended without a chargeback"),
    Term("needs_response", "Needs response", "the bank took the money back; evidence is due"),
    Term("under_review", "Under review", "evidence submitted; the bank is deciding"),
    Term(WON, "Won", "the bank decided for the shop: the held money is released"),
    Term(LOST, "Lost", "the bank decided for the customer: the money and the provider's fee are debited"),
)
# An inquiry takes no money, so nothing is held for it.
INQUIRY_STATUSES = frozenset({"warning_needs_response", "warning_under_review", WARNING_CLOSED})
CLOSED_DISPUTE_STATUSES = frozenset({WON, LOST, WARNING_CLOSED})
# How far along a dispute is: an event that would move it back (a `needs_response` delivered after
# `under_review`: the provider does not promise order) changes nothing.
DISPUTE_PROGRESS = {
    "warning_needs_response": 0,
    "warning_under_review": 1,
    "needs_response": 2,
    "under_review": 3,
    WARNING_CLOSED: 4,
    WON: 4,
    LOST: 4,
}

DISPUTE_REASONS = Vocabulary(
    Term("bank_cannot_process", "Bank cannot process", "the bank cannot process the charge"),
    Term("check_returned", "Check returned", "a returned check"),
    Term("credit_not_processed", "Credit not processed", "the customer says a refund was promised but not made"),
    Term("customer_initiated", "Customer initiated", "the customer asked their bank to reverse it"),
    Term("debit_not_authorized", "Debit not authorised", "the customer did not authorise the debit"),
    Term("duplicate", "Duplicate", "the customer says they were charged twice"),
    Term("fraudulent", "Fraudulent", "the card holder did not make the purchase"),
    Term("general", "General", "an uncategorised dispute"),
    Term("incorrect_account_details", "Incorrect account details", "the account details were wrong"),
    Term("insufficient_funds", "Insufficient funds", "the account lacked the funds"),
    Term("product_not_received", "Product not received", "the customer says the goods never arrived"),
    Term("product_unacceptable", "Product unacceptable", "the goods were defective or not as described"),
    Term("subscription_canceled", "Subscription cancelled", "charged after cancelling a subscription"),
    Term("unrecognized", "Unrecognised", "the customer does not recognise the charge"),
)
