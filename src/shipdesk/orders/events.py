"""Keyword-only writers of timeline events: one place decides what an event row holds."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from shipdesk.actors import Actor
from shipdesk.ops.metrics import count_order_event
from shipdesk.ops.requests import current_request_id

from .models import Order, OrderEvent


def build_event(*, order: Order, type: str, actor: Actor, at: datetime | None = None, **params) -> OrderEvent:
    # Operations: the request that wrote the event is findable from it, and the event is counted
    # (shipdesk_order_events_total) once its transaction commits.
    if request_id := current_request_id():
        params.setdefault("request_id", request_id)
    count_order_event(type=type, params=params)
    return OrderEvent(
        seller_id=order.seller_id,
        order=order,
        type=type,
        actor_kind=actor.kind.value,
        actor_label=actor.label[:200],
        user_id=actor.user_id,
        params=params,
        created_at=at or timezone.now(),
    )


def record_event(*, order: Order, type: str, actor: Actor, at: datetime | None = None, **params) -> OrderEvent:
    event = build_event(order=order, type=type, actor=actor, at=at, **params)
    event.save(force_insert=True)
    return event
