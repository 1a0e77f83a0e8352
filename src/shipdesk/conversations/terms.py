"""The words of conversations and support cases, each defined once with its label and meaning.

Pure: no ORM, no I/O. The models' choices, the forms, the API's enums and the pages derive from
these tables (the `Vocabulary` of `orders.terms`).
"""

from __future__ import annotations

from shipdesk.orders.terms import Term, Vocabulary

# --- who wrote a message ----------------------------------------------------------------------

FROM_CUSTOMER = "from_customer"
TO_CUSTOMER = "to_customer"

DIRECTIONS = Vocabulary(
    Term(FROM_CUSTOMER, "From the customer", "the customer wrote to the shop (email reply or order page)"),
    Term(TO_CUSTOMER, "To the customer", "the shop wrote to the customer (dashboard or API), sent by email"),
)

# --- how a message came in or went out ----------------------------------------------------------

CHANNELS = Vocabulary(
    Term("email", "Email", "a reply to a Shipdesk email, received by `shipdesk inbound-email`, LMTP or HTTP"),
    Term("order_page", "Order page", "written on the customer's signed order page"),
    Term("dashboard", "Dashboard", "written by the seller on the order page"),
    Term("api", "API", "written by an integration through the REST API"),
)

# --- the seller's message templates ----------------------------------------------------------------

TEMPLATE_KEYS = Vocabulary(
    Term("delay_notice", "Delay notice", "the parcel or the preparation is late; when to expect it"),
    Term("out_of_stock", "Out of stock", "an item cannot be sent; what the customer may choose"),
    Term("substitute", "Substitute", "a similar item is offered in place of one out of stock"),
    Term("address_question", "Address question", "the address needs checking before the parcel leaves"),
)

# --- why an inbound email did not become a message ---------------------------------------------

INBOUND_REFUSALS = Vocabulary(
    Term("no_order", "Names no order", "no recipient is a per-order reply address"),
    Term("forged_address", "Forged reply address", "a reply address whose signature does not verify"),
    Term("unknown_order", "Unknown order", "the reply address is genuine but its order no longer exists"),
    Term("auto_reply", "Automatic reply", "an out-of-office or other automatic answer (RFC 3834, Precedence)"),
    Term("bounce", "Bounce", "a delivery status notification or a message from a mailer daemon"),
    Term("too_large", "Too large", "the message is larger than the inbound size limit"),
    Term("malformed", "Malformed", "the input is not an RFC 5322 message"),
    Term("empty", "Empty", "no new text and no attachment once quoted history is removed"),
)
INBOUND_OUTCOMES = Vocabulary(
    Term("accepted", "Accepted", "became a message in the order's conversation"),
    Term("duplicate", "Duplicate", "the same Message-ID was accepted before: nothing new written"),
    Term("refused", "Refused", "did not become a message; the reason says why"),
)

# --- support cases (seller → marketplace operator) ----------------------------------------------

CASE_TOPICS = Vocabulary(
    Term("payment_failed", "Payment failed", "the customer's payment failed or is in doubt"),
    Term("customer_dispute", "Customer dispute", "the customer disputes the order or the charge"),
    Term("carrier_problem", "Carrier problem", "the carrier lost, damaged or stalled the parcel"),
    Term("performance", "Performance", "a question about the shop's performance figures or standing"),
    Term("other", "Other", "anything else, said in the message"),
)
CASE_OPEN = "open"
CASE_ANSWERED = "answered"
CASE_CLOSED = "closed"
CASE_STATUSES = Vocabulary(
    Term(CASE_OPEN, "Waiting for support", "the seller wrote last: the operator owes an answer"),
    Term(CASE_ANSWERED, "Answered", "the operator wrote last: the seller may reply or close it"),
    Term(CASE_CLOSED, "Closed", "settled; a new message reopens it"),
)
CASE_AUTHORS = Vocabulary(
    Term("seller", "Seller", "someone of the shop"),
    Term("operator", "Support", "the marketplace operator"),
)
