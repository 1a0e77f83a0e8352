"""The order actions through the services, on the real database: every (status, action) pair,
the payment and stock guards, what a cancel gives back and refunds, and payment updates.

A refused action must change nothing: `snapshot` reads every row an action could touch, before
and after, so a half-applied refusal (a saved `updated_at`, a stray event or outbox row, a stock
move) fails the test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from shipdesk.actors import Actor, ActorKind
from shipdesk.errors import (
    InvalidTransition,
    PaymentRequired,
    PermissionDenied,
    StateConflict,
    StockShort,
    ValidationFailed,
)
from shipdesk.inventory.models import Product, StockMove
from shipdesk.inventory.services import change_stock
from shipdesk.notifications.models import Notification
from shipdesk.orders import services
from shipdesk.orders.models import Cancellation, Order, OrderEvent, OrderLine
from shipdesk.payments.models import Refund
from shipdesk.shipping.models import Shipment
from tests.builders import OPERATOR_ACTOR, PLATFORM_ACTOR, SELLER_ACTOR, UPS_NUMBER, advance

CUSTOMER_ACTOR = Actor(kind=ActorKind.CUSTOMER, label="ada@example.com")
SYSTEM_ACTOR = Actor(kind=ActorKind.SYSTEM, label="system")

STATUSES = ("pending", "confirmed", "processing", "shipped", "delivered", "cancelled")
# docs/workflow.md: action → (statuses it may start from, the status it leads to, the event it writes).
TABLE = {
    "confirm": ({"pending"}, "confirmed", "confirmed"),
    "process": ({"confirmed"}, "processing", "processing_started"),
    "ship": ({"processing"}, "shipped", "shipped"),
    "deliver": ({"shipped"}, "delivered", "delivered"),
    "cancel": ({"pending", "confirmed", "processing"}, "cancelled", "cancelled"),
    "cancel_line": ({"pending", "confirmed", "processing"}, None, "line_cancelled"),
}
ACTIONS_FROM = {status: [a for a, (sources, _, _) in TABLE.items() if status in sources] for status in STATUSES}
IN_TABLE = [(s, a) for s in STATUSES for a in TABLE if s in TABLE[a][0]]
OUTSIDE_TABLE = [(s, a) for s in STATUSES for a in TABLE if s not in TABLE[a][0]]


def snapshot(order: Order) -> dict:
    """Every row an order action may write, as plain values."""
    seller_id = order.seller_id
    return {
        "order": Order.objects.filter(pk=order.pk).values().get(),
        "lines": list(OrderLine.objects.filter(order_id=order.pk).order_by("id").values()),
        "products": list(Product.objects.filter(seller_id=seller_id).order_by("id").values()),
        "moves": list(StockMove.objects.filter(seller_id=seller_id).order_by("id").values()),
        "events": list(OrderEvent.objects.filter(seller_id=seller_id).order_by("id").values()),
        "notifications": list(Notification.objects.filter(seller_id=seller_id).order_by("id").values()),
        "refunds": list(Refund.objects.filter(seller_id=seller_id).order_by("id").values()),
        "cancellations": list(Cancellation.objects.filter(seller_id=seller_id).order_by("id").values()),
        "shipments": list(Shipment.objects.filter(seller_id=seller_id).order_by("id").values()),
        "tasks": list(DBTaskResult.objects.order_by("enqueued_at").values_list("id", flat=True)),
    }


def act(order: Order, action: str, actor: Actor | None = None, **kw) -> Order:
    """Take `action` on `order` through its service, with the actor a seller's screen would use."""
    ids = dict(order_id=order.pk, seller_id=order.seller_id)
    if action == "confirm":
        return services.confirm_order(**ids, actor=actor or SELLER_ACTOR)
    if action == "process":
        return services.process_order(**ids, actor=actor or SELLER_ACTOR)
    if action == "ship":
        return services.ship_order(
            **ids,
            actor=actor or SELLER_ACTOR,
            carrier=kw.get("carrier", "ups"),
            service_level=kw.get("service_level", "ground"),
            tracking_number=kw.get("tracking_number", UPS_NUMBER),
        )
    if action == "deliver":
        # The carrier reports a tracked parcel; the operator stands in for it here.
        return services.deliver_order(**ids, actor=actor or OPERATOR_ACTOR)
    if action == "cancel":
        return services.cancel_order(**ids, actor=actor or SELLER_ACTOR, reason=kw.get("reason", "customer_request"))
    if action == "cancel_line":
        line = kw.get("line") or order.lines.order_by("id").first()
        return services.cancel_line(
            **ids,
            line_id=line.pk,
            quantity=kw.get("quantity", 1),
            actor=actor or SELLER_ACTOR,
            reason=kw.get("reason", "out_of_stock"),
        )
    raise AssertionError(action)


