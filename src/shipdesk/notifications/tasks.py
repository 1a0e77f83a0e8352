"""The notification outbox's part in every worker: drain due messages, reconcile abandoned ones."""

from __future__ import annotations

from datetime import datetime

from shipdesk import jobs

from .delivery import reconcile_abandoned, send_due_notifications


@jobs.poller("notifications.send")
def send_notifications(worker_id: str) -> int:
    return send_due_notifications(worker_id)


@jobs.reaper("notifications.abandoned")
def reconcile_notifications(live: frozenset[str], now: datetime) -> int:
    return reconcile_abandoned(live, now)
