"""The words of outgoing webhooks, each defined once: event types, subscription and delivery states.

The event types are a registry, not a closed list: an app that announces something new (returns,
claims) registers its type here at start-up (`register_event_type`), and — when the fact is an
order timeline event — which timeline type announces it (`announce_timeline_event`). The API's
enum, the dashboard's checkboxes and the docs read `EVENT_TYPES`. Pure: no ORM, no I/O.
"""

from __future__ import annotations

from shipdesk.orders import terms as order_terms
from shipdesk.orders.terms import Term, Vocabulary


class EventTypes(Vocabulary):
    """The event types a subscription may name; extended by other apps at start-up."""

    def register(self, term: Term) -> Term:
        known = self._by_value.get(term.value)
        if known is not None:
            if known != term:
                raise ValueError(f"Webhook event type {term.value!r} is registered twice, differently.")
            return known
        self.terms = (*self.terms, term)
        self._by_value[term.value] = term
        return term


# --- event types -------------------------------------------------------------------------------

ORDER_PLACED = "order.placed"
ORDER_CONFIRMED = "order.confirmed"
ORDER_PROCESSING = "order.processing"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_CANCELLED = "order.cancelled"
ORDER_REFUNDED = "order.refunded"
STOCK_LOW = "stock.low"
PING = "ping"

EVENT_TYPES = EventTypes(
    Term(ORDER_PLACED, "Order placed", "a new order came in (any channel, the checkout included)"),
    Term(ORDER_CONFIRMED, "Order confirmed", "the seller accepted the order"),
    Term(ORDER_PROCESSING, "Order processing", "the seller started packing; stock left the shelf"),
    Term(ORDER_SHIPPED, "Order shipped", "the parcel was handed to a carrier (carrier and tracking number)"),
    Term(ORDER_DELIVERED, "Order delivered", "the parcel reached the customer"),
    Term(ORDER_CANCELLED, "Order cancelled", "the whole order was cancelled (reason and refund)"),
    Term(ORDER_REFUNDED, "Order refunded", "money was refunded on the order (amount, tax)"),
    Term(STOCK_LOW, "Stock low", "a product's available stock fell to its low-stock threshold"),
)
# Sent only by "send a test ping", to the one subscription asked; never subscribed to.
PING_TERM = Term(PING, "Test ping", "a test delivery asked for by the subscriber")

# Which order timeline event announces which webhook event (orders.terms.EVENT_TYPES → here).
TIMELINE_ANNOUNCES: dict[str, str] = {
    "placed": ORDER_PLACED,
    "confirmed": ORDER_CONFIRMED,
    "processing_started": ORDER_PROCESSING,
    "shipped": ORDER_SHIPPED,
    "delivered": ORDER_DELIVERED,
    "cancelled": ORDER_CANCELLED,
    "refund_recorded": ORDER_REFUNDED,
}


def register_event_type(term: Term) -> Term:
    """Add an event type subscribers may choose (call once at start-up, from an AppConfig.ready)."""
    return EVENT_TYPES.register(term)


def announce_timeline_event(*, timeline_type: str, event_type: str) -> None:
    """Make every order timeline event of `timeline_type` announce the webhook event `event_type`."""
    if timeline_type not in order_terms.EVENT_TYPES:
        raise ValueError(f"{timeline_type!r} is not an order timeline event type.")
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Register the webhook event type {event_type!r} first.")
    known = TIMELINE_ANNOUNCES.get(timeline_type)
    if known is not None and known != event_type:
        raise ValueError(f"{timeline_type!r} already announces {known!r}.")
    TIMELINE_ANNOUNCES[timeline_type] = event_type


# --- subscription states -------------------------------------------------------------------------

ACTIVE = "active"
DISABLED = "disabled"

SUBSCRIPTION_STATES = Vocabulary(
    Term(ACTIVE, "Active", "receives the events it subscribes to"),
    Term(DISABLED, "Disabled", "receives nothing: turned off by the seller, or after failing for too long"),
)

# --- delivery states -----------------------------------------------------------------------------

QUEUED = "queued"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"

DELIVERY_STATES = Vocabulary(
    Term(QUEUED, "Queued", "waiting for its next attempt (or for an earlier event of the same order)"),
    Term(SENDING, "Sending", "claimed by a worker, being sent; returned by the reaper if that worker died"),
    Term(DELIVERED, "Delivered", "the endpoint answered 2xx"),
    Term(FAILED, "Failed", "out of attempts; redeliver it from the log"),
)
# Deliveries still owed: an earlier one of these holds back later events of the same order.
OPEN_DELIVERY_STATES = (QUEUED, SENDING)