def pay(order: Order, *, status: str = "paid", amount: Decimal | None = None, reference: str = "pi_1") -> Order:
    return services.update_payment(
        order_id=order.pk,
        seller_id=order.seller_id,
        actor=PLATFORM_ACTOR,
        status=status,
        amount=amount or order.total,
        reference=reference,
    )


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def stock_of(product: Product) -> tuple[int, int]:
    product.refresh_from_db()
    return product.on_hand, product.reserved


def events(order: Order) -> list[str]:
    """The order's own facts on its timeline, oldest first (without the messages it also lists)."""
    types = OrderEvent.objects.filter(order_id=order.pk).exclude(type__startswith="notification_").order_by("id")
    return list(types.values_list("type", flat=True))


# --- every (status, action) pair ------------------------------------------------------------


@pytest.mark.parametrize(("status", "action"), OUTSIDE_TABLE)
def test_an_action_the_status_does_not_allow_is_refused_with_the_allowed_actions_and_changes_nothing(
    status, action, seller, product, place
):
    # given a paid order of 2 units moved to `status`
    order = advance(place(seller), status)
    before = snapshot(order)

    # when the action is tried
    with pytest.raises(InvalidTransition) as caught:
        act(order, action)

    # then it is a 409 naming what the status allows, and no row changed
    assert caught.value.code == "invalid_transition" and caught.value.status == 409
    assert caught.value.details["allowed_actions"] == ACTIONS_FROM[status]
    assert snapshot(order) == before


@pytest.mark.parametrize(("status", "action"), IN_TABLE)
def test_an_action_the_status_allows_moves_the_order_and_writes_its_event(status, action, seller, product, place):
    order = advance(place(seller), status)
    events_before = events(order)

    act(order, action)

    sources, target, event = TABLE[action]
    order = fresh(order)
    assert order.status == (target or status)
    assert events(order)[: len(events_before)] == events_before
    assert event in events(order)[len(events_before) :]


def test_the_happy_path_writes_one_event_per_step(seller, product, place):
    order = advance(place(seller), "delivered")

    assert events(order) == ["placed", "confirmed", "processing_started", "shipped", "delivered"]


# --- payment guard --------------------------------------------------------------------------


def _pending_with_payment(seller, place, payment: str) -> Order:
    if payment == "unpaid":
        return place(seller, paid=False)
    if payment == "failed":
        order = place(seller, paid=False)
        return pay(order, status="failed", reference="pi_declined")
    order = place(seller)
    return pay(order, status="refunded", reference="re_dispute")  # the provider refunded it in full


@pytest.mark.parametrize("payment", ["unpaid", "failed", "refunded"])
def test_confirming_an_order_that_is_not_paid_for_is_payment_required_and_changes_nothing(
    payment, seller, product, place
):
    order = _pending_with_payment(seller, place, payment)
    before = snapshot(order)

    with pytest.raises(PaymentRequired) as caught:
        act(order, "confirm")

    assert caught.value.code == "payment_required" and caught.value.status == 409
    assert caught.value.details == {"payment_status": payment}
    assert snapshot(order) == before


@pytest.mark.parametrize(("status", "action"), [("confirmed", "process"), ("processing", "ship")])
def test_processing_or_shipping_an_order_refunded_by_the_provider_is_payment_required(
    status, action, seller, product, place
):
    # given an order whose payment the provider refunded in full (a dispute) after confirmation
    order = pay(advance(place(seller), status), status="refunded", reference="re_dispute")
    before = snapshot(order)

    with pytest.raises(PaymentRequired):
        act(order, action)

    assert snapshot(order) == before


def test_a_partially_refunded_order_can_still_be_shipped(seller, product, place):
    order = advance(place(seller, lines=(("MUG-1", 2, "12.50"),)), "processing")
    act(order, "cancel_line", quantity=1)
    assert fresh(order).payment_status == "partially_refunded"

    act(order, "ship")

    assert fresh(order).status == "shipped"


