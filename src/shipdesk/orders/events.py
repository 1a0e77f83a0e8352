"""Keyword-only writers of timeline events: one place decides what an event row holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from shipdesk.actors import Actor

from .models import Order, OrderEvent

# Who sees every event as it is built, called with `type` and `params` (which it may add to).
# Operations registers one at start-up (OpsConfig.ready): it notes the request that wrote the event
# and counts it (shipdesk_order_events_total) once its transaction commits. Events sit below ops
# and name it only through this list (docs/architecture.md).
EVENT_OBSERVERS: list[Callable[..., None]] = []


def build_event(*, order: Order, type: str, actor: Actor, at: datetime | None = None, **params) -> OrderEvent:
    for observe in EVENT_OBSERVERS:
        observe(type=type, params=params)
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
