"""Reading an order file through a column mapping: any CSV or TSV (a marketplace's export, a
spreadsheet) → IncomingOrders, one per order id, with one report line per bad row. Pure.

A mapping says which column holds which field (`terms.IMPORT_FIELDS`); rows with the same order
id are one order, its order-level fields read from its first row. Amazon's all-orders report and
Etsy's sold-order-items export have built-in mappings (`BUILT_IN`), recognised by their headers.
A row with a bad value is reported with its line number, and its order is not imported (an
order is never placed with a line missing).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from shipdesk import money

from . import terms
from .incoming import (
    IncomingLine,
    IncomingOrder,
    aware,
    carrier_of,
    country_code,
    decimal_of,
    placeholder_email,
    split_exactly,
    unit_price_of,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
PREVIEW_ROWS = 5


@dataclass(frozen=True)
class BuiltInMapping:
    name: str
    label: str
    kind: str  # the channel the orders are from
    columns: dict[str, str]  # field → header
    # Values for fields the file does not have: Amazon's report carries no buyer or street.
    defaults: dict[str, str] = field(default_factory=dict)


AMAZON_FLAT_FILE = BuiltInMapping(
    name="amazon-all-orders",
    label="Amazon all-orders report (flat file)",
    kind=terms.AMAZON,
    columns={
        "external_id": "amazon-order-id",
        "placed_at": "purchase-date",
        "status": "order-status",
        "title": "product-name",
        "sku": "sku",
        "item_status": "item-status",
        "quantity": "quantity",
        "currency": "currency",
        "line_total": "item-price",
        "line_tax": "item-tax",
        "item_shipping": "shipping-price",
        "item_shipping_tax": "shipping-tax",
        "ship_city": "ship-city",
        "ship_region": "ship-state",
        "ship_postal_code": "ship-postal-code",
        "ship_country": "ship-country",
    },
    defaults={
        "customer_name": "Amazon buyer",
        "ship_name": "Amazon buyer",
        "ship_line1": "Street address in Amazon Seller Central",
    },
)
ETSY_SOLD_ITEMS = BuiltInMapping(
    name="etsy-sold-order-items",
    label="Etsy sold order items (CSV)",
    kind=terms.ETSY,
    columns={
        "external_id": "Order ID",
        "placed_at": "Sale Date",
        "title": "Item Name",
        "customer_name": "Ship Name",
        "quantity": "Quantity",
        "unit_price": "Price",
        "shipping_fee": "Order Shipping",
        "order_tax": "Order Sales Tax",
        "currency": "Currency",
        "sku": "SKU",
        "paid_at": "Date Paid",
        "ship_name": "Ship Name",
        "ship_line1": "Ship Address1",
        "ship_line2": "Ship Address2",
        "ship_city": "Ship City",
        "ship_region": "Ship State",
        "ship_postal_code": "Ship Zipcode",
        "ship_country": "Ship Country",
    },
)
BUILT_IN = {mapping.name: mapping for mapping in (AMAZON_FLAT_FILE, ETSY_SOLD_ITEMS)}

# A channel's status word (any case) → where the order lands and whether it is paid.
STATUS_WORDS = {
    "pending": ("pending", False),
    "unpaid": ("pending", False),
    "open": ("pending", False),
    "payment processing": ("pending", False),
    "pendingavailability": ("pending", False),
    "on-hold": ("pending", False),
    "paid": ("confirmed", True),
    "confirmed": ("confirmed", True),
    "unshipped": ("confirmed", True),
    "processing": ("processing", True),
    "partiallyshipped": ("processing", True),
    "shipped": ("shipped", True),
    "completed": ("shipped", True),
    "invoiceunconfirmed": ("shipped", True),
    "delivered": ("shipped", True),
    "cancelled": ("cancelled", False),
    "canceled": ("cancelled", False),
    "unfulfillable": ("cancelled", False),
    "refunded": ("cancelled", True),
}
YES = ("paid", "yes", "y", "true", "1")
NO = ("unpaid", "no", "n", "false", "0", "")
DATE_FORMATS = ("%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M")


class FileProblem(ValueError):
    """The file as a whole cannot be read (not text, no header, too big)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # data rows; row i is line i + 2 of the file


