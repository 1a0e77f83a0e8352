import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, then run the web app on 127.0.0.1 and a worker together (one machine)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="Load the demo shop first and print how to sign in.")

    def handle(self, *args, port, demo, **options):
        from django.conf import settings

        settings.SHIPDESK_DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        if demo:
            call_command("demo")
        python = sys.executable
        env = os.environ.copy()
        from shipdesk.ops.metrics import prepare_multiprocess_dir

        env["PROMETHEUS_MULTIPROC_DIR"] = prepare_multiprocess_dir()  # /metrics adds up every process
        children = [
            subprocess.Popen(
                [python, "-m", "gunicorn", "shipdesk.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "-"],
                env=env,
            ),
            subprocess.Popen([python, "-m", "shipdesk.cli", "worker"], env=env),
        ]
        self.stdout.write(self.style.SUCCESS(f"Shipdesk is running at http://127.0.0.1:{port}/  (API docs: /api/v1/docs). Ctrl-C stops it."))
        if settings.EMAIL_BACKEND == "shipdesk.notifications.mailbox.MailboxBackend":
            self.stdout.write(f"Emails are kept in a local mailbox, not sent: http://127.0.0.1:{port}/dev/mail/  (set EMAIL_URL to send them)")

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
