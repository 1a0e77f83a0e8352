"""Real `shipdesk worker` processes on PostgreSQL: nothing lost, nothing sent twice, SIGKILL included.

1,001 messages in the outbox, a real SMTP server that refuses everything for its first seconds,
two worker processes; one is killed with SIGKILL mid-stream and a third one started. Every
message must arrive, each exactly once — except at most one per killed worker whose outcome was
unknown (handed to SMTP, not yet recorded), which the system resends with the same Message-ID and
records on its row (docs/notifications.md: at least once, deduplicable; see notifications/delivery.py).

Bounded: the worker settings are shrunk (heartbeat 0.3 s, dead after 2 s, retries from 0.2 s), and
the test gives up after 50 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from shipdesk.jobs.models import WorkerProcess
from shipdesk.notifications.models import Notification
from shipdesk.notifications.rendering import render_order_email
from tests.notifications.mail_server import MailServer

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MESSAGES = 1000
DEADLINE_SECONDS = 50


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(name: str, mail_port: int, log_dir) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shipdesk.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "EMAIL_TIMEOUT": "5",
        "SHIPDESK_WORKER_HEARTBEAT_SECONDS": "0.3",
        "SHIPDESK_WORKER_DEAD_AFTER_SECONDS": "2",
        "SHIPDESK_WORKER_REAP_EVERY_SECONDS": "0.5",
        "SHIPDESK_EMAIL_RETRY_BASE_SECONDS": "0.2",
        "SHIPDESK_EMAIL_RETRY_CAP_SECONDS": "1",
        "SHIPDESK_EMAIL_MAX_ATTEMPTS": "100",
        "LOG_LEVEL": "WARNING",
    }
    log = open(log_dir / f"{name}.log", "w")
    return subprocess.Popen(
        [sys.executable, "-m", "shipdesk.cli", "worker", "--interval", "0.05", "--worker-id", name, "--verbosity", "0"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def fill_outbox(order, seller) -> None:
    """1,000 rendered messages, as `queue_notification` writes them, plus the order's own."""
    email = render_order_email(
        kind="customer_confirmed", order=order, lines=list(order.lines.all()), shipment=None, seller=seller
    )
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            seller=seller,
            order=order,
            kind="customer_confirmed",
            stage=f"load-{i}",
            recipient=f"customer{i}@example.com",
            from_email=email.from_email,
            reply_to=email.reply_to,
            subject=email.subject,
            body_text=email.text,
            body_html=email.html,
            created_at=now,
            next_attempt_at=now,
        )
        for i in range(MESSAGES)
    )


def wait_until(condition, *, deadline: float, what: str) -> None:
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.05)


def test_two_workers_deliver_each_of_1000_messages_once_through_an_smtp_outage_and_a_sigkill(
    seller, product, place, tmp_path
):
    order = place(seller)
    fill_outbox(order, seller)
    total = Notification.objects.count()
    server = MailServer().start()
    server.refuse_next(150)  # the mail server refuses the first 150 messages (451)
    started = time.monotonic()
    deadline = started + DEADLINE_SECONDS
    workers = {name: start_worker(name, server.port, tmp_path) for name in ("worker-a", "worker-b")}
    try:
        # when worker A is killed in the middle of the stream
        wait_until(lambda: server.count() >= 300, deadline=deadline, what="300 messages arrived")
        workers["worker-a"].send_signal(signal.SIGKILL)
        workers["worker-a"].wait(timeout=10)
        killed_at = server.count()
        workers["worker-c"] = start_worker("worker-c", server.port, tmp_path)

        # then everything is sent
        wait_until(
            lambda: not Notification.objects.exclude(status="sent").exists(),
            deadline=deadline,
            what="every message was sent",
        )
        elapsed = time.monotonic() - started
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()
    logs = {path.name: path.read_text() for path in tmp_path.glob("*.log")}

    rows = list(Notification.objects.values("pk", "provider_message_id", "uncertain_resends", "attempts", "claimed_by"))
    arrived = server.message_ids()
    resent = {row["provider_message_id"] for row in rows if row["uncertain_resends"]}
    # (The workers' own sweeps may have queued more — a daily digest — which count like any other.)
    assert len(rows) >= total >= MESSAGES + 1
    # Every message arrived, under its own Message-ID ...
    assert {row["provider_message_id"] for row in rows} == set(arrived), logs
    # ... exactly once, but for a message whose fate the killed worker took with it (at most one).
    assert len(resent) <= 1, resent
    assert all(count == 1 for mid, count in arrived.items() if mid not in resent), [
        m for m, c in arrived.items() if c > 1
    ]
    assert all(arrived[mid] <= 2 for mid in resent)
    assert sum(arrived.values()) == len(rows) + sum(arrived[mid] - 1 for mid in resent)
    # The outage was real and ridden out by retries; the work was shared, then taken over.
    assert server.refused > 0 and any(row["attempts"] > 1 for row in rows)
    senders = Counter(row["claimed_by"] for row in rows)
    assert senders["worker-a"] > 0 and senders["worker-c"] > 0 and senders["worker-b"] > 0, senders
    assert 300 <= killed_at < len(rows)
    assert not WorkerProcess.objects.filter(pk="worker-a", stopped_at__isnull=False).exists()  # it never said goodbye
    assert elapsed < DEADLINE_SECONDS
    print(
        f"\n{len(rows)} messages, {sum(arrived.values())} deliveries, {len(resent)} resent after the kill, "
        f"{elapsed:.1f} s, senders {dict(senders)}"
    )
