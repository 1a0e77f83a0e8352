"""What orders does when a lower app announces something: filled into those apps' registries once,
at start-up (`OrdersConfig.ready`).

Inventory, payments and shipping sit below order services (docs/architecture.md): they cannot
import `orders.services`, so each keeps a list of callables and calls whatever is registered there.
This module is the one place that wires order services into them.
"""

from __future__ import annotations

from shipdesk.inventory.services import STOCK_ADDED
from shipdesk.payments.provider_events import PAYMENT_APPLIERS
from shipdesk.shipping.services import DELIVERY_REPORTED, LABEL_SCANNED

from .services import deliver_parcel, reserve_short_lines, ship_with_label, update_payment


def _register(registry: list, func) -> None:
    # Idempotent: ready() may run more than once (tests that reload apps).
    if func not in registry:
        registry.append(func)


def register_order_services() -> None:
    # Stock added to a product → its short lines are reserved, oldest first, in the same transaction.
    _register(STOCK_ADDED, reserve_short_lines)
    # A provider's payment event → the order's payment status (and the events it writes).
    _register(PAYMENT_APPLIERS, update_payment)
    # A carrier says a parcel arrived → the shipped order is delivered with its last parcel, at
    # the carrier's time (a claim's reshipment leaves the order as it is).
    _register(DELIVERY_REPORTED, deliver_parcel)
    # A carrier scans a label bought through Shipdesk before the order was marked shipped → it ships.
    _register(LABEL_SCANNED, ship_with_label)
