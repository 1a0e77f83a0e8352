"""A local HTTP server that plays a label provider from recorded bodies (no network in tests).

Each route answers one recorded body (tests/fixtures/real-world, with their provenance); every
request is kept so a test can read what the adapter sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REAL_WORLD = Path(__file__).resolve().parents[1] / "fixtures" / "real-world"


def recorded(name: str) -> dict:
    return json.loads((REAL_WORLD / name).read_text())


@dataclass
class Seen:
    method: str
    path: str
    headers: dict
    body: dict | None


@dataclass
class ProviderStub:
    routes: dict[tuple[str, str], tuple[int, object, str]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def answer(self, method: str, path: str, body, *, status: int = 200, content_type: str = "application/json"):
        self.routes[(method, path)] = (status, body, content_type)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def start_stub() -> tuple[ProviderStub, ThreadingHTTPServer]:
    stub = ProviderStub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            stub.seen.append(Seen(self.command, self.path, dict(self.headers), json.loads(raw) if raw else None))
            status, body, content_type = stub.routes.get(
                (self.command, self.path), (404, {"error": "no route"}, "application/json")
            )
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _serve

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub, server
