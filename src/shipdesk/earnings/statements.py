"""CSV statements of a seller's ledger in one currency, safe to open in a spreadsheet.

Text cells go through `spreadsheet_cells.spreadsheet_safe` (a cell whose first visible
character is = + - @, full-width ones too, is prefixed with an apostrophe, so it is never run as
a formula). Amounts are written as plain
decimals: we produce them from `Decimal`, and a refund's "-10.00" must stay a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS

from shipdesk import money
from shipdesk.accounts.models import Seller
from shipdesk.spreadsheet_cells import spreadsheet_safe

from .models import LedgerEntry

# `customer` comes last so the columns a spreadsheet already reads keep their places.
COLUMNS = (
    "date",
    "kind",
    "order",
    "description",
    "pending",
    "available",
    "paid_out",
    "balance_pending",
    "balance_available",
    "balance_paid_out",
    "customer",
)
BATCH = 500


def statement_lines(
    *, seller_id: int, currency: str, up_to_entry_id: int | None = None, database: str = DEFAULT_DB_ALIAS
) -> Iterator[str]:
    """The statement, oldest entry first, with running balances; yields CSV text in chunks. Read
    from `database`: the dashboard's download names a replica; a payout's statement, written
    right after the payout, reads the primary that has it."""
    seller = Seller.objects.using(database).get(pk=seller_id)
    zone = ZoneInfo(seller.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    totals = [Decimal(0), Decimal(0), Decimal(0)]
    last_id = 0
    while True:
        qs = (
            LedgerEntry.objects.using(database)
            .filter(seller_id=seller_id, currency=currency, id__gt=last_id)
            .select_related("order")
        )
        if up_to_entry_id is not None:
            qs = qs.filter(id__lte=up_to_entry_id)
        batch = list(qs.order_by("id")[:BATCH])
        if not batch:
            break
        for e in batch:
            totals = [totals[0] + e.pending, totals[1] + e.available, totals[2] + e.paid_out]
            writer.writerow(
                [
                    e.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    spreadsheet_safe(e.kind),
                    f"#{e.order.number}" if e.order_id else "",
                    spreadsheet_safe(e.description),
                    *(money.format_amount(v, currency) for v in (e.pending, e.available, e.paid_out, *totals)),
                    spreadsheet_safe(e.order.customer_name) if e.order_id else "",
                ]
            )
        last_id = batch[-1].pk
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
