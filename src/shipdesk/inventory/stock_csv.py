"""Stock as CSV: export for a spreadsheet, import a stocktake back — all rows or none.

The import reads the whole file and checks every row before it changes anything; any bad row
rejects the file with each problem and its line number. The checked rows are then applied in one
transaction through the stock services, so a row that fails at that point (stock reserved by an
order placed meanwhile) still rolls every row back.

The export neutralises spreadsheet formulas: a cell whose first visible character is = + - @
(after any spaces, tabs or line breaks; full-width ＝ ＋ － ＠ too) gets a leading apostrophe
(OWASP "CSV injection"), so a product title like
`=HYPERLINK(...)` is shown as text, never run. The import takes such an apostrophe off again,
so an exported file imports unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from shipdesk import money
from shipdesk.actors import Actor
from shipdesk.errors import ShipdeskError
from shipdesk.ops.replica_routing import export_alias
from shipdesk.single_line import single_line_problem
from shipdesk.spreadsheet_cells import spreadsheet_safe, spreadsheet_unescaped

from . import services
from .models import MAX_ON_HAND, Product

EXPORT_COLUMNS = (
    "sku",
    "title",
    "barcode",
    "price",
    "currency",
    "on_hand",
    "reserved",
    "available",
    "low_stock_threshold",
)
MAX_ROWS = 10_000
MAX_BYTES = 2 * 1024 * 1024


def export_rows(*, seller_id: int) -> Iterator[str]:
    """The shop's products as CSV text, a line at a time (streams any size of catalogue)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield flush()
    products = (
        Product.objects.using(export_alias()).filter(seller_id=seller_id).order_by("sku").iterator(chunk_size=500)
    )
    for p in products:
        values = (
            p.sku,
            p.title,
            p.barcode,
            money.format_amount(p.price, p.currency),
            p.currency,
            p.on_hand,
            p.reserved,
            p.available,
            p.low_stock_threshold,
        )
        writer.writerow([spreadsheet_safe(v) for v in values])
        yield flush()


@dataclass(frozen=True)
class RowError:
    line: int  # the line of the file, counting the header as line 1
    sku: str
    message: str


