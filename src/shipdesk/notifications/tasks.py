"""The notification outbox's part in every worker: drain due messages, reconcile abandoned ones."""

from __future__ import annotations

from datetime import datetime

from shipdesk import jobs


@jobs.poller("notifications.send")
def send_notifications(worker_id: str) -> int:
    from .delivery import send_due_notifications

    return send_due_notifications(worker_id)


@jobs.reaper("notifications.abandoned")
def reconcile_notifications(live: frozenset[str], now: datetime) -> int:
    from .delivery import reconcile_abandoned

    return reconcile_abandoned(live, now)
