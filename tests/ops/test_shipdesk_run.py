"""`shipdesk run` in a terminal: the port it is told, a clear refusal of a taken one, a quiet screen.

Each test starts the real command in its own process on a free port (see shipdesk_process.py),
bounded by timeouts, and stops it and everything it started at the end.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.notifications.mail_server import free_port
from tests.ops.shipdesk_process import ShipdeskProcess, clean_environment

# Each test starts `shipdesk run` (web + worker processes) and waits for it: real processes.
pytestmark = pytest.mark.slow


@pytest.fixture
def start(tmp_path):
    started: list[ShipdeskProcess] = []

    def start_command(*args: str, **env: str) -> ShipdeskProcess:
        process = ShipdeskProcess(list(args), cwd=tmp_path, env=clean_environment(tmp_path, **env))
        started.append(process)
        return process

    yield start_command
    for process in started:
        process.stop()


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_run_on_a_taken_port_says_the_port_is_taken_and_exits_non_zero(start):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]

        shipdesk = start("run", "--port", str(port))
        code = shipdesk.wait(timeout=60)

    assert code != 0, shipdesk.output
    assert f"Port {port} on 127.0.0.1 is already in use" in shipdesk.output
    assert f"make run PORT={port + 1}" in shipdesk.output
    assert "is running at" not in shipdesk.output
    assert "Traceback" not in shipdesk.output


def test_serve_on_a_taken_port_says_the_port_is_taken_and_exits_non_zero(start):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]

        shipdesk = start(
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            SECRET_KEY="serve-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        )
        code = shipdesk.wait(timeout=60)

    assert code != 0, shipdesk.output
    assert f"Port {port} on 127.0.0.1 is already in use" in shipdesk.output
    assert "Traceback" not in shipdesk.output


def finished_tasks(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "var" / "shipdesk.sqlite3", timeout=5) as database:
        return database.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'"
        ).fetchone()[0]


def test_the_terminal_of_run_shows_no_access_log_and_no_empty_task_lines(start, tmp_path):
    port = free_port()
    # Periodic sweeps every half second, so the worker finishes tasks while the test watches.
    shipdesk = start("run", "--port", str(port), SHIPDESK_WORKER_SCHEDULE_EVERY_SECONDS="0.5")
    banner = shipdesk.wait_for_line("Shipdesk is running at", timeout=90)
    assert f"http://127.0.0.1:{port}/" in banner

    assert fetch(f"http://127.0.0.1:{port}/static/dashboard/dashboard.css") == 200
    assert fetch(f"http://127.0.0.1:{port}/signin/") == 200
    assert fetch(f"http://127.0.0.1:{port}/no-such-page/") == 404
    done = threading.Event()
    for _ in range(150):  # up to 30 s for the worker to finish a task
        if finished_tasks(tmp_path):
            break
        done.wait(0.2)
    assert finished_tasks(tmp_path) > 0, "the worker ran no task, so the terminal proves nothing"
    assert shipdesk.stop() is not None

    printed = shipdesk.output
    assert not re.search(r'"(GET|POST) /', printed), printed  # gunicorn's access-log lines
    assert "dashboard.css" not in printed and "/signin/" not in printed
    assert not re.search(r"^INFO ", printed, re.MULTILINE), printed  # nothing routine at INFO
    assert not re.search(r"shipdesk\.task task\s*$", printed, re.MULTILINE), printed
    assert "Booting worker" not in printed and "Listening at" not in printed
    assert printed.count("Not Found: /no-such-page/") == 1, printed  # a warning, said once


def test_run_on_another_port_prints_that_port_in_every_address(start):
    port = free_port()
    shipdesk = start("run", "--port", str(port))
    shipdesk.wait_for_line("Shipdesk is running at", timeout=90)

    addresses = re.findall(r"https?://[^\s)]+", shipdesk.output)
    assert addresses, shipdesk.output
    assert all(address.startswith(f"http://127.0.0.1:{port}/") for address in addresses), addresses
    assert fetch(f"http://127.0.0.1:{port}/api/v1/openapi.json") == 200


def test_shipdesk_base_url_when_set_is_the_address_run_prints(start):
    port = free_port()
    shipdesk = start("run", "--port", str(port), SHIPDESK_BASE_URL="https://shop.example.test/")

    banner = shipdesk.wait_for_line("Shipdesk is running at", timeout=90)

    assert "https://shop.example.test/api/v1/docs" in banner
    # the next line of the banner, read as it arrives (the process writes it just after)
    served = shipdesk.wait_for_line("Served on", timeout=30)
    assert f"Served on http://127.0.0.1:{port}/" in served


def test_a_worker_logging_as_text_says_which_task_ran_and_how_it_ended(start, tmp_path):
    secret = {"SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"}
    (tmp_path / "var").mkdir()
    assert start("migrate", "--verbosity", "0", **secret).wait(timeout=120) == 0

    worker = start("worker", "--batch", LOG_FORMAT="text", LOG_LEVEL="INFO", **secret)

    assert worker.wait(timeout=120) == 0, worker.output
    task_lines = [line for line in worker.output.splitlines() if line.startswith("INFO shipdesk.task ")]
    assert task_lines, worker.output
    assert all("task=shipdesk." in line and "status=successful" in line for line in task_lines), task_lines


def children_of(pid: int) -> dict[int, str]:
    """The direct children of a process, with their command lines (Linux /proc)."""
    found = {}
    for child in (Path("/proc") / str(pid) / "task" / str(pid) / "children").read_text().split():
        found[int(child)] = (Path("/proc") / child / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    return found


def test_run_whose_worker_dies_says_so_and_exits_non_zero(start):
    port = free_port()
    shipdesk = start("run", "--port", str(port))
    shipdesk.wait_for_line("Shipdesk is running at", timeout=90)
    (worker,) = [pid for pid, command in children_of(shipdesk.process.pid).items() if "shipdesk.cli worker" in command]

    os.kill(worker, signal.SIGKILL)
    code = shipdesk.wait(timeout=60)

    assert code != 0, shipdesk.output
    assert "The worker stopped (exit code -9), so Shipdesk stopped too." in shipdesk.output
    assert fetch_refused(f"http://127.0.0.1:{port}/signin/")  # the web server went with it


def fetch_refused(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=10).close()
    except urllib.error.URLError as failed:
        return isinstance(failed.reason, ConnectionRefusedError)
    return False
