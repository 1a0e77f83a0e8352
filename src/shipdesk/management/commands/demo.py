"""`shipdesk demo`: a demo shop with products and orders in every state, and how to get in.

Everything goes through the services, exactly as the API would do it, so the demo data obeys
every rule (stock moves, events, deadlines, refunds). Running it twice adds nothing twice: the
shop is made once; each run prints the same sign-in password and API tokens while they still work
(management/demo_access.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import track

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_seller, create_user
from shipdesk.actors import Actor, ActorKind
from shipdesk.earnings.demo import add_demo_earnings
from shipdesk.inventory.services import create_product
from shipdesk.management.demo_access import keep_demo_access, new_demo_password, print_demo_access, set_demo_password
from shipdesk.orders import services
from shipdesk.orders.services import NewOrder, NewOrderLine
from shipdesk.orders.substitutions import offer_substitute
from shipdesk.performance.demo import add_demo_performance
from shipdesk.shipping.tracking import sandbox_tracking_number

SLUG = "demo-shop"
OWNER_EMAIL = "owner@demo-shop.test"
OPERATOR_EMAIL = "operator@demo-shop.test"
# Every login the demo makes (email → role in the demo shop; None: the marketplace operator).
DEMO_LOGINS = {OWNER_EMAIL: "owner", "staff@demo-shop.test": "staff", OPERATOR_EMAIL: None}

PRODUCTS = [
    # sku, title, price, on hand, barcode
    ("MUG-BLUE", "Stoneware mug, blue", "14.00", 40, "4006381333931"),
    ("MUG-RED", "Stoneware mug, red", "14.00", 3, "4006381333948"),
    ("TEE-M", "Organic cotton T-shirt, M", "24.00", 25, "4006381333955"),
    ("TEE-L", "Organic cotton T-shirt, L", "24.00", 0, "4006381333962"),
    ("TOTE", "Canvas tote bag", "18.50", 60, "4006381333979"),
    ("CANDLE", "Beeswax candle", "9.75", 12, "4006381333986"),
]
CUSTOMERS = [
    ("Grace Hopper", "grace@example.com", "1 Navy Way", "Arlington", "VA", "22201"),
    ("Katherine Johnson", "katherine@example.com", "4 Langley Blvd", "Hampton", "VA", "23666"),
    ("Alan Turing", "alan@example.com", "12 Bletchley Rd", "Princeton", "NJ", "08540"),
    ("Ada Lovelace", "ada@example.com", "10 St James Sq", "New York", "NY", "10001"),
    ("Edsger Dijkstra", "edsger@example.com", "1 University Ave", "Austin", "TX", "78712"),
    ("Barbara Liskov", "barbara@example.com", "77 Massachusetts Ave", "Cambridge", "MA", "02139"),
]
# Valid UPS 1Z numbers (check digit per UPS's mod-10 rule), one per shipped demo order.
UPS_NUMBERS = ["1Z4W782E0310000004", "1Z4W782E0310079190", "1Z4W782E0310158381", "1Z4W782E0310237572", "1Z4W782E0310316763"]

# (status to reach, lines, paid, how long ago placed)
SCENARIOS = [
    ("pending", [("MUG-BLUE", 2), ("TOTE", 1)], True, timedelta(hours=2)),
    ("pending", [("TEE-M", 1)], True, timedelta(hours=20)),  # due soon
    ("pending", [("CANDLE", 3)], True, timedelta(hours=30)),  # overdue
    ("pending", [("TEE-L", 1), ("TOTE", 1)], True, timedelta(hours=5)),  # a short line: TEE-L is out of stock
    ("pending", [("MUG-RED", 1)], False, timedelta(hours=1)),  # waiting for payment
    ("confirmed", [("TOTE", 2)], True, timedelta(days=1)),
    ("confirmed", [("MUG-BLUE", 1), ("CANDLE", 1)], True, timedelta(days=2)),
    ("processing", [("TEE-M", 2)], True, timedelta(days=2)),
    ("processing", [("MUG-BLUE", 4)], True, timedelta(days=3)),
    ("shipped", [("TOTE", 1), ("CANDLE", 2)], True, timedelta(days=3)),
    ("shipped", [("MUG-BLUE", 2)], True, timedelta(days=4)),
    ("delivered", [("TEE-M", 1)], True, timedelta(days=6)),
    ("delivered", [("TOTE", 3)], True, timedelta(days=8)),
    ("cancelled", [("MUG-RED", 1)], True, timedelta(days=2)),
    ("line_cancelled", [("MUG-BLUE", 1), ("CANDLE", 2)], True, timedelta(days=1)),
    ("substitute_offered", [("TEE-L", 2)], True, timedelta(hours=3)),  # TEE-L is out: the customer is offered TEE-M
]


class Command(BaseCommand):
    help = "Create a demo shop with products and orders in every state, and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--new-password", action="store_true", help="Give the demo logins a new password, and print it.")

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
        seller_actor = Actor(kind=ActorKind.SELLER, label=owner.email, user_id=owner.pk)
        storefront = Actor(kind=ActorKind.PLATFORM, label="demo storefront")
        # With the sandbox carrier (on under `shipdesk run`/`shipdesk demo`), the shipped demo orders
        # are delivered by the worker a few minutes later, as a real carrier's scans would.
        sandbox = settings.SHIPDESK_SANDBOX_CARRIER
        carrier = Actor(kind=ActorKind.CARRIER, label="Sandbox carrier" if sandbox else "UPS")
        for sku, title, price, on_hand, barcode in PRODUCTS:
            create_product(seller_id=seller.pk, sku=sku, title=title, price=Decimal(price), currency="USD", on_hand=on_hand, barcode=barcode, actor=seller_actor)

        tracking = iter(UPS_NUMBERS)
        now = timezone.now()
        for i, (target, lines, paid, age) in enumerate(track(SCENARIOS, description="Placing demo orders", console=console)):
            name, email, line1, city, region, postal = CUSTOMERS[i % len(CUSTOMERS)]
            data = NewOrder(
                channel="web",
                external_id=f"DEMO-{i + 1:04d}",
                customer_name=name,
                customer_email=email,
                ship_name=name,
                ship_line1=line1,
                ship_city=city,
                ship_region=region,
                ship_postal_code=postal,
                ship_country="US",
                currency="USD",
                lines=tuple(NewOrderLine(sku=sku, quantity=q, unit_price=Decimal(next(p[2] for p in PRODUCTS if p[0] == sku))) for sku, q in lines),
                shipping_fee=Decimal("4.95"),
                payment_status="paid" if paid else "unpaid",
                placed_at=now - age,
                payment_reference=f"demo_pi_{i + 1:04d}" if paid else "",
            )
            order, _ = services.place_order(seller_id=seller.pk, data=data, actor=storefront)
            ids = dict(order_id=order.pk, seller_id=seller.pk)
            if target in ("confirmed", "processing", "shipped", "delivered"):
                services.confirm_order(**ids, actor=seller_actor)
            if target in ("processing", "shipped", "delivered"):
                services.process_order(**ids, actor=seller_actor)
            if target in ("shipped", "delivered"):
                if sandbox:
                    shipping = dict(carrier="sandbox", service_level="standard", tracking_number=sandbox_tracking_number(order.pk))
                else:
                    shipping = dict(carrier="ups", service_level="ground", tracking_number=next(tracking))
                services.ship_order(**ids, actor=seller_actor, **shipping)
            if target == "delivered":
                services.deliver_order(**ids, actor=carrier)
            if target == "cancelled":
                services.cancel_order(**ids, actor=seller_actor, reason="customer_request", note="Customer ordered the wrong colour.")
            if target == "line_cancelled":
                services.confirm_order(**ids, actor=seller_actor)
                line = order.lines.order_by("id").last()
                services.cancel_line(**ids, line_id=line.pk, quantity=1, actor=seller_actor, reason="out_of_stock")
            if target == "substitute_offered":
                line = order.lines.get()
                offer_substitute(**ids, line_id=line.pk, sku="TEE-M", actor=seller_actor, note="Same shirt, one size down: it runs large.")
            if i == 0:
                services.add_note(**ids, actor=seller_actor, text="Gift wrap requested by phone.")
        add_demo_earnings(seller=seller, seller_actor=seller_actor, storefront=storefront)
        add_demo_performance(seller=seller, owner=owner, console=console)
        return seller