# --- short lines ----------------------------------------------------------------------------


def test_a_short_line_blocks_confirm_until_stock_arrives(seller, make_product, place):
    # given a paid order for 3 mugs when only 1 is on the shelf
    mug = make_product(seller, "MUG-1", on_hand=1)
    order = place(seller, lines=(("MUG-1", 3, "12.50"),))
    line = order.lines.get()
    assert line.stock == "short"
    assert stock_of(mug) == (1, 0)  # a short line holds nothing
    before = snapshot(order)

    # when the seller confirms, then it is refused as insufficient stock and nothing changes
    with pytest.raises(StockShort) as caught:
        act(order, "confirm")
    assert caught.value.code == "insufficient_stock" and caught.value.status == 409
    assert snapshot(order) == before

    # when 1 more arrives, then 2 is still not 3: the line stays short
    change_stock(seller_id=seller.pk, sku="MUG-1", actor=SELLER_ACTOR, reason="delivery", delta=1)
    line.refresh_from_db()
    assert line.stock == "short"
    with pytest.raises(StockShort):
        act(order, "confirm")

    # when the count finds a third, then the line is reserved, with its event and stock move
    change_stock(seller_id=seller.pk, sku="MUG-1", actor=SELLER_ACTOR, reason="stocktake", on_hand=3)
    line.refresh_from_db()
    assert line.stock == "reserved"
    assert stock_of(mug) == (3, 3)
    reserved_event = OrderEvent.objects.get(order=order, type="line_reserved")
    assert reserved_event.params["line_id"] == line.pk and reserved_event.params["quantity"] == 3
    assert StockMove.objects.filter(order=order, kind="reserved").values_list("reserved_delta", flat=True).get() == 3

    # and the order can be confirmed
    assert act(order, "confirm").status == "confirmed"


def test_cancelling_the_short_line_unblocks_confirm_and_frees_nothing(seller, make_product, place):
    # given a paid order where the mugs are short and the tea is reserved
    mug = make_product(seller, "MUG-1", on_hand=1)
    tea = make_product(seller, "TEA-1", on_hand=5)
    order = place(seller, lines=(("MUG-1", 2, "12.50"), ("TEA-1", 1, "4.00")))
    short_line = order.lines.get(sku="MUG-1")

    # when the seller cancels the whole short line
    act(order, "cancel_line", line=short_line, quantity=2)

    # then the line is released, the mug stock is untouched, 2 × 12.50 is refunded, and confirm works
    short_line.refresh_from_db()
    assert short_line.stock == "released"
    assert stock_of(mug) == (1, 0)
    assert stock_of(tea) == (5, 1)
    assert not StockMove.objects.filter(product=mug, order=order).exists()
    assert fresh(order).refunded_total == Decimal("25.00")
    assert act(order, "confirm").status == "confirmed"


def test_cancelling_part_of_a_short_line_reserves_what_is_left_when_it_fits(seller, make_product, place):
    mug = make_product(seller, "MUG-1", on_hand=1)
    order = place(seller, lines=(("MUG-1", 2, "12.50"),))

    act(order, "cancel_line", quantity=1)

    line = order.lines.get()
    assert line.stock == "reserved" and line.open_quantity == 1
    assert stock_of(mug) == (1, 1)
    assert "line_reserved" in events(order)
    assert act(order, "confirm").status == "confirmed"


def test_cancelling_an_order_with_a_short_line_frees_nothing_for_that_line(seller, make_product, place):
    # given another order holding the only mug, and an order whose 2 mugs are short
    mug = make_product(seller, "MUG-1", on_hand=1)
    holder = place(seller, lines=(("MUG-1", 1, "12.50"),))
    short = place(seller, lines=(("MUG-1", 2, "12.50"),))
    assert short.lines.get().stock == "short"

    # when the short order is cancelled
    act(short, "cancel")

    # then the shelf is as it was: the holder keeps its mug, nothing was released or restocked
    assert stock_of(mug) == (1, 1)
    assert holder.lines.get().stock == "reserved"
    assert not StockMove.objects.filter(order=short).exists()
    assert short.lines.get().stock == "released"


