"""Running a CSV import: the worker's half (`channels.imports.start_import` queued it).

Rows are grouped into orders (`csv_mapping.orders_in`) and taken a chunk of orders at a time. Per
chunk, one lookup finds the orders already here (linked or held: skipped before any work, so a
second upload of a file creates nothing and takes seconds), and `services.receive_new_orders`
places or holds the others, reading the SKU map and products for the whole chunk once; each
order is its own transaction (a failing order spoils no other, and none is half-written). The
progress is written after each chunk, for the progress bar. The statements per order outside
`place_order` are pinned by a test (tests/channels/test_order_file_import.py), so a query per
order cannot creep back in.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from . import terms
from .csv_mapping import BUILT_IN, FileProblem, OrderRows, RowProblem, orders_in, read_table
from .models import OrderImport
from .selectors import received_external_ids
from .services import channel_for, receive_new_orders

# Orders per chunk: the lookups are per chunk, and so is the progress (about 2 s of work here).
CHUNK_ORDERS = 100


def run_import(*, import_id: int, progress: Callable[[int, int], None] | None = None) -> str:
    """Import the file; returns a summary. `progress(done_rows, total_rows)` is called as it goes."""
    order_import = OrderImport.objects.filter(pk=import_id).first()
    if order_import is None or order_import.status == terms.IMPORT_DONE:
        return "nothing to do"
    OrderImport.objects.filter(pk=import_id).update(status=terms.IMPORT_RUNNING)
    try:
        table = read_table(order_import.content)
    except FileProblem as exc:
        _finish(order_import, status=terms.IMPORT_FAILED, report=[{"row": 1, "message": str(exc)}])
        return "failed"
    columns = {k: v for k, v in order_import.columns.items() if not k.startswith("_")}
    built_in = BUILT_IN.get(order_import.columns.get("_mapping", ""))
    channel = channel_for(seller_id=order_import.seller_id, kind=order_import.channel_kind)

    counts = {"placed": 0, "held": 0, "existing": 0}
    report: list[dict] = []
    done = 0  # rows of the orders handled so far
    chunk: list[OrderRows] = []

    def receive_chunk() -> None:
        nonlocal done
        wanted = [item.incoming for item in chunk if item.incoming is not None]
        here = received_external_ids(
            seller_id=channel.seller_id, channel_id=channel.pk, external_ids=[i.external_id for i in wanted]
        )
        counts["existing"] += sum(1 for incoming in wanted if incoming.external_id in here)
        fresh = [incoming for incoming in wanted if incoming.external_id not in here]
        for receipt in receive_new_orders(channel=channel, incomings=fresh):
            key = {"placed": "placed", "held": "held"}.get(receipt.outcome, "existing")
            counts[key] += 1
        done += sum(len(item.rows) for item in chunk)
        chunk.clear()
        OrderImport.objects.filter(pk=import_id).update(done_rows=done, **counts)
        if progress:
            progress(done, len(table.rows))

    # A chunk's lookup sees what the chunks before it committed. Ids are unique in a file
    # (`orders_in` groups its rows by id); two long ids cut to the same 128 characters are caught
    # by the unique keys in `receive_new_orders`.
    for item in orders_in(table, columns, kind=channel.kind, defaults=built_in.defaults if built_in else None):
        if isinstance(item, RowProblem):
            report.append({"row": item.row, "message": item.message})
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK_ORDERS:
            receive_chunk()
    if chunk:
        receive_chunk()
    report.sort(key=lambda line: line["row"])
    _finish(order_import, status=terms.IMPORT_DONE, report=report, done_rows=len(table.rows), **counts)
    if progress:
        progress(len(table.rows), len(table.rows))
    return (
        f"{counts['placed']} placed, {counts['held']} held, {counts['existing']} already here, {len(report)} bad rows"
    )


def _finish(order_import: OrderImport, *, status: str, report: list[dict], **fields) -> None:
    OrderImport.objects.filter(pk=order_import.pk).update(
        status=status, report=report, finished_at=timezone.now(), content="", **fields
    )
