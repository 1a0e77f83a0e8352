"""The demo shop's products, orders, money, reviews and alerts (`shipdesk demo`).

A believable shop: every order went through the services, each step at the moment a real shop
would have taken it — customers order at any hour; the shop confirms, packs and ships in its
business hours on its business days (America/New_York, US holidays), well inside every deadline;
the carrier scans the parcels on their way and delivers them on or before the ETA. Every service
takes that moment as `at`, so an order's header, its timeline, its stock moves, its ledger
entries and its messages all tell the same story, in the past.

The schedule is built backwards from the moment the demo runs (`now`): the orders of the last
few hours are pending (one new, one with its confirmation due soon, one short of stock, one
waiting for a substitute answer, one unpaid); the orders of the last business days are confirmed,
being packed or on their way; the older ones were delivered, reviewed, released and paid out.
With the deadlines kept, the shop's standing is good, every metric judged on enough orders.
The owner last looked at the dashboard a few hours ago: what came in since stays unread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from rich.console import Console
from rich.progress import track

from shipdesk.accounts.models import Seller
from shipdesk.accounts.policy import calendar_for
from shipdesk.accounts.services import set_shop_address
from shipdesk.actors import Actor, ActorKind
from shipdesk.conversations.demo import add_demo_conversations
from shipdesk.earnings.demo import add_demo_payouts
from shipdesk.inventory.services import create_product
from shipdesk.notifications.services import mark_all_alerts_read
from shipdesk.orders import services
from shipdesk.orders.models import Order
from shipdesk.orders.services import NewOrder, NewOrderLine
from shipdesk.orders.substitutions import offer_substitute
from shipdesk.orders.sweeps import sweep_daily_digests, sweep_deadlines
from shipdesk.performance.demo import add_demo_performance
from shipdesk.shipping.labels.services import add_box
from shipdesk.shipping.models import TrackingStatus
from shipdesk.shipping.services import Scan, TrackingUpdate, record_tracking_update
from shipdesk.shipping.tracking import sandbox_tracking_number, validate_tracking_number

PRODUCTS = [
    # sku, title, price, on hand when the shop opened (before its first order), barcode
    ("MUG-BLUE", "Stoneware mug, blue", "14.00", 60, "4006381333931"),
    ("MUG-RED", "Stoneware mug, red", "14.00", 6, "4006381333948"),
    ("TEE-M", "Organic cotton T-shirt, M", "24.00", 34, "4006381333955"),
    ("TEE-L", "Organic cotton T-shirt, L", "24.00", 0, "4006381333962"),
    ("TOTE", "Canvas tote bag", "18.50", 80, "4006381333979"),
    ("CANDLE", "Beeswax candle", "9.75", 20, "4006381333986"),
]
# One unit as packed, for label rates: grams, then length × width × height in cm.
UNIT_SIZES = {
    "MUG-BLUE": (380, "12", "9", "10"),
    "MUG-RED": (380, "12", "9", "10"),
    "TEE-M": (180, "25", "20", "2"),
    "TEE-L": (200, "25", "20", "2"),
    "TOTE": (220, "30", "25", "2"),
    "CANDLE": (260, "8", "8", "10"),
}
# Where the demo's parcels leave from (the sender on its labels), and the boxes it packs into.
SHIP_FROM = {
    "name": "Dispatch",
    "line1": "350 5th Ave",
    "city": "New York",
    "region": "NY",
    "postal_code": "10118",
    "country": "US",
}
BOXES = (("Small box", "20", "15", "10", 90, False), ("Medium box", "30", "20", "15", 180, True))
PRICES = {sku: Decimal(price) for sku, _, price, _, _ in PRODUCTS}
CUSTOMERS = [
    ("Grace Hopper", "grace@example.com", "1 Navy Way", "Arlington", "VA", "22201"),
    ("Katherine Johnson", "katherine@example.com", "4 Langley Blvd", "Hampton", "VA", "23666"),
    ("Alan Turing", "alan@example.com", "12 Bletchley Rd", "Princeton", "NJ", "08540"),
    ("Ada Lovelace", "ada@example.com", "10 St James Sq", "New York", "NY", "10001"),
    ("Edsger Dijkstra", "edsger@example.com", "1 University Ave", "Austin", "TX", "78712"),
    ("Barbara Liskov", "barbara@example.com", "77 Massachusetts Ave", "Cambridge", "MA", "02139"),
    ("Margaret Hamilton", "margaret@example.com", "77 Apollo Way", "Boston", "MA", "02110"),
]
SHIPPING_FEE = Decimal("4.95")

# The shop opened (its first stock counted) this many business days before the demo runs; its
# delivered orders go back to a little after that.
OPENED_BUSINESS_DAYS_AGO = 40
# The owner last read the alerts this long before the demo runs; anything newer stays unread.
LAST_LOOKED = timedelta(hours=4)


@dataclass(frozen=True)
class Delivered:
    """An order that went all the way: placed on business day `days_ago`, delivered `transit`
    business days after shipping."""

    external_id: str
    days_ago: int  # business days before today it was placed
    placed: str  # local HH:MM
    lines: tuple[tuple[str, int], ...]
    customer: int
    transit: int = 3  # business days from shipping to delivery (UPS Ground promises 5)
    tax: tuple[str, str] | None = None  # (line tax, shipping tax): 8 % sales tax, which the marketplace keeps


# The shop's past: 22 delivered orders over the last 8 weeks, two or three a week. Three carry
# sales tax (the earnings page shows it never reaches the seller); the first delivered ones were
# paid out, the next ones are available, the last few still on hold.
DELIVERED = [
    Delivered("DEMO-H001", 38, "10:12", (("TOTE", 1),), 0),
    Delivered("DEMO-H002", 36, "13:40", (("MUG-BLUE", 2),), 1),
    Delivered("DEMO-H003", 34, "09:05", (("CANDLE", 2), ("TOTE", 1)), 2, transit=4),
    Delivered("DEMO-H004", 32, "11:25", (("TEE-M", 1),), 3),
    Delivered("DEMO-H005", 30, "14:50", (("MUG-BLUE", 1), ("MUG-RED", 1)), 4),
    Delivered("DEMO-H006", 28, "10:35", (("TOTE", 2),), 5),
    Delivered("DEMO-H007", 26, "12:15", (("CANDLE", 1),), 0, transit=2),
    Delivered("DEMO-H008", 24, "09:45", (("TEE-M", 2),), 1),
    Delivered("DEMO-H009", 22, "15:05", (("MUG-BLUE", 4),), 2),
    Delivered("DEMO-H010", 21, "11:50", (("TOTE", 1), ("CANDLE", 1)), 3, transit=4),
    Delivered("DEMO-H011", 19, "10:20", (("TEE-M", 1),), 4),
    Delivered("DEMO-E001", 17, "13:10", (("TOTE", 2),), 6, tax=("2.96", "0.40")),
    Delivered("DEMO-H012", 16, "09:30", (("MUG-BLUE", 2),), 5),
    Delivered("DEMO-E002", 15, "14:25", (("MUG-BLUE", 3),), 6, tax=("3.36", "0.40")),
    Delivered("DEMO-H013", 14, "11:00", (("CANDLE", 3),), 0, transit=2),
    Delivered("DEMO-H014", 13, "10:40", (("TEE-M", 1), ("TOTE", 1)), 1),
    Delivered("DEMO-H015", 12, "15:15", (("MUG-BLUE", 1),), 2),
    Delivered("DEMO-E003", 11, "09:55", (("TEE-M", 1),), 6, tax=("1.92", "0.40")),
    Delivered("DEMO-H016", 10, "12:35", (("TOTE", 1),), 3, transit=4),
    Delivered("DEMO-H017", 9, "10:05", (("MUG-BLUE", 2), ("CANDLE", 1)), 4),
    Delivered("DEMO-H018", 8, "14:45", (("TEE-M", 1),), 5, transit=2),
    Delivered("DEMO-H019", 7, "11:30", (("TOTE", 3),), 0),
]
# The payout ran on this business day (10:00) before today: the orders released by then were paid out.
PAYOUT_DAYS_AGO = 8
# (rating, comment, the shop's reply or "") on the delivered orders with these external ids.
REVIEWS = {
    "DEMO-H016": (
        4,
        "Good quality tote. Delivery took a day longer than I hoped.",
        "Thank you! We have switched to an earlier pickup so parcels leave the same day.",
    ),
    "DEMO-H017": (5, "Lovely mugs, arrived well packed and a day early.", ""),
    "DEMO-H018": (5, "Exactly as pictured.", ""),
}  # fmt: skip


class DemoClock:
    """Moments of the demo's past in the shop's own time: "business day n before today at 10:15"."""

    def __init__(self, seller: Seller, now: datetime):
        self.now = now
        self.zone = ZoneInfo(seller.timezone)
        self.calendar = calendar_for(seller)
        self.today = now.astimezone(self.zone).date()

    def business_day(self, days_ago: int) -> date:
        """The `days_ago`-th business day before today (1: the last one before today)."""
        day, left = self.today, days_ago
        while left > 0:
            day -= timedelta(days=1)
            if self.calendar.is_business_day(day):
                left -= 1
        return day

    def at(self, day: date, hhmm: str) -> datetime:
        hours, minutes = map(int, hhmm.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=self.zone)

    def on(self, days_ago: int, hhmm: str) -> datetime:
        return self.at(self.business_day(days_ago), hhmm)

    def after(self, moment: datetime, business_days: int, hhmm: str) -> datetime:
        """`hhmm` on the business day `business_days` after the local day of `moment`."""
        day, left = moment.astimezone(self.zone).date(), business_days
        while left > 0:
            day += timedelta(days=1)
            if self.calendar.is_business_day(day):
                left -= 1
        return self.at(day, hhmm)


def ups_number(serial: int) -> str:
    """A valid UPS 1Z number (the demo shop's account), one per serial."""
    body = f"1Z4W782E03{serial:07d}"
    return next(
        body + str(check) for check in range(10) if validate_tracking_number(carrier="ups", number=body + str(check))
    )


class DemoShop:
    """The shop's story as a plan of steps, each at its moment, then acted out in time order.

    Played in time order, the per-shop order numbers follow the placing times, stock is reserved
    and deducted in the order it really would be, and each service acts at its step's moment.
    """

    def __init__(self, *, seller: Seller, owner, now: datetime):
        self.seller = seller
        self.clock = DemoClock(seller, now)
        self.now = now
        self.shop = Actor(kind=ActorKind.SELLER, label=owner.email, user_id=owner.pk)
        self.storefront = Actor(kind=ActorKind.PLATFORM, label="demo storefront")
        self.orders: dict[str, Order] = {}
        self.plan: list[tuple[datetime, int, Callable[[datetime], object]]] = []
        self.last_step: dict[str, datetime] = {}
        self.parcels = 0

    # --- planning -----------------------------------------------------------------------------

    def step(self, external_id: str, at: datetime, act: Callable[[datetime], object]) -> None:
        # Each order's steps are planned in its own order; a step in the future would be no
        # demo of the past (and the services would refuse some of them).
        assert at < self.now, f"{external_id}: a step at {at} is not in the past of {self.now}"
        assert at > self.last_step.get(external_id, at - timedelta(seconds=1)), (
            f"{external_id}: steps out of order at {at}"
        )
        self.last_step[external_id] = at
        self.plan.append((at, len(self.plan), act))

    def ids(self, external_id: str) -> dict:
        return {"order_id": self.orders[external_id].pk, "seller_id": self.seller.pk}

    def place(
        self,
        external_id: str,
        lines,
        *,
        customer: int,
        at: datetime,
        paid: bool = True,
        tax: tuple[str, str] | None = None,
    ) -> None:
        name, email, line1, city, region, postal = CUSTOMERS[customer % len(CUSTOMERS)]
        line_tax, shipping_tax = (Decimal(tax[0]), Decimal(tax[1])) if tax else (Decimal("0"), Decimal("0"))
        data = NewOrder(
            channel="web",
            external_id=external_id,
            customer_name=name,
            customer_email=email,
            ship_name=name,
            ship_line1=line1,
            ship_city=city,
            ship_region=region,
            ship_postal_code=postal,
            ship_country="US",
            currency="USD",
            lines=tuple(
                NewOrderLine(sku=sku, quantity=q, unit_price=PRICES[sku], tax=line_tax if i == 0 else Decimal("0"))
                for i, (sku, q) in enumerate(lines)
            ),
            shipping_fee=SHIPPING_FEE,
            shipping_tax=shipping_tax,
            payment_status="paid" if paid else "unpaid",
            placed_at=at,
            payment_reference=f"demo_pi_{external_id.lower()}" if paid else "",
        )

        def act(at: datetime) -> None:
            self.orders[external_id], _ = services.place_order(
                seller_id=self.seller.pk, data=data, actor=self.storefront, at=at
            )

        self.step(external_id, at, act)

    def confirm(self, external_id: str, at: datetime) -> None:
        self.step(external_id, at, lambda at: services.confirm_order(**self.ids(external_id), actor=self.shop, at=at))

    def process(self, external_id: str, at: datetime) -> None:
        self.step(external_id, at, lambda at: services.process_order(**self.ids(external_id), actor=self.shop, at=at))

    def ship_ups(self, external_id: str, at: datetime) -> str:
        self.parcels += 1
        number = ups_number(self.parcels)
        self.step(
            external_id,
            at,
            lambda at: services.ship_order(
                **self.ids(external_id),
                actor=self.shop,
                carrier="ups",
                service_level="ground",
                tracking_number=number,
                at=at,
            ),
        )
        return number

    def ship_sandbox(self, external_id: str, at: datetime) -> None:
        def act(at: datetime) -> None:
            order = self.orders[external_id]
            number = sandbox_tracking_number(order.pk)
            services.ship_order(
                **self.ids(external_id),
                actor=self.shop,
                carrier="sandbox",
                service_level="standard",
                tracking_number=number,
                at=at,
            )

        self.step(external_id, at, act)

    def scan(self, external_id: str, number: str, status: str, at: datetime, description: str, location: str) -> None:
        # The carrier's message arrives as the parcel is scanned, so the order's timeline reads
        # each scan (and the delivery) at the moment it happened.
        update = TrackingUpdate(
            source="poll",
            carrier="ups",
            tracking_number=number,
            scans=(Scan(status=status, occurred_at=at, description=description, location=location),),
        )
        self.step(external_id, at, lambda at: record_tracking_update(update=update, at=at))

    def on_its_way(self, external_id: str, number: str, shipped: datetime) -> None:
        self.scan(
            external_id,
            number,
            TrackingStatus.PRE_TRANSIT,
            shipped + timedelta(minutes=2),
            "Shipping label created",
            "New York, NY",
        )
        self.scan(
            external_id,
            number,
            TrackingStatus.IN_TRANSIT,
            shipped + timedelta(hours=3, minutes=25),
            "Departed UPS facility",
            "Secaucus, NJ",
        )

    def delivered(self, spec: Delivered) -> None:
        clock, eid = self.clock, spec.external_id
        placed = clock.on(spec.days_ago, spec.placed)
        self.place(eid, spec.lines, customer=spec.customer, at=placed, tax=spec.tax)
        # Confirmed within the hour or two, packed the next business morning, handed to UPS at the
        # afternoon pickup; UPS delivers around midday, before the ETA (shipped + 5 business days).
        self.confirm(eid, placed + timedelta(minutes=50 + 7 * (spec.days_ago % 5)))
        self.process(eid, clock.after(placed, 1, f"09:{10 + spec.days_ago % 40:02d}"))
        shipped = clock.after(placed, 1, "16:05")
        number = self.ship_ups(eid, shipped)
        city = CUSTOMERS[spec.customer % len(CUSTOMERS)][3]
        self.on_its_way(eid, number, shipped)
        self.scan(
            eid,
            number,
            TrackingStatus.OUT_FOR_DELIVERY,
            clock.after(shipped, spec.transit, "08:40"),
            "Out for delivery",
            city,
        )
        self.scan(
            eid,
            number,
            TrackingStatus.DELIVERED,
            clock.after(shipped, spec.transit, f"12:{(7 * spec.days_ago) % 60:02d}"),
            "Delivered, front door",
            city,
        )

    # --- acting -------------------------------------------------------------------------------

    def play(self, console: Console) -> None:
        for at, _, act in track(sorted(self.plan), description="Placing demo orders", console=console):
            act(at)


def build_demo_shop(*, seller: Seller, owner, console: Console, now: datetime) -> None:
    """Products, orders in every state, earnings, reviews, performance history and alerts, dated in
    the past of `now`."""
    demo = DemoShop(seller=seller, owner=owner, now=now)
    clock = demo.clock
    opened = clock.on(OPENED_BUSINESS_DAYS_AGO, "09:00")
    for sku, title, price, on_hand, barcode in PRODUCTS:
        grams, length, width, height = UNIT_SIZES[sku]
        create_product(
            seller_id=seller.pk,
            sku=sku,
            title=title,
            price=Decimal(price),
            currency="USD",
            on_hand=on_hand,
            barcode=barcode,
            weight_grams=grams,
            length_cm=Decimal(length),
            width_cm=Decimal(width),
            height_cm=Decimal(height),
            actor=demo.shop,
            at=opened,
        )
    set_shop_address(seller_id=seller.pk, kind="ship_from", **SHIP_FROM)
    for name, length, width, height, grams, is_default in BOXES:
        add_box(
            seller_id=seller.pk,
            name=name,
            length_cm=Decimal(length),
            width_cm=Decimal(width),
            height_cm=Decimal(height),
            weight_grams=grams,
            is_default=is_default,
        )
    for spec in DELIVERED:
        demo.delivered(spec)
    _plan_recent_orders(demo)
    demo.play(console)

    add_demo_payouts(seller_id=seller.pk, payout_at=clock.on(PAYOUT_DAYS_AGO, "10:00"), now=now)
    add_demo_performance(seller=seller, owner=owner, console=console, reviews=REVIEWS, now=now)
    add_demo_conversations(seller=seller, owner=owner, now=now)

    # What the worker's sweeps would have found by now (the due-soon alert, today's digest), then
    # the owner's last look at the dashboard: the alerts older than that are read.
    sweep_deadlines(now=now)
    sweep_daily_digests(now=now)
    mark_all_alerts_read(seller_id=seller.pk, at=now - LAST_LOOKED)


def _plan_recent_orders(demo: DemoShop) -> None:
    """The orders of the last few days and hours: one or two in each state, each step in time."""
    clock, now, shop = demo.clock, demo.now, demo.shop

    # Being packed: confirmed the day they came in, processing started the next business morning.
    demo.place("DEMO-0008", [("TEE-M", 2)], customer=1, at=clock.on(3, "14:20"))
    demo.confirm("DEMO-0008", clock.on(3, "15:05"))
    demo.process("DEMO-0008", clock.on(2, "10:15"))
    demo.place("DEMO-0009", [("MUG-BLUE", 4)], customer=2, at=clock.on(2, "09:50"))
    demo.confirm("DEMO-0009", clock.on(2, "11:20"))
    demo.process("DEMO-0009", clock.on(1, "09:40"))

    # On their way. With the sandbox carrier (`shipdesk run --demo`) they were handed over a
    # minute or two ago, and the worker moves them along to Delivered within minutes; otherwise
    # UPS has had them since the last business day.
    # Either way each was packed on one of the last two business days, so shipping now is well
    # inside its 3 business days.
    for eid, lines, customer, days_ago, minutes in (
        ("DEMO-0010", [("TOTE", 1), ("CANDLE", 2)], 3, 3, 2),
        ("DEMO-0011", [("MUG-BLUE", 2)], 4, 2, 1),
    ):
        demo.place(eid, lines, customer=customer, at=clock.on(days_ago, "10:30"))
        demo.confirm(eid, clock.on(days_ago, "11:45"))
        demo.process(eid, clock.on(days_ago - 1, "09:30"))
        if settings.SHIPDESK_SANDBOX_CARRIER:
            demo.ship_sandbox(eid, now - timedelta(minutes=minutes))
        else:
            shipped = clock.on(1, "16:05")
            demo.on_its_way(eid, demo.ship_ups(eid, shipped), shipped)

    # A line cancelled at the customer's request (by phone, after confirming); the rest is being packed.
    demo.place("DEMO-0015", [("MUG-BLUE", 1), ("CANDLE", 2)], customer=2, at=clock.on(2, "10:40"))
    demo.confirm("DEMO-0015", clock.on(2, "11:30"))

    def cancel_a_candle(at: datetime) -> None:
        line = demo.orders["DEMO-0015"].lines.get(sku="CANDLE")
        services.cancel_line(
            **demo.ids("DEMO-0015"),
            line_id=line.pk,
            quantity=1,
            actor=shop,
            reason="customer_request",
            note="One candle is enough, said on the phone.",
            at=at,
        )

    demo.step("DEMO-0015", clock.on(2, "13:15"), cancel_a_candle)
    demo.process("DEMO-0015", clock.on(1, "10:05"))

    # Cancelled before packing, at the customer's request.
    demo.place("DEMO-0014", [("MUG-RED", 1)], customer=1, at=clock.on(1, "15:10"))
    demo.step(
        "DEMO-0014",
        clock.on(1, "15:50"),
        lambda at: services.cancel_order(
            **demo.ids("DEMO-0014"),
            actor=shop,
            reason="customer_request",
            note="Customer ordered the wrong colour.",
            at=at,
        ),
    )

    # Confirmed, to be packed: one from the evening before last, one from the last business day.
    demo.place("DEMO-0006", [("TOTE", 2)], customer=5, at=clock.on(2, "19:40"))
    demo.confirm("DEMO-0006", clock.on(1, "09:20"))
    demo.place("DEMO-0007", [("MUG-BLUE", 1), ("CANDLE", 1)], customer=0, at=clock.on(1, "11:05"))
    demo.confirm("DEMO-0007", clock.on(1, "13:30"))

    # Pending, from the last day: its confirmation due soon (placed 20 h ago, 24 h to confirm) ...
    demo.place("DEMO-0002", [("TEE-M", 1)], customer=1, at=now - timedelta(hours=20))
    # ... a short line (TEE-L is out of stock) ...
    demo.place("DEMO-0004", [("TEE-L", 1), ("TOTE", 1)], customer=3, at=now - timedelta(hours=5))
    # ... another, whose customer was offered the next size down ...
    demo.place("DEMO-0016", [("TEE-L", 2)], customer=4, at=now - timedelta(hours=3))

    def offer_a_smaller_size(at: datetime) -> None:
        line = demo.orders["DEMO-0016"].lines.get()
        offer_substitute(
            **demo.ids("DEMO-0016"),
            line_id=line.pk,
            sku="TEE-M",
            actor=shop,
            note="Same shirt, one size down: it runs large.",
            at=at,
        )

    demo.step("DEMO-0016", now - timedelta(hours=2, minutes=35), offer_a_smaller_size)
    # ... a new one, with a note from the phone ...
    demo.place("DEMO-0001", [("MUG-BLUE", 2), ("TOTE", 1)], customer=0, at=now - timedelta(hours=2))
    demo.step(
        "DEMO-0001",
        now - timedelta(hours=1, minutes=40),
        lambda at: services.add_note(**demo.ids("DEMO-0001"), actor=shop, text="Gift wrap requested by phone.", at=at),
    )
    # ... and one waiting for payment.
    demo.place("DEMO-0005", [("MUG-RED", 1)], customer=5, at=now - timedelta(hours=1), paid=False)