def test_stock_released_by_a_cancel_reserves_other_orders_short_lines_oldest_first(seller, make_product, place):
    # given 3 mugs all held by one order, then two later orders of 2 mugs each, both short
    mug = make_product(seller, "MUG-1", on_hand=3)
    holder = place(seller, lines=(("MUG-1", 3, "12.50"),))
    older = place(seller, lines=(("MUG-1", 2, "12.50"),))
    newer = place(seller, lines=(("MUG-1", 2, "12.50"),))
    assert [o.lines.get().stock for o in (older, newer)] == ["short", "short"]

    # when the holder is cancelled, 3 mugs come free
    act(holder, "cancel")

    # then the older order gets 2 of them; the newer one needs 2 and only 1 is left
    assert older.lines.get().stock == "reserved"
    assert newer.lines.get().stock == "short"
    assert stock_of(mug) == (3, 2)
    assert "line_reserved" in events(older)
    assert "line_reserved" not in events(newer)


def test_a_short_line_skipped_for_size_does_not_stop_a_smaller_later_one(seller, make_product, place):
    mug = make_product(seller, "MUG-1", on_hand=0)
    big = place(seller, lines=(("MUG-1", 5, "12.50"),))
    small = place(seller, lines=(("MUG-1", 1, "12.50"),))

    change_stock(seller_id=seller.pk, sku="MUG-1", actor=SELLER_ACTOR, reason="delivery", delta=2)

    assert big.lines.get().stock == "short"
    assert small.lines.get().stock == "reserved"
    assert stock_of(mug) == (2, 1)


# --- cancel gives back exactly --------------------------------------------------------------


def _two_line_order(seller, make_product, place, **kw):
    mug = make_product(seller, "MUG-1", on_hand=10)
    tea = make_product(seller, "TEA-1", on_hand=5, price="4.00")
    # another order's reservation must survive the cancel untouched
    place(seller, lines=(("MUG-1", 1, "12.50"),))
    order = place(seller, lines=(("MUG-1", 3, "12.50"), ("TEA-1", 2, "4.00")), **kw)
    return mug, tea, order


@pytest.mark.parametrize("status", ["pending", "confirmed"])
def test_cancelling_before_processing_releases_exactly_the_reservation(status, seller, make_product, place):
    mug, tea, order = _two_line_order(seller, make_product, place)
    order = advance(order, status)
    assert stock_of(mug) == (10, 4) and stock_of(tea) == (5, 2)

    act(order, "cancel")

    assert stock_of(mug) == (10, 1)
    assert stock_of(tea) == (5, 0)
    moves = sorted(
        StockMove.objects.filter(order=order, kind="released").values_list(
            "product__sku", "on_hand_delta", "reserved_delta"
        )
    )
    assert moves == [("MUG-1", 0, -3), ("TEA-1", 0, -2)]
    assert set(order.lines.values_list("stock", flat=True)) == {"released"}


def test_cancelling_a_processing_order_restocks_its_lines(seller, make_product, place):
    mug, tea, order = _two_line_order(seller, make_product, place)
    order = advance(order, "processing")
    assert stock_of(mug) == (7, 1) and stock_of(tea) == (3, 0)

    act(order, "cancel")

    assert stock_of(mug) == (10, 1)
    assert stock_of(tea) == (5, 0)
    moves = sorted(
        StockMove.objects.filter(order=order, kind="restocked").values_list(
            "product__sku", "on_hand_delta", "reserved_delta"
        )
    )
    assert moves == [("MUG-1", 3, 0), ("TEA-1", 2, 0)]


@pytest.mark.parametrize(
    ("status", "expected_mug"), [("pending", (10, 3)), ("confirmed", (10, 3)), ("processing", (8, 1))]
)
def test_cancelling_part_of_a_line_gives_back_exactly_that_quantity(status, expected_mug, seller, make_product, place):
    mug, tea, order = _two_line_order(seller, make_product, place)
    order = advance(order, status)

    act(order, "cancel_line", line=order.lines.get(sku="MUG-1"), quantity=1)

    # pending/confirmed: 1 of the 4 reserved mugs released; processing: 1 of the 3 deducted restocked
    assert stock_of(mug) == expected_mug
    line = order.lines.get(sku="MUG-1")
    assert (line.quantity, line.quantity_cancelled, line.open_quantity) == (3, 1, 2)
    assert fresh(order).status == status


