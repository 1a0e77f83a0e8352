"""`shipdesk run`: Shipdesk on one machine for a person trying it out.

Migrate, make the demo shop if asked, then the web app (`shipdesk serve`) and a worker together
until Ctrl-C. The terminal shows only what needs the person's attention: the sign-in details, the
address, and warnings; it exits non-zero whenever Shipdesk is not (or no longer) running.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shipdesk.ops.metrics import prepare_multiprocess_dir
from shipdesk.ops.serving import BindAddress, base_url_for, port_in_use, port_taken_message, wait_until_listening

HOST = "127.0.0.1"


class Command(BaseCommand):
    help = "Migrate, then run the web app on 127.0.0.1 and a worker together (one machine)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="Load the demo shop first and print how to sign in.")

    def handle(self, *args, port, demo, **options):
        if not 1 <= port <= 65535:
            raise CommandError(f"--port {port} is not a TCP port (1–65535).")
        address = BindAddress(HOST, port)
        # Before anything else, so a taken port costs no migration and no demo data.
        if port_in_use(address):
            raise CommandError(
                port_taken_message(
                    address, how_to_choose=f"make run PORT={port + 1} (or shipdesk run --port {port + 1})"
                )
            )
        base_url = base_url_for(address)
        env = {
            **os.environ,
            # Every process started here (the demo, the web app, the worker) renders links from this.
            "SHIPDESK_BASE_URL": base_url,
            "PROMETHEUS_MULTIPROC_DIR": prepare_multiprocess_dir(),  # /metrics adds up every process
        }
        python = sys.executable

        settings.SHIPDESK_DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        self.stdout.flush()
        # The demo in a process of its own: it writes emails (substitute offer) whose links must come
        # from the same SHIPDESK_BASE_URL as the web app's and the worker's.
        if demo and subprocess.run([python, "-m", "shipdesk.cli", "demo"], env=env).returncode != 0:
            raise CommandError("The demo shop could not be made (the error is above).")

        web = subprocess.Popen(
            [python, "-m", "shipdesk.cli", "serve", "--bind", str(address), "--workers", "2"], env=env
        )
        # Verbosity 0: the worker's routine INFO lines (one per task) are for production logs.
        worker = subprocess.Popen([python, "-m", "shipdesk.cli", "worker", "--verbosity", "0"], env=env)
        children = {"web server": web, "worker": worker}
        stopping = False  # asked to stop (SIGTERM, Ctrl-C), as opposed to a child dying on its own

        def terminate_children():
            for child in children.values():
                if child.poll() is None:
                    child.terminate()

        def stop(*_):
            nonlocal stopping
            stopping = True
            terminate_children()

        signal.signal(signal.SIGTERM, stop)
        try:
            if not wait_until_listening(address, server=web):
                if stopping:
                    return
                raise CommandError(f"The web server did not start on {address} (its messages are above).")
            self._print_banner(base_url, address)
            while not stopping and all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
            died = next(
                ((name, child.returncode) for name, child in children.items() if child.returncode is not None), None
            )
        except KeyboardInterrupt:
            stopping = True
        finally:
            terminate_children()
            for child in children.values():
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
        if not stopping:  # a child died on its own: say so, and fail
            name, code = died
            raise CommandError(f"The {name} stopped (exit code {code}), so Shipdesk stopped too.")

    def _print_banner(self, base_url: str, address: BindAddress) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Shipdesk is running at {base_url}/  (API docs: {base_url}/api/v1/docs). Ctrl-C stops it."
            )
        )
        if base_url != address.url:
            self.stdout.write(f"Served on {address.url}/; links use SHIPDESK_BASE_URL={base_url}.")
        if settings.EMAIL_BACKEND == "shipdesk.notifications.mailbox.MailboxBackend":
            self.stdout.write(
                f"Emails are kept in a local mailbox, not sent: {base_url}/dev/mail/  (set EMAIL_URL to send them)"
            )
        self.stdout.flush()
