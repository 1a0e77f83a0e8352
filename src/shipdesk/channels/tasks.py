"""The channel tasks the worker runs: send a fulfilment update, run a CSV import."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from shipdesk.jobs import RetryPolicy, retry_policy

from .fulfilment_sending import send_update
from .import_runs import run_import


@task()
def send_fulfilment(update_id: int) -> str:
    """Tell the channel about a shipment or cancellation. Idempotent: a sent update is left alone."""
    return send_update(update_id=update_id)


@task()
def import_orders(import_id: int) -> str:
    """Import an uploaded order file. Idempotent: rows are placed once by (channel, external id)."""
    return run_import(import_id=import_id)


FULFILMENT_RETRIES = RetryPolicy(max_attempts=8, base=timedelta(seconds=30), cap=timedelta(minutes=30))
retry_policy(send_fulfilment.module_path, FULFILMENT_RETRIES)
retry_policy(import_orders.module_path, RetryPolicy(max_attempts=3, base=timedelta(seconds=10)))
