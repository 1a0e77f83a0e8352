"""`shipdesk payouts`: pay every seller's available balance, one payout per seller and currency.

A dry run by default: it lists what would be paid and changes nothing. With --execute it creates
the payouts and writes one CSV statement per payout into --statements (never overwriting a file).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import track
from rich.table import Table

from shipdesk.earnings import services
from shipdesk.earnings.models import LedgerEntry
from shipdesk.earnings.statements import statement_lines


class Command(BaseCommand):
    help = "Create payouts from available balances (dry run unless --execute) with CSV statements."

    def add_arguments(self, parser):
        parser.add_argument("--execute", action="store_true", help="Create the payouts (default: only show them).")
        parser.add_argument("--statements", default="statements", help="Directory for the CSV statements.")

    def handle(self, *args, execute: bool, statements: str, **options):
        console = Console(file=self.stdout._out, force_terminal=False, width=120)
        lines = services.payable()
        table = Table(title="Payouts" if execute else "Payouts (dry run: nothing is paid)")
        for column in ("seller", "currency", "amount"):
            table.add_column(column)
        for line in lines:
            table.add_row(line.seller_slug, line.currency, str(line.amount))
        console.print(table)
        if not lines:
            console.print("Nothing to pay out.")
            return
        if not execute:
            console.print(f"{len(lines)} payout(s) would be made. Run with --execute to make them.")
            return
        folder = Path(statements)
        folder.mkdir(parents=True, exist_ok=True)
        made = 0
        for line in track(lines, description="Paying out", console=console):
            payout = services.create_payout(seller_id=line.seller_id, currency=line.currency)
            if payout is None:
                continue  # paid by a concurrent run, or refunded meanwhile
            made += 1
            entry_id = LedgerEntry.objects.get(payout=payout).pk
            path = folder / f"{line.seller_slug}-{line.currency}-payout-{payout.pk}.csv"
            with path.open("x", encoding="utf-8", newline="") as out:  # "x": never overwrite a statement
                for chunk in statement_lines(seller_id=line.seller_id, currency=line.currency, up_to_entry_id=entry_id):
                    out.write(chunk)
            console.print(f"Paid {payout.amount} {payout.currency} to {line.seller_slug}: {path}")
        console.print(f"{made} payout(s) made.")
