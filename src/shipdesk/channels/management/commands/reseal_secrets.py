"""`shipdesk reseal-secrets`: seal every stored secret again with the first key of
SHIPDESK_SECRETS_KEY, after a new key was put first (docs/operations.md, key rotation).

Safe to run twice and while Shipdesk runs: each row is resealed under its lock, and a row already
sealed with the first key is left as it is.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import track

from shipdesk.channels.models import Channel
from shipdesk.channels.services import reseal_channel_secrets
from shipdesk.sealed_secrets import SealedSecretUnreadable


class Command(BaseCommand):
    help = (
        "Seal every stored secret (channel webhook secrets and API tokens) again with the first key "
        "of SHIPDESK_SECRETS_KEY. Run it after putting a new key first; then the old key can go."
    )

    def handle(self, *args, **options):
        console = Console(file=self.stdout._out, force_terminal=False, width=120)
        ids = list(
            Channel.objects.exclude(webhook_secret_sealed="", api_token_sealed="")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        moved = 0
        unreadable = []
        for channel_id in track(ids, description="Resealing channel secrets", console=console):
            try:
                moved += reseal_channel_secrets(channel_id=channel_id)
            except SealedSecretUnreadable:
                unreadable.append(channel_id)
        already = len(ids) - moved - len(unreadable)
        console.print(
            f"{len(ids)} channel(s) with secrets: {moved} resealed with the first key, {already} already were."
        )
        if unreadable:
            raise CommandError(
                f"No key in SHIPDESK_SECRETS_KEY opens the secrets of channel(s) {', '.join(map(str, unreadable))}: "
                "put back the key that sealed them, run this again, then drop it."
            )