def read_table(content: bytes | str) -> Table:
    """The file's header and rows: UTF-8 (with or without BOM) or Latin-1; tab, comma or semicolon."""
    if isinstance(content, bytes):
        if len(content) > MAX_BYTES:
            raise FileProblem(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("latin-1")
    else:
        text = content.removeprefix("\ufeff")
    if "\x00" in text:
        raise FileProblem("The file is not text (CSV or TSV).")
    first = text.split("\n", 1)[0]
    delimiter = max(("\t", ",", ";"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileProblem("The file is empty.") from None
    except csv.Error as exc:
        raise FileProblem(f"The file is not CSV: {exc}") from None
    if not any(headers):
        raise FileProblem("The first line should name the columns.")
    rows = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"More than {MAX_ROWS} rows: split the file.")
    except csv.Error as exc:
        raise FileProblem(f"Line {reader.line_num}: {exc}") from None
    return Table(headers=headers, rows=rows)


def built_in_for(headers: list[str]) -> BuiltInMapping | None:
    """The built-in mapping whose columns the file has (Amazon's report, Etsy's export)."""
    present = set(headers)
    for mapping in BUILT_IN.values():
        if set(mapping.columns.values()) <= present:
            return mapping
    return None


def guess_columns(headers: list[str]) -> dict[str, str]:
    """A first guess for a file no mapping knows: a header that names a field, loosely."""

    def simple(value: str) -> str:
        return "".join(ch for ch in value.lower() if ch.isalnum())

    by_name = {simple(h): h for h in headers}
    guesses = {}
    for term in terms.IMPORT_FIELDS:
        for candidate in (term.value, term.label):
            if simple(candidate) in by_name:
                guesses[term.value] = by_name[simple(candidate)]
                break
    return guesses


def mapping_problems(columns: dict[str, str], headers: list[str] | None = None) -> dict[str, list[str]]:
    """What is wrong with a mapping: unknown fields, missing required ones, absent columns."""
    problems: dict[str, list[str]] = {}
    for name, header in columns.items():
        if name not in terms.IMPORT_FIELDS:
            problems.setdefault(name, []).append("Not a field orders can be imported into.")
        elif headers is not None and header and header not in headers:
            problems.setdefault(name, []).append(f"The file has no column {header!r}.")
    for name in terms.REQUIRED_IMPORT_FIELDS:
        if not columns.get(name):
            problems.setdefault(name, []).append("Map a column to this field.")
    if not columns.get("unit_price") and not columns.get("line_total"):
        problems.setdefault("unit_price", []).append("Map the unit price or the line total.")
    return problems


@dataclass
class RowProblem:
    row: int  # the file's line number (the header is line 1)
    message: str


@dataclass
class OrderRows:
    first_row: int
    rows: list[int]
    incoming: IncomingOrder | None  # None when one of its rows is bad


def orders_in(
    table: Table,
    columns: dict[str, str],
    *,
    kind: str,
    defaults: dict[str, str] | None = None,
    default_currency: str = "",
) -> Iterator[OrderRows | RowProblem]:
    """Each order of the file (its rows grouped by order id, in file order), and a RowProblem for
    each bad row (its order then comes out with `incoming` None)."""
    index = {header: i for i, header in enumerate(table.headers)}
    defaults = defaults or {}

    def cell(row: list[str], name: str) -> str:
        header = columns.get(name)
        if header and header in index and index[header] < len(row):
            value = row[index[header]].strip()
            if value:
                return value
        return defaults.get(name, "")

    groups: dict[str, list[tuple[int, list[str]]]] = {}
    for offset, row in enumerate(table.rows):
        line_number = offset + 2
        external_id = cell(row, "external_id")
        if not external_id:
            yield RowProblem(line_number, "No order id.")
            continue
        groups.setdefault(external_id, []).append((line_number, row))

    for external_id, rows in groups.items():
        problems = []
        incoming = _order_of(external_id, rows, cell, kind=kind, default_currency=default_currency, problems=problems)
        yield from problems
        yield OrderRows(first_row=rows[0][0], rows=[n for n, _ in rows], incoming=None if problems else incoming)


def _order_of(external_id, rows, cell, *, kind, default_currency, problems) -> IncomingOrder:
    first = rows[0][1]
    currency = (cell(first, "currency") or default_currency).upper()
    incoming = IncomingOrder(external_id=external_id[:128], currency=currency, lines=[])
    if not money.is_currency(currency):
        problems.append(RowProblem(rows[0][0], f"Unknown currency {currency!r}." if currency else "No currency."))
        return incoming
    status_word = cell(first, "status").lower()
    incoming.channel_status = status_word
    incoming.status, incoming.paid = STATUS_WORDS.get(status_word, ("pending", False))
    if status_word and status_word not in STATUS_WORDS:
        problems.append(RowProblem(rows[0][0], f"Unknown order status {cell(first, 'status')!r}."))
    payment = cell(first, "payment_status").lower()
    if payment:
        if payment not in YES + NO:
            problems.append(RowProblem(rows[0][0], f"Payment {payment!r}: say paid or unpaid."))
        incoming.paid = incoming.paid or payment in YES
    if cell(first, "paid_at"):
        incoming.paid = True
    if incoming.paid and incoming.status == "pending" and kind == terms.ETSY:
        incoming.status = "confirmed"  # Etsy lists paid sales: "paid" is its confirmed (see connectors.etsy)
    placed = cell(first, "placed_at")
    if placed:
        incoming.placed_at = _date(placed)
        if incoming.placed_at is None:
            problems.append(RowProblem(rows[0][0], f"Order date {placed!r} is not a date (2024-05-31 or 05/31/24)."))
    incoming.customer_name = cell(first, "customer_name") or cell(first, "ship_name")
    incoming.customer_email = cell(first, "customer_email") or placeholder_email(kind, external_id)
    incoming.customer_phone = cell(first, "customer_phone")
    incoming.ship_name = cell(first, "ship_name") or incoming.customer_name
    incoming.ship_line1 = cell(first, "ship_line1")
    incoming.ship_line2 = cell(first, "ship_line2")
    incoming.ship_city = cell(first, "ship_city")
    incoming.ship_region = cell(first, "ship_region")
    incoming.ship_postal_code = cell(first, "ship_postal_code")
    incoming.ship_country = country_code(cell(first, "ship_country"))
    incoming.note = cell(first, "note")[:5000]
    incoming.carrier = carrier_of(cell(first, "carrier")) or ("other" if cell(first, "carrier") else "")
    incoming.tracking_number = cell(first, "tracking_number")

    totals: list[Decimal] = []
    try:
        incoming.shipping_fee = decimal_of(cell(first, "shipping_fee"))
        incoming.shipping_tax = decimal_of(cell(first, "shipping_tax"))
        order_tax = decimal_of(cell(first, "order_tax"))
    except ValueError as exc:
        problems.append(RowProblem(rows[0][0], f"{exc}."))
        return incoming
    for line_number, row in rows:
        try:
            line = _line_of(row, cell, currency)
            incoming.shipping_fee += decimal_of(cell(row, "item_shipping"))
            incoming.shipping_tax += decimal_of(cell(row, "item_shipping_tax"))
        except ValueError as exc:
            problems.append(RowProblem(line_number, str(exc)))
            continue
        incoming.lines.append(line)
        totals.append(line.unit_price * line.quantity)
    if order_tax and not problems:
        for line, share in zip(incoming.lines, split_exactly(order_tax, totals, currency), strict=True):
            line.tax += share
    return incoming


def _line_of(row, cell, currency: str) -> IncomingLine:
    sku = cell(row, "sku")
    if not sku:
        raise ValueError("No SKU.")
    try:
        quantity = int(cell(row, "quantity") or "0")
    except ValueError:
        raise ValueError(f"Quantity {cell(row, 'quantity')!r} is not a whole number.") from None
    if quantity < 1:
        raise ValueError("Quantity must be at least 1.")
    try:
        if cell(row, "line_total"):
            line_total = decimal_of(cell(row, "line_total"))
            unit = unit_price_of(line_total, quantity, currency)
            if unit is None:
                raise ValueError(f"{line_total} for {quantity} units is not a whole price per unit.")
        else:
            unit = decimal_of(cell(row, "unit_price"), default="-1")
            if unit < 0:
                raise ValueError("No unit price.")
        tax = decimal_of(cell(row, "line_tax"))
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message if message.endswith(".") else f"{message}.") from None
    for name, amount in (("Unit price", unit), ("Tax", tax)):
        if not money.fits_currency(amount, currency):
            raise ValueError(f"{name} {amount}: {currency} has {money.minor_units(currency)} decimal places.")
    cancelled = cell(row, "item_status").lower() in ("cancelled", "canceled")
    return IncomingLine(
        channel_sku=sku[:128],
        title=cell(row, "title")[:300],
        quantity=quantity,
        unit_price=unit,
        tax=tax,
        cancelled=cancelled,
    )


def _date(value: str) -> datetime | None:
    parsed = aware(value)
    if parsed is not None:
        return parsed
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