# --- refunds --------------------------------------------------------------------------------


def test_cancelling_a_paid_order_refunds_its_total_through_the_provider(seller, product, place):
    # given a paid order of 2 × 12.50 + 4.99 shipping
    order = place(seller)
    assert order.total == Decimal("29.99")

    # when the seller cancels it
    act(order, "cancel")

    # then a pending refund of the whole total is recorded, with the job that pays it
    order = fresh(order)
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.currency, refund.status, refund.provider) == (
        Decimal("29.99"),
        "USD",
        "pending",
        "sandbox",
    )
    assert (order.payment_status, order.refunded_total) == ("refunded", order.total)
    assert Cancellation.objects.get(order=order).refund_amount == Decimal("29.99")
    assert refund.cancellation == Cancellation.objects.get(order=order)
    assert events(order)[-2:] == ["refund_recorded", "cancelled"]
    assert DBTaskResult.objects.filter(
        task_path="shipdesk.payments.tasks.settle_refund", args_kwargs__args=[refund.pk]
    ).exists()
    notice = Notification.objects.get(order=order, kind="customer_cancelled")
    assert Decimal(notice.context["refund_amount"]) == Decimal("29.99")


def test_cancelling_a_line_of_a_paid_order_refunds_quantity_times_unit_price(seller, make_product, place):
    # given a paid order: 3 mugs at 12.50 and 2 teas at 4.00, plus 4.99 shipping
    mug, tea, order = _two_line_order(seller, make_product, place)
    assert order.total == Decimal("50.49")

    # when 2 mugs are cancelled
    act(order, "cancel_line", line=order.lines.get(sku="MUG-1"), quantity=2)

    # then exactly 2 × 12.50 is refunded and the order stays open, partially refunded
    order = fresh(order)
    assert list(Refund.objects.filter(order=order).values_list("amount", "status")) == [(Decimal("25.00"), "pending")]
    assert (order.status, order.payment_status, order.refunded_total) == (
        "pending",
        "partially_refunded",
        Decimal("25.00"),
    )
    assert Cancellation.objects.get(order=order).quantity == 2
    assert Notification.objects.filter(order=order, kind="customer_line_cancelled").count() == 1

    # when the rest of the order is cancelled, then the remainder is refunded and the sum is the total
    act(order, "cancel")
    order = fresh(order)
    assert sorted(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("25.00"),
        Decimal("25.49"),
    ]
    assert (order.payment_status, order.refunded_total) == ("refunded", order.total)


def test_two_line_cancels_each_get_their_own_refund_and_customer_email(seller, make_product, place):
    mug, tea, order = _two_line_order(seller, make_product, place)

    act(order, "cancel_line", line=order.lines.get(sku="MUG-1"), quantity=1)
    act(order, "cancel_line", line=order.lines.get(sku="TEA-1"), quantity=1)

    assert sorted(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("4.00"),
        Decimal("12.50"),
    ]
    assert Notification.objects.filter(order=order, kind="customer_line_cancelled").count() == 2
    assert fresh(order).refunded_total == Decimal("16.50")


def test_cancelling_the_last_open_units_by_line_cancels_the_order(seller, product, place):
    # given a paid order of 2 mugs, one already cancelled
    order = place(seller, lines=(("MUG-1", 2, "12.50"),))
    act(order, "cancel_line", quantity=1)

    # when the last open mug is cancelled
    act(order, "cancel_line", quantity=1)

    # then the order is cancelled, and the rest of the total (shipping included) refunded
    order = fresh(order)
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert (order.payment_status, order.refunded_total) == ("refunded", Decimal("29.99"))
    assert sorted(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("12.50"),
        Decimal("17.49"),
    ]
    assert events(order)[-1] == "cancelled"
    assert stock_of(product) == (10, 0)


def test_cancelling_an_unpaid_order_refunds_nothing(seller, product, place):
    order = place(seller, paid=False)

    act(order, "cancel")

    order = fresh(order)
    assert (order.status, order.payment_status, order.refunded_total) == ("cancelled", "unpaid", Decimal("0"))
    assert not Refund.objects.filter(order=order).exists()
    assert not DBTaskResult.objects.exists()
    assert Cancellation.objects.get(order=order).refund_amount == Decimal("0")
    assert "refund_recorded" not in events(order)


