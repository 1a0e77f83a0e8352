"""A real HTTP server on a free loopback port, in this process, keeping every webhook it receives.

Requests arrive over a real socket through the same client code as production. It can be told to
answer with an error for a number of requests or until told otherwise, or to redirect.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self.answered: list[int] = []
        self._lock = threading.Lock()
        self._fail_next = 0
        self._down = False
        self._redirect_to: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, location = receiver._answer(
                    Received(path=self.path, headers=dict(self.headers.items()), body=body)
                )
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                text = b"ok" if status < 300 else b"receiver is down"
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args):  # quiet: a failing test's output should show ours
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _answer(self, request: Received) -> tuple[int, str]:
        with self._lock:
            if self._redirect_to:
                self.answered.append(307)
                return 307, self._redirect_to
            if self._down or self._fail_next > 0:
                self._fail_next = max(0, self._fail_next - 1)
                self.answered.append(500)
                return 500, ""
            self.received.append(request)
            self.answered.append(200)
            return 200, ""

    # --- control -----------------------------------------------------------------------------

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._fail_next = count

    def go_down(self) -> None:
        with self._lock:
            self._down = True

    def come_back(self) -> None:
        with self._lock:
            self._down = False

    def redirect_to(self, location: str) -> None:
        with self._lock:
            self._redirect_to = location

    def types(self) -> list[str]:
        return [r.json["type"] for r in self.received]
