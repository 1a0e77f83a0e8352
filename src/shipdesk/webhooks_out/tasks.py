"""The webhook outbox's part in every worker: send due deliveries, requeue abandoned ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from shipdesk import jobs

from .delivery import deliver_due, prune_finished, reconcile_abandoned


@jobs.poller("webhooks.deliver")
def send_webhooks(worker_id: str) -> int:
    return deliver_due(worker_id)


@jobs.reaper("webhooks.abandoned")
def reconcile_webhooks(live: frozenset[str], now: datetime) -> int:
    return reconcile_abandoned(live, now)


@jobs.periodic("webhooks.prune-log", every=timedelta(hours=1))
def prune_webhook_log() -> int:
    """Old finished events leave the log (SHIPDESK_WEBHOOK_LOG_DAYS); safe to run twice."""
    return prune_finished(now=timezone.now())
