"""The jobs layer in one process: retries with backoff, the reaper, the periodic scheduler.

The worker runs here (`run_until_idle`) against the test database; time moves with time_machine.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from flaky_provider import FlakyProvider

from shipdesk import jobs
from shipdesk.jobs.models import PeriodicRun, WorkerProcess
from shipdesk.jobs.scheduler import schedule_due_jobs
from shipdesk.jobs.worker import run_until_idle
from shipdesk.orders import services
from shipdesk.orders.models import OrderEvent
from shipdesk.payments.models import Refund
from tests.builders import SELLER_ACTOR

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
SETTLE_REFUND = "shipdesk.payments.tasks.settle_refund"


@pytest.fixture
def flaky_provider(settings):
    settings.SHIPDESK_PAYMENT_PROVIDER = "flaky_provider.FlakyProvider"
    FlakyProvider.reset(failures=0)
    return FlakyProvider


def cancel_paid_order(seller, place) -> Refund:
    order = place(seller, paid=True)
    services.cancel_order(order_id=order.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request")
    return Refund.objects.get(order=order)


def refund_task() -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=SETTLE_REFUND)


# --- retries ------------------------------------------------------------------------------------


def test_a_refund_the_provider_refuses_for_now_stays_pending_and_is_retried_with_backoff_until_paid(
    seller, product, place, flaky_provider
):
    with time_machine.travel(T0, tick=False) as clock:
        flaky_provider.reset(failures=2)
        refund = cancel_paid_order(seller, place)

        run_until_idle()  # attempt 1: the provider is down
        refund.refresh_from_db()
        task = refund_task()
        assert (refund.status, refund.last_error) == ("pending", "503 Service Unavailable: try again later")
        assert (
            task.status == "READY" and task.exception_class_path == "shipdesk.payments.providers.PaymentProviderError"
        )
        first_wait = task.run_after - timezone.now()
        assert timedelta(seconds=30) <= first_wait <= timedelta(seconds=36)

        run_until_idle()  # not due yet
        assert len(flaky_provider.calls) == 1

        clock.shift(first_wait)
        run_until_idle()  # attempt 2: still down, waits twice as long
        second_wait = refund_task().run_after - timezone.now()
        assert timedelta(seconds=60) <= second_wait <= timedelta(seconds=72)

        clock.shift(second_wait)
        run_until_idle()  # attempt 3: paid

    refund.refresh_from_db()
    task = refund_task()
    assert refund.status == "succeeded" and refund.provider_reference
    assert (task.status, len(task.worker_ids)) == ("SUCCESSFUL", 3)
    # Every attempt carried the same idempotency key: the provider pays once.
    assert flaky_provider.calls == [refund.idempotency_key] * 3
    assert OrderEvent.objects.filter(order=refund.order, type="refund_settled").count() == 1


def test_a_task_still_failing_after_its_attempts_is_failed_with_its_error_kept(
    seller, product, place, flaky_provider, monkeypatch
):
    monkeypatch.setitem(
        jobs.RETRY_POLICIES, SETTLE_REFUND, jobs.RetryPolicy(max_attempts=3, base=timedelta(seconds=10))
    )
    with time_machine.travel(T0, tick=False) as clock:
        flaky_provider.reset(failures=100)
        refund = cancel_paid_order(seller, place)
        for _ in range(5):
            run_until_idle()
            clock.shift(timedelta(minutes=10))

    task = refund_task()
    assert (task.status, len(task.worker_ids)) == ("FAILED", 3)
    assert "PaymentProviderError" in task.traceback
    assert len(flaky_provider.calls) == 3
    refund.refresh_from_db()
    assert refund.status == "pending"  # the money is still owed: an operator sees it in the admin


# --- the reaper ---------------------------------------------------------------------------------


def claim_as(worker_id: str, *, seen: datetime) -> DBTaskResult:
    """A worker claims the task and, as far as the database can tell, stops at `seen`."""
    WorkerProcess.objects.create(worker_id=worker_id, hostname="elsewhere", pid=4242, started_at=seen, seen_at=seen)
    task = DBTaskResult.objects.ready().get()
    task.claim(worker_id)
    return task


def test_a_task_left_running_by_a_killed_worker_is_returned_and_run_by_a_live_one(
    seller, product, place, flaky_provider
):
    with time_machine.travel(T0, tick=False) as clock:
        refund = cancel_paid_order(seller, place)
        claim_as("killed-worker", seen=timezone.now())
        clock.shift(timedelta(seconds=31))  # its heartbeat is older than the 30 s it may skip

        run_until_idle()

    task = refund_task()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "killed-worker" and len(task.worker_ids) == 2
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert flaky_provider.calls == [refund.idempotency_key]


def test_a_task_of_a_worker_still_beating_is_left_running(seller, product, place, flaky_provider):
    with time_machine.travel(T0, tick=False) as clock:
        cancel_paid_order(seller, place)
        claim_as("busy-worker", seen=timezone.now())
        clock.shift(timedelta(minutes=5))
        WorkerProcess.objects.filter(pk="busy-worker").update(seen_at=timezone.now())  # its heartbeat

        run_until_idle()

    assert refund_task().status == "RUNNING"
    assert flaky_provider.calls == []


def test_a_task_whose_worker_died_on_its_last_attempt_is_failed(seller, product, place, flaky_provider, monkeypatch):
    monkeypatch.setitem(jobs.RETRY_POLICIES, SETTLE_REFUND, jobs.RetryPolicy(max_attempts=1))
    with time_machine.travel(T0, tick=False) as clock:
        cancel_paid_order(seller, place)
        claim_as("killed-worker", seen=timezone.now())
        clock.shift(timedelta(minutes=1))
        run_until_idle()

    task = refund_task()
    assert task.status == "FAILED"
    assert task.exception_class_path == "shipdesk.jobs.reaping.WorkerDied"
    assert flaky_provider.calls == []


# --- the scheduler ------------------------------------------------------------------------------


def periodic_tasks() -> Counter:
    return Counter(
        args["args"][0]
        for args in DBTaskResult.objects.filter(task_path="shipdesk.jobs.tasks.run_periodic_job").values_list(
            "args_kwargs", flat=True
        )
    )


def test_two_workers_asking_at_the_same_moment_enqueue_each_periodic_job_once(db):
    with time_machine.travel(T0, tick=False):
        first = schedule_due_jobs(now=timezone.now(), worker_id="worker-a")
        second = schedule_due_jobs(now=timezone.now(), worker_id="worker-b")

    jobs.autodiscover()
    assert sorted(first) == sorted(jobs.PERIODIC_JOBS) and second == []
    assert periodic_tasks() == Counter(dict.fromkeys(jobs.PERIODIC_JOBS, 1))


def test_a_worker_down_for_a_day_runs_each_periodic_job_once_when_it_is_back(db):
    with time_machine.travel(T0, tick=False) as clock:
        run_until_idle()
        clock.shift(timedelta(days=1))
        run_until_idle()
        run_until_idle()

    jobs.autodiscover()
    runs = Counter(PeriodicRun.objects.values_list("name", flat=True))
    assert runs == Counter(dict.fromkeys(jobs.PERIODIC_JOBS, 2))  # the first run, and one catch-up
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_periodic_job_whose_last_run_is_still_pending_is_not_enqueued_again(db):
    with time_machine.travel(T0, tick=False) as clock:
        schedule_due_jobs(now=timezone.now(), worker_id="worker-a")  # enqueued, no worker runs them
        clock.shift(timedelta(days=1))
        again = schedule_due_jobs(now=timezone.now(), worker_id="worker-a")

    assert again == []
    assert set(periodic_tasks().values()) == {1}
    assert PeriodicRun.objects.filter(task_id__isnull=True).count() == len(jobs.PERIODIC_JOBS)


# --- the rules, without a database ---------------------------------------------------------------


def test_backoff_doubles_from_its_base_and_stops_at_its_cap():
    policy = jobs.RetryPolicy(max_attempts=8, base=timedelta(seconds=30), cap=timedelta(minutes=5))
    waits = [policy.delay(n, key="same") / policy.delay(1, key="same") for n in range(1, 7)]
    assert waits == [1, 2, 4, 8, 10, 10]
    # jitter is at most 18 % and fixed per key
    assert all(timedelta(seconds=30) <= policy.delay(1, key=k) <= timedelta(seconds=30 * 1.18) for k in range(50))
    assert policy.delay(3, key=7) == policy.delay(3, key=7)
    assert policy.window() == timedelta(seconds=30 + 60 + 120 + 240 + 300 + 300 + 300)


def test_every_worker_computes_the_same_slot_from_the_clock():
    every = timedelta(minutes=15)
    assert jobs.slot_start(datetime(2025, 3, 3, 12, 7, 59, tzinfo=UTC), every) == datetime(
        2025, 3, 3, 12, 0, tzinfo=UTC
    )
    assert jobs.slot_start(datetime(2025, 3, 3, 12, 15, tzinfo=UTC), every) == datetime(2025, 3, 3, 12, 15, tzinfo=UTC)
    assert jobs.slot_start(datetime(2025, 3, 3, 23, 59, tzinfo=UTC), timedelta(days=1)) == datetime(
        2025, 3, 3, tzinfo=UTC
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_on_postgres_enqueue_each_periodic_job_once():
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection as default_connection

    barrier = Barrier(4)

    def worker(name: str) -> list[str]:
        try:
            barrier.wait()
            return schedule_due_jobs(now=T0, worker_id=name)
        finally:
            default_connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(worker, [f"worker-{i}" for i in range(4)]))

    jobs.autodiscover()
    assert sorted(name for names in results for name in names) == sorted(jobs.PERIODIC_JOBS)
    assert periodic_tasks() == Counter(dict.fromkeys(jobs.PERIODIC_JOBS, 1))
