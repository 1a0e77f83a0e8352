from django.core.management.base import BaseCommand, CommandError

from shipdesk.accounts.services import create_seller
from shipdesk.errors import ShipdeskError


class Command(BaseCommand):
    help = "Create a seller (shop)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. US")
        parser.add_argument("--timezone", default="UTC", help="IANA name, e.g. America/New_York")

    def handle(self, *args, slug, name, email, country, timezone, **options):
        try:
            seller = create_seller(slug=slug, name=name, email=email, country=country.upper(), timezone_name=timezone)
        except ShipdeskError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from exc
        self.stdout.write(self.style.SUCCESS(f"Created seller {seller.slug} (id {seller.pk})."))
