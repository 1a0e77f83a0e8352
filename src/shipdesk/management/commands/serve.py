import os
import sys

from django.core.management.base import BaseCommand, CommandError

from shipdesk.ops.metrics import prepare_multiprocess_dir
from shipdesk.ops.serving import base_url_for, parse_bind, port_in_use, port_taken_message


class Command(BaseCommand):
    help = "Serve the web app with gunicorn (web only; run `shipdesk worker` beside it)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--timeout", type=int, default=30)

    def handle(self, *args, bind, workers, timeout, **options):
        address = parse_bind(bind)
        if address is not None:
            # gunicorn would retry a taken port for seconds and then fail with a line easily missed.
            if port_in_use(address):
                raise CommandError(
                    port_taken_message(
                        address, how_to_choose=f"shipdesk serve --bind {address.host}:{address.port + 1}"
                    )
                )
            # Links this web process writes into emails name the address it serves (or SHIPDESK_BASE_URL).
            os.environ["SHIPDESK_BASE_URL"] = base_url_for(address)
        # Metrics of all gunicorn workers (and a worker on this host) add up at /metrics.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = prepare_multiprocess_dir()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "shipdesk.wsgi:application",
            "--config",
            "python:shipdesk.ops.gunicorn_conf",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--graceful-timeout",
            "20",
        ]
        os.execv(sys.executable, argv)
