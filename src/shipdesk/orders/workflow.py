"""The order workflow of docs/workflow.md, as data. Pure: no ORM, no I/O.

`TRANSITIONS` is the table; `check_transition` is the one place its guards are evaluated, and
`allowed_actions` derives from the same table what a screen may offer. The words (statuses,
payment states, reasons, event types, stages) are defined once in `orders.terms`. Services call
`check_transition` under the order's row lock before they change anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from shipdesk.actors import ActorKind
from shipdesk.errors import InvalidTransition, PaymentRequired, PermissionDenied, StockShort

from .terms import (
    CANCELLED,
    CONFIRMED,
    DELIVERED,
    ORDER_STATUSES,
    PAID_FOR_STATES,
    PENDING,
    PROCESSING,
    SHIPPED,
)

STATUSES = ORDER_STATUSES.values


class Action(StrEnum):
    CONFIRM = "confirm"
    PROCESS = "process"
    SHIP = "ship"
    DELIVER = "deliver"
    CANCEL = "cancel"
    CANCEL_LINE = "cancel_line"


_ANYONE_ACTING_FOR_THE_SHOP = frozenset({ActorKind.SELLER, ActorKind.OPERATOR, ActorKind.PLATFORM})


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[str]
    target: str | None  # None: the status does not change (cancel line)
    requires_paid: bool
    actors: frozenset[ActorKind]


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.CONFIRM, frozenset({PENDING}), CONFIRMED, True, _ANYONE_ACTING_FOR_THE_SHOP),
        Transition(Action.PROCESS, frozenset({CONFIRMED}), PROCESSING, True, _ANYONE_ACTING_FOR_THE_SHOP),
        Transition(Action.SHIP, frozenset({PROCESSING}), SHIPPED, True, _ANYONE_ACTING_FOR_THE_SHOP),
        # A seller may mark delivered only when the carrier cannot tell us (untracked): see check_transition.
        Transition(
            Action.DELIVER,
            frozenset({SHIPPED}),
            DELIVERED,
            False,
            frozenset({ActorKind.CARRIER, ActorKind.OPERATOR, ActorKind.PLATFORM, ActorKind.SYSTEM, ActorKind.SELLER}),
        ),
        Transition(
            Action.CANCEL,
            frozenset({PENDING, CONFIRMED, PROCESSING}),
            CANCELLED,
            False,
            _ANYONE_ACTING_FOR_THE_SHOP | {ActorKind.SYSTEM, ActorKind.CUSTOMER},
        ),
        Transition(
            Action.CANCEL_LINE,
            frozenset({PENDING, CONFIRMED, PROCESSING}),
            None,
            False,
            _ANYONE_ACTING_FOR_THE_SHOP | {ActorKind.SYSTEM, ActorKind.CUSTOMER},
        ),
    )
}

# A customer may withdraw an order only before the seller starts packing it.
CUSTOMER_CANCELLABLE = frozenset({PENDING, CONFIRMED})


@dataclass(frozen=True)
class OrderFacts:
    """What the guards need to know about an order, read under its lock."""

    status: str
    payment_status: str
    has_short_line: bool = False
    open_units: int = 1  # units not cancelled, across all lines
    shipment_tracked: bool = True  # a parcel still on its way has a carrier that reports deliveries itself
    parcels_sent: bool = False  # a parcel of the order's lines has left: the order can no longer be cancelled whole


def actions_from(status: str) -> list[str]:
    """The actions the table allows from a status, whatever the other guards say."""
    return [t.action.value for t in TRANSITIONS.values() if status in t.sources]


def check_transition(action: Action, facts: OrderFacts, actor: ActorKind) -> None:
    """Raise the error that refuses `action`, or return if every guard passes.

    Order of checks: state first (409 invalid_transition), then who may act (403), then payment
    (409 payment_required), then stock (409 insufficient_stock) — the most fundamental refusal wins.
    """
    transition = TRANSITIONS[action]
    if facts.status not in transition.sources:
        raise InvalidTransition(
            f"Cannot {action.value.replace('_', ' ')} an order that is {facts.status}.",
            details={"status": facts.status, "allowed_actions": actions_from(facts.status)},
        )
    if actor not in transition.actors:
        raise PermissionDenied(f"A {actor.value} cannot {action.value.replace('_', ' ')} orders.")
    if action is Action.DELIVER and actor is ActorKind.SELLER and facts.shipment_tracked:
        raise PermissionDenied(
            "This parcel is tracked: it is marked delivered when the carrier confirms delivery.",
            details={"allowed_actions": []},
        )
    if action is Action.CANCEL and facts.parcels_sent:
        raise InvalidTransition(
            "Part of this order has shipped: cancel the units not yet in a parcel instead.",
            details={"status": facts.status, "allowed_actions": ["cancel_line", "ship"]},
        )
    if (
        action in (Action.CANCEL, Action.CANCEL_LINE)
        and actor is ActorKind.CUSTOMER
        and facts.status not in CUSTOMER_CANCELLABLE
    ):
        raise InvalidTransition(
            "The seller has started packing this order; the customer can no longer cancel it.",
            details={"status": facts.status, "allowed_actions": []},
        )
    if transition.requires_paid and facts.payment_status not in PAID_FOR_STATES:
        raise PaymentRequired(
            f"The order is {facts.payment_status}; it must be paid first.",
            details={"payment_status": facts.payment_status},
        )
    if action is Action.CONFIRM and facts.has_short_line:
        raise StockShort(
            "A line is short of stock: add stock or cancel the line before confirming.",
            details={"status": facts.status},
        )


def allowed_actions(facts: OrderFacts, actor: ActorKind) -> list[str]:
    """The actions that would succeed now for this actor: what a screen should offer."""
    allowed = []
    for action in TRANSITIONS:
        try:
            check_transition(action, facts, actor)
        except (InvalidTransition, PermissionDenied, PaymentRequired, StockShort):
            continue
        if action is Action.CANCEL_LINE and facts.open_units < 2:
            continue  # cancelling the last open unit is cancelling the order: offer that instead
        allowed.append(action.value)
    return allowed


# --- parcels: an order ships in one or more parcels (docs/parcels.md) --------------------------


def units_left_to_ship(*, open_units: Mapping[int, int], in_parcels: Mapping[int, int]) -> dict[int, int]:
    """Per line id, the open units not yet in a parcel of the order (lines with none left omitted)."""
    left = {line_id: units - in_parcels.get(line_id, 0) for line_id, units in open_units.items()}
    return {line_id: units for line_id, units in left.items() if units > 0}


def parcel_problems(*, parcel: Mapping[int, int], left: Mapping[int, int]) -> dict[str, list[str]]:
    """Why a parcel of `parcel` (line id → units) cannot leave, per line id; empty when it can.

    Each line must be one of the order's open lines, with at least one unit and at most the
    units of it not yet in a parcel; an empty parcel is refused.
    """
    if not parcel:
        return {"lines": ["A parcel holds at least one unit of a line not yet shipped."]}
    problems: dict[str, list[str]] = {}
    for line_id, units in parcel.items():
        available = left.get(line_id, 0)
        if units < 1:
            problems[str(line_id)] = ["At least one unit."]
        elif available == 0:
            problems[str(line_id)] = ["Nothing of this line is left to ship."]
        elif units > available:
            problems[str(line_id)] = [f"At most {available}, the units of this line not yet in a parcel."]
    return problems


def parcel_ships_the_order(*, left: Mapping[int, int], parcel: Mapping[int, int]) -> bool:
    """Whether this parcel puts the last open units in a parcel: the order becomes shipped."""
    return all(parcel.get(line_id, 0) >= units for line_id, units in left.items())


def parcel_delivers_the_order(*, status: str, undelivered_order_parcels: int) -> bool:
    """A shipped order is delivered when the last of its own parcels is (reshipments do not count)."""
    return status == SHIPPED and undelivered_order_parcels == 0
