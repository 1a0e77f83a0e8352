"""The workflow table of docs/workflow.md as pure rules: every (status, action) pair, who may act, which
refusal wins, and what a screen may offer. No database.

The expected table below is written out from docs/workflow.md, not derived from `workflow.TRANSITIONS`,
so a change to the code's table that the design does not make fails here.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipdesk.actors import ActorKind
from shipdesk.errors import InvalidTransition, PaymentRequired, PermissionDenied, ShipdeskError, StockShort
from shipdesk.orders.workflow import (
    STATUSES,
    TRANSITIONS,
    Action,
    OrderFacts,
    actions_from,
    allowed_actions,
    check_transition,
)

# docs/workflow.md: action → (statuses it may start from, status it leads to; None keeps the status).
DOCUMENTED_TABLE = {
    "confirm": ({"pending"}, "confirmed"),
    "process": ({"confirmed"}, "processing"),
    "ship": ({"processing"}, "shipped"),
    "deliver": ({"shipped"}, "delivered"),
    "cancel": ({"pending", "confirmed", "processing"}, "cancelled"),
    "cancel_line": ({"pending", "confirmed", "processing"}, None),
}
ACTIONS_FROM = {status: [a for a, (sources, _) in DOCUMENTED_TABLE.items() if status in sources] for status in STATUSES}
PAYMENT_STATUSES = ("unpaid", "paid", "failed", "partially_refunded", "refunded")
PAID = {"paid", "partially_refunded"}  # a partial refund leaves the rest of the goods paid for
REQUIRES_PAYMENT = {"confirm", "process", "ship"}

IN_TABLE = [(s, a) for s in STATUSES for a in DOCUMENTED_TABLE if s in DOCUMENTED_TABLE[a][0]]
OUTSIDE_TABLE = [(s, a) for s in STATUSES for a in DOCUMENTED_TABLE if s not in DOCUMENTED_TABLE[a][0]]


def facts(status: str, payment_status: str = "paid", **kw) -> OrderFacts:
    return OrderFacts(status=status, payment_status=payment_status, **kw)


def refusal(action: str, f: OrderFacts, actor: ActorKind) -> ShipdeskError | None:
    try:
        check_transition(Action(action), f, actor)
    except ShipdeskError as exc:
        return exc
    return None


# --- the table ------------------------------------------------------------------------------


def test_the_code_knows_exactly_the_six_statuses_and_six_actions_of_the_design():
    assert set(STATUSES) == {"pending", "confirmed", "processing", "shipped", "delivered", "cancelled"}
    assert {a.value for a in Action} == set(DOCUMENTED_TABLE)
    assert len(IN_TABLE) + len(OUTSIDE_TABLE) == 36


@pytest.mark.parametrize("action", list(DOCUMENTED_TABLE))
def test_each_action_starts_from_and_leads_to_the_statuses_of_the_design(action):
    sources, target = DOCUMENTED_TABLE[action]
    transition = TRANSITIONS[Action(action)]
    assert transition.sources == sources
    assert transition.target == target


@pytest.mark.parametrize("status", STATUSES)
def test_the_actions_from_a_status_are_those_of_the_design_in_a_stable_order(status):
    assert actions_from(status) == ACTIONS_FROM[status]


@pytest.mark.parametrize(("status", "action"), OUTSIDE_TABLE)
def test_a_pair_outside_the_table_is_an_invalid_transition_naming_the_allowed_actions(status, action):
    # given a paid order with nothing short, and the most powerful actor: only the state can refuse
    for actor in ActorKind:
        # when anyone tries an action the status does not allow
        with pytest.raises(InvalidTransition) as caught:
            check_transition(Action(action), facts(status), actor)

        # then it is a 409 invalid_transition listing what the status allows
        assert caught.value.code == "invalid_transition"
        assert caught.value.status == 409
        assert caught.value.details == {"status": status, "allowed_actions": ACTIONS_FROM[status]}


@pytest.mark.parametrize(("status", "action"), IN_TABLE)
def test_a_pair_in_the_table_passes_for_the_operator_when_paid_and_stocked(status, action):
    assert refusal(action, facts(status), ActorKind.OPERATOR) is None


@pytest.mark.parametrize("status", ["delivered", "cancelled"])
def test_delivered_and_cancelled_are_final(status):
    for action in DOCUMENTED_TABLE:
        for payment_status in PAYMENT_STATUSES:
            assert isinstance(refusal(action, facts(status, payment_status), ActorKind.OPERATOR), InvalidTransition)


# --- who may act ----------------------------------------------------------------------------

# docs/workflow.md "who", as the code widens it: the operator and integrations act for the shop too.
SHOP = {ActorKind.SELLER, ActorKind.OPERATOR, ActorKind.PLATFORM}
WHO = {
    "confirm": SHOP,
    "process": SHOP,
    "ship": SHOP,
    "deliver": {ActorKind.CARRIER, ActorKind.OPERATOR, ActorKind.PLATFORM, ActorKind.SYSTEM, ActorKind.SELLER},
    "cancel": SHOP | {ActorKind.SYSTEM, ActorKind.CUSTOMER},
    "cancel_line": SHOP | {ActorKind.SYSTEM, ActorKind.CUSTOMER},
}


@pytest.mark.parametrize(("action", "actor"), list(itertools.product(DOCUMENTED_TABLE, ActorKind)))
def test_only_the_actors_of_the_design_may_take_an_action(action, actor):
    # given an order in the action's first source status, paid, untracked (so a seller could deliver)
    status = sorted(DOCUMENTED_TABLE[action][0], key=STATUSES.index)[0]
    f = facts(status, shipment_tracked=False)

    error = refusal(action, f, actor)

    if actor in WHO[action]:
        assert error is None
    else:
        assert isinstance(error, PermissionDenied)
        assert error.code == "forbidden" and error.status == 403


def test_a_seller_may_not_mark_a_tracked_parcel_delivered():
    error = refusal("deliver", facts("shipped", shipment_tracked=True), ActorKind.SELLER)

    assert isinstance(error, PermissionDenied)
    assert error.details == {"allowed_actions": []}


def test_a_seller_may_mark_an_untracked_parcel_delivered():
    assert refusal("deliver", facts("shipped", shipment_tracked=False), ActorKind.SELLER) is None


@pytest.mark.parametrize("actor", [ActorKind.CARRIER, ActorKind.OPERATOR, ActorKind.PLATFORM, ActorKind.SYSTEM])
def test_a_tracked_parcel_is_delivered_by_the_carrier_or_the_platform(actor):
    assert refusal("deliver", facts("shipped", shipment_tracked=True), actor) is None


@pytest.mark.parametrize(
    ("status", "action"), list(itertools.product(["pending", "confirmed"], ["cancel", "cancel_line"]))
)
def test_a_customer_may_cancel_before_the_seller_starts_packing(status, action):
    assert refusal(action, facts(status), ActorKind.CUSTOMER) is None


@pytest.mark.parametrize("action", ["cancel", "cancel_line"])
def test_a_customer_may_not_cancel_once_processing_started(action):
    error = refusal(action, facts("processing"), ActorKind.CUSTOMER)

    assert isinstance(error, InvalidTransition)
    assert error.details == {"status": "processing", "allowed_actions": []}


@pytest.mark.parametrize("action", ["cancel", "cancel_line"])
def test_the_seller_may_still_cancel_a_processing_order(action):
    assert refusal(action, facts("processing"), ActorKind.SELLER) is None


# --- payment and stock guards ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payment_status"), list(itertools.product(sorted(REQUIRES_PAYMENT), PAYMENT_STATUSES))
)
def test_confirm_process_and_ship_need_the_goods_paid_for(action, payment_status):
    status = next(iter(DOCUMENTED_TABLE[action][0]))

    error = refusal(action, facts(status, payment_status), ActorKind.SELLER)

    if payment_status in PAID:
        assert error is None
    else:
        assert isinstance(error, PaymentRequired)
        assert error.code == "payment_required" and error.status == 409
        assert error.details == {"payment_status": payment_status}


@pytest.mark.parametrize(
    ("action", "payment_status"), list(itertools.product(["deliver", "cancel", "cancel_line"], PAYMENT_STATUSES))
)
def test_delivering_and_cancelling_do_not_depend_on_payment(action, payment_status):
    status = next(iter(DOCUMENTED_TABLE[action][0]))
    assert refusal(action, facts(status, payment_status), ActorKind.OPERATOR) is None


def test_a_short_line_blocks_confirm():
    error = refusal("confirm", facts("pending", has_short_line=True), ActorKind.SELLER)

    assert isinstance(error, StockShort)
    assert error.code == "insufficient_stock" and error.status == 409


@pytest.mark.parametrize("action", ["cancel", "cancel_line"])
def test_a_short_line_does_not_block_cancelling(action):
    assert refusal(action, facts("pending", has_short_line=True), ActorKind.SELLER) is None


# --- which refusal wins ---------------------------------------------------------------------


def test_the_state_is_refused_before_the_actor():
    # a customer trying to ship a delivered order is told about the state, not about who they are
    assert isinstance(refusal("ship", facts("delivered"), ActorKind.CUSTOMER), InvalidTransition)


def test_the_actor_is_refused_before_the_payment():
    assert isinstance(refusal("confirm", facts("pending", "unpaid"), ActorKind.CARRIER), PermissionDenied)


def test_the_payment_is_refused_before_the_stock():
    error = refusal("confirm", facts("pending", "unpaid", has_short_line=True), ActorKind.SELLER)
    assert isinstance(error, PaymentRequired)


def test_an_unpaid_order_in_the_wrong_state_is_refused_for_its_state():
    assert isinstance(refusal("ship", facts("pending", "unpaid"), ActorKind.SELLER), InvalidTransition)


# --- what a screen may offer ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "actor", "expected"),
    [
        (facts("pending", open_units=2), ActorKind.SELLER, ["confirm", "cancel", "cancel_line"]),
        (facts("pending", "unpaid", open_units=2), ActorKind.SELLER, ["cancel", "cancel_line"]),
        (facts("pending", "failed", open_units=2), ActorKind.SELLER, ["cancel", "cancel_line"]),
        (facts("pending", has_short_line=True, open_units=2), ActorKind.SELLER, ["cancel", "cancel_line"]),
        (facts("pending", open_units=1), ActorKind.SELLER, ["confirm", "cancel"]),
        (facts("confirmed", open_units=3), ActorKind.SELLER, ["process", "cancel", "cancel_line"]),
        (facts("confirmed", "refunded", open_units=3), ActorKind.SELLER, ["cancel", "cancel_line"]),
        (facts("processing", "partially_refunded", open_units=3), ActorKind.SELLER, ["ship", "cancel", "cancel_line"]),
        (facts("processing", open_units=3), ActorKind.CUSTOMER, []),
        (facts("confirmed", open_units=3), ActorKind.CUSTOMER, ["cancel", "cancel_line"]),
        (facts("shipped", shipment_tracked=True), ActorKind.SELLER, []),
        (facts("shipped", shipment_tracked=False), ActorKind.SELLER, ["deliver"]),
        (facts("shipped", shipment_tracked=True), ActorKind.OPERATOR, ["deliver"]),
        (facts("delivered"), ActorKind.OPERATOR, []),
        (facts("cancelled"), ActorKind.OPERATOR, []),
    ],
)
def test_allowed_actions_offer_only_what_would_succeed(f, actor, expected):
    assert allowed_actions(f, actor) == expected


@given(
    status=st.sampled_from(STATUSES),
    payment_status=st.sampled_from(PAYMENT_STATUSES),
    has_short_line=st.booleans(),
    open_units=st.integers(min_value=1, max_value=5),
    shipment_tracked=st.booleans(),
    actor=st.sampled_from(list(ActorKind)),
)
def test_every_offered_action_passes_its_guards_and_every_other_table_action_is_refused_or_the_last_unit(
    status, payment_status, has_short_line, open_units, shipment_tracked, actor
):
    f = OrderFacts(status, payment_status, has_short_line, open_units, shipment_tracked)

    offered = allowed_actions(f, actor)

    assert set(offered) <= set(ACTIONS_FROM[status])
    for action in DOCUMENTED_TABLE:
        error = refusal(action, f, actor)
        if action in offered:
            assert error is None
        elif error is None:
            # the only action that passes its guards but is not offered: cancelling the last unit
            # by line, which is cancelling the order
            assert action == "cancel_line" and open_units == 1
            assert "cancel" in offered