def test_cancelling_a_line_of_an_unpaid_order_refunds_nothing(seller, product, place):
    order = place(seller, paid=False)

    act(order, "cancel_line", quantity=1)

    assert not Refund.objects.filter(order=order).exists()
    assert fresh(order).payment_status == "unpaid"


@pytest.mark.django_db(transaction=True)
def test_the_worker_settles_a_refund_through_the_provider_once(seller, product, place):
    # given a cancelled paid order with its refund pending
    order = place(seller)
    act(order, "cancel")
    refund = Refund.objects.get(order=order)
    assert refund.status == "pending"

    # when the real worker (`shipdesk worker`) does what is due, twice
    call_command("worker", batch=True, verbosity=0)
    call_command("worker", batch=True, verbosity=0)

    # then the provider paid it once: succeeded, referenced, with one settled event
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert refund.provider_reference.startswith("sandbox_re_")
    assert refund.settled_at is not None and refund.attempts == 1
    settled = OrderEvent.objects.get(order=order, type="refund_settled")
    assert settled.params["refund_id"] == refund.pk
    assert Decimal(settled.params["amount"]) == Decimal("29.99")
    assert DBTaskResult.objects.get(task_path="shipdesk.payments.tasks.settle_refund").status == "SUCCESSFUL"


# --- payment updates ------------------------------------------------------------------------


def test_payment_of_an_unpaid_order_starts_the_24_hour_confirm_clock(seller, product, place):
    with time_machine.travel(datetime(2026, 1, 6, 10, 0, tzinfo=UTC), tick=False) as clock:
        order = place(seller, paid=False)
        assert (order.confirm_by, order.action_due_at) == (None, None)

        clock.move_to(datetime(2026, 1, 6, 15, 0, tzinfo=UTC))
        pay(order)

    order = fresh(order)
    assert order.payment_status == "paid"
    assert order.paid_at == datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
    assert order.confirm_by == order.paid_at + timedelta(hours=24)
    assert order.action_due_at == order.confirm_by
    event = OrderEvent.objects.get(order=order, type="payment_updated")
    assert (event.params["previous"], event.params["status"], event.params["reference"]) == ("unpaid", "paid", "pi_1")


def test_the_same_paid_message_twice_is_a_no_op(seller, product, place):
    order = place(seller, paid=False)
    with time_machine.travel(datetime(2026, 1, 6, 15, 0, tzinfo=UTC), tick=False):
        pay(order, reference="pi_1")
    before = snapshot(order)

    with time_machine.travel(datetime(2026, 1, 6, 18, 0, tzinfo=UTC), tick=False):
        again = pay(order, reference="pi_1")

    assert again.paid_at == datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
    assert snapshot(order) == before


def test_a_second_payment_with_another_reference_is_a_conflict(seller, product, place):
    order = place(seller, paid=False)
    pay(order, reference="pi_1")
    before = snapshot(order)

    with pytest.raises(StateConflict):
        pay(order, reference="pi_2")

    assert snapshot(order) == before


@pytest.mark.parametrize("status", STATUSES)
def test_a_payment_failure_reported_for_a_paid_order_is_refused_in_every_status(status, seller, product, place):
    order = advance(place(seller), status)
    before = snapshot(order)

    with pytest.raises(StateConflict):
        pay(order, status="failed", reference="pi_late_decline")

    assert snapshot(order) == before


def test_a_failed_payment_alerts_the_seller_and_a_later_payment_is_accepted(seller, product, place):
    order = place(seller, paid=False)

    pay(order, status="failed", reference="pi_declined")

    order = fresh(order)
    assert order.payment_status == "failed"
    alert = Notification.objects.get(order=order, kind="seller_payment_failed")
    assert alert.recipient == seller.email
    with pytest.raises(PaymentRequired):
        act(order, "confirm")

    # the customer retries with another card
    pay(order, reference="pi_retry")
    assert act(order, "confirm").status == "confirmed"


def test_a_payment_for_another_amount_than_the_total_is_refused(seller, product, place):
    order = place(seller, paid=False)
    before = snapshot(order)

    with pytest.raises(ValidationFailed) as caught:
        pay(order, amount=Decimal("29.98"))

    assert "amount" in caught.value.details
    assert snapshot(order) == before


