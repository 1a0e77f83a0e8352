"""/healthz and /readyz as a load balancer sees them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from shipdesk.jobs.worker import Worker
from shipdesk.notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live_worker(db):
    worker = Worker(worker_id="ops-test-worker")
    worker._register()  # what `shipdesk worker` writes when it starts (its heartbeat thread repeats it)
    return worker


def test_healthz_answers_ok_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["X-Request-ID"]


def test_readyz_is_200_with_every_check_named_when_the_database_worker_and_outbox_are_fine(client, live_worker):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "migrations": True,
        "worker": True,
        "outbox": True,
    }


def test_readyz_turns_503_when_the_worker_heartbeat_goes_stale_and_200_when_it_beats_again(client, live_worker):
    assert client.get("/readyz").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        stale = client.get("/readyz")
        assert stale.status_code == 503
        assert stale.json()["status"] == "not_ready"
        assert stale.json()["checks"]["worker"]["ok"] is False
        assert "shipdesk worker" in stale.json()["checks"]["worker"]["detail"]

        live_worker._register()  # the heartbeat comes back
        assert client.get("/readyz").status_code == 200


def test_readyz_turns_503_when_no_worker_has_ever_run(client, db):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


def test_readyz_turns_503_when_the_outbox_backlog_reaches_the_threshold(client, live_worker, seller, settings):
    settings.SHIPDESK_READY_MAX_OUTBOX_BACKLOG = 2
    now = timezone.now()
    for n in range(2):
        Notification.objects.create(
            seller=seller,
            kind="seller_daily_digest",
            stage=f"d{n}",
            recipient=seller.email,
            created_at=now,
            next_attempt_at=now,
        )

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["outbox"] == {
        "ok": False,
        "detail": "2 notifications due and unsent (threshold 2)",
    }


# Readiness against a database that is down: a fresh process whose DATABASE_URL points at a port
# nothing listens on (the machine's PostgreSQL keeps running for the other tests).
_PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/readyz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def _readyz_in_a_process(database_url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.postgres
def test_readyz_is_503_when_postgresql_is_unreachable_and_200_again_when_it_is_back(transactional_db, live_worker):
    from django.db import connection

    down = _readyz_in_a_process("postgres://postgres@127.0.0.1:1/shipdesk")
    assert down["status"] == 503
    assert down["body"]["checks"]["database"]["ok"] is False
    # public: no driver error naming the host and port (that is logged; see test_ops_outage.py)
    assert down["body"]["checks"]["database"]["detail"] == "database unavailable"

    # the same process, pointed at the reachable server again (the test database, migrated)
    settings_dict = connection.settings_dict
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    url = f"postgres://{settings_dict['USER']}{password}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
    up = _readyz_in_a_process(url)
    assert up["status"] == 200, up
    assert up["body"]["checks"]["database"] == {"ok": True, "detail": "reachable"}
    assert up["body"]["checks"]["migrations"]["ok"] is True
