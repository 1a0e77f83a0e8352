"""`shipdesk inbound-lmtp [--bind HOST:PORT]`: receive inbound email over LMTP until stopped."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from shipdesk.conversations import lmtp


class Command(BaseCommand):
    help = "Serve LMTP: an MTA (Postfix lmtp:, Exim lmtp transport) delivers customers' replies here."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8024", help="HOST:PORT to listen on (default 127.0.0.1:8024).")

    def handle(self, *args, bind: str, **options):
        host, _, port = bind.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError("--bind takes HOST:PORT, e.g. 127.0.0.1:8024")
        controller = lmtp.start(host, int(port))
        self.stdout.write(f"Receiving inbound email over LMTP on {host}:{port}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
