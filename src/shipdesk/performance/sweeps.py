"""The daily performance evaluation, run by the worker (docs/workflow.md Seller performance).

Hourly, so each seller is evaluated within an hour after their local midnight, for the local
day that just ended. Safe to run twice and after downtime: a seller with a snapshot for that day
is skipped; after a longer outage the missed days are not evaluated one by one (the figures are
rolling windows; `evaluate_history` backfills snapshots when a history is wanted).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shipdesk.jobs import periodic

from .services import evaluate_all_sellers


@periodic("performance.daily-evaluation", every=timedelta(hours=1))
def sweep_daily_evaluation(now: datetime | None = None) -> int:
    return evaluate_all_sellers(now=now)
