"""One HTTP POST of a webhook: to a checked address, redirects checked, time and answer measured.

The connection goes to an address `targets.check_target` allowed (the TLS certificate is still
checked against the host name). A redirect (301, 302, 303, 307, 308) is followed at most
`MAX_REDIRECTS` times, re-posting the same signed body, and each new location is checked like
the first: a redirect to a private address is refused before any connection to it is made.
Nothing here touches the database.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin

from .targets import Target, TargetRefused, check_target

MAX_REDIRECTS = 3
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
EXCERPT_BYTES = 1000


@dataclass(frozen=True)
class Answer:
    url: str  # the URL that answered (after redirects)
    status_code: int | None  # None: no HTTP answer (refused target, connection error, timeout)
    latency_ms: int
    excerpt: str  # the start of the response body, as text
    error: str  # why there was no (good) answer; "" on 2xx

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to one checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one checked address; the certificate must name the URL's host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post_once(target: Target, body: bytes, headers: dict[str, str], timeout: float):
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    last_error: OSError | None = None
    for address in target.addresses:
        connection = connection_class(target.host, target.port, address=address, timeout=timeout)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES)
            return response.status, response.getheader("Location") or "", excerpt
        except (ConnectionRefusedError, socket.gaierror) as exc:
            last_error = exc  # try the host's next address
        finally:
            connection.close()
    assert last_error is not None
    raise last_error


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST `body` to `url`; never raises for anything the network or the receiver does."""
    started = time.perf_counter()

    def answer(status: int | None, excerpt: bytes | str, error: str, at_url: str) -> Answer:
        text = excerpt.decode("utf-8", "replace") if isinstance(excerpt, bytes) else excerpt
        return Answer(
            url=at_url,
            status_code=status,
            latency_ms=round((time.perf_counter() - started) * 1000),
            excerpt=text[:EXCERPT_BYTES],
            error=error[:500],
        )

    current = url
    for hop in range(MAX_REDIRECTS + 1):
        try:
            target = check_target(current)
        except TargetRefused as exc:
            return answer(None, "", f"refused: {exc}", current)
        try:
            status, location, excerpt = _post_once(target, body, headers, timeout)
        except TimeoutError:
            return answer(None, "", f"timed out after {timeout:g} s", current)
        except ssl.SSLError as exc:
            return answer(None, "", f"TLS error: {exc}", current)
        except (OSError, http.client.HTTPException) as exc:
            return answer(None, "", f"connection failed: {type(exc).__name__}: {exc}", current)
        if status in REDIRECT_CODES and location:
            if hop == MAX_REDIRECTS:
                return answer(status, excerpt, f"more than {MAX_REDIRECTS} redirects", current)
            current = urljoin(current, location)
            continue
        error = "" if 200 <= status < 300 else f"answered {status}"
        return answer(status, excerpt, error, current)
    raise AssertionError("unreachable")  # the loop returns on its last hop
