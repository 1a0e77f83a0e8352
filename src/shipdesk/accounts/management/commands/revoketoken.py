from django.core.management.base import BaseCommand, CommandError

from shipdesk.accounts.models import ApiToken
from shipdesk.accounts.services import revoke_api_token


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (as the admin shows it)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="The first characters of the token, e.g. sdk_AbCdEfGh")

    def handle(self, *args, prefix, **options):
        matches = list(ApiToken.objects.filter(prefix__startswith=prefix[:12], revoked_at__isnull=True))
        if len(matches) != 1:
            raise CommandError(f"{len(matches)} live tokens match {prefix!r}; give a longer prefix.")
        record = revoke_api_token(token_id=matches[0].pk, seller=None)
        self.stdout.write(self.style.SUCCESS(f"Revoked {record.prefix}… ({record.name})."))
