"""Earnings for the demo shop: money already paid out, money available, money on hold.

Called once by `shipdesk demo` after its orders are placed. Everything goes through the order and
earnings services, so the ledger is exactly what real orders would produce. The services date
everything "now", and a demo cannot wait out a hold; so the shop's hold is set to 0 days (the
operator's per-seller override) while the earlier orders are delivered — their money is then due
today — and put back afterwards, so the demo's other deliveries wait the usual hold and show as
upcoming releases.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shipdesk.accounts.models import Seller
from shipdesk.actors import Actor
from shipdesk.orders import services as orders
from shipdesk.orders.services import NewOrder, NewOrderLine

from . import services as earnings

# (external id, sku, quantity, unit price, line tax, days ago). Tax is 8 % sales tax, which the
# marketplace keeps and remits: it shows on the orders, never in the earnings.
EARLIER_ORDERS = [
    ("DEMO-E001", "TOTE", 2, "18.50", "2.96", 12),
    ("DEMO-E002", "MUG-BLUE", 3, "14.00", "3.36", 10),
    ("DEMO-E003", "TEE-M", 1, "24.00", "1.92", 6),  # released after the payout: available now
]
SHIPPING_FEE = Decimal("4.95")
SHIPPING_TAX = Decimal("0.40")


def _delivered_order(*, seller: Seller, external_id: str, sku: str, quantity: int, price: str, tax: str, age: timedelta, seller_actor: Actor, storefront: Actor):
    data = NewOrder(
        channel="web",
        external_id=external_id,
        customer_name="Margaret Hamilton",
        customer_email="margaret@example.com",
        ship_name="Margaret Hamilton",
        ship_line1="77 Apollo Way",
        ship_city="Boston",
        ship_region="MA",
        ship_postal_code="02110",
        ship_country="US",
        currency="USD",
        lines=(NewOrderLine(sku=sku, quantity=quantity, unit_price=Decimal(price), tax=Decimal(tax)),),
        shipping_fee=SHIPPING_FEE,
        shipping_tax=SHIPPING_TAX,
        payment_status="paid",
        placed_at=timezone.now() - age,
        payment_reference=f"demo_pi_{external_id.lower()}",
    )
    order, _ = orders.place_order(seller_id=seller.pk, data=data, actor=storefront)
    ids = dict(order_id=order.pk, seller_id=seller.pk)
    orders.confirm_order(**ids, actor=seller_actor)
    orders.process_order(**ids, actor=seller_actor)
    # An untracked carrier: the seller marks the parcel delivered, as DESIGN allows.
    orders.ship_order(**ids, actor=seller_actor, carrier="other", service_level="standard", tracking_number=f"HAND-{external_id}")
    return orders.deliver_order(**ids, actor=seller_actor)


def add_demo_earnings(*, seller: Seller, seller_actor: Actor, storefront: Actor) -> None:
    """Two orders paid out in one payout, one order available, and the demo's own deliveries on hold."""
    previous_hold = seller.hold_days
    with transaction.atomic():
        Seller.objects.filter(pk=seller.pk).update(hold_days=0)
        try:
            for n, (external_id, sku, quantity, price, tax, days) in enumerate(EARLIER_ORDERS):
                _delivered_order(
                    seller=seller,
                    external_id=external_id,
                    sku=sku,
                    quantity=quantity,
                    price=price,
                    tax=tax,
                    age=timedelta(days=days),
                    seller_actor=seller_actor,
                    storefront=storefront,
                )
                earnings.release_due()
                if n == 1:
                    earnings.create_payout(seller_id=seller.pk, currency="USD")
        finally:
            Seller.objects.filter(pk=seller.pk).update(hold_days=previous_hold)
