"""Channels' test helpers: the real-world samples (tests/fixtures/real-world, provenance in its
README), the channels' webhook signature, and a local stub of a channel's API."""

from __future__ import annotations

import json
import threading
from base64 import b64encode
from hashlib import sha256
from hmac import new as hmac_new
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "real-world"
SECRET = "shpss_test_webhook_secret"


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sample(name: str):
    return json.loads(sample_bytes(name))


def channel_signature(body: bytes, secret: str = SECRET) -> str:
    """How Shopify and WooCommerce sign: base64(HMAC-SHA256(raw body, secret))."""
    return b64encode(hmac_new(secret.encode(), body, sha256).digest()).decode()


class StubChannel:
    """A channel's API on 127.0.0.1: records each request (method, path, headers, JSON body) and
    answers with the statuses queued in `answers` (then 201)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(body) if body else None,
                    }
                )
                status = stub.answers.pop(0) if stub.answers else 201
                answer = json.dumps({"ok": status < 400}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_PUT = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def accept_held_shopify_sample(seller) -> None:
    """The Shopify sample's totals do not add up (three lines of 199.00, a total of 409.94): it is
    held for review, and the seller takes it as its lines say, as the dashboard's button does."""
    from shipdesk.channels import services
    from shipdesk.channels.models import HeldOrder

    held = HeldOrder.objects.get(seller=seller, external_id="450789469", status="held")
    assert set(held.problems) == {"total"}, held.problems
    services.retry_held_order(seller_id=seller.pk, held_id=held.pk, accept_lines_total=True)
