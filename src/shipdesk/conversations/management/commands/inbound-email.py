"""`shipdesk inbound-email`: read one RFC 5322 message on standard input and place it.

The way Postfix (`pipe(8)`, or `local(8)` through an alias) and Exim (a `pipe` transport) hand
mail to a program (docs/conversations.md has both configurations). Exit status, as those MTAs
read it: 0 when the message was handled — accepted, a duplicate, or refused with its reason
logged (a refusal is not bounced: replying to an auto-reply or a forged sender only makes noise);
75 (EX_TEMPFAIL) when the database cannot be reached, so the MTA queues the message and retries.
"""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from shipdesk.conversations import inbound

EX_TEMPFAIL = 75
CHUNK = 1024 * 1024


class Command(BaseCommand):
    help = "Read one email (RFC 5322) on standard input and add it to its order's conversation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="The envelope recipient (Postfix: ${recipient}); may be repeated. Also read from the "
            "ORIGINAL_RECIPIENT and RECIPIENT environment variables that Postfix local(8) and Exim set.",
        )

    def handle(self, *args, recipient: list[str], **options):
        recipients = [*recipient, *(os.environ.get(name, "") for name in ("ORIGINAL_RECIPIENT", "RECIPIENT"))]
        stream = sys.stdin.buffer
        limit = inbound.config()["max_email_bytes"]
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            # Refused unread; the rest is drained so the MTA's write does not fail on a closed pipe.
            size = len(raw)
            while chunk := stream.read(CHUNK):
                size += len(chunk)
            result = inbound.refuse_too_large(size=size, via="pipe")
        else:
            try:
                result = inbound.receive_email(raw, via="pipe", recipients=[r for r in recipients if r])
            except DatabaseError as exc:
                self.stderr.write(f"shipdesk inbound-email: database unavailable ({type(exc).__name__}); retry later")
                sys.exit(EX_TEMPFAIL)
        line = f"{result.outcome}" + (f" {result.reason}" if result.reason else "")
        if result.message_id:
            line += f" message {result.message_id} order {result.order_id}"
        self.stdout.write(line)
