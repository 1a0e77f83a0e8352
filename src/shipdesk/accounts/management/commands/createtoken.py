from django.core.management.base import BaseCommand, CommandError

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--seller", help="Seller slug: the token acts for this seller only")
        who.add_argument("--platform", action="store_true", help="A platform token: acts for any seller")
        parser.add_argument("--name", default="cli", help="A label to recognise the token by")

    def handle(self, *args, seller, platform, name, **options):
        target = None
        if seller:
            target = Seller.objects.filter(slug=seller).first()
            if target is None:
                raise CommandError(f"No seller {seller!r}.")
        issued = create_api_token(name=name, seller=target)
        # Only the token on stdout, so scripts can capture it: TOKEN=$(shipdesk createtoken ...)
        self.stdout.write(issued.token)
        self.stderr.write(
            f"{'Platform' if platform else 'Seller'} token {issued.record.prefix}… created; it will not be shown again."
        )
