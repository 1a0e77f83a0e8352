"""Prometheus series. Counted where things happen; the task queue is read at scrape time.

Under gunicorn (`shipdesk serve`) and in `shipdesk worker`, PROMETHEUS_MULTIPROC_DIR is set and
prometheus-client keeps each process's values in files there; /metrics adds them up. Without it
(tests, a shell) the values live in this process's default registry.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from shipdesk.notifications.models import Notification

from .health import error_text, outbox_backlog

logger = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "shipdesk_http_requests_total",
    "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "shipdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern.",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ORDER_EVENTS = Counter(
    "shipdesk_order_events_total",
    "Order timeline events committed, by type: placed, confirmed, shipped, cancelled, notification_sent, "
    "notification_failed …",
    ["type"],
)
SLA_BREACHES = Counter("shipdesk_sla_breaches_total", "Deadlines missed (deadline_missed events), by stage.", ["stage"])
WEBHOOKS = Counter(
    "shipdesk_webhook_events_total",
    "Carrier tracking webhooks, by provider and outcome (accepted or the rejection code).",
    ["provider", "outcome"],
)


def count_order_event(*, type: str, params: dict) -> None:
    """Called for every OrderEvent built; counts it once its transaction commits (a rolled-back
    placement is not an order placed)."""

    def count() -> None:
        ORDER_EVENTS.labels(type=type).inc()
        if type == "deadline_missed":
            SLA_BREACHES.labels(stage=str(params.get("stage", "unknown"))[:40]).inc()

    transaction.on_commit(count)


def counted_webhook(read: Callable) -> Callable:
    """Wraps shipping.webhooks.read_webhook: every call is accepted or rejected with the error's code."""

    @wraps(read)
    def wrapper(*, provider, **kwargs):
        try:
            parsed = read(provider=provider, **kwargs)
        except Exception as exc:
            WEBHOOKS.labels(provider=provider.name, outcome=getattr(exc, "code", "error")).inc()
            raise
        WEBHOOKS.labels(provider=provider.name, outcome="accepted").inc()
        return parsed

    return wrapper


class TaskQueueCollector:
    """Reads the django-tasks table when Prometheus scrapes: how much is waiting, and for how long.

    During a database outage /metrics must still answer (the request counters are what shows the
    outage): the database-derived gauges are then left out and `shipdesk_database_up` is 0.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "shipdesk_database_up",
            "1 if the database answered this scrape; 0 if not (the queue and outbox gauges are then missing).",
        )
        try:
            gauges = list(self._database_gauges())  # all read before any is yielded: all or none
        except DatabaseError as exc:
            logger.warning("Metrics: database gauges unavailable: %s", error_text(exc))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from gauges

    def _database_gauges(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        ready = DBTaskResult.objects.ready()
        depth = GaugeMetricFamily("shipdesk_task_queue_depth", "Tasks ready to run now, by queue.", labels=["queue"])
        for queue, count in _counts_by_queue(ready):
            depth.add_metric([queue], count)
        yield depth
        # A ready task has waited since it was enqueued, or since its run_after passed if later.
        oldest_plain = ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"]
        oldest_delayed = ready.exclude(run_after=get_date_max()).aggregate(at=Min("run_after"))["at"]
        oldest = min((t for t in (oldest_plain, oldest_delayed) if t is not None), default=None)
        age = GaugeMetricFamily(
            "shipdesk_task_oldest_ready_age_seconds", "Seconds the oldest ready task has been waiting (0 when none)."
        )
        age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield age
        running = GaugeMetricFamily("shipdesk_task_running", "Tasks a worker is running now.")
        running.add_metric([], DBTaskResult.objects.running().count())
        yield running
        failed = GaugeMetricFamily("shipdesk_task_failed", "Failed tasks still kept (see the admin).")
        failed.add_metric([], DBTaskResult.objects.failed().count())
        yield failed
        yield from _outbox_gauges()


def _counts_by_queue(ready) -> list[tuple[str, int]]:
    return list(ready.order_by().values("queue_name").annotate(n=Count("id")).values_list("queue_name", "n"))


def _outbox_gauges() -> Iterator[GaugeMetricFamily]:
    backlog = GaugeMetricFamily("shipdesk_outbox_backlog", "Notifications due and not yet sent.")
    backlog.add_metric([], outbox_backlog())
    yield backlog
    failed = GaugeMetricFamily(
        "shipdesk_notifications_failed", "Notifications that failed for good (retry them in the admin)."
    )
    failed.add_metric([], Notification.objects.filter(status=Notification.Status.FAILED).count())
    yield failed


_SCRAPE_TIME = CollectorRegistry(auto_describe=False)
_SCRAPE_TIME.register(TaskQueueCollector())


def render() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_SCRAPE_TIME)


def prepare_multiprocess_dir() -> str:
    """The directory gunicorn's workers and the worker on this host share their metric files in:
    $PROMETHEUS_MULTIPROC_DIR if set, else <SHIPDESK_DATA_DIR>/metrics. Set it before any process
    imports prometheus_client (`shipdesk serve` and `shipdesk run` do)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(settings.SHIPDESK_DATA_DIR / "metrics")
    os.makedirs(path, exist_ok=True)
    return path
