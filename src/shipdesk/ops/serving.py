"""Where Shipdesk is served, and so where every link in its emails points.

One rule, applied by `shipdesk run` and `shipdesk serve` before they start anything: the base URL
is SHIPDESK_BASE_URL when the operator set it (the public https:// address behind a proxy), else
the address actually bound. They hand the decision on to every process they start (web and
worker) in the environment, where settings.SHIPDESK_BASE_URL reads it, so the tracking page a
customer's email names is the one being served. A worker started on its own (`shipdesk worker`)
has only SHIPDESK_BASE_URL to go by: production sets it (`shipdesk check` says so).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass

# Hosts that mean "every interface": no browser can open them, a link names the loopback instead.
_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


@dataclass(frozen=True)
class BindAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in _WILDCARD_HOSTS else self.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"


def parse_bind(bind: str) -> BindAddress | None:
    """HOST:PORT (or [IPv6]:PORT) as gunicorn takes it; None for what is not a TCP address
    (`unix:/path`, `fd://3`), which has no URL of its own."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or bind.startswith(("unix:", "fd://")):
        return None
    return BindAddress(host=host.strip("[]"), port=int(port))


def base_url_for(address: BindAddress) -> str:
    """SHIPDESK_BASE_URL if set, else the served address (without a trailing slash)."""
    return os.environ.get("SHIPDESK_BASE_URL", "").strip().rstrip("/") or address.url


def port_in_use(address: BindAddress) -> bool:
    """Whether another process listens on the address (so gunicorn could not bind it)."""
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: a port left in TIME_WAIT by a stopped server is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address.host, address.port))
        except OSError:
            return True
    return False


def port_taken_message(address: BindAddress, *, how_to_choose: str) -> str:
    return (
        f"Port {address.port} on {address.host or 'all interfaces'} is already in use (another Shipdesk, or another "
        "program). "
        f"Stop that program, or choose another port: {how_to_choose}."
    )


def wait_until_listening(address: BindAddress, *, server: subprocess.Popen, timeout: float = 60.0) -> bool:
    """True once the address accepts connections; False if `server` exits first or time runs out."""
    host = "127.0.0.1" if address.host in _WILDCARD_HOSTS else address.host
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection((host, address.port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False
