"""Random sequences of order actions and stock changes, through the real services and database,
with the invariants of docs/workflow.md checked after every step.

Hypothesis drives a `RuleBasedStateMachine`: place orders (paid or not) over three SKUs, pay or
fail them, confirm, process, ship, deliver, cancel (as the seller, the customer or the system),
cancel lines, and receive, count or correct stock. Any rule may be refused; a small model of the
workflow (written from docs/workflow.md, not imported from `workflow`) says when a refusal is due and
which one, and a refused action must leave every row as it was. Each example runs inside a
savepoint that is rolled back, so examples do not see each other's rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_seller
from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import (
    InvalidTransition,
    PaymentRequired,
    ShipdeskError,
    StateConflict,
    StockShort,
    ValidationFailed,
)
from shipdesk.inventory.models import Product, StockMove
from shipdesk.inventory.services import change_stock, create_product
from shipdesk.notifications.models import Notification
from shipdesk.orders import services
from shipdesk.orders.models import Cancellation, Order, OrderEvent, OrderLine
from shipdesk.payments.models import Refund
from shipdesk.shipping.models import Shipment
from shipdesk.shipping.tracking import validate_tracking_number
from tests.builders import OPERATOR_ACTOR, PLATFORM_ACTOR, SELLER_ACTOR, new_order

SKUS = ("MUG-1", "TEA-1", "PEN-1")
PRICES = {"MUG-1": "12.50", "TEA-1": "4.00", "PEN-1": "1.99"}

TABLE = {  # docs/workflow.md: action → statuses it may start from
    "confirm": {"pending"},
    "process": {"confirmed"},
    "ship": {"processing"},
    "deliver": {"shipped"},
    "cancel": {"pending", "confirmed", "processing"},
    "cancel_line": {"pending", "confirmed", "processing"},
}
ALL_ACTIONS = list(TABLE)
TARGETS = {
    "confirm": "confirmed",
    "process": "processing",
    "ship": "shipped",
    "deliver": "delivered",
    "cancel": "cancelled",
    "cancel_line": None,
}
PAID = {"paid", "partially_refunded"}
REQUIRES_PAYMENT = {"confirm", "process", "ship"}
PROGRESSION = ("pending", "confirmed", "processing", "shipped", "delivered")
STEP_FIELDS = ("confirmed_at", "processing_at", "shipped_at", "delivered_at")
STEP_EVENTS = {
    "confirmed_at": "confirmed",
    "processing_at": "processing_started",
    "shipped_at": "shipped",
    "delivered_at": "delivered",
    "cancelled_at": "cancelled",
}
# Which stock state a line may be in, by the status of its order.
LINE_STOCK_BY_STATUS = {
    "pending": {"reserved", "short", "released"},
    "confirmed": {"reserved", "released"},
    "processing": {"deducted", "released"},
    "shipped": {"deducted", "released"},
    "delivered": {"deducted", "released"},
    "cancelled": {"released"},
}
CANCELLERS = {
    "seller": (SELLER_ACTOR, "out_of_stock"),
    "customer": (Actor(kind=ActorKind.CUSTOMER, label="ada@example.com"), "customer_request"),
    "system": (Actor(kind=ActorKind.SYSTEM, label="system"), "unconfirmed_timeout"),
}


def ups_number(serial: int) -> str:
    """A valid UPS 1Z number, unique per serial: the check digit is the one the validator accepts."""
    body = f"1Z999AA1{serial:09d}"
    valid = [body + str(d) for d in range(10) if validate_tracking_number(carrier="ups", number=body + str(d))]
    assert len(valid) == 1, body
    return valid[0]


def expected_refusal(action: str, order: Order, lines: list[OrderLine], actor: Actor):
    """The refusal docs/workflow.md calls for, most fundamental first, or None if the action must pass."""
    if order.status not in TABLE[action]:
        return InvalidTransition, [a for a in ALL_ACTIONS if order.status in TABLE[a]]
    if action in ("cancel", "cancel_line") and actor.kind is ActorKind.CUSTOMER and order.status == "processing":
        return InvalidTransition, []
    if action in REQUIRES_PAYMENT and order.payment_status not in PAID:
        return PaymentRequired, None
    if action == "confirm" and any(line.stock == "short" for line in lines):
        return StockShort, None
    return None, None


class OrderWorkflow(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        # One savepoint per example, rolled back in teardown.
        self._example = transaction.atomic()
        self._example.__enter__()
        self.seller = create_seller(
            slug="machine", name="Machine", email="machine@example.test", country="US", timezone_name="America/New_York"
        )
        self.serial = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- helpers ----------------------------------------------------------------------------

    def snapshot(self) -> dict:
        """What a refused action must leave as it was: the seller's orders, lines and stock, and
        how many rows every table an action writes to holds (one query for all the counts)."""
        sid = self.seller.pk

        def rows(model):
            counted = (
                model.objects.filter(seller_id=OuterRef("pk"))
                .order_by()
                .values("seller_id")
                .annotate(n=Count("*"))
                .values("n")
            )
            return Subquery(counted, output_field=IntegerField())

        return {
            "orders": list(Order.objects.filter(seller_id=sid).order_by("id").values()),
            "lines": list(OrderLine.objects.filter(seller_id=sid).order_by("id").values()),
            "products": list(Product.objects.filter(seller_id=sid).order_by("id").values()),
            "counts": Seller.objects.filter(pk=sid)
            .annotate(
                moves=rows(StockMove),
                events=rows(OrderEvent),
                notifications=rows(Notification),
                refunds=rows(Refund),
                cancellations=rows(Cancellation),
                shipments=rows(Shipment),
            )
            .values("moves", "events", "notifications", "refunds", "cancellations", "shipments")
            .get(),
        }

    def expect(self, refusal, call, allowed=None) -> bool:
        """Run `call`; it must raise `refusal` (and change nothing) or, when None, succeed."""
        before = self.snapshot() if refusal is not None else None
        try:
            call()
        except ShipdeskError as exc:
            assert refusal is not None and type(exc) is refusal, (
                f"unexpected {type(exc).__name__}: {exc.message} {exc.details}"
            )
            if allowed is not None:
                assert exc.details["allowed_actions"] == allowed
            assert self.snapshot() == before, f"{type(exc).__name__} left changes behind"
            return False
        assert refusal is None, f"expected {refusal.__name__}, but the action passed"
        return True

    def workflow_action(self, order_id: int, action: str, call, actor: Actor, extra_check=None) -> bool:
        order = Order.objects.get(pk=order_id)
        lines = list(OrderLine.objects.filter(order_id=order_id).order_by("id"))
        refusal, allowed = expected_refusal(action, order, lines, actor)
        if refusal is None and extra_check is not None:
            refusal = extra_check(order, lines)
        passed = self.expect(refusal, call, allowed)
        if passed:
            status = Order.objects.values_list("status", flat=True).get(pk=order_id)
            # cancelling the last open units of a line cancels the order
            assert status in ({TARGETS[action]} if TARGETS[action] else {order.status, "cancelled"}), (
                f"{action}: {order.status} → {status}"
            )
        return passed

    # --- setup ------------------------------------------------------------------------------

    @initialize(
        target=orders,
        stock=st.lists(st.integers(min_value=0, max_value=10), min_size=len(SKUS), max_size=len(SKUS)),
        quantities=st.dictionaries(
            st.sampled_from(SKUS), st.integers(min_value=1, max_value=4), min_size=1, max_size=3
        ),
    )
    def open_the_shop(self, stock, quantities):
        """Three products with some stock, and a first paid order (so every example has one)."""
        for sku, on_hand in zip(SKUS, stock, strict=True):
            create_product(
                seller_id=self.seller.pk,
                sku=sku,
                title=sku,
                price=Decimal(PRICES[sku]),
                currency="USD",
                on_hand=on_hand,
                actor=SELLER_ACTOR,
            )
        return self._place(quantities, paid=True)

    # --- orders -----------------------------------------------------------------------------

    def _place(self, quantities: dict[str, int], paid: bool) -> int:
        self.serial += 1
        lines = tuple((sku, qty, PRICES[sku]) for sku, qty in quantities.items())
        external_id = f"EXT-{self.serial}"
        data = new_order(
            external_id=external_id, lines=lines, paid=paid, payment_reference=f"pi_{external_id}" if paid else ""
        )
        order, created = services.place_order(seller_id=self.seller.pk, data=data, actor=PLATFORM_ACTOR)
        assert created
        return order.pk

    @rule(
        target=orders,
        quantities=st.dictionaries(
            st.sampled_from(SKUS), st.integers(min_value=1, max_value=4), min_size=1, max_size=3
        ),
        paid=st.sampled_from((True, True, False)),
    )
    def place(self, quantities, paid):
        return self._place(quantities, paid)

    @rule(order_id=orders, outcome=st.sampled_from(("paid", "paid", "paid_again", "failed")))
    def payment_message(self, order_id, outcome):
        """The provider reports the order's payment (or repeats it), a second payment, or a decline."""
        order = Order.objects.get(pk=order_id)
        paid_already = order.payment_status in ("paid", "partially_refunded", "refunded")
        self.serial += 1
        status = "failed" if outcome == "failed" else "paid"
        if outcome == "paid":
            # the order's own payment: the reference it was paid with, or a first one
            reference = order.payment_reference if paid_already else f"pi_{order.external_id}"
        else:
            reference = f"pi_other_{self.serial}"
        repeat = paid_already and outcome == "paid"  # the same message again: a no-op
        if outcome == "failed":
            refusal = StateConflict if paid_already else None
        elif paid_already:
            refusal = None if repeat else StateConflict
        else:
            refusal = StateConflict if order.status == "cancelled" else None  # money for an order that is gone
        before = self.snapshot() if repeat else None
        self.expect(
            refusal,
            lambda: services.update_payment(
                order_id=order_id,
                seller_id=self.seller.pk,
                actor=PLATFORM_ACTOR,
                status=status,
                amount=order.total,
                reference=reference,
            ),
        )
        if repeat:
            assert self.snapshot() == before, "a repeated payment message changed something"

    def take(self, order_id: int, action: str) -> bool:
        """Try a workflow action as the seller would (the operator delivers); True if it passed."""
        ids = dict(order_id=order_id, seller_id=self.seller.pk)
        actor = OPERATOR_ACTOR if action == "deliver" else SELLER_ACTOR
        if action == "ship":
            self.serial += 1
            number = ups_number(self.serial)

            def call():
                return services.ship_order(
                    **ids, actor=actor, carrier="ups", service_level="ground", tracking_number=number
                )
        elif action == "cancel":
            call = lambda: services.cancel_order(**ids, actor=actor, reason="other")  # noqa: E731
        elif action == "cancel_line":
            line = OrderLine.objects.filter(order_id=order_id).order_by("id").first()
            call = lambda: services.cancel_line(**ids, line_id=line.pk, quantity=1, actor=actor, reason="other")  # noqa: E731
            return self.workflow_action(
                order_id,
                action,
                call,
                actor,
                extra_check=lambda order, lines: None if line.open_quantity >= 1 else ValidationFailed,
            )
        else:
            service = {
                "confirm": services.confirm_order,
                "process": services.process_order,
                "deliver": services.deliver_order,
            }[action]
            call = lambda: service(**ids, actor=actor)  # noqa: E731
        return self.workflow_action(order_id, action, call, actor)

    @rule(order_id=orders, steps=st.integers(min_value=1, max_value=4), data=st.data())
    def work_the_order(self, order_id, steps, data):
        """The seller takes an order's next steps along the happy path until one is refused. A
        finished order sends them to another open order, as a work queue would."""
        following = {"pending": "confirm", "confirmed": "process", "processing": "ship", "shipped": "deliver"}
        if not Order.objects.filter(pk=order_id, status__in=following).exists():
            open_ids = list(
                Order.objects.filter(seller=self.seller, status__in=following)
                .order_by("id")
                .values_list("id", flat=True)
            )
            if not open_ids:
                return
            order_id = data.draw(st.sampled_from(open_ids), label="open order")
        for _ in range(steps):
            action = following.get(Order.objects.values_list("status", flat=True).get(pk=order_id))
            if action is None or not self.take(order_id, action):
                return

    @rule(order_id=orders, action=st.sampled_from(ALL_ACTIONS))
    def try_an_action(self, order_id, action):
        """Any action on any order, as the seller (the operator delivers): most are refused, and a
        refusal must change nothing."""
        self.take(order_id, action)

    @rule(
        order_id=orders,
        who=st.sampled_from(sorted(CANCELLERS)),
        whole=st.booleans(),
        pick=st.integers(min_value=0, max_value=2),
        data=st.data(),
    )
    def cancel(self, order_id, who, whole, pick, data):
        """The seller, the customer or the system cancels the whole order or some units of a line."""
        actor, reason = CANCELLERS[who]
        ids = dict(order_id=order_id, seller_id=self.seller.pk)
        if whole:
            self.workflow_action(
                order_id, "cancel", lambda: services.cancel_order(**ids, actor=actor, reason=reason), actor
            )
            return
        lines = list(OrderLine.objects.filter(order_id=order_id).order_by("id"))
        line = lines[pick % len(lines)]
        # Mostly a valid quantity, sometimes one more than is open.
        quantity = data.draw(st.integers(min_value=1, max_value=line.open_quantity + 1), label="quantity")
        self.workflow_action(
            order_id,
            "cancel_line",
            lambda: services.cancel_line(**ids, line_id=line.pk, quantity=quantity, actor=actor, reason=reason),
            actor,
            extra_check=lambda order, lines: None if quantity <= line.open_quantity else ValidationFailed,
        )

    # --- stock ------------------------------------------------------------------------------

    @rule(
        sku=st.sampled_from(SKUS),
        how=st.sampled_from(("receive", "count", "write_off")),
        amount=st.integers(min_value=0, max_value=10),
    )
    def change_the_stock(self, sku, how, amount):
        """Receive a delivery, set a counted figure, or write off damaged units."""
        product = Product.objects.get(seller=self.seller, sku=sku)
        if how == "receive":
            kwargs, new_on_hand = {"delta": amount // 2 + 1}, product.on_hand + amount // 2 + 1
        elif how == "count":
            kwargs, new_on_hand = {"on_hand": amount}, amount
        else:
            kwargs, new_on_hand = {"delta": -(amount // 2 + 1)}, product.on_hand - (amount // 2 + 1)
        if new_on_hand < 0:
            refusal = ValidationFailed
        elif new_on_hand < product.reserved:
            refusal = StateConflict  # units held for open orders cannot vanish
        else:
            refusal = None
        self.expect(
            refusal, lambda: change_stock(seller_id=self.seller.pk, sku=sku, actor=SELLER_ACTOR, reason=how, **kwargs)
        )

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self):
        sid = self.seller.pk
        products = list(Product.objects.filter(seller_id=sid))
        orders = list(Order.objects.filter(seller_id=sid).order_by("id"))
        lines = list(OrderLine.objects.filter(seller_id=sid).order_by("id"))
        moves = {
            row["product_id"]: row
            for row in StockMove.objects.filter(seller_id=sid)
            .values("product_id")
            .annotate(
                on_hand=Sum("on_hand_delta"),
                reserved=Sum("reserved_delta"),
                shelf=Sum("on_hand_delta", filter=Q(order__isnull=True)),
            )
        }
        events_by_order = defaultdict(list)
        for order_id, type in OrderEvent.objects.filter(seller_id=sid).order_by("id").values_list("order_id", "type"):
            events_by_order[order_id].append(type)
        refunds = defaultdict(list)
        for order_id, amount in Refund.objects.filter(seller_id=sid).values_list("order_id", "amount"):
            refunds[order_id].append(amount)
        line_cancels = Counter(
            Cancellation.objects.filter(seller_id=sid, line__isnull=False).values_list("order_id", flat=True)
        )
        shipped = set(Shipment.objects.filter(seller_id=sid).values_list("order_id", flat=True))
        self.check_stock(products, lines, moves)
        self.check_orders(orders, lines, events_by_order, refunds, line_cancels, shipped)

    def check_stock(self, products, lines, moves):
        for product in products:
            mine = [line for line in lines if line.product_id == product.pk]
            assert 0 <= product.reserved <= product.on_hand, product.sku
            # reserved is exactly what open reserved lines hold
            assert product.reserved == sum(line.open_quantity for line in mine if line.stock == "reserved"), product.sku
            # the ledger explains both counts (the initial stock is its first "received" move)
            ledger = moves.get(product.pk, {"on_hand": 0, "reserved": 0, "shelf": 0})
            assert (product.on_hand, product.reserved) == (ledger["on_hand"], ledger["reserved"]), product.sku
            # on the shelf: what was received, counted or written off, less what left for open deducted lines
            deducted = sum(line.open_quantity for line in mine if line.stock == "deducted")
            assert product.on_hand == (ledger["shelf"] or 0) - deducted, product.sku
            # a short line waiting for stock is re-reserved as soon as it fits
            for line in mine:
                if line.stock == "short":
                    assert line.open_quantity > product.on_hand - product.reserved, (
                        f"{product.sku} line {line.pk} fits but is short"
                    )

    def check_orders(self, orders, all_lines, events_by_order, refunds, line_cancels, shipped):
        lines_by_order = defaultdict(list)
        for line in all_lines:
            lines_by_order[line.order_id].append(line)

        for order in orders:
            where = f"order #{order.number} ({order.status}, {order.payment_status})"
            lines = lines_by_order[order.pk]
            events = events_by_order[order.pk]

            # lines hold stock according to the order's status
            for line in lines:
                assert line.stock in LINE_STOCK_BY_STATUS[order.status], f"{where}: line {line.sku} is {line.stock}"
                assert (line.stock == "released") == (line.quantity_cancelled == line.quantity), where
            if order.status != "cancelled":
                assert sum(line.open_quantity for line in lines) > 0, f"{where}: open with nothing left in it"

            # money
            assert Decimal("0") <= order.refunded_total <= order.total, where
            assert order.refunded_total == sum(refunds[order.pk], Decimal("0")), where
            if order.payment_status in ("unpaid", "failed"):
                assert order.refunded_total == 0 and order.paid_at is None, where
            else:
                assert order.paid_at is not None, where
                expected = {True: "refunded", False: "partially_refunded" if order.refunded_total > 0 else "paid"}[
                    order.refunded_total == order.total
                ]
                assert order.payment_status == expected, where
                if order.status == "cancelled":
                    assert order.refunded_total == order.total, f"{where}: cancelled but not refunded in full"
                else:
                    # a line cancel on a paid order refunds exactly the units it cancels
                    cancelled_value = sum((line.quantity_cancelled * line.unit_price for line in lines), Decimal("0"))
                    assert order.refunded_total <= cancelled_value, (
                        f"{where}: refunded {order.refunded_total}, cancelled {cancelled_value}"
                    )
                    # whether paid before the cancel or after it (the cancelled units are refunded
                    # when the payment arrives)
                    assert order.refunded_total == cancelled_value, (
                        f"{where}: refunded {order.refunded_total}, cancelled {cancelled_value}"
                    )

            # status and timestamps
            stamps = [getattr(order, f) for f in STEP_FIELDS]
            if order.status == "cancelled":
                assert order.cancelled_at is not None and order.shipped_at is None and order.delivered_at is None, where
                reached = sum(1 for s in stamps if s is not None)
            else:
                assert order.cancelled_at is None, where
                reached = PROGRESSION.index(order.status)
            assert all(s is not None for s in stamps[:reached]) and all(s is None for s in stamps[reached:]), (
                f"{where}: {stamps}"
            )
            times = [order.placed_at, *stamps[:reached]] + ([order.cancelled_at] if order.cancelled_at else [])
            assert times == sorted(times), f"{where}: timestamps out of order"
            assert (order.pk in shipped) == (order.shipped_at is not None), where

            # every status change has exactly one event, in the order it happened
            assert events.count("placed") == 1 and events[0] == "placed", where
            for field, type in STEP_EVENTS.items():
                assert events.count(type) == (1 if getattr(order, field) else 0), f"{where}: {type} events {events}"
            status_events = [e for e in events if e in STEP_EVENTS.values()]
            expected_events = [STEP_EVENTS[f] for f in STEP_FIELDS[:reached]] + (
                ["cancelled"] if order.cancelled_at else []
            )
            assert status_events == expected_events, where
            assert events.count("refund_recorded") == len(refunds[order.pk]), where
            assert events.count("line_cancelled") == line_cancels[order.pk], where

            # the next deadline is the current step's
            due = {
                "pending": order.confirm_by,
                "confirmed": order.process_by,
                "processing": order.ship_by,
            }.get(order.status)
            assert order.action_due_at == due, where
            if order.status == "pending":
                assert (order.confirm_by is not None) == (order.payment_status in PAID | {"refunded"}), where


@pytest.mark.slow
def test_random_sequences_of_actions_and_stock_changes_keep_every_invariant(db):
    run_state_machine_as_test(
        OrderWorkflow,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
