"""`shipdesk demo`: a demo shop with products and orders in every state, and how to get in.

The shop itself — products, orders, money, reviews, alerts, each dated at a believable moment
in the past — is built by `shipdesk.management.demo_shop`. Running it twice adds nothing twice:
the shop is made once; each run prints the same sign-in password and API tokens while they still
work (management/demo_access.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rich.console import Console

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_seller, create_user
from shipdesk.management.demo_access import keep_demo_access, new_demo_password, print_demo_access, set_demo_password
from shipdesk.management.demo_shop import build_demo_shop

SLUG = "demo-shop"
OWNER_EMAIL = "owner@demo-shop.test"
OPERATOR_EMAIL = "operator@demo-shop.test"
# Every login the demo makes (email → role in the demo shop; None: the marketplace operator).
DEMO_LOGINS = {OWNER_EMAIL: "owner", "staff@demo-shop.test": "staff", OPERATOR_EMAIL: None}


class Command(BaseCommand):
    help = "Create a demo shop with products and orders in every state, and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-password", action="store_true", help="Give the demo logins a new password, and print it."
        )

    def handle(self, *args, new_password=False, **options):
        console = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        seller = Seller.objects.filter(slug=SLUG).first()
        password = None
        if seller is None:
            password = new_demo_password()
            seller = self._make_shop(console, password)
        elif new_password:
            password = new_demo_password()
            set_demo_password(seller=seller, logins=DEMO_LOGINS, password=password)
        access = keep_demo_access(seller=seller, owner_email=OWNER_EMAIL, password=password)
        print_demo_access(console, access, owner_email=OWNER_EMAIL, operator_email=OPERATOR_EMAIL)
        if settings.SHIPDESK_SANDBOX_CARRIER:
            minutes = settings.SHIPDESK_SANDBOX_CARRIER_MINUTES
            console.print(
                f"  Shipped demo orders travel with the sandbox carrier: delivered {minutes:g} minutes after shipping."
            )
        console.print()

    def _make_shop(self, console: Console, password: str) -> Seller:
        with transaction.atomic():
            seller = create_seller(
                slug=SLUG,
                name="Demo Shop",
                email="orders@demo-shop.test",
                country="US",
                timezone_name="America/New_York",
            )
            seller.thank_you_note = "Thank you for shopping with Demo Shop!"
            seller.save(update_fields=["thank_you_note"])
            owner = create_user(email=OWNER_EMAIL, password=password, seller=seller, role="owner", name="Demo Owner")
            create_user(
                email="staff@demo-shop.test", password=password, seller=seller, role="staff", name="Demo Packer"
            )
            operator = create_user(email=OPERATOR_EMAIL, password=password, name="Demo Operator")
            operator.is_staff = operator.is_superuser = True
            operator.save(update_fields=["is_staff", "is_superuser"])
        build_demo_shop(seller=seller, owner=owner, console=console, now=timezone.now())
        return seller
