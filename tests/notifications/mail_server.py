"""A real SMTP server (aiosmtpd) on a free loopback port, in this process, keeping what arrived.

Messages go through the same smtplib path as production, over a real socket; the server is
real, only its mailbox is a list. It can be told to refuse for a while, with a 4xx reply.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO; a failing test's output should show ours.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.refused = 0
        self._lock = threading.Lock()
        self._refuse_next = 0
        self._refuse_until = 0.0  # time.monotonic(): refuse every message until then
        self._bounce: dict[str, str] = {}  # recipient -> permanent refusal
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # --- aiosmtpd handler hooks --------------------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self._bounce:
            return self._bounce[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._refuse_next > 0 or time.monotonic() < self._refuse_until:
                self._refuse_next = max(0, self._refuse_next - 1)
                self.refused += 1
                return "451 4.3.2 Try again later"
            message = email.message_from_bytes(
                envelope.original_content or envelope.content, policy=email.policy.default
            )
            self.received.append(message)
        return "250 2.0.0 Message accepted"

    # --- control -----------------------------------------------------------------------------

    def start(self) -> MailServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def refuse_next(self, count: int) -> None:
        with self._lock:
            self._refuse_next = count

    def refuse_for(self, seconds: float) -> None:
        with self._lock:
            self._refuse_until = time.monotonic() + seconds

    def bounce(self, address: str) -> None:
        self._bounce[address] = "550 5.1.1 No such mailbox here"

    # --- what arrived ------------------------------------------------------------------------

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def messages(self, kind: str | None = None) -> list:
        with self._lock:
            return [m for m in self.received if kind is None or m["X-Shipdesk-Kind"] == kind]

    def message_ids(self) -> Counter:
        with self._lock:
            return Counter(m["Message-ID"] for m in self.received)


def body(message, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""
