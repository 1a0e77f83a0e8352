"""`shipdesk demo`: a demo shop with products and orders in every state, and how to get in.

The shop itself — products, orders, money, reviews, alerts, each dated at a believable moment
in the past — is built by `shipdesk.management.demo_shop`. Running it twice adds nothing twice:
the shop is made once; each run prints fresh API tokens (tokens are only ever shown once).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rich.console import Console

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_api_token, create_seller, create_user
from shipdesk.management.demo_shop import build_demo_shop

SLUG = "demo-shop"
OWNER_EMAIL = "owner@demo-shop.test"


class Command(BaseCommand):
    help = "Create a demo shop with products and orders in every state, and print how to sign in."

    def handle(self, *args, **options):
        console = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        seller = Seller.objects.filter(slug=SLUG).first()
        password = None
        if seller is None:
            password = secrets.token_urlsafe(9)
            seller = self._make_shop(console, password)
        seller_token = create_api_token(name="demo seller token", seller=seller).token
        platform_token = create_api_token(name="demo platform token", seller=None).token

        # Plain lines, not a table: tokens must survive copy and paste whole.
        operator = OWNER_EMAIL.replace("owner", "operator")
        console.print("\n[bold]Shipdesk demo shop is ready[/bold]")
        if password:
            console.print(f"  Sign in:             {OWNER_EMAIL}  password {password}")
            console.print(f"  Operator (/admin/):  {operator}  password {password}")
        else:
            console.print(f"  Sign in:             {OWNER_EMAIL} (password printed at the first run; reset it with")
            console.print(f"                       shipdesk createuser {OWNER_EMAIL} --seller {SLUG} --role owner)")
        console.print("  API docs:            http://127.0.0.1:8000/api/v1/docs")
        console.print(f"  Seller API token:    {seller_token}")
        console.print(f"  Platform API token:  {platform_token}")
        console.print(f"  Try:  curl -H 'Authorization: Bearer {seller_token}' http://127.0.0.1:8000/api/v1/orders/counts")
        if settings.SHIPDESK_SANDBOX_CARRIER:
            minutes = settings.SHIPDESK_SANDBOX_CARRIER_MINUTES
            console.print(f"  Shipped demo orders travel with the sandbox carrier: delivered {minutes:g} minutes after shipping.")
        console.print()

    def _make_shop(self, console: Console, password: str) -> Seller:
        with transaction.atomic():
            seller = create_seller(slug=SLUG, name="Demo Shop", email="orders@demo-shop.test", country="US", timezone_name="America/New_York")
            seller.thank_you_note = "Thank you for shopping with Demo Shop!"
            seller.save(update_fields=["thank_you_note"])
            owner = create_user(email=OWNER_EMAIL, password=password, seller=seller, role="owner", name="Demo Owner")
            create_user(email="staff@demo-shop.test", password=password, seller=seller, role="staff", name="Demo Packer")
            operator = create_user(email=OWNER_EMAIL.replace("owner", "operator"), password=password, name="Demo Operator")
            operator.is_staff = operator.is_superuser = True
            operator.save(update_fields=["is_staff", "is_superuser"])
        build_demo_shop(seller=seller, owner=owner, console=console, now=timezone.now())
        return seller
