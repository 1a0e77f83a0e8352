"""The words of channels, each defined once: channel kinds, why an order is held, the state of a
fulfilment update sent back to a channel, and the state of a CSV import. Pure: no ORM, no I/O.
"""

from __future__ import annotations

from shipdesk.orders.terms import Term, Vocabulary

# --- channel kinds ----------------------------------------------------------------------------

SHOPIFY = "shopify"
WOOCOMMERCE = "woocommerce"
ETSY = "etsy"
AMAZON = "amazon"
CSV = "csv"
SANDBOX = "sandbox"

CHANNEL_KINDS = Vocabulary(
    Term(SHOPIFY, "Shopify", "a Shopify shop: signed webhooks in, fulfillments out"),
    Term(WOOCOMMERCE, "WooCommerce", "a WooCommerce store: signed webhooks in, order status out"),
    Term(ETSY, "Etsy", "an Etsy shop: v3 receipts imported, tracking sent back"),
    Term(AMAZON, "Amazon", "Amazon SP-API orders and the all-orders report, shipment confirmations out"),
    Term(CSV, "Spreadsheet", "orders imported from any CSV or TSV file through a column mapping"),
    Term(SANDBOX, "Sandbox channel", "a pretend channel for trying Shopify-shaped orders without a shop"),
)
# The kinds whose orders arrive by signed webhook.
WEBHOOK_KINDS = (SHOPIFY, WOOCOMMERCE, SANDBOX)


# --- why an order from a channel is held ------------------------------------------------------

UNMAPPED_SKU = "unmapped_sku"
NEEDS_REVIEW = "needs_review"

HOLD_REASONS = Vocabulary(
    Term(UNMAPPED_SKU, "Map this SKU", "a line names a channel SKU or listing with no product of ours"),
    Term(NEEDS_REVIEW, "Needs review", "the channel's order has fields Shipdesk cannot take as they are"),
)

HELD = "held"
RELEASED = "released"
DISCARDED = "discarded"

HELD_ORDER_STATES = Vocabulary(
    Term(HELD, "Held", "waiting for the seller (map a SKU, or review)"),
    Term(RELEASED, "Released", "placed as an order once its SKUs were mapped"),
    Term(DISCARDED, "Discarded", "the seller decided not to take it"),
)


# --- fulfilment sent back to the channel ------------------------------------------------------

SHIPMENT = "shipment"
CANCELLATION = "cancellation"

FULFILMENT_KINDS = Vocabulary(
    Term(SHIPMENT, "Shipment", "the parcel left with a carrier: carrier and tracking number"),
    Term(CANCELLATION, "Cancellation", "the order was cancelled here"),
)

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"

FULFILMENT_STATES = Vocabulary(
    Term(PENDING, "Waiting to send", "queued for the worker, or failed and waiting for its retry"),
    Term(SENT, "Sent", "the channel accepted it"),
    Term(FAILED, "Failed", "the channel refused it after every retry"),
    Term(SKIPPED, "Not needed", "the channel already knew (it told us first)"),
)


# --- CSV imports ------------------------------------------------------------------------------

IMPORT_QUEUED = "queued"
IMPORT_RUNNING = "running"
IMPORT_DONE = "done"
IMPORT_FAILED = "failed"

IMPORT_STATES = Vocabulary(
    Term(IMPORT_QUEUED, "Queued", "uploaded and mapped, waiting for the worker"),
    Term(IMPORT_RUNNING, "Importing", "the worker is placing its orders"),
    Term(IMPORT_DONE, "Done", "every row was read; bad rows are in the report"),
    Term(IMPORT_FAILED, "Failed", "the import stopped on an error of ours; nothing after it was read"),
)


# --- the fields a CSV column can be mapped to -------------------------------------------------

IMPORT_FIELDS = Vocabulary(
    Term("external_id", "Order id", "the channel's order number; rows with the same id are one order (required)"),
    Term("sku", "SKU", "the channel's SKU or listing id of the row's item (required)"),
    Term("quantity", "Quantity", "units of the item (required)"),
    Term("unit_price", "Unit price", "the price of one unit (or map the line total)"),
    Term("line_total", "Line total", "the price of all the row's units (Amazon's item-price)"),
    Term("line_tax", "Line tax", "the tax on the row's units"),
    Term("item_shipping", "Item shipping", "shipping charged on the row's item; the order's is their sum"),
    Term("item_shipping_tax", "Item shipping tax", "tax on the item's shipping"),
    Term("shipping_fee", "Order shipping", "the order's shipping fee, the same on each of its rows"),
    Term("shipping_tax", "Order shipping tax", "the tax on the order's shipping"),
    Term("order_tax", "Order tax", "the order's tax, shared over its lines"),
    Term("currency", "Currency", "ISO 4217 code (USD)"),
    Term("title", "Item name", "the item's name as the channel shows it"),
    Term("item_status", "Item status", "an item the channel cancelled (Cancelled) is cancelled here"),
    Term("status", "Order status", "the channel's status (paid, shipped, cancelled, Unshipped…)"),
    Term("payment_status", "Payment", "paid or unpaid (yes/no, true/false)"),
    Term("paid_at", "Date paid", "set when the order was paid"),
    Term("placed_at", "Order date", "when the customer ordered"),
    Term("customer_name", "Customer name", "the buyer's name"),
    Term("customer_email", "Customer email", "the buyer's email"),
    Term("customer_phone", "Customer phone", "the buyer's phone"),
    Term("ship_name", "Ship to name", "the recipient's name"),
    Term("ship_line1", "Address line 1", "street and number"),
    Term("ship_line2", "Address line 2", "apartment, suite"),
    Term("ship_city", "City", "the city"),
    Term("ship_region", "State or region", "state, province or region"),
    Term("ship_postal_code", "Postal code", "ZIP or postal code"),
    Term("ship_country", "Country", "ISO code (US) or English name (United States)"),
    Term("carrier", "Carrier", "the carrier of a shipped order"),
    Term("tracking_number", "Tracking number", "the tracking number of a shipped order"),
    Term("note", "Note", "a note kept on the order"),
)
REQUIRED_IMPORT_FIELDS = ("external_id", "sku", "quantity")
