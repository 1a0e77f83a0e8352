"""Links in emails lead to the Shipdesk that sent them, on whatever port it runs.

The whole path a customer takes, with nothing stood in for: the real `shipdesk run` (migrate, demo
shop, gunicorn and a worker) on a free port other than 8000, sending over SMTP to a real server in
this process; an order is shipped through the API, the "shipped" email arrives, and its tracking
link opens the tracking page in chromium.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.builders import UPS_NUMBER
from tests.notifications.mail_server import MailServer, body, free_port
from tests.ops.shipdesk_process import ShipdeskProcess, clean_environment

LINK = re.compile(r"https?://[^\s\"'<>)]+")


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def shipdesk_on_another_port(tmp_path, mail_server):
    port = free_port()
    while port == 8000:
        port = free_port()
    env = clean_environment(tmp_path, EMAIL_URL=f"smtp://127.0.0.1:{mail_server.port}", EMAIL_TIMEOUT="5")
    shipdesk = ShipdeskProcess(["run", "--demo", "--port", str(port)], cwd=tmp_path, env=env)
    try:
        shipdesk.wait_for_line("Shipdesk is running at", timeout=150)
        yield shipdesk, f"http://127.0.0.1:{port}"
    finally:
        shipdesk.stop()


def api(base_url: str, token: str, method: str, path: str, payload: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/v1{path}",
        method=method,
        data=json.dumps(payload).encode() if payload is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wait_for_email(mail_server: MailServer, kind: str, subject_part: str, *, timeout: float):
    arrived = threading.Event()
    for _ in range(int(timeout / 0.2)):
        found = [m for m in mail_server.messages(kind) if subject_part in m["Subject"]]
        if found:
            return found[0]
        arrived.wait(0.2)  # the worker sends on its own schedule; poll with a deadline
    pytest.fail(f"no {kind} email with {subject_part!r} in its subject within {timeout} s")


def test_the_tracking_link_in_a_shipped_email_opens_the_tracking_page_on_the_port_shipdesk_runs_on(
    shipdesk_on_another_port, mail_server, page
):
    shipdesk, base_url = shipdesk_on_another_port
    token = re.search(r"Seller API token:\s+(\S+)", shipdesk.output).group(1)
    order = api(base_url, token, "GET", "/orders?status=processing")["items"][0]

    api(
        base_url,
        token,
        "POST",
        f"/orders/{order['id']}/ship",
        {"carrier": "ups", "service_level": "ground", "tracking_number": UPS_NUMBER},
    )
    email = wait_for_email(mail_server, "customer_shipped", str(order["number"]), timeout=60)

    tracking_link = next((link for link in LINK.findall(body(email, "plain")) if "/t/" in link), None)
    assert tracking_link is not None and tracking_link.startswith(f"{base_url}/t/"), body(email, "plain")
    page.goto(tracking_link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order #{order['number']}")
    expect(page.get_by_text(UPS_NUMBER)).to_be_visible()

    # Every other email that went out links to the same address (the demo's substitute offer too).
    wait_for_email(mail_server, "customer_substitute_offer", "", timeout=30)
    for message in mail_server.messages():
        for link in LINK.findall(body(message, "plain") + body(message, "html")):
            if "127.0.0.1" in link or "localhost" in link:
                assert link.startswith(f"{base_url}/"), (message["Subject"], link)
