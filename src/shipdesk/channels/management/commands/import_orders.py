"""`shipdesk import-orders FILE --seller SLUG --mapping NAME`: import an order file with a progress bar."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from shipdesk.accounts.models import Seller
from shipdesk.channels import imports
from shipdesk.channels.import_runs import run_import
from shipdesk.channels.models import OrderImport
from shipdesk.errors import ShipdeskError


class Command(BaseCommand):
    help = (
        "Import orders from a CSV or TSV file with a column mapping: a built-in one "
        "(amazon-all-orders, etsy-sold-order-items) or one saved in the dashboard. "
        "Idempotent: orders already imported are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV or TSV file")
        parser.add_argument("--seller", required=True, help="the shop's slug")
        parser.add_argument("--mapping", default="", help="a mapping's name; default: the one the file's columns match")

    def handle(self, *args, file: str, seller: str, mapping: str, **options):
        shop = Seller.objects.filter(slug=seller, is_active=True).first()
        if shop is None:
            raise CommandError(f"No active shop {seller!r}.")
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            if not mapping:
                mapping = imports.preview_file(seller_id=shop.pk, content=content).mapping_name
                if not mapping:
                    raise CommandError("No mapping fits this file's columns: name one with --mapping.")
            started = imports.start_import(
                seller_id=shop.pk, filename=Path(file).name, content=content, mapping_name=mapping, queue=False
            )
        except ShipdeskError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.details.items())
            raise CommandError(f"{exc.message} {details}".strip()) from None

        with Progress(
            TextColumn("Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=None,
        ) as bar:
            task = bar.add_task("rows", total=started.total_rows)
            run_import(import_id=started.pk, progress=lambda done, total: bar.update(task, completed=done))
        done = OrderImport.objects.get(pk=started.pk)
        self.stdout.write(
            f"{done.placed} orders placed, {done.held} held (map their SKUs in the dashboard), "
            f"{done.existing} already imported, {len(done.report)} bad rows."
        )
        for line in done.report:
            self.stdout.write(f"  line {line['row']}: {line['message']}")
