"""A database outage, for real: a fresh process whose DATABASE_URL points at a PostgreSQL port
nothing listens on (issue 14, findings 6 and 8). No mock: the driver really fails to connect.

/metrics still answers (the database gauges marked unavailable), the API answers 503 with
Retry-After instead of a 500, and the public /readyz says "database unavailable" without the
driver's error, which names the host and port and goes to the log only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORT_URL = "postgres://postgres@127.0.0.1:1/shipdesk_outage"

_PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client()
answers = {}
for name, path, headers in (
    ("metrics", "/metrics", {}),
    ("readyz", "/readyz", {}),
    ("api", "/api/v1/orders", {"Authorization": "Bearer sdk_any-token-at-all"}),
):
    response = client.get(path, headers=headers)
    answers[name] = {
        "status": response.status_code, "headers": dict(response.items()), "body": response.content.decode()
    }
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def outage() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": CLOSED_PORT_URL,
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        "LOG_FORMAT": "text",
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "log": done.stderr}


def test_metrics_are_still_served_during_a_database_outage_with_the_database_gauges_marked_unavailable(outage):
    metrics = outage["metrics"]

    assert metrics["status"] == 200, metrics["body"][:500]
    assert "shipdesk_database_up 0.0" in metrics["body"]
    assert "shipdesk_http_requests_total" in metrics["body"]
    assert "shipdesk_task_queue_depth" not in metrics["body"] and "shipdesk_outbox_backlog" not in metrics["body"]


def test_the_api_answers_503_with_retry_after_during_a_database_outage(outage):
    api = outage["api"]

    assert api["status"] == 503, api["body"]
    assert api["headers"]["Retry-After"] == "30"
    assert json.loads(api["body"])["error"]["code"] == "database_unavailable"
    assert "127.0.0.1" not in api["body"]


def test_readyz_says_database_unavailable_publicly_and_logs_the_driver_error(outage):
    readyz = outage["readyz"]

    assert readyz["status"] == 503
    assert json.loads(readyz["body"])["checks"]["database"] == {"ok": False, "detail": "database unavailable"}
    assert "127.0.0.1" not in readyz["body"] and '"1"' not in readyz["body"] and "port" not in readyz["body"].lower()
    assert "Readiness check database failed" in outage["log"] and "127.0.0.1" in outage["log"]


def test_a_missing_table_is_a_fault_of_ours_not_an_outage(db):
    # given a real error of a statement the database cannot run (a schema out of step with the code)
    from django.db import OperationalError, ProgrammingError, connection

    from shipdesk.api.api import is_database_outage

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM table_that_no_migration_made")
    except (OperationalError, ProgrammingError) as exc:
        error = exc
    # then it is not answered as "come back later": it stays a server error to be fixed
    assert not is_database_outage(error)
