"""CSV imports, the seller's half: preview a file, save a column mapping, start an import.

The worker's half (`channels.import_runs`) places the orders, reporting progress as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shipdesk.errors import NotFound, ValidationFailed
from shipdesk.single_line import single_line_problem

from . import terms
from .csv_mapping import (
    BUILT_IN,
    PREVIEW_ROWS,
    FileProblem,
    Table,
    built_in_for,
    guess_columns,
    mapping_problems,
    read_table,
)
from .models import ImportMapping, OrderImport
from .tasks import import_orders


@dataclass(frozen=True)
class Preview:
    headers: list[str]
    rows: list[list[str]]  # the first rows, as the file has them
    row_count: int
    mapping_name: str  # the mapping proposed: a built-in one, the shop's saved one, or ""
    columns: dict[str, str]  # field → header, proposed
    kind: str  # the channel the orders are from


def read_file(content: bytes | str) -> Table:
    try:
        return read_table(content)
    except FileProblem as exc:
        raise ValidationFailed(str(exc), details={"file": [str(exc)]}) from None


def preview_file(*, seller_id: int, content: bytes | str) -> Preview:
    """The first rows and a proposed mapping: the built-in one for Amazon's or Etsy's export, else
    a saved mapping of the shop whose columns the file has (the most recent), else a guess."""
    table = read_file(content)
    rows = table.rows[:PREVIEW_ROWS]
    built_in = built_in_for(table.headers)
    if built_in is not None:
        return Preview(table.headers, rows, len(table.rows), built_in.name, dict(built_in.columns), built_in.kind)
    for saved in ImportMapping.objects.filter(seller_id=seller_id).order_by("-updated_at"):
        if not mapping_problems(saved.columns, table.headers):
            return Preview(table.headers, rows, len(table.rows), saved.name, dict(saved.columns), terms.CSV)
    return Preview(table.headers, rows, len(table.rows), "", guess_columns(table.headers), terms.CSV)


def save_mapping(*, seller_id: int, name: str, columns: dict[str, str]) -> ImportMapping:
    """Save (or replace) a named column mapping of the shop. Guards: a one-line name of at most
    100 characters, not a built-in's; known fields; the required ones mapped (422)."""
    name = (name or "").strip()
    columns = {field: header for field, header in columns.items() if header}
    errors = mapping_problems(columns)
    if not name or len(name) > 100 or single_line_problem(name):
        errors.setdefault("name", []).append("One line of 1 to 100 characters.")
    elif name in BUILT_IN:
        errors.setdefault("name", []).append("That name is a built-in mapping's.")
    if errors:
        raise ValidationFailed("The mapping is invalid.", details=errors)
    mapping, _ = ImportMapping.objects.update_or_create(seller_id=seller_id, name=name, defaults={"columns": columns})
    return mapping


def columns_of(*, seller_id: int, mapping_name: str) -> tuple[dict[str, str], str]:
    """A mapping's columns and the channel kind of its orders: a built-in, or the shop's saved one."""
    if mapping_name in BUILT_IN:
        return dict(BUILT_IN[mapping_name].columns), BUILT_IN[mapping_name].kind
    saved = ImportMapping.objects.filter(seller_id=seller_id, name=mapping_name).first()
    if saved is None:
        raise NotFound(f"No mapping named {mapping_name!r}.")
    return dict(saved.columns), terms.CSV


def start_import(
    *,
    seller_id: int,
    filename: str,
    content: bytes | str,
    mapping_name: str = "",
    columns: dict[str, str] | None = None,
    at: datetime | None = None,
    queue: bool = True,
) -> OrderImport:
    """Queue the import of a file with a named mapping (built-in or saved) or explicit columns.

    Guards: the file reads as CSV/TSV; the mapping fits its columns (422). Writes the import row
    and its task in one transaction; the worker imports it (`channels.import_runs`). `queue=False`:
    no task, the caller runs it (the CLI, with its progress bar).
    """
    table = read_file(content)
    kind = terms.CSV
    if columns is None:
        columns, kind = columns_of(seller_id=seller_id, mapping_name=mapping_name)
    elif mapping_name in BUILT_IN:
        kind = BUILT_IN[mapping_name].kind
    problems = mapping_problems(columns, table.headers)
    if problems:
        raise ValidationFailed("The mapping does not fit the file.", details=problems)
    text = content.decode("utf-8-sig", "replace") if isinstance(content, bytes) else content
    with transaction.atomic():
        order_import = OrderImport.objects.create(
            seller_id=seller_id,
            filename=(filename or "orders.csv")[:200],
            channel_kind=kind,
            columns={**columns, **({"_mapping": mapping_name} if mapping_name else {})},
            content=text,
            total_rows=len(table.rows),
            created_at=at or timezone.now(),
        )
        if queue:
            import_orders.enqueue(order_import.pk)
    return order_import
