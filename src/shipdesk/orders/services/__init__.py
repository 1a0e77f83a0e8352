"""Order actions: the only code that changes an order. This package's public surface.

Each public function is one business action in one transaction. It locks rows in the fixed
order (`orders.locks`: the order, then its lines by id, then products, then ledger rows), checks
`orders.workflow`, changes the rows, and writes the timeline event (`orders.events`) and outbox
rows before commit — so a failure anywhere leaves nothing half-written, and every committed
change has its event and its messages.

Each action takes the moment it acts at as the keyword-only `at` (default: now). That one value
dates everything the action writes — the status timestamp, the deadlines computed from it, the
timeline event, stock moves, ledger entries, refunds and outbox rows — so an action replayed at
a past moment (the demo shop, tests) reads exactly as if it had happened then.

One module per business action: `placing`, `transitions` (confirm, process, deliver), `parcels`
(ship in one parcel or several; a delivered parcel), `cancellation` (and the customer's request
to cancel), `after_shipment` (refunds after shipment), `payment`, `short_lines`, `notes`,
`addresses` (corrections before shipping), `labels` (buy, void, ship with a label) and
`label_batches` (labels for many orders). Reads (guard facts, refund previews) are in
`orders.selectors`, tracking-number checks in `shipping.selectors`; both stay importable from
here for the callers that import them from `orders.services`.
"""

from shipdesk.orders.selectors import cancellation_refund, line_cancellation_refund, order_facts
from shipdesk.shipping.selectors import check_tracking

from .addresses import correct_address
from .after_shipment import refund_shipped_order
from .cancellation import cancel_line, cancel_order, request_cancellation
from .label_batches import run_label_batch, start_label_batch
from .labels import buy_label, ship_with_label, void_label
from .notes import add_note
from .parcels import deliver_parcel, ship_order, ship_parcel
from .payment import count_refund, update_payment
from .placing import MAX_LINES, MAX_QUANTITY, NewOrder, NewOrderLine, place_order
from .short_lines import reserve_short_lines
from .transitions import confirm_order, deliver_order, process_order

__all__ = [
    "MAX_LINES",
    "MAX_QUANTITY",
    "NewOrder",
    "NewOrderLine",
    "add_note",
    "buy_label",
    "cancel_line",
    "cancel_order",
    "cancellation_refund",
    "check_tracking",
    "confirm_order",
    "correct_address",
    "count_refund",
    "deliver_order",
    "deliver_parcel",
    "line_cancellation_refund",
    "order_facts",
    "place_order",
    "process_order",
    "refund_shipped_order",
    "request_cancellation",
    "reserve_short_lines",
    "run_label_batch",
    "ship_order",
    "ship_parcel",
    "ship_with_label",
    "start_label_batch",
    "update_payment",
    "void_label",
]