@dataclass(frozen=True)
class _Row:
    line: int
    sku: str
    on_hand: int
    product: Product | None  # None: a new product, created from the row
    title: str = ""
    price: Decimal | None = None
    currency: str = ""
    barcode: str = ""


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    updated: int = 0  # existing products whose count changed
    unchanged: int = 0
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileRejected(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


def _read(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if len(data) > MAX_BYTES:
        raise _FileRejected([RowError(0, "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FileRejected(
            [RowError(0, "", "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise _FileRejected([RowError(0, "", "The file is empty.")])
        columns = [spreadsheet_unescaped(c).strip().lower() for c in header]
        missing = [c for c in ("sku", "on_hand") if c not in columns]
        if missing:
            raise _FileRejected([RowError(1, "", f"The header row needs the column(s) {', '.join(missing)}.")])
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(rows) >= MAX_ROWS:
                raise _FileRejected([RowError(reader.line_num, "", f"At most {MAX_ROWS} rows per file.")])
            rows.append(
                (reader.line_num, {c: spreadsheet_unescaped(v).strip() for c, v in zip(columns, values, strict=False)})
            )
    except csv.Error as exc:
        raise _FileRejected([RowError(reader.line_num, "", f"Not a readable CSV file: {exc}.")]) from None
    return columns, rows


def _check(*, seller_id: int, rows: list[tuple[int, dict[str, str]]]) -> tuple[list[_Row], list[RowError]]:
    # Only SKUs that can exist are looked up: one with a NUL would make PostgreSQL refuse the
    # query itself (that row is reported below instead).
    skus = {sku for _, values in rows if not single_line_problem(sku := values.get("sku", ""))}
    products = {p.sku: p for p in Product.objects.filter(seller_id=seller_id, sku__in=skus)}
    checked: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, values in rows:
        sku = values.get("sku", "")
        problems: list[str] = []
        if not sku:
            errors.append(RowError(line, "", "The SKU is empty."))
            continue
        if sku in seen:
            errors.append(RowError(line, sku, f"{sku} is also on line {seen[sku]}; give each SKU once."))
            continue
        seen[sku] = line
        text_problems = [
            f"{column}: {problem}"
            for column in ("sku", "title", "currency", "barcode")
            if (problem := single_line_problem(values.get(column, "")))
        ]
        if text_problems:
            errors.extend(RowError(line, sku, p) for p in text_problems)
            continue
        raw_count = values.get("on_hand", "")
        try:
            on_hand = int(raw_count)
        except ValueError:
            on_hand = -1
            problems.append(f"on_hand must be a whole number, not {raw_count!r}." if raw_count else "on_hand is empty.")
        else:
            if on_hand < 0:
                problems.append("on_hand cannot be negative.")
            elif on_hand > MAX_ON_HAND:
                problems.append(f"on_hand can be at most {MAX_ON_HAND:,}.")
        product = products.get(sku)
        row = None
        if product is not None:
            if on_hand >= 0 and on_hand < product.reserved:
                problems.append(f"{product.reserved} units are reserved for open orders; on_hand cannot be below that.")
            row = _Row(line=line, sku=sku, on_hand=on_hand, product=product)
        else:
            title, currency, raw_price = (
                values.get("title", ""),
                values.get("currency", "").upper(),
                values.get("price", ""),
            )
            if not (title and currency and raw_price):
                problems.append(f"Unknown SKU {sku}. To add a new product, give its title, price and currency.")
            else:
                price = None
                try:
                    price = Decimal(raw_price)
                except InvalidOperation:
                    problems.append(f"price must be a number, not {raw_price!r}.")
                if not money.is_currency(currency):
                    problems.append(f"Unknown currency {currency!r}.")
                elif price is not None and (price < 0 or not money.fits_currency(price, currency)):
                    problems.append(
                        f"price must be a positive amount with {money.minor_units(currency)} decimals in {currency}."
                    )
                if any(c.isspace() for c in sku):
                    problems.append("A SKU is one word without spaces.")
                if len(sku) > 64 or len(title) > 300:
                    problems.append("The SKU (64) or title (300 characters) is too long.")
                row = _Row(
                    line=line,
                    sku=sku,
                    on_hand=on_hand,
                    product=None,
                    title=title,
                    price=price,
                    currency=currency,
                    barcode=values.get("barcode", ""),
                )
        if problems:
            errors.extend(RowError(line, sku, p) for p in problems)
        else:
            checked.append(row)
    return checked, errors


def import_stock_counts(*, seller_id: int, data: bytes, actor: Actor, reason: str) -> ImportReport:
    """Set on-hand counts from a CSV file (columns `sku`, `on_hand`; `title`, `price`, `currency`
    and `barcode` to add a product). Every row is applied, or none."""
    report = ImportReport()
    reason = (reason or "").strip() or "CSV import"
    try:
        _, rows = _read(data)
        if not rows:
            raise _FileRejected([RowError(0, "", "The file has a header but no rows.")])
        checked, errors = _check(seller_id=seller_id, rows=rows)
        if errors:
            raise _FileRejected(errors)
        with transaction.atomic():
            # SKU order, the lock order every multi-product transaction keeps.
            for row in sorted(checked, key=lambda r: r.sku):
                try:
                    _apply(seller_id=seller_id, row=row, actor=actor, reason=reason, report=report)
                except ShipdeskError as exc:
                    raise _FileRejected([RowError(row.line, row.sku, exc.message)]) from exc
    except _FileRejected as rejected:
        return ImportReport(errors=sorted(rejected.errors, key=lambda e: e.line))
    return report


def _apply(*, seller_id: int, row: _Row, actor: Actor, reason: str, report: ImportReport) -> None:
    if row.product is None:
        services.create_product(
            seller_id=seller_id,
            sku=row.sku,
            title=row.title,
            price=row.price,
            currency=row.currency,
            barcode=row.barcode,
            on_hand=row.on_hand,
            actor=actor,
        )
        report.created += 1
        return
    # Set even when the count read earlier matches: the file is the counted truth now.
    services.change_stock(seller_id=seller_id, sku=row.sku, actor=actor, reason=reason[:200], on_hand=row.on_hand)
    if row.on_hand == row.product.on_hand:
        report.unchanged += 1
    else:
        report.updated += 1
