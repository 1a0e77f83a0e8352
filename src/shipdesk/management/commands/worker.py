from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (django-tasks database worker): refunds, emails, sweeps."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the tasks that are ready, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")

    def handle(self, *args, batch, interval, **options):
        # No autoreload even under DEBUG: a reload mid-task would leave it RUNNING.
        kwargs = {"interval": interval, "verbosity": options["verbosity"], "reload": False}
        if batch:
            kwargs["batch"] = True
        call_command("db_worker", **kwargs)
