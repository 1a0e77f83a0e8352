"""Random orders through every money-moving action; after each step the ledger must add up.

The actions include refunds after shipment (units, shipping, goodwill amounts) and returns
received and refunded, so refunds after the earnings' release take the available balance below
zero: a payout then pays nothing, and the next one nets it (never paying below zero)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from shipdesk import money
from shipdesk.claims.disputes import apply_dispute
from shipdesk.claims.models import Dispute
from shipdesk.earnings import selectors
from shipdesk.earnings import services as earnings
from shipdesk.earnings.holds import fallback_release, release_after_delivery
from shipdesk.earnings.models import LedgerEntry
from shipdesk.errors import ShipdeskError
from shipdesk.orders import refunds, services
from shipdesk.orders.models import Order
from shipdesk.payments.webhooks import DisputeFacts
from shipdesk.returns import services as returns
from tests.builders import OPERATOR_ACTOR, PLATFORM_ACTOR, SELLER_ACTOR, new_order

PAID = ("paid", "partially_refunded", "refunded")
CHARGEBACK_KINDS = ("dispute_hold", "dispute_release", "chargeback_fee")
LINES = {"USD": (("MUG-1", "12.35"), ("CAP-1", "7.99")), "JPY": (("TEA-1", "1234"), ("POT-1", "999"))}
# Tax on each line (whole line) and on shipping, by currency; amounts that do not split evenly.
TAXES = {"USD": ("0", "1.00", "0.99", "2.47"), "JPY": ("0", "100", "77", "1")}

step = st.one_of(
    st.tuples(
        st.just("place"),
        st.sampled_from(["USD", "JPY"]),
        st.sampled_from([True, True, False]),
        st.integers(1, 3),
        st.integers(0, 3),
        st.integers(0, 3),
    ),
    st.tuples(st.just("pay"), st.integers(0, 5)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("cancel_line"), st.integers(0, 5), st.integers(1, 3)),
    st.tuples(st.just("ship"), st.integers(0, 5)),
    st.tuples(st.just("deliver"), st.integers(0, 5)),
    st.tuples(st.just("refund"), st.integers(0, 5), st.integers(1, 100)),
    # After shipment: units of the first line (with their tax share), the shipping, or an amount.
    st.tuples(st.just("refund_units"), st.integers(0, 5), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("goodwill"), st.integers(0, 5), st.integers(1, 100)),
    # A return of units of the first line, received (some resellable, some damaged) and refunded.
    st.tuples(st.just("return"), st.integers(0, 5), st.integers(1, 3), st.sampled_from(["faulty", "changed_mind"])),
    st.tuples(
        st.just("wait"), st.sampled_from([timedelta(hours=5), timedelta(days=2), timedelta(days=4), timedelta(days=31)])
    ),
    st.tuples(st.just("payout")),
    # A chargeback on the order's payment: opened (money held), then won (released) or lost
    # (held money and the provider's fee debited).
    st.tuples(st.just("dispute"), st.integers(0, 5), st.sampled_from(["needs_response", "won", "lost"])),
)


def _tax_of_cancelled(order) -> tuple[Decimal, Decimal]:
    """(non-tax, tax) of what the order's cancellations and refunds after shipment should have
    refunded, by the exact rule: every unit that left a line carries its cumulative tax share."""
    net, tax = Decimal(0), Decimal(0)
    for line in order.lines.all():
        gone = line.quantity_cancelled + line.quantity_refunded
        net += line.unit_price * gone
        tax += refunds.line_tax_share(
            tax=line.tax, quantity=line.quantity, cancelled_before=0, cancelling=gone, currency=order.currency
        )
    if order.status == "cancelled" or order.shipped_refunds.filter(with_shipping=True).exists():
        net += order.shipping_fee
        tax += order.shipping_tax
    return net, tax


def _check(seller, orders: list[int], now: datetime, refunded_outside: set[int]) -> None:
    entries = list(LedgerEntry.objects.filter(seller_id=seller.pk))
    # Balances are exactly the sums of the entries.
    sums: dict[str, list[Decimal]] = {}
    for e in entries:
        s = sums.setdefault(e.currency, [Decimal(0)] * 3)
        s[0] += e.pending
        s[1] += e.available
        s[2] += e.paid_out
    got = {b.currency: [b.pending, b.available, b.paid_out] for b in selectors.balances(seller_id=seller.pk)}
    assert got == {c: [money.quantize(v, c) for v in s] for c, s in sums.items()}

    # No money created or lost: what was paid, minus tax, minus refunds' non-tax part, minus the
    # commission on what was kept. Tax never enters the seller's ledger.
    expected: dict[str, Decimal] = {}
    for order in Order.objects.filter(pk__in=orders).prefetch_related("lines"):
        assert order.tax_total == sum((line.tax for line in order.lines.all()), Decimal(0)) + order.shipping_tax
        assert Decimal(0) <= order.refunded_tax <= order.tax_total and order.refunded_tax <= order.refunded_total
        if order.payment_status in PAID:
            kept = (order.total - order.tax_total) - (order.refunded_total - order.refunded_tax)
            expected[order.currency] = (
                expected.get(order.currency, Decimal(0)) + kept - money.quantize(kept * Decimal("0.10"), order.currency)
            )
            if order.refunded_total == order.total:
                assert order.refunded_tax == order.tax_total, f"order #{order.number}: refunded in full but not its tax"
            if order.pk not in refunded_outside:
                # Tax refunded is exactly the tax of what was refunded, to the last minor unit.
                assert (order.refunded_total - order.refunded_tax, order.refunded_tax) == _tax_of_cancelled(order), (
                    f"order #{order.number}"
                )
    # A chargeback costs the seller what is held for it, and the provider's fee once it is lost.
    for dispute in Dispute.objects.filter(order_id__in=orders):
        lost_fee = dispute.fee if dispute.status == "lost" else Decimal(0)
        expected[dispute.currency] = expected.get(dispute.currency, Decimal(0)) - dispute.held - lost_fee
    held = {c: money.quantize(sum(s), c) for c, s in sums.items()}
    assert {c: v for c, v in held.items() if v} == {c: money.quantize(v, c) for c, v in expected.items() if v}

    # Available never holds an order's money before its date.
    for order in Order.objects.filter(pk__in=orders).select_related("seller"):
        due = []
        if order.shipped_at:
            due.append(fallback_release(shipped_at=order.shipped_at))
        if order.delivered_at:
            due.append(release_after_delivery(delivered_at=order.delivered_at, hold_days=3, timezone=seller.timezone))
        if not due or now < min(due):
            released = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.RELEASE).exists()
            # A chargeback's hold comes out of the available balance at once, whatever the date.
            available = (
                LedgerEntry.objects.filter(order=order)
                .exclude(kind__in=CHARGEBACK_KINDS)
                .aggregate(s=Sum("available"))["s"]
                or 0
            )
            assert not released and available == 0, f"order #{order.number} released early"


def _dispute(order, status: str, *, at: datetime) -> None:
    """The provider's news about the order's one dispute: the whole payment, a 15-unit fee."""
    before = Dispute.objects.filter(order=order).first()
    apply_dispute(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=PLATFORM_ACTOR,
        provider="stripe",
        dispute=DisputeFacts(
            dispute_id=f"dp_{order.pk}",
            status=status,
            reason="fraudulent",
            amount=order.total,
            currency=order.currency,
            fee=Decimal("15"),
        ),
        at=at,
    )
    after = Dispute.objects.get(order=order)
    if before is not None and before.closed_at is not None:
        assert (after.status, after.held) == (before.status, before.held), "a closed dispute never changes"
    elif status == "lost":
        assert after.held == order.total and after.fee == Decimal("15")
    elif status == "won":
        assert after.held == 0


def _ship(order, n: int) -> None:
    """Confirm, process and ship as far as the order allows (each step may be refused)."""
    for act in (services.confirm_order, services.process_order):
        try:
            act(order_id=order.pk, seller_id=order.seller_id, actor=SELLER_ACTOR)
        except ShipdeskError:
            pass
    services.ship_order(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=SELLER_ACTOR,
        carrier="other",
        service_level="standard",
        tracking_number=f"PKG-{n}",
    )


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=st.lists(step, min_size=4, max_size=16))
# The full path, every run: paid, partly cancelled, shipped, delivered, released, paid out, refunded after.
@example(
    steps=[
        ("place", "JPY", True, 2, 1, 2),
        ("place", "USD", False, 1, 0, 3),
        ("cancel_line", 0, 1),
        ("ship", 0),
        ("pay", 1),
        ("deliver", 0),
        ("wait", timedelta(days=4)),
        ("payout",),
        ("refund", 0, 50),
        ("ship", 1),
        ("wait", timedelta(days=31)),
        ("payout",),
        ("refund", 1, 100),
    ]
)
# A chargeback after the payout: held, then lost with the fee; another opened and won.
@example(
    steps=[
        ("place", "USD", True, 1, 1, 1),
        ("place", "JPY", True, 2, 0, 2),
        ("ship", 0),
        ("deliver", 0),
        ("wait", timedelta(days=4)),
        ("payout",),
        ("dispute", 0, "needs_response"),
        ("dispute", 1, "needs_response"),
        ("dispute", 0, "lost"),
        ("dispute", 1, "won"),
        ("dispute", 0, "won"),
        ("payout",),
    ]
)
# Refunded after release and payout: the balance goes below zero, a payout pays nothing, the next
# order's release nets it; a return of a faulty unit refunds it with the shipping.
@example(
    steps=[
        ("place", "USD", True, 2, 1, 2),
        ("deliver", 0),
        ("wait", timedelta(days=4)),
        ("payout",),
        ("refund_units", 0, 2, True),
        ("payout",),
        ("place", "USD", True, 3, 2, 1),
        ("deliver", 1),
        ("return", 1, 2, "faulty"),
        ("goodwill", 1, 50),
        ("wait", timedelta(days=4)),
        ("payout",),
    ]
)
def test_the_ledger_never_creates_or_loses_money_and_never_releases_early(make_seller, make_product, steps):
    with transaction.atomic():  # each example starts from an empty ledger
        seller = make_seller(tz="Asia/Tokyo")
        for currency, lines in LINES.items():
            for sku, price in lines:
                make_product(seller, sku, price=price, currency=currency, on_hand=5)
        orders: list[int] = []
        refunded_outside: set[int] = set()
        with time_machine.travel(datetime(2026, 6, 5, 12, 0, tzinfo=UTC), tick=False) as clock:
            for n, action in enumerate(steps):
                kind, *args = action
                target = (
                    Order.objects.get(pk=orders[args[0] % len(orders)])
                    if orders
                    and kind
                    in (
                        "pay",
                        "cancel",
                        "cancel_line",
                        "ship",
                        "deliver",
                        "refund",
                        "refund_units",
                        "goodwill",
                        "return",
                    )
                    else None
                )
                try:
                    if kind == "place":
                        currency, paid, qty, fee, tax = args
                        taxes = TAXES[currency]
                        lines = tuple(
                            (sku, qty, price, taxes[(tax + i) % len(taxes)])
                            for i, (sku, price) in enumerate(LINES[currency])
                        )
                        order, _ = services.place_order(
                            seller_id=seller.pk,
                            data=new_order(
                                external_id=f"E{n}",
                                lines=lines,
                                paid=paid,
                                currency=currency,
                                shipping_fee=Decimal(fee),
                                shipping_tax=Decimal(taxes[tax] if fee else "0"),
                            ),
                            actor=PLATFORM_ACTOR,
                        )
                        orders.append(order.pk)
                    elif kind == "wait":
                        clock.shift(args[0])
                        earnings.release_due()
                    elif kind == "payout":
                        before = {b.currency: b.available for b in selectors.balances(seller_id=seller.pk)}
                        for line in earnings.payable():
                            earnings.create_payout(seller_id=line.seller_id, currency=line.currency)
                        # A payout takes exactly a positive available balance; a negative one (a
                        # refund after release) is carried to the next, never paid below zero.
                        for balance in selectors.balances(seller_id=seller.pk):
                            was = before.get(balance.currency, Decimal(0))
                            assert balance.available == (was if was <= 0 else 0), balance
                    elif target is None:
                        continue
                    elif kind == "dispute":
                        if target.payment_status in PAID:
                            _dispute(target, args[1], at=datetime.now(UTC))
                    elif kind == "pay":
                        services.update_payment(
                            order_id=target.pk,
                            seller_id=None,
                            actor=PLATFORM_ACTOR,
                            status="paid",
                            amount=target.total,
                            reference=f"pi_{n}",
                        )
                    elif kind == "cancel":
                        services.cancel_order(
                            order_id=target.pk, seller_id=seller.pk, actor=SELLER_ACTOR, reason="customer_request"
                        )
                    elif kind == "cancel_line":
                        line = target.lines.order_by("id").first()
                        services.cancel_line(
                            order_id=target.pk,
                            seller_id=seller.pk,
                            line_id=line.pk,
                            quantity=min(args[1], line.open_quantity) or 1,
                            actor=SELLER_ACTOR,
                            reason="out_of_stock",
                        )
                    elif kind in ("ship", "deliver"):
                        if target.status != "shipped":
                            _ship(target, n)
                        if kind == "deliver":
                            services.deliver_order(order_id=target.pk, seller_id=seller.pk, actor=OPERATOR_ACTOR)
                    elif kind == "refund":
                        left = target.total - target.refunded_total
                        amount = money.quantize(left * args[1] / 100, target.currency)
                        services.update_payment(
                            order_id=target.pk,
                            seller_id=None,
                            actor=PLATFORM_ACTOR,
                            status="refunded",
                            amount=amount,
                            reference=f"re_{n}",
                        )
                        refunded_outside.add(target.pk)
                    elif kind == "refund_units":
                        line = target.lines.order_by("id").first()
                        services.refund_shipped_order(
                            order_id=target.pk,
                            seller_id=seller.pk,
                            actor=SELLER_ACTOR,
                            lines=[(line.pk, min(args[1], line.open_quantity - line.quantity_refunded) or 1)],
                            shipping=args[2],
                            reason="damaged",
                            source="goodwill",
                        )
                    elif kind == "goodwill":
                        left = target.total - target.refunded_total
                        services.refund_shipped_order(
                            order_id=target.pk,
                            seller_id=seller.pk,
                            actor=SELLER_ACTOR,
                            amount=money.quantize(left * args[1] / 100, target.currency),
                            reason="goodwill",
                            source="goodwill",
                        )
                        refunded_outside.add(target.pk)
                    elif kind == "return":
                        line = target.lines.order_by("id").first()
                        units = min(args[1], line.open_quantity - line.quantity_refunded) or 1
                        rma = returns.request_return(
                            order_id=target.pk, seller_id=None, actor=PLATFORM_ACTOR, lines=[(line.pk, units, args[2])]
                        )
                        returns.approve_return(
                            return_id=rma.pk, seller_id=seller.pk, actor=SELLER_ACTOR, return_address="Shop, 1 Dock Rd"
                        )
                        returns.receive_return(
                            return_id=rma.pk,
                            seller_id=seller.pk,
                            actor=SELLER_ACTOR,
                            lines=[(line.pk, 1, "damaged")]
                            + ([(line.pk, units - 1, "resellable")] if units > 1 else []),
                        )
                except ShipdeskError:
                    pass  # refused actions change nothing; the invariants below still hold
                _check(seller, orders, datetime.now(UTC), refunded_outside)
        for kind in set(LedgerEntry.objects.filter(seller_id=seller.pk).values_list("kind", flat=True)):
            event(f"ledger has {kind}")
        transaction.set_rollback(True)
