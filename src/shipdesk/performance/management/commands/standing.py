"""`shipdesk standing`: the operator's view of every seller's standing, worst first.

Reads the last daily evaluation (`--evaluate` runs it first for yesterday, or `--day`, for the
sellers not evaluated for that day yet). Penalised sellers first, then at risk, then good; most
penalty points first within each.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shipdesk.errors import ShipdeskError
from shipdesk.performance import selectors, services
from shipdesk.performance.metrics import METRICS

STYLES = {"penalised": "bold red", "at_risk": "yellow", "good": "green"}


class Command(BaseCommand):
    help = "List sellers by standing, worst first (with --evaluate, evaluate them first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--standing", choices=["penalised", "at_risk", "good"], help="Only sellers in this standing."
        )
        parser.add_argument("--limit", type=int, default=100, help="How many sellers to list (default 100).")
        parser.add_argument("--evaluate", action="store_true", help="Run the daily evaluation first.")
        parser.add_argument(
            "--day",
            type=date.fromisoformat,
            help="With --evaluate: the day to evaluate (YYYY-MM-DD); default each seller's yesterday.",
        )

    def handle(self, *args, standing: str | None, limit: int, evaluate: bool, day: date | None, **options):
        console = Console(file=self.stdout._out, force_terminal=False, width=140)
        if day and not evaluate:
            raise CommandError("--day goes with --evaluate.")
        if evaluate:
            with console.status("Evaluating sellers…"):
                written = services.evaluate_all_sellers(day=day)
            console.print(f"Evaluated {written} seller(s).")
        try:
            ranked, more = selectors.seller_ranking(limit=max(1, limit), standing=standing)
        except ShipdeskError as exc:
            raise CommandError(exc.message) from exc
        if not ranked:
            console.print(
                "No seller has been evaluated yet. Run with --evaluate, or start the worker (it evaluates daily)."
            )
            return
        table = Table(title="Sellers by standing, worst first")
        for column in ("seller", "standing", "points", "extra hold days", "breached", "evaluated"):
            table.add_column(column)
        for row in ranked:
            table.add_row(
                escape(f"{row.slug} ({row.name})"),  # a shop name like "[red]" is text
                f"[{STYLES.get(row.standing, '')}]{row.standing.replace('_', ' ')}[/]",
                str(row.points),
                str(row.hold_extra_days),
                ", ".join(METRICS[key].label if key in METRICS else key for key in row.breached) or "—",
                row.evaluated_on.isoformat() if row.evaluated_on else "—",
            )
        console.print(table)
        if more:
            console.print(f"(first {len(ranked)} shown; --limit for more)")
