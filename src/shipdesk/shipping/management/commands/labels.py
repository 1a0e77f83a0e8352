"""`shipdesk labels buy --seller SLUG --orders 1042,1043 [--output labels.pdf]`: a batch of labels.

Each order (by its number in the shop) is rated with the shop's label service, or the cheapest
rate, and its label bought; a progress bar runs as they go, a table says per order what was
bought or why not, and every label bought is written into one PDF to print.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from shipdesk.accounts.models import Seller
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import ShipdeskError
from shipdesk.orders import services
from shipdesk.orders.models import Order
from shipdesk.shipping import documents


class Command(BaseCommand):
    help = "Buy shipping labels for processing orders (labels buy --seller SLUG --orders 1042,1043)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["buy"], help="buy: rate and buy a label for each order.")
        parser.add_argument("--seller", required=True, help="The shop's slug.")
        parser.add_argument("--orders", required=True, help="Order numbers, comma-separated (1042,1043).")
        parser.add_argument("--output", default="labels.pdf", help="Where to write the labels (one PDF).")

    def handle(self, *args, action: str, seller: str, orders: str, output: str, **options):
        console = Console(file=self.stdout._out, force_terminal=False, width=120)
        shop = Seller.objects.filter(slug=seller).first()
        if shop is None:
            raise CommandError(f"No shop {seller!r}.")
        try:
            numbers = [int(part) for part in orders.replace(" ", "").split(",") if part]
        except ValueError:
            raise CommandError("--orders takes order numbers separated by commas, e.g. 1042,1043.") from None
        ids = dict(Order.objects.filter(seller=shop, number__in=numbers).values_list("number", "pk"))
        if missing := [n for n in numbers if n not in ids]:
            raise CommandError(f"No such orders in {shop.slug}: {', '.join(f'#{n}' for n in missing)}.")
        actor = Actor(kind=ActorKind.OPERATOR, label="shipdesk labels buy")
        try:
            batch = services.start_label_batch(seller_id=shop.pk, order_ids=[ids[n] for n in numbers], actor=actor)
        except ShipdeskError as exc:
            raise CommandError(exc.message) from exc
        with Progress(console=console, transient=False) as progress:
            task = progress.add_task("Buying labels", total=batch.total)
            batch = services.run_label_batch(
                batch_id=batch.pk,
                progress=lambda b: progress.update(task, completed=b.processed),
                render_pdf=documents.combined_pdf,
            )
        table = Table(title=f"Labels for {shop.slug}")
        for column in ("order", "result", "detail"):
            table.add_column(column)
        for entry in batch.report:
            table.add_row(f"#{entry['number']}", "bought" if entry["ok"] else entry["code"], entry["message"])
        console.print(table)
        if batch.bought:
            Path(output).write_bytes(bytes(batch.pdf))
            console.print(f"{batch.bought} label(s) bought, written to {output}; {batch.failed} failed.")
        else:
            console.print(f"No label bought; {batch.failed} failed.")
