"""Shipdesk on a PostgreSQL primary and a streaming replica of it (docs/operations.md, scaling out).

The servers are started here with PostgreSQL's own tools (tests/ops/postgres_servers.py), the web
process with `shipdesk serve` and DATABASE_URL + DATABASE_REPLICA_URLS. Which server answered a
read is read from each server's own pg_stat_statements: the SELECTs on the orders table it ran.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.builders import order_payload
from tests.notifications.mail_server import free_port
from tests.ops.postgres_servers import PrimaryAndReplica, Server, server_binaries

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PIN_SECONDS = 1.5
# A seller's pin lives in the shared cache for whole seconds, rounded up (replica_routing.pin_ttl_seconds).
PIN_RUNS_OUT_AFTER = math.ceil(PIN_SECONDS) + 0.5


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def servers():
    bin_dir = server_binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_basebackup, pg_ctl) are not installed")
    servers = PrimaryAndReplica(bin_dir).start()
    try:
        yield servers
    finally:
        servers.close()


def _shipdesk(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "shipdesk.cli", *args], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.fixture
def shipdesk(servers, tmp_path):
    """A migrated Shipdesk with two shops and a token each, served on loopback."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shipdesk.settings",
        "DATABASE_URL": servers.primary.url("shipdesk"),
        "DATABASE_REPLICA_URLS": servers.replica.url("shipdesk"),
        "SHIPDESK_REPLICA_PIN_SECONDS": str(PIN_SECONDS),
        # The routing is under test, not the connect timeout: on a loaded CI machine a fresh web
        # worker's first connection to the replica can take longer than the 2 s default, which
        # would (rightly) skip the replica and read from the primary.
        "DATABASE_REPLICA_CONNECT_TIMEOUT": "20",
        "SECRET_KEY": "replica-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "EMAIL_URL": "consolemail://",
        "SHIPDESK_DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # With the shared cache of a real deployment, two web processes: a pin set by one is obeyed by
    # the other. Without Redis, one process and its own cache.
    workers = "1"
    if _redis_answers():
        env["CACHE_URL"] = f"redis://127.0.0.1:6379/0?key_prefix=replica-test-{os.getpid()}"
        workers = "2"
    _shipdesk(env, "migrate", "--verbosity", "0")
    tokens = {}
    for slug in ("acme", "other"):
        _shipdesk(
            env,
            "createseller",
            slug,
            "--name",
            slug.title(),
            "--email",
            f"{slug}@example.test",
            "--country",
            "US",
            "--timezone",
            "America/New_York",
        )
        tokens[slug] = _shipdesk(env, "createtoken", "--seller", slug)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "shipdesk.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", workers],
        env={**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")},
        stdout=open(tmp_path / "web.log", "w"),
        stderr=subprocess.STDOUT,
    )
    host = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while not _answers(host + "/healthz"):
            assert web.poll() is None and time.monotonic() < deadline, (tmp_path / "web.log").read_text()
            time.sleep(0.2)
        yield host + "/api/v1", tokens, tmp_path / "web.log"
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def order_reads(server: Server) -> int:
    """SELECTs on the orders table this server has run (its own pg_stat_statements)."""
    rows = server.query(
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
        "WHERE query ILIKE 'SELECT%' AND query LIKE '%FROM \"orders_order\"%' AND query NOT LIKE '%pg_stat%'"
    )
    return int(rows[0][0])


def test_reads_go_to_the_replica_a_sellers_own_write_is_read_from_the_primary_and_a_stopped_replica_is_skipped(
    servers, shipdesk
):
    api, tokens, web_log = shipdesk
    acme, other = tokens["acme"], tokens["other"]
    # given: a product and two paid orders for acme, one order for the other shop
    for token in (acme, other):
        status, body = _call(
            "POST",
            api + "/products",
            token,
            {"sku": "MUG-1", "title": "Mug", "price": "12.50", "currency": "USD", "on_hand": 50},
        )
        assert status == 201, body
    placed = []
    for n in (1, 2):
        status, body = _call("POST", api + "/orders", acme, order_payload(None, external_id=f"A-{n}"))
        assert status == 201, body
        placed.append(body["id"])
    status, body = _call("POST", api + "/orders", other, order_payload(None, external_id="B-1"))
    assert status == 201, body
    servers.wait_until_replica_caught_up()
    time.sleep(PIN_RUNS_OUT_AFTER)  # the writes' read-your-writes pin runs out

    # when acme lists its orders and opens one
    on_primary, on_replica = order_reads(servers.primary), order_reads(servers.replica)
    status, page = _call("GET", api + "/orders", acme)
    assert status == 200 and {o["id"] for o in page["items"]} == set(placed)
    status, detail = _call("GET", api + f"/orders/{placed[0]}", acme)
    assert status == 200 and detail["status"] == "pending"
    # then: the replica served both; the primary read no order
    assert order_reads(servers.replica) >= on_replica + 2, web_log.read_text()  # the log says why a replica was skipped
    assert order_reads(servers.primary) == on_primary

    # given: the replica stops replaying, so it lags behind every write from here on
    servers.replica.query("SELECT pg_wal_replay_pause()")
    # when acme confirms an order and reads it back at once
    status, body = _call("POST", api + f"/orders/{placed[0]}/confirm", acme)
    assert status == 200, body
    on_primary, on_replica = order_reads(servers.primary), order_reads(servers.replica)
    status, detail = _call("GET", api + f"/orders/{placed[0]}", acme)
    # then: acme sees its own change, read from the primary; the replica still has the old status
    assert status == 200 and detail["status"] == "confirmed"
    assert order_reads(servers.primary) > on_primary
    assert order_reads(servers.replica) == on_replica
    assert servers.replica.query(f"SELECT status FROM orders_order WHERE id = {placed[0]}") == [("pending",)]
    # and another shop, which wrote nothing, still reads from the replica
    status, page = _call("GET", api + "/orders", other)
    assert status == 200 and len(page["items"]) == 1
    assert order_reads(servers.replica) > on_replica

    # given: the replica catches up, then stops
    servers.replica.query("SELECT pg_wal_replay_resume()")
    servers.wait_until_replica_caught_up()
    servers.replica.stop()
    time.sleep(PIN_RUNS_OUT_AFTER)
    # when acme lists and opens its orders
    on_primary = order_reads(servers.primary)
    status, page = _call("GET", api + "/orders", acme)
    assert status == 200 and len(page["items"]) == 2
    status, detail = _call("GET", api + f"/orders/{placed[0]}", acme)
    # then: the primary answers them
    assert status == 200 and detail["status"] == "confirmed"
    assert order_reads(servers.primary) >= on_primary + 2
