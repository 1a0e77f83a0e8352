import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app with gunicorn (web only; run `shipdesk worker` beside it)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--timeout", type=int, default=30)

    def handle(self, *args, bind, workers, timeout, **options):
        from shipdesk.ops.metrics import prepare_multiprocess_dir

        # Metrics of all gunicorn workers (and a worker on this host) add up at /metrics.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = prepare_multiprocess_dir()
        argv = [
            sys.executable, "-m", "gunicorn", "shipdesk.wsgi:application",
            "--config", "python:shipdesk.ops.gunicorn_conf",
            "--bind", bind, "--workers", str(workers), "--timeout", str(timeout), "--graceful-timeout", "20",
        ]
        os.execv(sys.executable, argv)
