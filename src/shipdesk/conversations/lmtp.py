"""The LMTP server of `shipdesk inbound-lmtp` (aiosmtpd): an MTA delivers to it instead of piping.

LMTP (RFC 2033) is SMTP for the last hop: the MTA keeps the queue, we answer per message. A
message is handled like one piped to `shipdesk inbound-email` (the envelope recipients come with
it): 250 when it was handled — accepted, a duplicate, or refused with its reason logged — 552 over
the size limit, and 451 when the database cannot be reached (the MTA retries). The database work
runs in a worker thread: the ORM is synchronous, aiosmtpd's loop is not.
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.db import DatabaseError, close_old_connections

from . import inbound

logger = logging.getLogger(__name__)


def _receive(content: bytes, recipients: list[str]):
    close_old_connections()
    try:
        return inbound.receive_email(content, via="lmtp", recipients=recipients)
    finally:
        close_old_connections()


class InboundHandler:
    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        if inbound.too_large(len(content)):
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: inbound.refuse_too_large(size=len(content), via="lmtp")
            )
            return "552 5.3.4 Message too big"
        try:
            result = await asyncio.get_running_loop().run_in_executor(None, _receive, content, list(envelope.rcpt_tos))
        except DatabaseError:
            logger.exception("Inbound LMTP: database unavailable")
            return "451 4.3.0 Try again later"
        return f"250 2.0.0 {result.outcome}" + (f" ({result.reason})" if result.reason else "")


class LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, data_size_limit=inbound.config()["max_email_bytes"], enable_SMTPUTF8=True)


def start(host: str, port: int) -> LMTPController:
    controller = LMTPController(InboundHandler(), hostname=host, port=port)
    controller.start()
    return controller
