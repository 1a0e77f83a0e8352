"""Running a CSV import: the worker's half (`channels.imports.start_import` queued it).

Rows are grouped into orders (`csv_mapping.orders_in`), each received like any channel's order
(`services.receive_order`: placed, held for a SKU, or left alone when it exists). An order whose
id was imported before is skipped before any work, so a second upload of a file creates nothing
and takes seconds. Progress is written every few hundred rows, for the progress bar; orders are
committed in batches, each order in its own savepoint (a failing order spoils no other).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from . import terms
from .csv_mapping import BUILT_IN, FileProblem, OrderRows, RowProblem, orders_in, read_table
from .models import ChannelOrder, HeldOrder, OrderImport
from .services import channel_for, receive_order

BATCH_ORDERS = 200
PROGRESS_EVERY_ROWS = 250


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
    seen = set(
        ChannelOrder.objects.filter(seller_id=channel.seller_id, channel=channel).values_list("external_id", flat=True)
    ) | set(
        HeldOrder.objects.filter(seller_id=channel.seller_id, channel=channel).values_list("external_id", flat=True)
    )

    counts = {"placed": 0, "held": 0, "existing": 0}
    report: list[dict] = []
    done = 0
    last_written = 0
    batch: list[OrderRows] = []

    def flush() -> None:
        with transaction.atomic():
            for item in batch:
                receipt = receive_order(channel=channel, incoming=item.incoming)
                key = {"placed": "placed", "held": "held"}.get(receipt.outcome, "existing")
                counts[key] += 1
        batch.clear()

    for item in orders_in(table, columns, kind=channel.kind, defaults=built_in.defaults if built_in else None):
        if isinstance(item, RowProblem):
            report.append({"row": item.row, "message": item.message})
            continue
        done += len(item.rows)
        if item.incoming is None:
            continue
        if item.incoming.external_id in seen:
            counts["existing"] += 1
        else:
            seen.add(item.incoming.external_id)
            batch.append(item)
            if len(batch) >= BATCH_ORDERS:
                flush()
        if done - last_written >= PROGRESS_EVERY_ROWS:
            last_written = done
            OrderImport.objects.filter(pk=import_id).update(done_rows=done, **counts)
            if progress:
                progress(done, len(table.rows))
    if batch:
        flush()
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
