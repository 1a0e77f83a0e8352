import logging

from django.core.management.base import BaseCommand

from shipdesk.jobs.worker import Worker


class Command(BaseCommand):
    help = (
        "Run the background worker: django-tasks (refunds, periodic sweeps) with retries and a reaper, "
        "and the email outbox. Run as many as you like against one database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Do everything that is due now, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument(
            "--worker-id", default=None, help="A name unique among running workers (default: host-pid-random)."
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many tasks.")

    def handle(self, *args, batch, interval, worker_id, max_tasks, **options):
        verbosity = options["verbosity"]
        # 1: what Shipdesk did (retries, reaped work, failures); 2: every task started and finished.
        ours = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
        theirs = logging.INFO if verbosity >= 2 else logging.WARNING
        logging.getLogger("shipdesk").setLevel(ours)
        for name in ("django_tasks", "django_tasks_db", "django.tasks"):
            logging.getLogger(name).setLevel(theirs)
        # No autoreload even under DEBUG: a reload mid-task would leave it RUNNING.
        worker = Worker(worker_id=worker_id, interval=interval, batch=batch, max_tasks=max_tasks)
        worker.configure_signals()
        worker.run()
