"""The webhook outbox's part in every worker: send due deliveries, requeue abandoned ones."""

from __future__ import annotations

from datetime import datetime

from shipdesk import jobs

from .delivery import deliver_due, reconcile_abandoned


@jobs.poller("webhooks.deliver")
def send_webhooks(worker_id: str) -> int:
    return deliver_due(worker_id)


@jobs.reaper("webhooks.abandoned")
def reconcile_webhooks(live: frozenset[str], now: datetime) -> int:
    return reconcile_abandoned(live, now)