def test_a_payment_for_a_cancelled_order_is_refused(seller, product, place):
    order = place(seller, paid=False)
    act(order, "cancel")
    before = snapshot(order)

    with pytest.raises(StateConflict):
        pay(order)

    assert snapshot(order) == before


def test_a_refund_made_at_the_provider_is_recorded_without_paying_again(seller, product, place):
    order = place(seller)

    pay(order, status="refunded", amount=Decimal("10.00"), reference="re_goodwill")

    order = fresh(order)
    assert (order.payment_status, order.refunded_total) == ("partially_refunded", Decimal("10.00"))
    assert not Refund.objects.exists()  # the money already moved at the provider


# --- who may act ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "confirmed"])
def test_a_customer_may_cancel_before_packing_starts(status, seller, product, place):
    order = advance(place(seller), status)

    act(order, "cancel", actor=CUSTOMER_ACTOR)

    order = fresh(order)
    assert order.status == "cancelled"
    assert Cancellation.objects.get(order=order).actor_kind == "customer"
    assert stock_of(product) == (10, 0)


def test_a_customer_may_not_cancel_a_processing_order(seller, product, place):
    order = advance(place(seller), "processing")
    before = snapshot(order)

    with pytest.raises(InvalidTransition) as caught:
        act(order, "cancel", actor=CUSTOMER_ACTOR)

    assert caught.value.details["allowed_actions"] == []
    assert snapshot(order) == before


def test_the_system_may_cancel_an_unpaid_order_on_timeout(seller, product, place):
    order = place(seller, paid=False)

    act(order, "cancel", actor=SYSTEM_ACTOR, reason="unpaid_timeout")

    assert Cancellation.objects.get(order=order).reason == "unpaid_timeout"


def test_a_seller_marks_an_untracked_shipment_delivered(seller, product, place):
    order = advance(place(seller), "processing")
    act(order, "ship", carrier="other", service_level="standard", tracking_number="Van 7, driver Sam")

    order = act(order, "deliver", actor=SELLER_ACTOR)

    order = fresh(order)
    assert order.status == "delivered" and order.delivered_at is not None
    assert order.shipments.get().delivered_at == order.delivered_at
    assert OrderEvent.objects.get(order=order, type="delivered").actor_kind == "seller"


def test_a_seller_may_not_mark_a_tracked_shipment_delivered(seller, product, place):
    order = advance(place(seller), "shipped")
    before = snapshot(order)

    with pytest.raises(PermissionDenied):
        act(order, "deliver", actor=SELLER_ACTOR)

    assert snapshot(order) == before


def test_a_carrier_may_not_confirm_an_order(seller, product, place):
    order = place(seller)
    before = snapshot(order)

    with pytest.raises(PermissionDenied):
        act(order, "confirm", actor=Actor(kind=ActorKind.CARRIER, label="ups"))

    assert snapshot(order) == before


def test_paying_an_order_after_some_units_were_cancelled_refunds_those_units(seller, make_product, place):
    # given an unpaid order for 4 mugs, one of which the seller cancelled before payment
    make_product(seller, "MUG-1", on_hand=10)
    order = place(seller, paid=False, lines=(("MUG-1", 4, "12.50"),))
    line = order.lines.get()
    services.cancel_line(
        order_id=order.pk, seller_id=seller.pk, line_id=line.pk, quantity=1, actor=SELLER_ACTOR, reason="out_of_stock"
    )

    # when the customer pays the placed total
    order = services.update_payment(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=PLATFORM_ACTOR,
        status="paid",
        amount=order.total,
        reference="pi_1",
    )

    # then the cancelled unit is refunded at once
    assert order.refunded_total == Decimal("12.50")
    assert order.payment_status == "partially_refunded"
    assert Refund.objects.filter(order=order, amount=Decimal("12.50")).count() == 1


def test_a_paid_order_placed_without_a_reference_accepts_the_providers_reference_later(seller, product, place):
    order = place(seller, paid=True)

    order = services.update_payment(
        order_id=order.pk,
        seller_id=seller.pk,
        actor=PLATFORM_ACTOR,
        status="paid",
        amount=order.total,
        reference="pi_late",
    )

    assert order.payment_reference == "pi_late"
    assert order.payment_status == "paid"
