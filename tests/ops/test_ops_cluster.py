"""Two web processes and two workers on one PostgreSQL, as in docs/operations.md §11: the order
lifecycle served through both web hosts, every task run exactly once, every email sent once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import quote

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from shipdesk.accounts.services import create_api_token
from shipdesk.jobs.models import PeriodicRun
from shipdesk.notifications.models import Notification
from shipdesk.orders.models import Order
from tests.builders import UPS_NUMBER, order_payload
from tests.notifications.mail_server import MailServer, free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cluster(tmp_path):
    mail = MailServer().start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shipdesk.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "cluster-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{mail.port}",
        "SHIPDESK_DATA_DIR": str(tmp_path),
        "SHIPDESK_WORKER_HEARTBEAT_SECONDS": "0.5",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    ports = [free_port(), free_port()]
    processes = []
    for n, port in enumerate(ports):
        web_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-web-{n}")}
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "shipdesk.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                env=web_env,
                stdout=open(tmp_path / f"web-{n}.log", "w"),
                stderr=subprocess.STDOUT,
            )
        )
    for n in range(2):
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "shipdesk.cli",
                    "worker",
                    "--interval",
                    "0.1",
                    "--worker-id",
                    f"cluster-worker-{n}",
                    "--verbosity",
                    "0",
                ],
                env=env,
                stdout=open(tmp_path / f"worker-{n}.log", "w"),
                stderr=subprocess.STDOUT,
            )
        )
    hosts = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for host in hosts:
            _wait_for(lambda host=host: _get(host + "/healthz")[0] == 200, what=f"{host} to answer")
        yield hosts, mail
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        mail.stop()


def _wait_for(condition, *, what: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _call(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _get(url: str) -> tuple[int, dict]:
    return _call("GET", url)


def test_two_web_hosts_and_two_workers_serve_the_lifecycle_with_every_task_run_once(cluster, seller, product):
    hosts, mail = cluster
    platform = create_api_token(name="storefront", seller=None).token
    own = create_api_token(name="seller", seller=seller).token
    api = [host + "/api/v1" for host in hosts]

    # the lifecycle, each step through the other web host
    status, placed = _call("POST", api[0] + "/orders", order_payload(seller.slug, external_id="C-1"), platform)
    assert status == 201, placed
    order_id = placed["id"]
    for n, (step, body) in enumerate(
        [
            ("confirm", None),
            ("process", None),
            ("ship", {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER}),
        ]
    ):
        status, answer = _call("POST", f"{api[(n + 1) % 2]}/orders/{order_id}/{step}", body, own)
        assert status == 200, (step, answer)
    status, cancelled = _call("POST", api[1] + "/orders", order_payload(seller.slug, external_id="C-2"), platform)
    assert status == 201
    status, answer = _call("POST", f"{api[0]}/orders/{cancelled['id']}/cancel", {"reason": "out_of_stock"}, own)
    assert status == 200, answer

    # both workers alive, so both hosts are ready
    _wait_for(lambda: all(_get(host + "/readyz")[0] == 200 for host in hosts), what="both hosts ready")

    # the workers drain everything the requests queued: emails and tasks (refund, sweeps)
    def drained() -> bool:
        pending_mail = Notification.objects.filter(status__in=["queued", "sending"]).exists()
        pending_tasks = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
        return not pending_mail and not pending_tasks and Notification.objects.exists()

    _wait_for(drained, what="the outbox and the task queue to drain")

    assert Order.objects.get(pk=order_id).status == "shipped"
    assert Order.objects.get(pk=cancelled["id"]).status == "cancelled"
    tasks = list(DBTaskResult.objects.all())
    assert tasks, "the lifecycle and the scheduler enqueue tasks"
    assert [t for t in tasks if len(t.worker_ids) != 1 or t.status != "SUCCESSFUL"] == []
    runs = Counter(PeriodicRun.objects.values_list("name", "slot_start"))
    assert max(runs.values()) == 1
    sent = list(Notification.objects.filter(status="sent"))
    assert sent and all(n.attempts == 1 for n in sent)
    message_ids = Counter(m["Message-ID"] for m in mail.received)
    assert len(message_ids) == len(sent) and max(message_ids.values()) == 1
