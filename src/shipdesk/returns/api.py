"""Returns endpoints: parse, authorise, call one service or selector, render.

`POST /orders/{id}/returns` is the customer's request, sent by the storefront with a platform
token (the customer acts) or recorded by the shop with its own token; the rest is the shop's.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shipdesk.actors import Actor, ActorKind
from shipdesk.api.auth import actor_of, scope_of
from shipdesk.api.schemas import ErrorOut
from shipdesk.errors import StateConflict

from . import selectors, services
from .policy import MAX_WINDOW_DAYS, MIN_WINDOW_DAYS, return_rules_for
from .presenters import return_detail
from .schemas import (
    ApproveIn,
    ReceiveIn,
    RejectIn,
    ReturnIn,
    ReturnOut,
    ReturnPageOut,
    ReturnPolicyIn,
    ReturnPolicyOut,
    ReturnStatusValue,
)

router = Router(tags=["returns"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _detail(request: HttpRequest, return_id: int) -> dict:
    return return_detail(selectors.get_return(seller_id=scope_of(request), return_id=return_id))


@router.post(
    "/orders/{int:order_id}/returns",
    response={201: ReturnOut, **ERRORS},
    summary="Ask for a return of units of a shipped or delivered order",
)
def request_return(request: HttpRequest, order_id: int, payload: ReturnIn):
    """With a platform token the customer asks (through the storefront), within the shop's return
    window (409 `return_window_closed` after it); with the shop's token the shop records it."""
    actor = actor_of(request)
    if actor.kind is ActorKind.PLATFORM:
        actor = Actor(kind=ActorKind.CUSTOMER, label=f"customer via {actor.label}"[:200], token_id=actor.token_id)
    made = services.request_return(
        order_id=order_id,
        seller_id=scope_of(request),
        actor=actor,
        lines=[(line.line_id, line.quantity, line.reason) for line in payload.lines],
        note=payload.note,
    )
    return Status(201, _detail(request, made.pk))


class ReturnFiltersIn(Schema):
    status: ReturnStatusValue | None = None
    order_id: int | None = Field(default=None, ge=1)
    overdue: bool | None = None
    needs_action: bool | None = None
    sort: Literal["-requested_at", "requested_at", "deadline"] = "-requested_at"
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=500)


@router.get("/returns", response={200: ReturnPageOut, **ERRORS}, summary="List returns (keyset pagination)")
def list_returns(request: HttpRequest, filters: Query[ReturnFiltersIn]):
    """`sort=deadline`: returns with a step owed (answer, refund), the nearest deadline first.
    Pass `next_cursor` back as `cursor` for the next page; a cursor is tied to its sort."""
    page = selectors.list_returns(
        seller_id=scope_of(request),
        filters=selectors.ReturnFilters(
            status=filters.status,
            order_id=filters.order_id,
            overdue=filters.overdue,
            needs_action=filters.needs_action,
        ),
        sort=filters.sort,
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return {"items": [return_detail(each) for each in page.items], "next_cursor": page.next_cursor}


@router.get("/returns/{int:return_id}", response={200: ReturnOut, **ERRORS}, summary="One return")
def get_return(request: HttpRequest, return_id: int):
    return _detail(request, return_id)


@router.post(
    "/returns/{int:return_id}/approve",
    response={200: ReturnOut, **ERRORS},
    summary="Approve a return, with instructions and the return address",
)
def approve(request: HttpRequest, return_id: int, payload: ApproveIn):
    services.approve_return(
        return_id=return_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        instructions=payload.instructions,
        return_address=payload.return_address,
        return_label_url=payload.return_label_url,
    )
    return _detail(request, return_id)


@router.post("/returns/{int:return_id}/reject", response={200: ReturnOut, **ERRORS}, summary="Reject a return")
def reject(request: HttpRequest, return_id: int, payload: RejectIn):
    services.reject_return(
        return_id=return_id, seller_id=scope_of(request), actor=actor_of(request), reason=payload.reason
    )
    return _detail(request, return_id)


@router.post(
    "/returns/{int:return_id}/receive",
    response={200: ReturnOut, **ERRORS},
    summary="Receive a return: restock resellable units, write off damaged ones, refund",
)
def receive(request: HttpRequest, return_id: int, payload: ReceiveIn):
    services.receive_return(
        return_id=return_id,
        seller_id=scope_of(request),
        actor=actor_of(request),
        lines=[(line.line_id, line.quantity, line.condition) for line in payload.lines],
        refund=payload.refund,
    )
    return _detail(request, return_id)


@router.post("/returns/{int:return_id}/refund", response={200: ReturnOut, **ERRORS}, summary="Refund a received return")
def refund(request: HttpRequest, return_id: int):
    services.refund_return(return_id=return_id, seller_id=scope_of(request), actor=actor_of(request))
    return _detail(request, return_id)


def _own_shop(request: HttpRequest) -> int:
    seller_id = scope_of(request)
    if seller_id is None:
        raise StateConflict("A shop's return policy is its own: use a seller token.", details={})
    return seller_id


def _policy_out(seller_id: int) -> dict:
    rules = return_rules_for(seller_id)
    return {
        "window_days": rules.window_days,
        "shipping_policy": rules.shipping_policy,
        "return_address": rules.return_address,
        "instructions": rules.instructions,
        "uses_default_window": not rules.own_window,
        "uses_default_shipping_policy": not rules.own_shipping_policy,
        "min_window_days": MIN_WINDOW_DAYS,
        "max_window_days": MAX_WINDOW_DAYS,
    }


@router.get("/shop/return-policy", response={200: ReturnPolicyOut, **ERRORS}, tags=["shop"], summary="Return policy")
def return_policy(request: HttpRequest):
    """The shop's return policy in effect: its own settings, the platform defaults elsewhere."""
    return _policy_out(_own_shop(request))


@router.put(
    "/shop/return-policy", response={200: ReturnPolicyOut, **ERRORS}, tags=["shop"], summary="Set the return policy"
)
def set_return_policy(request: HttpRequest, payload: ReturnPolicyIn):
    """Replaces the whole policy (null: the platform default); 422 per field, nothing written."""
    seller_id = _own_shop(request)
    services.set_return_policy(seller_id=seller_id, **payload.dict())
    return _policy_out(seller_id)
